// OPT per (scenario, round) for the sweep file, and the plan built from a trace file.
#include <omp.h>

#include "spotsweep/sweep/opt.hpp"
#include "spotsweep/sweep/sweep.hpp"
#include "spotsweep/market/trace_io.hpp"

namespace spotsweep {

OptTable compute_opt_table(const SweepPlan& plan, int32_t progress_buckets, int threads) {
  OptTable table;
  if (progress_buckets <= 0) return table;
  table.progress_buckets = progress_buckets;
  const int64_t jobs = plan.jobs_per_member();
  table.utility_lower.assign(static_cast<size_t>(jobs), 0.0);
  table.utility_upper.assign(static_cast<size_t>(jobs), 0.0);
  OptOptions options;
  options.progress_buckets = progress_buckets;
  const int n_threads = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads)
  for (int64_t i = 0; i < jobs; ++i) {
    const int32_t s = static_cast<int32_t>(i / plan.rounds);
    const int32_t r = static_cast<int32_t>(i % plan.rounds);
    const OptResult opt =
        solve_opt(plan.job(s, r), plan.scenarios.market(s), plan.round_start[r], options);
    table.utility_lower[i] = opt.utility_lower;
    table.utility_upper[i] = opt.utility_upper;
  }
  return table;
}

SweepPlan make_plan(const SweepConfig& config) {
  if (config.workload.synthetic) return make_synthetic_plan(config);
  SweepPlan plan = make_plan(config, load_trace(config.workload.trace_path));
  if (!config.workload.forecast_trace_path.empty())
    set_forecast_market(plan, load_trace(config.workload.forecast_trace_path), config.workload.forecast_trace_path);
  return plan;
}

}  // namespace spotsweep

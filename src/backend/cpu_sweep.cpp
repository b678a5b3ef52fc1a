// The sweep's CPU backend: OpenMP over members, each member's (scenario, round) loop in the
// fixed order the CUDA backend also uses, nearest-rank percentiles by sorting.
#include "spotsweep/backend/cpu_sweep.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "spotsweep/backend/device.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/stop.hpp"

namespace spotsweep {

namespace {

// scenario_rows, when given, receives each scenario's ScenarioStat row.
template <class Family>
OutcomeSums evaluate_member(const SweepPlan& plan, const ScenarioBatchView& scenarios,
                            const double* params, const PercentileKeys& keys, Outcome* traced,
                            double* scenario_rows, unsigned char* scratch) {
  OutcomeSums total;
  const int32_t rounds = plan.rounds;
  for (int32_t s = 0; s < scenarios.count; ++s) {
    const int64_t first_job = static_cast<int64_t>(s) * rounds;
    const OutcomeSums part = evaluate_member_scenario<Family>(
        params, scenarios.context(s, scratch), plan.jobs.data() + first_job,
        plan.round_start.data(), rounds, keys, 0, first_job, traced ? traced + first_job : nullptr);
    total.add(part);
    if (scenario_rows) finish_scenario_stats(part, scenario_rows + s * kScenarioStatCount);
  }
  return total;
}

}  // namespace

SweepResult run_sweep_cpu(const SweepPlan& plan, const SweepOptions& options,
                          const ProgressCallback& progress) {
  check_trace_members(plan, options.trace_members);
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t members = plan.pool.size;
  const int64_t jobs = plan.jobs_per_member();
  const ScenarioBatchView scenarios = plan.scenarios.view();
  const int threads = options.exec.cpu_threads();
  const size_t scratch_bytes = max_scratch_bytes(plan);  // per thread

  SweepResult result;
  result.members = members;
  result.stats.assign(static_cast<size_t>(members) * kStatCount,
                      std::numeric_limits<double>::quiet_NaN());  // percentiles stay NaN when off
  result.traced_members = options.trace_members;
  result.traced.resize(options.trace_members.size() * static_cast<size_t>(jobs));
  result.backend = Backend::cpu;
  result.threads = threads;
  result.device = cpu_device_label(threads);
  if (options.per_scenario)
    result.scenario_stats.assign(
        static_cast<size_t>(members) * scenarios.count * kScenarioStatCount, 0.0);

  std::vector<std::vector<double>> family_values;
  for (const FamilyGrid& g : plan.pool.families)
    family_values.push_back(g.flat_values());

  int64_t steps = 0;
  int64_t done = 0;
  int64_t last_reported = 0;  // touched by thread 0 only
  const int64_t report_every = std::max<int64_t>(1, members / 200);
#pragma omp parallel num_threads(threads) reduction(+ : steps)
  {
    std::vector<float> keys_buffer(options.percentiles ? kPercentileMetrics * jobs : 0);
    std::vector<unsigned char> scratch(scratch_bytes);
    const PercentileKeys keys{options.percentiles ? keys_buffer.data() : nullptr, 1, jobs};
    double params[kMaxAxes];
    // One member at a time: a member is at least one whole job per (scenario, round), so the
    // shared counter costs little, and a pool of a few costly CHC members still fills every core.
#pragma omp for schedule(dynamic, 1)
    for (int64_t member = 0; member < members; ++member) {
      if (stop_requested()) continue;  // SIGINT/SIGTERM: the rest is skipped, then thrown below
      const MemberRef ref = plan.pool.locate(member);
      const FamilyGrid& grid = plan.pool.families[ref.family_index];
      decode_member(grid.view(family_values[ref.family_index].data()), ref.local, params);
      Outcome* traced = nullptr;
      for (size_t k = 0; k < options.trace_members.size(); ++k)
        if (options.trace_members[k] == member) traced = result.traced.data() + k * jobs;
      double* scenario_rows = options.per_scenario ? result.scenario_stats.data() +
                                                         static_cast<size_t>(member) *
                                                             scenarios.count * kScenarioStatCount
                                                   : nullptr;
      const OutcomeSums sums = visit_family(grid.family, [&](auto family) {
        return evaluate_member<decltype(family)>(plan, scenarios, params, keys, traced,
                                                 scenario_rows, scratch.data());
      });
      steps += sums.slots;
      double* row = result.stats.data() + static_cast<size_t>(member) * kStatCount;
      finish_member_stats(sums, row);
      if (options.percentiles) {
        for (int32_t m = 0; m < kPercentileMetrics; ++m) {
          float* run = keys_buffer.data() + static_cast<size_t>(m) * jobs;
          std::sort(run, run + jobs);
          for (int32_t p = 0; p < kPercentileCount; ++p)
            row[static_cast<int32_t>(percentile_stat(static_cast<PercentileMetric>(m), p))] =
                run[percentile_index(percentile_percent(p), jobs)];
        }
      }
      int64_t now_done;
#pragma omp atomic capture
      now_done = ++done;
      if (progress && omp_get_thread_num() == 0 && now_done - last_reported >= report_every) {
        last_reported = now_done;
        progress(now_done, members);
      }
    }
  }
  throw_if_stop_requested();
  if (progress) progress(members, members);
  result.policy_slot_steps = steps;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace spotsweep

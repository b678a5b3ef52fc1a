// OPT by exact dynamic programming on the true market (docs/model.md §5): the window planner run
// over the whole horizon, where a state left unfinished at the hard deadline is infeasible.
#include "spotsweep/sweep/opt.hpp"

#include <omp.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/model/planner.hpp"
#include "spotsweep/model/policies.hpp"
#include "spotsweep/model/simulator.hpp"

namespace spotsweep {

namespace {

struct MustFinishTerminal {
  double operator()(double, double) const { return kInfeasibleValue; }
};

PlanMarket plan_market(const MarketView& market, int32_t start_slot, int32_t n_slots) {
  PlanMarket m;
  m.spot_price = market.spot_price + start_slot;
  m.spot_avail = market.spot_avail + start_slot;
  m.od_price_series = market.od_price_series ? market.od_price_series + start_slot : nullptr;
  m.od_price = market.od_price;
  m.tick_s = market.tick_seconds;
  m.n_slots = n_slots;
  return m;
}

}  // namespace

OptResult solve_opt(const JobSpec& job, const MarketView& market, int32_t start_slot,
                    const OptOptions& options) {
  SPOTSWEEP_EXPECTS(
      options.progress_step > 0.0 || options.progress_buckets > 0 || options.resolution > 0,
      "OPT needs a progress step, bucket count or resolution");
  const int32_t horizon = horizon_slots(job, market.tick_seconds);
  SPOTSWEEP_EXPECTS(start_slot >= 0 && start_slot + horizon <= market.n_slots,
                    "the market must cover the job's horizon");
  const PlanMarket window = plan_market(market, start_slot, horizon);
  const PlanStart start;
  const double step = options.progress_step > 0.0 ? options.progress_step
                      : options.progress_buckets > 0
                          ? job.work / options.progress_buckets
                          : market.tick_seconds * throughput(job, job.n_min) / options.resolution;
  const PlanShape shape = plan_shape(job, market.tick_seconds, horizon, 0.0, step);
  const MustFinishTerminal terminal;

  std::vector<double> value_a(static_cast<size_t>(shape.states()));
  std::vector<double> value_b(value_a.size());
  std::vector<double> move_values(static_cast<size_t>(plan_move_values(shape.buckets)));
  std::vector<int16_t> choice;
  if (options.replay) choice.resize(static_cast<size_t>(shape.states()) * horizon);

  OptResult result;
  result.progress_step = step;
  result.progress_buckets = static_cast<int32_t>(std::ceil(job.work / step - 1e-9));
  result.utility_lower =
      solve_plan(job, window, start, shape, Rounding::down, terminal, value_a.data(),
                 value_b.data(), move_values.data(), options.replay ? choice.data() : nullptr);
  result.utility_upper =
      options.upper_bound ? solve_plan(job, window, start, shape, Rounding::up, terminal,
                                       value_a.data(), value_b.data(), move_values.data(), nullptr)
                          : std::numeric_limits<double>::quiet_NaN();
  result.utility = result.utility_lower;

  if (result.utility_lower <= 0.5 * kInfeasibleValue) {
    // The job cannot finish at all: it can only miss.
    if (!job_is_feasible(job)) {
      result.utility = result.utility_lower = result.utility_upper = -job.miss_penalty;
      result.missed = 1;
      return result;
    }
    // The down-rounded lattice lost too much work to finish a tight job: fall back on the
    // best constant on-demand plan, a real schedule, as the lower value.
    result.lattice_too_coarse = 1;
    OnDemandOnlyPolicy fallback;
    const Outcome out = simulate(job, market, start_slot, fallback);
    result.utility_lower = result.utility = out.utility;
    result.cost = out.cost;
    result.finish_s = out.finish_s;
    result.reconfigs = out.reconfigs;
    result.spot_share = out.spot_share();
    return result;
  }
  if (!options.replay) return result;
  result.schedule.resize(horizon);
  const int32_t n =
      follow_plan(job, window, start, shape, choice.data(), horizon, result.schedule.data());
  result.schedule.resize(n);
  SchedulePolicy replay{result.schedule.data(), n};
  const Outcome out = simulate<SafetyNet::off>(job, market, start_slot, replay);
  result.utility = out.utility;
  result.cost = out.cost;
  result.finish_s = out.finish_s;
  result.missed = out.missed;
  result.reconfigs = out.reconfigs;
  result.spot_share = out.spot_share();
  return result;
}

OptTable compute_opt_table(const SweepPlan& plan, int32_t progress_buckets, int threads,
                           const OptProgress& progress, int32_t resolution) {
  OptTable table;
  if (progress_buckets <= 0) return table;
  table.progress_buckets = progress_buckets;
  table.resolution = resolution;
  const int64_t jobs = plan.jobs_per_member();
  table.utility_lower.assign(static_cast<size_t>(jobs), 0.0);
  table.utility_upper.assign(static_cast<size_t>(jobs), 0.0);
  OptOptions options;
  options.progress_buckets = resolution > 0 ? 0 : progress_buckets;
  options.resolution = resolution;
  const int n_threads = threads > 0 ? threads : omp_get_max_threads();
  int64_t done = 0;  // under the progress lock
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads)
  for (int64_t i = 0; i < jobs; ++i) {
    const int32_t s = static_cast<int32_t>(i / plan.rounds);
    const int32_t r = static_cast<int32_t>(i % plan.rounds);
    const OptResult opt =
        solve_opt(plan.job(s, r), plan.scenarios.market(s), plan.round_start[r], options);
    table.utility_lower[i] = opt.utility_lower;
    table.utility_upper[i] = opt.utility_upper;
    if (progress) {
#pragma omp critical(spotsweep_opt_progress)
      progress(++done, jobs);
    }
  }
  return table;
}

OptPrecision opt_precision(const double* lower, const double* upper, int64_t jobs,
                           double best_policy_mean) {
  OptPrecision p;
  p.jobs = jobs;
  double lo = 0.0, hi = 0.0;
  for (int64_t i = 0; i < jobs; ++i) {
    lo += lower[i];
    hi += upper[i];
  }
  if (jobs > 0) {
    p.lower_mean = lo / static_cast<double>(jobs);
    p.upper_mean = hi / static_cast<double>(jobs);
  }
  p.width = p.upper_mean - p.lower_mean;
  p.relative = p.lower_mean != 0.0 ? p.width / std::fabs(p.lower_mean)
                                   : std::numeric_limits<double>::infinity();
  p.has_policy = !std::isnan(best_policy_mean);
  if (p.has_policy) {
    p.best_policy_mean = best_policy_mean;
    p.policy_beats_lower = best_policy_mean > p.lower_mean + 1e-9 * (1.0 + std::fabs(p.lower_mean));
  }
  return p;
}

std::string opt_lattice_text(int32_t progress_buckets, int32_t resolution) {
  return resolution > 0 ? "step tick*H(N_min)/" + std::to_string(resolution)
                        : std::to_string(progress_buckets) + " progress buckets";
}

std::string describe_opt_precision(const OptPrecision& p, const std::string& lattice) {
  char line[512];
  std::snprintf(line, sizeof line,
                "OPT (%s): achieved %.4f, upper bound %.4f USD per job; bracket "
                "%.4f USD = %.3g %% of the achieved value",
                lattice.c_str(), p.lower_mean, p.upper_mean, p.width, 100.0 * p.relative);
  std::string text = line;
  if (p.relative > kOptBracketTarget)
    text +=
        " (wider than the 0.5 % target: refine the lattice (--opt-buckets, or "
        "--opt-resolution when beta = 0), or report the bracket beside every ratio)";
  if (p.policy_beats_lower) {
    std::snprintf(line, sizeof line,
                  "\nOPT PRECISION FAILURE: a policy's mean utility %.4f USD beats OPT's achieved "
                  "%.4f USD per job; OPT on %s is not optimal, ratios to it are not "
                  "competitive ratios",
                  p.best_policy_mean, p.lower_mean, lattice.c_str());
    text += line;
  }
  return text;
}

}  // namespace spotsweep

// OPT by exact dynamic programming on the true market (docs/model.md §5): the window planner run
// over the whole horizon, where a state left unfinished at the hard deadline is infeasible.
#include "spotsweep/sweep/opt.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "spotsweep/config/validation.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"
#include "spotsweep/detail/mpi.hpp"
#include "spotsweep/detail/stop.hpp"
#include "spotsweep/model/limits.hpp"
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

// q, by OptOptions' precedence.
double progress_step(const JobSpec& job, double tick_seconds, const OptOptions& options) {
  return options.progress_step > 0.0 ? options.progress_step
         : options.progress_buckets > 0
             ? job.work / options.progress_buckets
             : tick_seconds * throughput(job, job.n_min) / options.resolution;
}

bool uses_split_steps(const OptOptions& options) {
  return options.split_steps && options.progress_step <= 0.0 && options.progress_buckets <= 0 &&
         options.resolution > 0;
}

// The down- and up-rounded lattices' steps: one q, or OptSplitSteps' two.
struct LatticeSteps {
  double down = 0.0, up = 0.0;
};
LatticeSteps lattice_steps(const JobSpec& job, double tick_seconds, const OptOptions& options) {
  if (!uses_split_steps(options)) {
    const double q = progress_step(job, tick_seconds, options);
    return {q, q};
  }
  const OptSplitSteps split = opt_split_steps(job, tick_seconds, options.resolution);
  return {split.down, split.up};
}

}  // namespace

OptSplitSteps opt_split_steps(const JobSpec& job, double tick_seconds, int32_t resolution) {
  SPOTSWEEP_EXPECTS(resolution > 0 && job.alpha > 0.0, "a resolution and alpha > 0");
  const double per_gpu = tick_seconds * job.alpha;  // Δα: a full slot's work per extra GPU
  const double ratio = job.beta / job.alpha;
  const double density = resolution * job.alpha / throughput(job, job.n_min);
  const int32_t first = static_cast<int32_t>(std::max(1.0, std::round(density)));
  OptSplitSteps best;
  // The resolution step first (a = 0): exact at N_min, so it stays where few n are used.
  const double plain = tick_seconds * throughput(job, job.n_min) / resolution;
  best.down = best.up = plain;
  best.down_count = best.up_count = 0;
  for (int32_t n = job.n_min; n <= job.n_max; ++n) {
    const double steps = tick_seconds * throughput(job, n) / plain;
    const double fraction = steps - std::floor(steps + 1e-9);
    best.down_loss += std::max(fraction, 0.0) * plain;
    best.up_gain += std::max(std::ceil(steps - 1e-9) - steps, 0.0) * plain;
  }
  const double counts = job.n_max - job.n_min + 1;
  best.down_loss /= counts;
  best.up_gain /= counts;
  for (int32_t a = first; a <= 2 * first; ++a) {
    // Steps per full slot beyond a·n: a·β/α, whose fraction is what rounding loses or adds.
    const double offset = a * ratio;
    const double fraction = offset - std::floor(offset);
    const double step = per_gpu / a;
    const double loss = fraction * step;
    const double gain = fraction > 0.0 ? (1.0 - fraction) * step : 0.0;
    if (loss < best.down_loss) {
      best.down_loss = loss;
      best.down_count = a;
      best.down = step;
    }
    if (gain < best.up_gain) {
      best.up_gain = gain;
      best.up_count = a;
      best.up = step;
    }
  }
  return best;
}

double OptLattice::bytes(bool replay) const {
  const double layers = 2.0 * states() * sizeof(double);
  const double moves = static_cast<double>(plan_move_values(1)) * buckets * sizeof(double);
  const double choices = replay ? states() * horizon * sizeof(int16_t) : 0.0;
  const double schedule = replay ? horizon * sizeof(Allocation) : 0.0;
  return layers + moves + choices + schedule;
}

OptLattice opt_lattice(const JobSpec& job, double tick_seconds, const OptOptions& options) {
  // plan_shape's arithmetic for a plan from the job's start, before its int32 conversions.
  OptLattice l;
  const LatticeSteps steps = lattice_steps(job, tick_seconds, options);
  // The finest lattice solved has the most states: with split steps, solve_opt also tries the
  // resolution step for the lower bound.
  l.step = std::min({steps.down, steps.up, progress_step(job, tick_seconds, options)});
  l.horizon = std::ceil((job.hard_deadline_s() - kDeadlineTolS) / tick_seconds) +
              (job.cant_be_late() ? 1.0 : 0.0);
  l.allocations = planner_allocation_states(job);
  l.restart_states = std::max(std::ceil(job.reconfig_s / tick_seconds - 1e-9) + 1.0, 1.0);
  const double reach = l.horizon * tick_seconds * throughput(job, job.n_max);
  const double span = std::min(job.work, reach);
  l.buckets = std::max(std::ceil(span / l.step - 1e-9) + (reach < job.work ? 1.0 : 0.0), 1.0);
  return l;
}

void check_opt_lattice(const JobSpec& job, double tick_seconds, const OptOptions& options,
                       const std::string& source, const std::string& field,
                       const std::string& value) {
  const OptLattice l = opt_lattice(job, tick_seconds, options);
  validate_planner_lattice(job, l.buckets, source, field, value);
  if (!(l.states() <= 9.0e15))  // state indices are int64 and exact in a double
    throw input_error(source, field, value,
                      "gives OPT " + format_number(l.states()) + " lattice states");
}

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
  const OptLattice lattice = opt_lattice(job, market.tick_seconds, options);
  SPOTSWEEP_EXPECTS(
      lattice.allocations <= kMaxPlannerAllocations && lattice.buckets <= kMaxPlannerBuckets,
      "OPT's lattice must pass check_opt_lattice first");
  // One step for both roundings, or split steps: each bound is valid on any lattice.
  const LatticeSteps steps = lattice_steps(job, market.tick_seconds, options);
  double step = steps.down;
  PlanShape shape = plan_shape(job, market.tick_seconds, horizon, 0.0, step);
  const PlanShape up_shape =
      steps.up == steps.down ? shape : plan_shape(job, market.tick_seconds, horizon, 0.0, steps.up);
  // Split steps pick the down step by its loss per full slot, which ignores restarts; on a coarse
  // lattice the resolution step itself can do better, so both are solved and the better kept
  // (each is an achievable schedule's value, so the larger is a lower bound too; docs/model.md §5
  // "Split steps").
  const double resolution_step = progress_step(job, market.tick_seconds, options);
  const bool try_resolution_step = uses_split_steps(options) && resolution_step != steps.down;
  const PlanShape resolution_shape =
      try_resolution_step ? plan_shape(job, market.tick_seconds, horizon, 0.0, resolution_step)
                          : shape;
  const MustFinishTerminal terminal;

  const int64_t most_states =
      std::max({shape.states(), up_shape.states(), resolution_shape.states()});
  std::vector<double> value_a(static_cast<size_t>(most_states));
  std::vector<double> value_b(value_a.size());
  std::vector<double> move_values(static_cast<size_t>(
      plan_move_values(std::max({shape.buckets, up_shape.buckets, resolution_shape.buckets}))));
  std::vector<int16_t> choice;
  if (options.replay)
    choice.resize(static_cast<size_t>(std::max(shape.states(), resolution_shape.states())) *
                  horizon);
  int16_t* const choices = options.replay ? choice.data() : nullptr;

  OptResult result;
  result.utility_lower = solve_plan(job, window, start, shape, Rounding::down, terminal,
                                    value_a.data(), value_b.data(), move_values.data(), choices);
  if (try_resolution_step) {
    const double on_resolution =
        solve_plan(job, window, start, resolution_shape, Rounding::down, terminal, value_a.data(),
                   value_b.data(), move_values.data(), nullptr);
    if (on_resolution > result.utility_lower) {
      step = resolution_step;
      shape = resolution_shape;
      // The replay needs the winning lattice's choices: solve it again, keeping them.
      result.utility_lower =
          options.replay ? solve_plan(job, window, start, shape, Rounding::down, terminal,
                                      value_a.data(), value_b.data(), move_values.data(), choices)
                         : on_resolution;
    }
  }
  result.progress_step = step;
  result.progress_buckets = static_cast<int32_t>(std::ceil(job.work / step - 1e-9));
  result.utility_upper =
      options.upper_bound ? solve_plan(job, window, start, up_shape, Rounding::up, terminal,
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

namespace {

// What compute_opt_table solves with: the bracket only, no schedule to extract and replay (the
// bracket is the same).
OptOptions table_options(int32_t progress_buckets, int32_t resolution, bool split_steps) {
  OptOptions options;
  options.progress_buckets = resolution > 0 ? 0 : progress_buckets;
  options.resolution = resolution;
  options.split_steps = split_steps && resolution > 0;
  options.replay = false;
  return options;
}

int table_threads(const SweepPlan& plan, int threads) {
  return static_cast<int>(std::clamp<int64_t>(threads > 0 ? threads : omp_get_max_threads(), 1,
                                              plan.jobs_per_member()));
}

}  // namespace

void check_opt_table(const SweepPlan& plan, int32_t progress_buckets, int threads,
                     int32_t resolution, bool split_steps) {
  if (progress_buckets <= 0) return;
  const OptOptions options = table_options(progress_buckets, resolution, split_steps);
  const int n_threads = table_threads(plan, threads);
  const int64_t jobs = plan.jobs_per_member();
  // Every job's lattice, and the most memory one solve needs, before any thread starts.
  double most_bytes = 0.0;
  const std::string option = resolution > 0 ? "--opt-resolution" : "--opt-buckets";
  const std::string value = std::to_string(resolution > 0 ? resolution : progress_buckets);
  for (int32_t s = 0; s < plan.scenarios.count; ++s)
    for (int32_t r = 0; r < plan.rounds; ++r) {
      const JobSpec& job = plan.job(s, r);
      const std::string where = (plan.config_file.empty() ? "" : plan.config_file + ": ") +
                                "[job] scenario " + std::to_string(s) + " round " +
                                std::to_string(r);
      check_opt_lattice(job, plan.scenarios.tick_seconds, options, where, option, value);
      most_bytes =
          std::max(most_bytes, opt_lattice(job, plan.scenarios.tick_seconds, options).bytes(false));
    }
  check_host_memory(
      most_bytes * n_threads + 2.0 * jobs * sizeof(double),
      "OPT's tables (" + std::to_string(n_threads) + " threads x " + format_bytes(most_bytes) + ")",
      plan.config_file, option, value,
      "lower " + option + " or --threads, or give --opt-buckets 0");
}

OptJobRange opt_job_range(const SweepPlan& plan, int32_t progress_buckets, int32_t resolution,
                          int rank, int ranks, bool split_steps) {
  const OptOptions options = table_options(progress_buckets, resolution, split_steps);
  std::vector<double> work;
  work.reserve(static_cast<size_t>(plan.jobs_per_member()));
  for (int32_t s = 0; s < plan.scenarios.count; ++s)
    for (int32_t r = 0; r < plan.rounds; ++r)
      work.push_back(opt_lattice(plan.job(s, r), plan.scenarios.tick_seconds, options).work());
  const mpi::MemberRange range = mpi::weighted_range(work, rank, ranks);
  return OptJobRange{range.begin, range.end};
}

OptTable compute_opt_share(const SweepPlan& plan, int32_t progress_buckets, int threads,
                           OptJobRange range, const OptProgress& progress, int32_t resolution,
                           bool split_steps) {
  OptTable table;
  if (progress_buckets <= 0) return table;
  SPOTSWEEP_EXPECTS(
      0 <= range.begin && range.begin <= range.end && range.end <= plan.jobs_per_member(),
      "OPT's jobs lie in the plan");
  check_opt_table(plan, progress_buckets, threads, resolution, split_steps);
  table.progress_buckets = progress_buckets;
  table.resolution = resolution;
  table.split_steps = split_steps && resolution > 0;
  const int64_t jobs = range.count();
  const OptOptions options = table_options(progress_buckets, resolution, split_steps);
  const int n_threads = static_cast<int>(std::clamp<int64_t>(
      threads > 0 ? threads : omp_get_max_threads(), 1, std::max<int64_t>(jobs, 1)));
  table.utility_lower.assign(static_cast<size_t>(jobs), 0.0);
  table.utility_upper.assign(static_cast<size_t>(jobs), 0.0);
  // An exception cannot leave an OpenMP region: the first one is kept and rethrown after it.
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  int64_t done = 0;  // under the progress lock
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads)
  for (int64_t k = 0; k < jobs; ++k) {
    if (stop_requested() || failed.load(std::memory_order_relaxed)) continue;
    try {
      const int64_t i = range.begin + k;
      const int32_t s = static_cast<int32_t>(i / plan.rounds);
      const int32_t r = static_cast<int32_t>(i % plan.rounds);
      const OptResult opt =
          solve_opt(plan.job(s, r), plan.scenarios.market(s), plan.round_start[r], options);
      table.utility_lower[k] = opt.utility_lower;
      table.utility_upper[k] = opt.utility_upper;
      if (progress) {
#pragma omp critical(spotsweep_opt_progress)
        progress(++done, jobs);
      }
    } catch (...) {
#pragma omp critical(spotsweep_opt_failure)
      {
        if (!failure) failure = std::current_exception();
      }
      failed = true;
    }
  }
  if (failure) std::rethrow_exception(failure);
  throw_if_stop_requested();
  return table;
}

OptTable compute_opt_table(const SweepPlan& plan, int32_t progress_buckets, int threads,
                           const OptProgress& progress, int32_t resolution, bool split_steps) {
  return compute_opt_share(plan, progress_buckets, threads, OptJobRange{0, plan.jobs_per_member()},
                           progress, resolution, split_steps);
}

OptTable gather_opt_shares(OptTable share, int64_t jobs) {
  if (share.progress_buckets <= 0 || mpi::size() == 1) return share;
  // Contiguous shares in rank order: their concatenation is job order.
  for (std::vector<double>* values : {&share.utility_lower, &share.utility_upper}) {
    const std::vector<unsigned char> all =
        mpi::all_gather_varying(values->data(), values->size() * sizeof(double));
    SPOTSWEEP_EXPECTS(all.size() == static_cast<size_t>(jobs) * sizeof(double),
                      "every job's OPT gathered once");
    values->resize(static_cast<size_t>(jobs));
    std::memcpy(values->data(), all.data(), all.size());
  }
  return share;
}

OptTable compute_opt_table_ranks(const SweepPlan& plan, int32_t progress_buckets, int threads,
                                 const OptProgress& progress, int32_t resolution,
                                 bool split_steps) {
  if (mpi::size() == 1)
    return compute_opt_table(plan, progress_buckets, threads, progress, resolution, split_steps);
  OptTable share;
  mpi::agreed([&] {
    if (progress_buckets <= 0) return;
    check_opt_table(plan, progress_buckets, threads, resolution, split_steps);
    const OptJobRange range =
        opt_job_range(plan, progress_buckets, resolution, mpi::rank(), mpi::size(), split_steps);
    share = compute_opt_share(plan, progress_buckets, threads, range, progress, resolution,
                              split_steps);
    mpi::test_failure_point("opt");
  });
  return gather_opt_shares(std::move(share), plan.jobs_per_member());
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

std::string opt_lattice_text(int32_t progress_buckets, int32_t resolution, bool split_steps) {
  if (resolution > 0 && split_steps)
    return "split steps tick*alpha/a near tick*H(N_min)/" + std::to_string(resolution);
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

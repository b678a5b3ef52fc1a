#pragma once
// OPT: the offline optimum of docs/model.md §5 by dynamic programming over
// (slot, previous allocation, slots since the last restart, progress bucket). Host-only.
//
// Progress is bucketed in steps of q (OptOptions). Rounding every slot's progress down
// (conservative) never credits work not done, so the DP value is achieved by a real
// schedule: utility_lower ≤ OPT. Rounding up credits at most q extra per slot, a relaxation:
// utility_upper ≥ OPT. The bracket [utility_lower, utility_upper] is the stated error bound;
// it shrinks as progress_buckets grows (see docs/model.md "OPT").
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "spotsweep/model/job.hpp"
#include "spotsweep/model/market.hpp"
#include "spotsweep/model/slot.hpp"
#include "spotsweep/sweep/plan.hpp"

namespace spotsweep {

struct OptOptions {
  // The progress step q, by precedence: progress_step if > 0; else L/progress_buckets if > 0;
  // else Δ·H(N_min)/resolution. The last divides a full slot's progress exactly when β = 0
  // (H(n)/H(N_min) is then an integer), so only restart slots lose work to rounding.
  double progress_step = 0.0;
  int32_t progress_buckets = 0;
  int32_t resolution = 16;
  // With the resolution step (no progress_step or progress_buckets): the down- and up-rounded
  // lattices get steps of their own, Δα/a_down and Δα/a_up (opt_split_steps), so that a full
  // slot's progress at any n is just above (down) or just below (up) a whole number of steps
  // even when β ≠ 0 (docs/model.md §5, "Split steps").
  bool split_steps = false;
  bool upper_bound = true;  // also solve the rounded-up relaxation
  bool replay = true;       // extract the schedule and replay it exactly
};

struct OptResult {
  double utility_lower = 0.0;  // the down-rounded plan's value: a real schedule achieves it
  double utility_upper = 0.0;  // ≥ the true optimum (up-rounded relaxation); NaN if not solved
  // The down-rounded plan replayed by the simulator (no safety net): utility ≥ utility_lower.
  // Equal to utility_lower when replay is off.
  double utility = 0.0;
  double cost = 0.0;
  double finish_s = -1.0;  // −1 when the job is infeasible (a miss)
  int32_t missed = 0;
  int32_t reconfigs = 0;
  double spot_share = 0.0;
  int32_t progress_buckets = 0;  // ⌈L/q⌉
  double progress_step = 0.0;    // q
  // 1 when no finishing plan survives down-rounding (a tight job on a coarse lattice); the
  // lower value is then the best constant on-demand plan's utility.
  int32_t lattice_too_coarse = 0;
  std::vector<Allocation> schedule;  // per slot from the start, when replayed
};

// The size of OPT's lattice for a job, in doubles (nothing converted yet): what
// check_opt_lattice checks and what the memory estimates count.
struct OptLattice {
  double step = 0.0;         // q
  double buckets = 0.0;      // progress states (plan_shape's count)
  double allocations = 0.0;  // allocation states
  double restart_states = 0.0;
  double horizon = 0.0;  // slots
  double states() const { return allocations * restart_states * buckets; }
  // Host bytes one solve needs: two value layers, the move rows, and with `replay` the
  // per-slot choices and the schedule.
  double bytes(bool replay) const;
  // The work of one solve, in the planner's inner steps (slots × states × allocations it moves
  // to), for splitting jobs evenly across MPI ranks (opt_job_range): an estimate, not a time.
  double work() const { return horizon * states() * allocations; }
};
// With OptOptions::split_steps, the finer of the two lattices (the larger state count).
OptLattice opt_lattice(const JobSpec& job, double tick_seconds, const OptOptions& options);

// The two steps of OptOptions::split_steps for resolution m. A full slot at n GPUs moves
// Δ·H(n)/q = a·n + a·β/α steps when q = Δα/a, the same fraction f(a) = frac(a·β/α) of a step
// for every n. The candidates are the resolution step Δ·H(N_min)/m (a = 0; its loss is the mean
// over n in [N_min, N_max]) and Δα/a for the integers a in [a0, 2·a0], a0 = max(1,
// round(m·α/H(N_min))) (the resolution lattice's density, so at most twice its states): down
// takes the one losing the least work per full slot, f(a)·Δα/a, and up the one over-crediting the
// least, (1 − f(a))·Δα/a (0 when f(a) = 0); ties keep the earlier (the resolution step, then the
// smaller a). With β = 0 and N_min = 1, or N_min = N_max, both are the resolution step.
struct OptSplitSteps {
  int32_t down_count = 0, up_count = 0;   // a_down, a_up; 0: the resolution step
  double down = 0.0, up = 0.0;            // Δα/a_down, Δα/a_up
  double down_loss = 0.0, up_gain = 0.0;  // work lost / over-credited per full slot
};
OptSplitSteps opt_split_steps(const JobSpec& job, double tick_seconds, int32_t resolution);

// Checks OPT's lattice for the job against the planner's limits (config/validation.hpp,
// validate_planner_lattice) before anything is sized; `field` = `value` names what sets it
// (--opt-buckets, --opt-resolution). The job must have been validated.
void check_opt_lattice(const JobSpec& job, double tick_seconds, const OptOptions& options,
                       const std::string& source, const std::string& field,
                       const std::string& value);

// The job starts at market slot start_slot; the market must cover its hard deadline and the
// lattice must have passed check_opt_lattice (a LogicError otherwise).
OptResult solve_opt(const JobSpec& job, const MarketView& market, int32_t start_slot,
                    const OptOptions& options = {});

// OPT of every (scenario, round) of a plan: [scenario][round] brackets.
struct OptTable {
  int32_t progress_buckets = 0;  // 0: not computed
  int32_t resolution = 0;    // > 0: the step was Δ·H(N_min)/resolution, not L/progress_buckets
  bool split_steps = false;  // with resolution: OptOptions::split_steps' two lattices
  std::vector<double> utility_lower, utility_upper;  // [scenario][round]
};
// What compute_opt_table checks before it starts, for commands to call before a long run:
// every job's lattice (check_opt_lattice) and the host memory `threads` solves need at once.
// InputErrors name --opt-buckets, or --opt-resolution when resolution > 0.
// split_steps (with resolution > 0): OptOptions::split_steps, in every function below.
void check_opt_table(const SweepPlan& plan, int32_t progress_buckets, int threads,
                     int32_t resolution = 0, bool split_steps = false);
// OPT for every (scenario, round), in parallel on the host with `threads` (0 = all). The step is
// L/progress_buckets, or, with resolution > 0, Δ·H(N_min)/resolution (OptOptions): a full slot's
// progress is then a whole number of steps when β = 0, so only restart slots lose work to
// rounding and the bracket is far narrower at the same cost (docs/model.md §5). Checks every
// job's lattice and the host memory the threads need first (check_opt_table); stops early,
// throwing Interrupted, when a stop is asked for. Progress, when given, hears (jobs solved, jobs)
// from one thread at a time.
using OptProgress = std::function<void(int64_t done, int64_t total)>;
OptTable compute_opt_table(const SweepPlan& plan, int32_t progress_buckets, int threads,
                           const OptProgress& progress = {}, int32_t resolution = 0,
                           bool split_steps = false);

// OPT split across MPI ranks (docs/mpi.md, "OPT across ranks"). A job's OPT depends on the job
// and its market alone, never on which rank or thread solves it, so any split gives the same bits.
// The jobs [begin, end), in the plan's (scenario, round) order, that rank `rank` of `ranks`
// solves: contiguous ranges cut where the estimated work (OptLattice::work) is even
// (mpi::weighted_range), rank order being job order. The jobs' lattices must have passed
// check_opt_table.
struct OptJobRange {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t count() const { return end - begin; }
};
OptJobRange opt_job_range(const SweepPlan& plan, int32_t progress_buckets, int32_t resolution,
                          int rank, int ranks, bool split_steps = false);
// OPT of the jobs [range.begin, range.end) only: utility_lower and utility_upper hold
// range.count() values, job range.begin first. As compute_opt_table otherwise (its checks cover
// every job of the plan; threads are at most the range's jobs; progress hears (solved, count)).
OptTable compute_opt_share(const SweepPlan& plan, int32_t progress_buckets, int threads,
                           OptJobRange range, const OptProgress& progress = {},
                           int32_t resolution = 0, bool split_steps = false);
// Every rank's share (compute_opt_share of its opt_job_range) gathered into the whole table of
// `jobs` jobs on every rank, in job order; a collective that every rank reaches once its share is
// agreed. With one rank, the share itself.
OptTable gather_opt_shares(OptTable share, int64_t jobs);
// compute_opt_table on every rank at once: each rank solves its opt_job_range, the ranks agree
// on the outcome (a failure or a stop on any rank is every rank's, mpi::agree), and every rank
// gets the whole table, the shares gathered in rank (= job) order: bit-identical to
// compute_opt_table on one process. Every rank calls it at the same point, outside any other
// agreement. Progress hears this rank's share. With one rank, compute_opt_table.
OptTable compute_opt_table_ranks(const SweepPlan& plan, int32_t progress_buckets, int threads,
                                 const OptProgress& progress = {}, int32_t resolution = 0,
                                 bool split_steps = false);

// OPT's stated precision over a set of jobs (docs/model.md §5 "Precision"): the mean achieved
// (lower) and upper values per job, the bracket's width in USD per job and relative to the
// achieved value, and whether a policy's mean utility beats OPT's achieved mean, which no
// policy can do against the true optimum: that is a failure of OPT's precision, not a result.
struct OptPrecision {
  int64_t jobs = 0;
  double lower_mean = 0.0;
  double upper_mean = 0.0;
  double width = 0.0;     // upper_mean − lower_mean, USD per job
  double relative = 0.0;  // width / |lower_mean|
  double best_policy_mean = 0.0;
  bool has_policy = false;
  bool policy_beats_lower = false;  // best_policy_mean > lower_mean (beyond rounding)
};

// The precision over `jobs` jobs; best_policy_mean is NaN when no policy is compared.
OptPrecision opt_precision(const double* lower, const double* upper, int64_t jobs,
                           double best_policy_mean);

// The precision over an OptTable's jobs.
inline OptPrecision opt_precision(const OptTable& table, double best_policy_mean) {
  return opt_precision(table.utility_lower.data(), table.utility_upper.data(),
                       static_cast<int64_t>(table.utility_lower.size()), best_policy_mean);
}

// One line for the command line: "OPT (lattice): achieved X, upper Y USD per job, bracket
// W USD = P % of the achieved value", with a warning when the bracket exceeds 0.5 % and a
// "PRECISION FAILURE" when a policy beats the achieved value.
// `lattice` names OPT's lattice (opt_lattice_text).
std::string describe_opt_precision(const OptPrecision& precision, const std::string& lattice);
// "1024 progress buckets", or "step tick*H(N_min)/16" when resolution > 0, or "split steps
// tick*alpha/a near tick*H(N_min)/16" with split_steps.
std::string opt_lattice_text(int32_t progress_buckets, int32_t resolution,
                             bool split_steps = false);

// The bracket OPT's precision target allows: 0.5 % of the achieved value (docs/model.md §5).
constexpr double kOptBracketTarget = 0.005;

}  // namespace spotsweep

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
};
OptLattice opt_lattice(const JobSpec& job, double tick_seconds, const OptOptions& options);

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
  int32_t progress_buckets = 0;                      // 0: not computed
  std::vector<double> utility_lower, utility_upper;  // [scenario][round]
};
// What compute_opt_table checks before it starts, for commands to call before a long run:
// every job's lattice (check_opt_lattice) and the host memory `threads` solves need at once.
// InputErrors name --opt-buckets.
void check_opt_table(const SweepPlan& plan, int32_t progress_buckets, int threads);
// OPT for every (scenario, round), in parallel on the host with `threads` (0 = all). Checks
// every job's lattice and the host memory the threads need first (InputErrors naming
// --opt-buckets); stops early, throwing Interrupted, when a stop is asked for. Progress, when
// given, hears (jobs solved, jobs) from one thread at a time.
using OptProgress = std::function<void(int64_t done, int64_t total)>;
OptTable compute_opt_table(const SweepPlan& plan, int32_t progress_buckets, int threads,
                           const OptProgress& progress = {});

}  // namespace spotsweep

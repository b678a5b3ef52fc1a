#pragma once
// The exact window planner: backward dynamic programming over
//   (slot k, previous allocation, slots run since the last restart, progress bucket).
// OPT (docs/model.md §5) is this planner over the whole horizon on the true market; CHC
// (docs/model.md §4.4, Algorithm 1) runs it over a window of forecasts with a terminal value.
//
// Progress is kept on a lattice W = W0 + b·q. Rounding each slot's progress down never
// credits work not done (the plan's value is achieved in reality); rounding up gives a
// relaxation whose value bounds the true optimum from above. Both views share this code.
//
// Cost per plan: n_slots · A · (S+1) · B landings and about 3 times as many comparisons, with
// A = allocation states (N_max − N_min + 2 for trigger = total; 1 + Σ_{n=N_min..N_max}(n+1)
// for composition), S = ⌈R/Δ⌉ and B = progress buckets. Scratch: (2·A·(S+1) + 4)·B
// doubles, plus n_slots·A·(S+1)·B choices when the plan itself is wanted.
#include <cmath>
#include <cstdint>

#include "spotsweep/model/job.hpp"
#include "spotsweep/model/limits.hpp"
#include "spotsweep/model/macros.hpp"
#include "spotsweep/model/slot.hpp"

namespace spotsweep {

// The market a plan is made on: slots k = 0..n_slots−1 of the window (truth or forecast).
struct PlanMarket {
  const double* spot_price = nullptr;
  const int32_t* spot_avail = nullptr;
  const double* od_price_series = nullptr;  // nullptr: constant od_price
  double od_price = 0.0;
  double tick_s = 0.0;
  int32_t n_slots = 0;

  SPOTSWEEP_HD_INLINE double od_price_at(int32_t k) const {
    return od_price_series ? od_price_series[k] : od_price;
  }
};

// Where the plan starts: the job's state at the start of window slot 0.
struct PlanStart {
  double elapsed_s = 0.0;   // τ of window slot 0, from the job's start
  double work_done = 0.0;   // the lattice's origin W0: progress state b stands for W0 + b·q
  double overhead_s = 0.0;  // restart seconds left for the running allocation
  Allocation prev;          // the allocation that ran just before
  int32_t bucket = 0;       // the progress state the plan starts in
};

enum class Rounding : int32_t { down = 0, up = 1 };

// The allocation lattice: which allocations a state or action can be.
struct AllocationSpace {
  int32_t n_min = 1, n_max = 1;
  bool by_composition = false;  // trigger = composition: states are (on-demand, spot) pairs

  SPOTSWEEP_HD_INLINE int32_t size() const {
    if (!by_composition) return n_max - n_min + 2;
    // idle, then for each total n ∈ [N_min, N_max] its n+1 splits
    return 1 + (n_max - n_min + 1) * (n_min + n_max + 2) / 2;
  }
  // Index 0 is idle. For totals, spot is filled in later from the slot's prices.
  SPOTSWEEP_HD_INLINE Allocation at(int32_t index) const {
    Allocation a;
    if (index == 0) return a;
    if (!by_composition) {
      a.n_od = n_min + index - 1;
      return a;
    }
    int32_t i = index - 1;
    for (int32_t n = n_min; n <= n_max; ++n) {
      if (i <= n) {
        a.n_spot = i;
        a.n_od = n - i;
        return a;
      }
      i -= n + 1;
    }
    return a;
  }
  SPOTSWEEP_HD_INLINE int32_t index_of(const Allocation& a) const {
    const int32_t n = a.total();
    if (n <= 0 || n < n_min || n > n_max) return 0;
    if (!by_composition) return n - n_min + 1;
    int32_t index = 1;
    for (int32_t m = n_min; m < n; ++m)
      index += m + 1;
    return index + a.n_spot;
  }
  // The allocation an action index rents in slot k; for totals, spot first when cheaper.
  // Returns false when the slot's spot availability cannot serve it.
  SPOTSWEEP_HD_INLINE bool realise(int32_t index, int32_t spot_avail, double spot_price,
                                   double od_price, Allocation* out) const {
    const Allocation a = at(index);
    if (!by_composition) {
      *out = split_spot_first(a.total(), spot_avail, spot_price, od_price);
      return true;
    }
    *out = a;
    return a.n_spot <= spot_avail;
  }
};

SPOTSWEEP_HD_INLINE AllocationSpace allocation_space(const JobSpec& job) {
  AllocationSpace space;
  space.n_min = job.n_min;
  space.n_max = job.n_max;
  space.by_composition = job.trigger == ReconfigTrigger::composition;
  return space;
}

// The value of a state left unfinished at the end of a window: finishing the rest on the best
// constant on-demand count right after it (one restart); infeasible when the window reaches
// the hard deadline or no count finishes in time.  [ours]
struct OnDemandTerminal {
  JobSpec job;
  double od_price = 0.0;
  bool at_horizon = false;

  SPOTSWEEP_HD_INLINE double operator()(double work, double elapsed_s) const {
    double best = kInfeasibleValue;
    if (at_horizon) return best;
    const double left = max_d(job.work - work, 0.0);
    for (int32_t n = job.n_min; n <= job.n_max; ++n) {
      const double run_s = job.reconfig_s + left / throughput(job, n);
      if (elapsed_s + run_s > job.hard_deadline_s() + kDeadlineTolS) continue;
      best = max_d(best, completion_value(job, elapsed_s + run_s) - n * od_price * run_s / 3600.0);
    }
    return best;
  }
};

// The exact value of a window schedule (realised allocations, one per slot) from `start`, on
// continuous work: V(T) − the cost up to completion when the job completes in the window, else
// terminal(W_end, τ_end) − the window's cost. The objective both planners aim at; *slots_used
// (optional) receives how many slots the schedule runs before the job completes.
template <class Terminal>
SPOTSWEEP_HD double plan_window_value(const JobSpec& job, const PlanMarket& market,
                                      const PlanStart& start, const Allocation* schedule,
                                      const Terminal& terminal, int32_t* slots_used = nullptr) {
  double work = start.work_done, overhead = start.overhead_s, cost = 0.0;
  Allocation prev = start.prev;
  for (int32_t k = 0; k < market.n_slots; ++k) {
    const Allocation a = schedule[k];
    if (is_reconfiguration(job, prev, a)) overhead = job.reconfig_s;
    const SlotProgress step = run_slot(job, market.tick_s, overhead, work, a.total());
    const double slot_cost =
        allocation_cost(a, market.spot_price[k], market.od_price_at(k), market.tick_s);
    if (step.completes) {
      const double billed = job.billing == Billing::per_second
                                ? slot_cost * (step.finish_offset_s / market.tick_s)
                                : slot_cost;
      if (slots_used) *slots_used = k + 1;
      return completion_value(job, start.elapsed_s + k * market.tick_s + step.finish_offset_s) -
             cost - billed;
    }
    cost += slot_cost;
    work = step.work_after;
    if (a.total() > 0) overhead = step.overhead_after_s;
    prev = a;
  }
  if (slots_used) *slots_used = market.n_slots;
  return terminal(work, start.elapsed_s + market.n_slots * market.tick_s) - cost;
}

// Sizes of the planner's state lattice for one plan. Progress states b = 0…lattice_buckets−1
// are all short of L; a plan covers `buckets` of them from first_bucket on: enough for start
// states in [first_bucket, top_bucket] and all the window can reach from them (docs/chc.md,
// "Plan tables").
struct PlanShape {
  AllocationSpace space;
  int32_t restart_states = 1;   // S+1: slots since restart 0..S, S = ⌈R/Δ⌉ (S = overhead paid)
  int32_t lattice_buckets = 1;  // the lattice's end: states b < lattice_buckets are short of L
  int32_t first_bucket = 0;     // the lowest state covered, the lowest start state
  int32_t top_bucket = 0;       // the highest start state
  int32_t buckets = 1;          // states covered: first_bucket … first_bucket + buckets − 1
  double step = 1.0;            // q, samples per bucket
  int32_t n_slots = 0;

  SPOTSWEEP_HD_INLINE int64_t states() const {
    return static_cast<int64_t>(space.size()) * restart_states * buckets;
  }
  // The index of state (alloc, since, bucket), with the bucket absolute (≥ first_bucket).
  SPOTSWEEP_HD_INLINE int64_t state_index(int32_t alloc, int32_t since, int32_t bucket) const {
    return (static_cast<int64_t>(alloc) * restart_states + since) * buckets +
           (bucket - first_bucket);
  }
};

// Restart seconds still to pay at the start of a slot, `since` slots after the restart.
SPOTSWEEP_HD_INLINE double overhead_after_slots(const JobSpec& job, double tick_s, int32_t since) {
  return max_d(job.reconfig_s - since * tick_s, 0.0);
}

// The lattice for a plan of n_slots starting with work_done; q = step (fixed across a job's
// re-plans so that re-planning never loses ground, see docs/model.md).
SPOTSWEEP_HD_INLINE PlanShape plan_shape(const JobSpec& job, double tick_s, int32_t n_slots,
                                         double work_done, double step) {
  PlanShape shape;
  shape.space = allocation_space(job);
  shape.restart_states = static_cast<int32_t>(ceil(job.reconfig_s / tick_s - 1e-9)) + 1;
  if (shape.restart_states < 1) shape.restart_states = 1;
  shape.step = step;
  shape.n_slots = n_slots;
  const double left = job.work - work_done;
  const double reach = n_slots * tick_s * throughput(job, job.n_max);
  const double span = min_d(left, reach);
  // States short of completion: W0 + b·q < L, and no further than the window can reach.
  int32_t b = static_cast<int32_t>(ceil(span / step - 1e-9));
  if (reach < left) b += 1;
  shape.buckets = shape.lattice_buckets = max_i(b, 1);
  return shape;
}

// The most lattice steps a slot can move progress: a full slot at N_max, rounded up, plus one.
// Clamped at the planner's progress-state limit (docs/reliability.md, "Limits"): a lattice holds
// no more states (the host checks it), so a larger shift reaches the same states, and the int32
// never wraps.
SPOTSWEEP_HD_INLINE int32_t plan_largest_shift(const JobSpec& job, double tick_s, double step) {
  return static_cast<int32_t>(min_d(ceil(tick_s * throughput(job, job.n_max) / step),
                                    static_cast<double>(kMaxPlannerBuckets))) +
         1;
}

// The states short of L on the absolute lattice W = b·q (origin 0), which CHC plans on so that
// every member planning at the same slot on the same forecasts can read the same plan whatever
// its own progress (docs/chc.md, "Plan tables").
SPOTSWEEP_HD_INLINE int32_t absolute_lattice_buckets(const JobSpec& job, double step) {
  const double b = ceil(job.work / step - 1e-9);
  return b < 1.0 ? 1 : static_cast<int32_t>(b);
}

// The progress state of `work_done` on the absolute lattice: rounded down, so that a plan never
// credits work not done, and short of the lattice's end.
SPOTSWEEP_HD_INLINE int32_t absolute_lattice_bucket(double work_done, double step,
                                                    int32_t lattice_buckets) {
  const double b = floor(work_done / step);
  if (!(b > 0.0)) return 0;
  return b >= lattice_buckets - 1 ? lattice_buckets - 1 : static_cast<int32_t>(b);
}

// A plan of n_slots on the absolute lattice for start states in [lowest, highest]: it covers
// them and every state the window can reach from them.
SPOTSWEEP_HD_INLINE PlanShape absolute_plan_shape(const JobSpec& job, double tick_s,
                                                  int32_t n_slots, double step, int32_t lowest,
                                                  int32_t highest) {
  PlanShape shape;
  shape.space = allocation_space(job);
  shape.restart_states = static_cast<int32_t>(ceil(job.reconfig_s / tick_s - 1e-9)) + 1;
  if (shape.restart_states < 1) shape.restart_states = 1;
  shape.step = step;
  shape.n_slots = n_slots;
  shape.lattice_buckets = absolute_lattice_buckets(job, step);
  shape.first_bucket = lowest;
  shape.top_bucket = highest;
  const int64_t reach_end = static_cast<int64_t>(highest) +
                            static_cast<int64_t>(n_slots) * plan_largest_shift(job, tick_s, step) +
                            1;
  const int64_t end = reach_end < shape.lattice_buckets ? reach_end : shape.lattice_buckets;
  shape.buckets = static_cast<int32_t>(end - lowest);
  return shape;
}

// The `since` state that a remaining overhead corresponds to, rounded towards more overhead.
SPOTSWEEP_HD_INLINE int32_t since_state_for_overhead(const JobSpec& job, double tick_s,
                                                     int32_t restart_states, double overhead_s) {
  if (job.reconfig_s <= 0.0 || overhead_s <= kDeadlineTolS) return restart_states - 1;
  // The tolerance absorbs the rounding of R − j·Δ, the overhead left j slots after a restart.
  const int32_t since = static_cast<int32_t>(floor((job.reconfig_s - overhead_s) / tick_s + 1e-6));
  return min_i(max_i(since, 0), restart_states - 1);
}

// What action x taken from (allocation a, `since` slots after a restart) in slot k does,
// whatever the progress: on the lattice every progress state moves by the same `shift`.
struct PlanMove {
  Allocation rent;
  bool valid = false;      // the slot's spot availability can serve the action
  double slot_cost = 0.0;  // the slot's cost, billed in full
  double used = 0.0;       // restart seconds paid in the slot
  double rate = 0.0;       // H(n)
  double gain = 0.0;       // work done in the slot
  int32_t shift = 0;       // lattice steps moved (rounded down or up)
  int32_t next_since = 0;
};

// The `since` state that action runs in from (alloc, since): 0 when taking it is a restart.
SPOTSWEEP_HD_INLINE int32_t plan_run_since(const JobSpec& job, const PlanShape& shape,
                                           int32_t alloc, int32_t since, int32_t action) {
  return is_reconfiguration(job, shape.space.at(alloc), shape.space.at(action)) ? 0 : since;
}

// The same action in the same slot as `move` when it runs `run_since` slots after a restart:
// only the restart seconds it pays, and what follows from them, depend on that.
SPOTSWEEP_HD_INLINE PlanMove plan_move_at_since(const JobSpec& job, const PlanShape& shape,
                                                Rounding rounding, double tick_s, PlanMove move,
                                                int32_t run_since) {
  const int32_t last_since = shape.restart_states - 1;
  move.next_since = last_since;
  if (!move.valid || move.rent.total() == 0) return move;
  move.used = min_d(overhead_after_slots(job, tick_s, run_since), tick_s);
  move.gain = (tick_s - move.used) * move.rate;
  // Steps chosen to divide a full slot's progress exactly must not lose a bucket to the
  // rounding of gain/q, hence the 1e-9 slack. A slot that carries every state past the lattice
  // (a tiny job on a coarse lattice) lands as a shift of exactly `lattice_buckets` would
  // (plan_landing: every state lands at or past the lattice's end), so the shift is clamped
  // there and its int32 never wraps.
  const double moved = move.gain / shape.step;
  const double steps = rounding == Rounding::down ? floor(moved + 1e-9) : ceil(moved - 1e-9);
  move.shift = static_cast<int32_t>(min_d(steps, static_cast<double>(shape.lattice_buckets)));
  move.next_since = min_i(run_since + 1, last_since);
  return move;
}

// The move of action x in slot k when it runs `run_since` slots after a restart: all that a
// move depends on besides the progress state, so solve_plan works it out once per pair.
SPOTSWEEP_HD_INLINE PlanMove plan_move_from(const JobSpec& job, const PlanMarket& market,
                                            const PlanShape& shape, Rounding rounding, int32_t k,
                                            int32_t run_since, int32_t action) {
  PlanMove move;
  const double p_spot = market.spot_price[k];
  const double p_od = market.od_price_at(k);
  move.valid = shape.space.realise(action, market.spot_avail[k], p_spot, p_od, &move.rent);
  if (move.valid && move.rent.total() > 0) {
    move.rate = throughput(job, move.rent.total());
    move.slot_cost = allocation_cost(move.rent, p_spot, p_od, market.tick_s);
  }
  return plan_move_at_since(job, shape, rounding, market.tick_s, move, run_since);
}

SPOTSWEEP_HD_INLINE PlanMove plan_move(const JobSpec& job, const PlanMarket& market,
                                       const PlanShape& shape, Rounding rounding, int32_t k,
                                       int32_t alloc, int32_t since, int32_t action) {
  return plan_move_from(job, market, shape, rounding, k,
                        plan_run_since(job, shape, alloc, since, action), action);
}

// The move from progress state `bucket`: whether the job completes in the slot (with the
// value V(T) − the billed slot cost), else the next progress state.
struct PlanLanding {
  bool completes = false;
  double value = 0.0;
  int32_t next_bucket = 0;
};

// Whether a running move finishes the job from progress state `bucket`; false, then true, as
// the bucket grows (every operation in it is monotone).
SPOTSWEEP_HD_INLINE bool plan_move_completes(const JobSpec& job, const PlanStart& start,
                                             const PlanShape& shape, const PlanMove& move,
                                             int32_t bucket) {
  const double work = start.work_done + bucket * shape.step;
  return work + move.gain >= job.work - kWorkRelTol * job.work;
}

SPOTSWEEP_HD_INLINE PlanLanding plan_landing(const JobSpec& job, const PlanStart& start,
                                             const PlanShape& shape, Rounding rounding,
                                             double tick_s, int32_t k, const PlanMove& move,
                                             int32_t bucket) {
  PlanLanding land;
  land.next_bucket = bucket;
  if (move.rent.total() == 0) return land;
  const double work = start.work_done + bucket * shape.step;
  land.completes = plan_move_completes(job, start, shape, move, bucket);
  if (!land.completes) {
    land.next_bucket = bucket + move.shift;
    if (land.next_bucket >= shape.lattice_buckets) {
      // Only the optimistic lattice can round past the last state short of L.
      if (rounding == Rounding::up)
        land.completes = true;
      else
        land.next_bucket = shape.lattice_buckets - 1;
    }
  }
  if (land.completes) {
    const double offset = min_d(move.used + max_d(job.work - work, 0.0) / move.rate, tick_s);
    const double billed =
        job.billing == Billing::per_second ? move.slot_cost * (offset / tick_s) : move.slot_cost;
    land.value = completion_value(job, start.elapsed_s + k * tick_s + offset) - billed;
  }
  return land;
}

// How many progress states, from first_bucket up, plan_landing sends to bucket + shift without
// completing the job (at most `count`): below both the first completing state, found by
// bisection on plan_move_completes, and the first state the shift would carry past the lattice.
SPOTSWEEP_HD_INLINE int32_t plan_plain_landings(const JobSpec& job, const PlanStart& start,
                                                const PlanShape& shape, const PlanMove& move,
                                                int32_t count) {
  if (move.rent.total() == 0) return count;  // idle: every state stays where it is
  const int32_t first = shape.first_bucket;
  int32_t end = min_i(count, max_i(shape.lattice_buckets - move.shift - first, 0));
  if (end > 0 && plan_move_completes(job, start, shape, move, first + end - 1)) {
    int32_t lo = 0;  // the first completing state is first + [lo, end − 1]
    int32_t hi = end - 1;
    while (lo < hi) {
      const int32_t mid = lo + (hi - lo) / 2;
      if (plan_move_completes(job, start, shape, move, first + mid))
        hi = mid;
      else
        lo = mid + 1;
    }
    end = lo;
  }
  return end;
}

// The lattice state that a plan starts in.
SPOTSWEEP_HD_INLINE void plan_start_state(const JobSpec& job, const PlanShape& shape,
                                          const PlanStart& start, double tick_s, int32_t* alloc,
                                          int32_t* since) {
  *alloc = shape.space.index_of(start.prev);
  *since = *alloc == 0
               ? shape.restart_states - 1
               : since_state_for_overhead(job, tick_s, shape.restart_states, start.overhead_s);
}

// Keeps the best two restart values with their actions (a strict >, so ties keep the lower
// action): a state on allocation a restarts into the best one other than a. Actions are int32
// or, in solve_plan's rows, doubles (exact small integers), so that its loops run on one lane
// width.
template <class Action>
SPOTSWEEP_HD_INLINE void keep_best_two_restarts(double value, Action action, double* first,
                                                Action* first_action, double* second,
                                                Action* second_action) {
  // Selects, not branches, so that the planner's row loops vectorise.
  const bool above_first = value > *first;
  const bool above_second = value > *second;
  const double old_first = *first;
  const Action old_first_action = *first_action;
  *second = above_first ? old_first : (above_second ? value : *second);
  *second_action = above_first ? old_first_action : (above_second ? action : *second_action);
  *first = above_first ? value : old_first;
  *first_action = above_first ? action : old_first_action;
}

// The best of three for a state on allocation a: idle (action 0), the best restart other than
// a, and staying on a (`stay`, −1e300 for a = 0). The larger of restart and staying wins, a tie
// to the lower action; then idle wins every tie, including the state no action can reach (all
// at −1e300), so a dead end records idle. Selects, not branches: bitwise | and & rather than ||
// and &&, as every operand is cheap.
struct PlanPick {
  double value;
  int32_t action;
};
template <class Action>
SPOTSWEEP_HD_INLINE PlanPick best_of_three(Action a, double idle, double stay, double first,
                                           Action first_action, double second,
                                           Action second_action) {
  const bool first_is_a = first_action == a;
  const double restart = first_is_a ? second : first;
  const Action restart_action = first_is_a ? second_action : first_action;
  const bool take_restart = (restart > stay) | ((restart == stay) & (restart_action < a));
  const double other = take_restart ? restart : stay;
  const Action other_action = take_restart ? restart_action : a;
  const bool take_other = other > idle;
  return PlanPick{take_other ? other : idle,
                  static_cast<int32_t>(take_other ? other_action : Action(0))};
}

// best_of_three's value alone, chosen by the same comparisons (so the same bits, a zero's sign
// included), for the slots whose choices nobody reads.
template <class Action>
SPOTSWEEP_HD_INLINE double best_of_three_value(Action a, double idle, double stay, double first,
                                               Action first_action, double second,
                                               Action second_action) {
  const bool first_is_a = first_action == a;
  const double restart = first_is_a ? second : first;
  const Action restart_action = first_is_a ? second_action : first_action;
  const bool take_restart = (restart > stay) | ((restart == stay) & (restart_action < a));
  const double other = take_restart ? restart : stay;
  return other > idle ? other : idle;
}

// Doubles of scratch that solve_plan needs besides its two layers: idle's row, and the best
// two restart rows with their actions.
SPOTSWEEP_HD_INLINE int64_t plan_move_values(int64_t buckets) { return 5 * buckets; }

// The exact planner's backward pass, split so that several lanes (a CUDA block's threads) can
// share one plan: lane ℓ of L computes the progress states i ≡ ℓ (mod L) of every row. All that
// a state's value and choice read lies at its own index (the idle row, the best two restarts)
// or in the layer before, so lanes meet only between layers: begin(), then for k = n−1 … 0
// layer(k), each after every lane has finished the one before. solve_plan below runs it in one
// lane. A move depends on the state (a, s) only through the `since` it runs in, and the lattice
// holds each allocation once, so from any (a, s) an action x other than idle and a itself is a
// restart: it runs in since 0 whatever a and s are. Per slot the planner therefore works out each
// (x, run_since) row of values once, keeps the best two restart rows per progress state, and
// gives each (a, s) the best of three: idle, the best restart other than a, and staying on a.
// Ties go to the lowest action, as in a scan over every x with a strict >, and a state where
// every action is worth −1e300 (none reaches a feasible end) records idle, so its choice never
// depends on what the scratch held before. Cost per slot: A·(S+1)·B landings and about
// 3·A·(S+1)·B comparisons, instead of A times as many. From the start states (first … top
// bucket) slot k can only be entered below top + k·(largest shift) + 1: the rest of the layer is
// never read.
template <class Terminal>
struct PlanSolver {
  const JobSpec* job;
  const PlanMarket* market;
  const PlanStart* start;
  const PlanShape* shape;
  Rounding rounding;
  const Terminal* terminal;
  double* next;   // V_{k+1}
  double* cur;    // V_k
  double* moves;  // plan_move_values(buckets): idle's row, the best two restarts and actions
  int16_t* choice;
  int32_t choice_slots;
  int32_t lane;
  int32_t lanes;

  // The terminal layer.
  SPOTSWEEP_HD_INLINE void begin() {
    const int32_t first = shape->first_bucket;
    const double end_s = start->elapsed_s + market->n_slots * market->tick_s;
    const int32_t n_alloc = shape->space.size();
    for (int32_t i = lane; i < shape->buckets; i += lanes) {
      const double v = (*terminal)(start->work_done + (first + i) * shape->step, end_s);
      for (int32_t a = 0; a < n_alloc; ++a)
        for (int32_t s = 0; s < shape->restart_states; ++s)
          next[shape->state_index(a, s, first + i)] = v;
    }
  }

  // Slot k's layer, from slot k+1's (complete in every lane); then the layers swap.
  SPOTSWEEP_HD void layer(int32_t k) {
    const JobSpec& j = *job;
    const PlanShape& sh = *shape;
    const int32_t n_alloc = sh.space.size();
    const int32_t first = sh.first_bucket;
    const int32_t largest_shift = plan_largest_shift(j, market->tick_s, sh.step);
    const int64_t reachable =
        static_cast<int64_t>(sh.top_bucket - first) + static_cast<int64_t>(k) * largest_shift + 1;
    const int32_t count = reachable < sh.buckets ? static_cast<int32_t>(reachable) : sh.buckets;
    // Idle never restarts nor runs: one row for every since. The rows do not overlap, and no
    // row overlaps the layers.
    double* SPOTSWEEP_RESTRICT idle_values = moves;
    double* SPOTSWEEP_RESTRICT first_value = idle_values + sh.buckets;
    double* SPOTSWEEP_RESTRICT second_value = first_value + sh.buckets;
    double* SPOTSWEEP_RESTRICT first_action = second_value + sh.buckets;
    double* SPOTSWEEP_RESTRICT second_action = first_action + sh.buckets;
    for (int32_t i = lane; i < count; i += lanes) {
      first_value[i] = second_value[i] = -1e300;
      first_action[i] = second_action[i] = -1.0;
    }
    // Pass 1: each action's rows. Idle's one row goes to idle_values, a running action's row for
    // since s to cur at (x, s) (what staying on x is worth), and its restart row into the best two.
    for (int32_t x = 0; x < n_alloc; ++x) {
      const int32_t rows = x == 0 ? 1 : sh.restart_states;
      const PlanMove restart_move = plan_move_from(j, *market, sh, rounding, k, 0, x);
      for (int32_t run_since = 0; run_since < rows; ++run_since) {
        const PlanMove move = run_since == 0 ? restart_move
                                             : plan_move_at_since(j, sh, rounding, market->tick_s,
                                                                  restart_move, run_since);
        double* SPOTSWEEP_RESTRICT value =
            x == 0 ? idle_values : cur + sh.state_index(x, run_since, first);
        if (!move.valid) {  // availability alone decides it, whatever run_since is
          for (int32_t i = lane; i < count; i += lanes)
            value[i] = -1e300;
          continue;
        }
        const double* SPOTSWEEP_RESTRICT landing = next + sh.state_index(x, move.next_since, first);
        // Most states land `shift` further on; plan_landing handles the rest (completion, the
        // lattice's end) with the same arithmetic.
        const int32_t plain = plan_plain_landings(j, *start, sh, move, count);
        for (int32_t i = lane; i < plain; i += lanes)
          value[i] = landing[i + move.shift] - move.slot_cost;
        for (int32_t i = plain + (lane - plain % lanes + lanes) % lanes; i < count; i += lanes) {
          const PlanLanding land =
              plan_landing(j, *start, sh, rounding, market->tick_s, k, move, first + i);
          value[i] =
              land.completes ? land.value : landing[land.next_bucket - first] - move.slot_cost;
        }
        if (x == 0 || run_since != 0) continue;
        const double action = x;
        for (int32_t i = lane; i < count; i += lanes)
          keep_best_two_restarts(value[i], action, &first_value[i], &first_action[i],
                                 &second_value[i], &second_action[i]);
      }
    }
    // Pass 2: each state's best of idle, the best restart other than a, and staying on a;
    // its action only for the slots whose choices are kept (best_of_three_value picks the same
    // value without it).
    for (int32_t a = 0; a < n_alloc; ++a) {
      for (int32_t s = 0; s < sh.restart_states; ++s) {
        // holds staying on a, for a ≥ 1
        double* SPOTSWEEP_RESTRICT best = cur + sh.state_index(a, s, first);
        const double state_action = a;
        if (choice && k < choice_slots) {
          int16_t* best_action =
              choice + static_cast<int64_t>(k) * sh.states() + sh.state_index(a, s, first);
          for (int32_t i = lane; i < count; i += lanes) {
            const PlanPick pick =
                best_of_three(state_action, idle_values[i], a == 0 ? -1e300 : best[i],
                              first_value[i], first_action[i], second_value[i], second_action[i]);
            best[i] = pick.value;
            best_action[i] = static_cast<int16_t>(pick.action);
          }
        } else if (a == 0) {
          for (int32_t i = lane; i < count; i += lanes)
            best[i] = best_of_three_value(0.0, idle_values[i], -1e300, first_value[i],
                                          first_action[i], second_value[i], second_action[i]);
        } else {
          for (int32_t i = lane; i < count; i += lanes)
            best[i] = best_of_three_value(state_action, idle_values[i], best[i], first_value[i],
                                          first_action[i], second_value[i], second_action[i]);
        }
      }
    }
    double* swap = next;
    next = cur;
    cur = swap;
  }

  // The plan's value from the start state, once every layer is done.
  SPOTSWEEP_HD_INLINE double start_value() const {
    int32_t a0, s0;
    plan_start_state(*job, *shape, *start, market->tick_s, &a0, &s0);
    return next[shape->state_index(a0, s0, start->bucket)];
  }
};

template <class Terminal>
SPOTSWEEP_HD_INLINE PlanSolver<Terminal> plan_solver(
    const JobSpec& job, const PlanMarket& market, const PlanStart& start, const PlanShape& shape,
    Rounding rounding, const Terminal& terminal, double* value_a, double* value_b,
    double* move_values, int16_t* choice, int32_t choice_slots, int32_t lane, int32_t lanes) {
  return PlanSolver<Terminal>{&job,         &market, &start,  &shape,      rounding,
                              &terminal,    value_a, value_b, move_values, choice,
                              choice_slots, lane,    lanes};
}

// Solves the plan in one lane. `terminal(work, elapsed_s)` values a state left unfinished at the
// end of the window (OPT's returns −P_miss). When `choice` is non-null it receives, per (slot,
// state) of the first `choice_slots` slots, the best action index. `value_a`, `value_b` are
// scratch of shape.states() doubles each, `move_values` of plan_move_values(shape.buckets).
// Returns the plan's value from the start state (start.bucket): V(T) at completion − the cost in
// the window + the terminal value. Every state's value and choice is the same whatever the
// shape's first and top buckets (each is computed from the states above it alone), so a plan
// table covering many start states and one member's own plan agree on the states both cover
// (docs/chc.md, "Plan tables").
template <class Terminal>
SPOTSWEEP_HD double solve_plan(const JobSpec& job, const PlanMarket& market, const PlanStart& start,
                               const PlanShape& shape, Rounding rounding, const Terminal& terminal,
                               double* value_a, double* value_b, double* move_values,
                               int16_t* choice, int32_t choice_slots = 1 << 30) {
  PlanSolver<Terminal> solver = plan_solver(job, market, start, shape, rounding, terminal, value_a,
                                            value_b, move_values, choice, choice_slots, 0, 1);
  solver.begin();
  for (int32_t k = market.n_slots - 1; k >= 0; --k)
    solver.layer(k);
  return solver.start_value();
}

// Walks a solved plan (down-rounded lattice) from its start state (start.bucket) for up to
// max_slots slots, writing the allocations it rents. Returns how many it wrote (fewer when the
// job completes). `choice` holds at least the first min(max_slots, n_slots) slots.
SPOTSWEEP_HD_INLINE int32_t follow_plan(const JobSpec& job, const PlanMarket& market,
                                        const PlanStart& start, const PlanShape& shape,
                                        const int16_t* choice, int32_t max_slots, Allocation* out) {
  int32_t a, s;
  plan_start_state(job, shape, start, market.tick_s, &a, &s);
  int32_t b = start.bucket;
  const int32_t n = min_i(max_slots, market.n_slots);
  for (int32_t k = 0; k < n; ++k) {
    const int32_t x = choice[static_cast<int64_t>(k) * shape.states() + shape.state_index(a, s, b)];
    const PlanMove move = plan_move(job, market, shape, Rounding::down, k, a, s, x);
    const PlanLanding land =
        plan_landing(job, start, shape, Rounding::down, market.tick_s, k, move, b);
    out[k] = move.rent;
    if (land.completes) return k + 1;
    a = x;
    s = move.next_since;
    b = land.next_bucket;
  }
  return n;
}

}  // namespace spotsweep

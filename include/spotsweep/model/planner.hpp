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
  double work_done = 0.0;   // W0, on the lattice's origin
  double overhead_s = 0.0;  // restart seconds left for the running allocation
  Allocation prev;          // the allocation that ran just before
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

// Sizes of the planner's state lattice for one plan.
struct PlanShape {
  AllocationSpace space;
  int32_t restart_states = 1;  // S+1: slots since restart 0..S, S = ⌈R/Δ⌉ (S = overhead paid)
  int32_t buckets = 1;         // progress states b = 0..buckets−1, all short of L
  double step = 1.0;           // q, samples per bucket
  int32_t n_slots = 0;

  SPOTSWEEP_HD_INLINE int64_t states() const {
    return static_cast<int64_t>(space.size()) * restart_states * buckets;
  }
  SPOTSWEEP_HD_INLINE int64_t state_index(int32_t alloc, int32_t since, int32_t bucket) const {
    return (static_cast<int64_t>(alloc) * restart_states + since) * buckets + bucket;
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
  shape.buckets = max_i(b, 1);
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
  // (a tiny job on a coarse lattice) lands as a shift of exactly `buckets` would (plan_landing),
  // so the shift is clamped there and its int32 never wraps.
  const double moved = move.gain / shape.step;
  const double steps = rounding == Rounding::down ? floor(moved + 1e-9) : ceil(moved - 1e-9);
  move.shift = static_cast<int32_t>(min_d(steps, static_cast<double>(shape.buckets)));
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
    if (land.next_bucket >= shape.buckets) {
      // Only the optimistic lattice can round past the last state short of L.
      if (rounding == Rounding::up)
        land.completes = true;
      else
        land.next_bucket = shape.buckets - 1;
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

// How many progress states, from 0 up, plan_landing sends to bucket + shift without completing
// the job (at most `buckets`): below both the first completing state, found by bisection on
// plan_move_completes, and the first state the shift would carry past the lattice.
SPOTSWEEP_HD_INLINE int32_t plan_plain_landings(const JobSpec& job, const PlanStart& start,
                                                const PlanShape& shape, const PlanMove& move,
                                                int32_t buckets) {
  if (move.rent.total() == 0) return buckets;  // idle: every state stays where it is
  int32_t end = min_i(buckets, max_i(shape.buckets - move.shift, 0));
  if (end > 0 && plan_move_completes(job, start, shape, move, end - 1)) {
    int32_t lo = 0;  // the first completing state is in [lo, end − 1]
    int32_t hi = end - 1;
    while (lo < hi) {
      const int32_t mid = lo + (hi - lo) / 2;
      if (plan_move_completes(job, start, shape, move, mid))
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
// action): a state on allocation a restarts into the best one other than a.
SPOTSWEEP_HD_INLINE void keep_best_two_restarts(double value, int32_t action, double* first,
                                                int32_t* first_action, double* second,
                                                int32_t* second_action) {
  if (value > *first) {
    *second = *first;
    *second_action = *first_action;
    *first = value;
    *first_action = action;
  } else if (value > *second) {
    *second = value;
    *second_action = action;
  }
}

// The best of three for a state on allocation a: idle (action 0), the best restart other than
// a, and staying on a (`stay`, −1e300 for a = 0). The larger of restart and staying wins, a tie
// to the lower action; then idle wins every tie, including the state no action can reach (all
// at −1e300), so a dead end records idle. Selects, not branches.
struct PlanPick {
  double value;
  int32_t action;
};
SPOTSWEEP_HD_INLINE PlanPick best_of_three(int32_t a, double idle, double stay, double first,
                                           int32_t first_action, double second,
                                           int32_t second_action) {
  const bool first_is_a = first_action == a;
  const double restart = first_is_a ? second : first;
  const int32_t restart_action = first_is_a ? second_action : first_action;
  const bool take_restart = restart > stay || (restart == stay && restart_action < a);
  const double other = take_restart ? restart : stay;
  const int32_t other_action = take_restart ? restart_action : a;
  const bool take_other = other > idle;
  return PlanPick{take_other ? other : idle, take_other ? other_action : 0};
}

// Doubles of scratch that solve_plan needs besides its two layers: idle's row, and the best
// two restart rows with their actions.
SPOTSWEEP_HD_INLINE int64_t plan_move_values(int64_t buckets) { return 4 * buckets; }

// Solves the plan. `terminal(work, elapsed_s)` values a state left unfinished at the end of
// the window (OPT's returns −P_miss). When `choice` is non-null it receives, per (slot,
// state), the best action index. `value_a`, `value_b` are scratch of shape.states() doubles
// each, `move_values` of plan_move_values(shape.buckets). Returns the
// plan's value from the start state: V(T) at completion − the cost in the window + the
// terminal value.
template <class Terminal>
SPOTSWEEP_HD double solve_plan(const JobSpec& job, const PlanMarket& market, const PlanStart& start,
                               const PlanShape& shape, Rounding rounding, const Terminal& terminal,
                               double* value_a, double* value_b, double* move_values,
                               int16_t* choice) {
  const int32_t n_alloc = shape.space.size();
  const int32_t K = market.n_slots;
  double* next = value_a;  // V_{k+1}
  double* cur = value_b;   // V_k
  const double end_s = start.elapsed_s + K * market.tick_s;
  for (int32_t b = 0; b < shape.buckets; ++b) {
    const double v = terminal(start.work_done + b * shape.step, end_s);
    for (int32_t a = 0; a < n_alloc; ++a)
      for (int32_t s = 0; s < shape.restart_states; ++s)
        next[shape.state_index(a, s, b)] = v;
  }
  // A move depends on the state (a, s) only through the `since` it runs in, and the lattice
  // holds each allocation once, so from any (a, s) an action x other than idle and a itself is
  // a restart: it runs in since 0 whatever a and s are. Per slot the planner therefore works
  // out each (x, run_since) row of values once, keeps the best two restart rows per progress
  // state, and gives each (a, s) the best of three: idle, the best restart other than a, and
  // staying on a. Ties go to the lowest action, as in a scan over every x with a strict >, and
  // a state where every action is worth −1e300 (none reaches a feasible end) records idle, so
  // its choice never depends on what the scratch held before. Cost per slot:
  // A·(S+1)·B landings and about 3·A·(S+1)·B comparisons, instead of A times as many.
  // From the start state (bucket 0) slot k can only be entered below k·(largest shift) + 1:
  // the rest of the layer is never read.
  const int32_t largest_shift =
      static_cast<int32_t>(min_d(ceil(market.tick_s * throughput(job, job.n_max) / shape.step),
                                 static_cast<double>(shape.buckets))) +
      1;
  double* idle_values = move_values;  // idle never restarts nor runs: one row for every since
  double* first_value = idle_values + shape.buckets;
  double* second_value = first_value + shape.buckets;
  int32_t* first_action = reinterpret_cast<int32_t*>(second_value + shape.buckets);
  int32_t* second_action = first_action + shape.buckets;
  for (int32_t k = K - 1; k >= 0; --k) {
    const int64_t reachable = static_cast<int64_t>(k) * largest_shift + 1;
    const int32_t buckets =
        reachable < shape.buckets ? static_cast<int32_t>(reachable) : shape.buckets;
    for (int32_t b = 0; b < buckets; ++b) {
      first_value[b] = second_value[b] = -1e300;
      first_action[b] = second_action[b] = -1;
    }
    // Pass 1: each action's rows. Idle's one row goes to idle_values, a running action's row for
    // since s to cur at (x, s) (what staying on x is worth), and its restart row into the best two.
    for (int32_t x = 0; x < n_alloc; ++x) {
      const int32_t rows = x == 0 ? 1 : shape.restart_states;
      const PlanMove restart_move = plan_move_from(job, market, shape, rounding, k, 0, x);
      for (int32_t run_since = 0; run_since < rows; ++run_since) {
        const PlanMove move =
            run_since == 0
                ? restart_move
                : plan_move_at_since(job, shape, rounding, market.tick_s, restart_move, run_since);
        double* value = x == 0 ? idle_values : cur + shape.state_index(x, run_since, 0);
        if (!move.valid) {  // availability alone decides it, whatever run_since is
          for (int32_t b = 0; b < buckets; ++b)
            value[b] = -1e300;
          continue;
        }
        const double* landing = next + shape.state_index(x, move.next_since, 0);
        // Most states land `shift` further on; plan_landing handles the rest (completion, the
        // lattice's end) with the same arithmetic.
        const int32_t plain = plan_plain_landings(job, start, shape, move, buckets);
        for (int32_t b = 0; b < plain; ++b)
          value[b] = landing[b + move.shift] - move.slot_cost;
        for (int32_t b = plain; b < buckets; ++b) {
          const PlanLanding land =
              plan_landing(job, start, shape, rounding, market.tick_s, k, move, b);
          value[b] = land.completes ? land.value : landing[land.next_bucket] - move.slot_cost;
        }
        if (x == 0 || run_since != 0) continue;
        for (int32_t b = 0; b < buckets; ++b)
          keep_best_two_restarts(value[b], x, &first_value[b], &first_action[b], &second_value[b],
                                 &second_action[b]);
      }
    }
    // Pass 2: each state's best of idle, the best restart other than a, and staying on a.
    for (int32_t a = 0; a < n_alloc; ++a) {
      for (int32_t s = 0; s < shape.restart_states; ++s) {
        double* best = cur + shape.state_index(a, s, 0);  // holds staying on a, for a ≥ 1
        int16_t* best_action =
            choice ? choice + static_cast<int64_t>(k) * shape.states() + shape.state_index(a, s, 0)
                   : nullptr;
        for (int32_t b = 0; b < buckets; ++b) {
          const PlanPick pick =
              best_of_three(a, idle_values[b], a == 0 ? -1e300 : best[b], first_value[b],
                            first_action[b], second_value[b], second_action[b]);
          best[b] = pick.value;
          if (best_action) best_action[b] = static_cast<int16_t>(pick.action);
        }
      }
    }
    double* swap = next;
    next = cur;
    cur = swap;
  }
  int32_t a0, s0;
  plan_start_state(job, shape, start, market.tick_s, &a0, &s0);
  return next[shape.state_index(a0, s0, 0)];
}

// Walks a solved plan (down-rounded lattice) from its start state for up to max_slots slots,
// writing the allocations it rents. Returns how many it wrote (fewer when the job completes).
SPOTSWEEP_HD_INLINE int32_t follow_plan(const JobSpec& job, const PlanMarket& market,
                                        const PlanStart& start, const PlanShape& shape,
                                        const int16_t* choice, int32_t max_slots, Allocation* out) {
  int32_t a, s;
  plan_start_state(job, shape, start, market.tick_s, &a, &s);
  int32_t b = 0;
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

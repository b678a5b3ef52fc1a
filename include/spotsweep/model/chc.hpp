#pragma once
// CHC(w, v): committed horizon control, the paper's Algorithm 1 (docs/model.md §4.4).
// Every v slots it plans the next w slots on forecasts, maximising V(T) − forecast cost + a
// terminal value of the work left, with the exact window planner (planner.hpp) or, for large
// pools, the Lagrangian one (lagrangian_planner.hpp, certified per plan), and commits to the
// plan's first v totals. Committed totals meet reality: the split between spot
// and on-demand is re-chosen on the realised prices and availability, so a spot shortfall is
// covered by on-demand. Options: re-plan early when the realised market deviates from the
// forecast by more than a threshold; or the faithful mode that averages v staggered
// fixed-horizon controllers (Chen et al., SIGMETRICS 2016) and rounds to a feasible count.
#include <cstddef>
#include <cstdint>

#include "spotsweep/model/forecast.hpp"
#include "spotsweep/model/job.hpp"
#include "spotsweep/model/lagrangian_planner.hpp"
#include "spotsweep/model/macros.hpp"
#include "spotsweep/model/market.hpp"
#include "spotsweep/model/planner.hpp"
#include "spotsweep/model/simulator.hpp"
#include "spotsweep/model/slot.hpp"

namespace spotsweep {

enum class ChcMode : int32_t {
  committed = 0,  // one controller re-planning every v slots (v = 1 receding, v = w fixed horizon)
  averaged = 1,   // mean of v staggered fixed-horizon controllers, rounded (faithful CHC)
};

struct ChcParams {
  int32_t window = 24;  // w, slots planned
  int32_t commit = 1;   // v, 1 ≤ v ≤ w
  // m: the planner's progress step is q = Δ·H(N_min)/m, m lattice steps per slot at N_min,
  // so per-slot progress never rounds to nothing whatever L is.
  int32_t resolution = 4;
  double replan_deviation = 0.0;  // δ > 0: re-plan when |p̂ − p|/p̂ > δ or spot falls short
  ChcMode mode = ChcMode::committed;
  // 0: the exact lattice planner (planner.hpp). k ≥ 1: the Lagrangian planner
  // (lagrangian_planner.hpp) trying up to k prices of work, certified but not exact.
  int32_t lagrange_iters = 0;
};

// Forecasts from the noisy oracle (ε = 0 is the truth).
struct OracleForecaster {
  MarketView market;
  NoisyOracle oracle;
  SPOTSWEEP_HD_INLINE void fill(int32_t planning_slot, int32_t n, double* price,
                                int32_t* avail) const {
    for (int32_t k = 0; k < n; ++k) {
      price[k] = oracle.forecast_spot_price(market, planning_slot, k);
      avail[k] = oracle.forecast_avail(market, planning_slot, k);
    }
  }
};

// Forecasts from a learned predictor's table, computed once per (scenario, planning slot).
struct TableForecaster {
  ForecastTableView table;
  SPOTSWEEP_HD_INLINE void fill(int32_t planning_slot, int32_t n, double* price,
                                int32_t* avail) const {
    for (int32_t k = 0; k < n; ++k) {
      price[k] = table.spot_price(planning_slot, k);
      avail[k] = table.spot_avail(planning_slot, k);
    }
  }
};

// Per-policy working memory, carved out of one buffer the owner provides (host vector or a
// slice of device memory), so that a simulation allocates nothing.
// Two parts: what the policy keeps between slots (its plans and the forecasts they were made
// on), first, and what the planner works in while it plans (`solve_offset` on), which members
// that never plan at once may share.
struct ChcScratchLayout {
  int64_t states = 0;  // planner states at most (lattice, or (allocation, since) pairs)
  int32_t window = 0;
  int32_t plans = 0;        // allocations kept: w (committed) or v·v (averaged)
  int32_t controllers = 0;  // v in averaged mode, else 0
  // Kept between slots.
  size_t price_offset = 0, avail_offset = 0, plan_offset = 0, plan_start_offset = 0,
         plan_length_offset = 0;
  // The planner's working memory, from solve_offset on (offsets relative to it).
  size_t solve_offset = 0, value_offset = 0, move_value_offset = 0, choice_offset = 0,
         candidate_offset = 0;
  size_t bytes = 0;  // both parts
};

SPOTSWEEP_HD_INLINE size_t align_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

// CHC's progress step, fixed for the whole job.
SPOTSWEEP_HD_INLINE double chc_progress_step(const JobSpec& job, double tick_s,
                                             const ChcParams& params) {
  return tick_s * throughput(job, job.n_min) / params.resolution;
}

SPOTSWEEP_HD_INLINE ChcScratchLayout chc_scratch_layout(const JobSpec& job, double tick_s,
                                                        const ChcParams& params) {
  ChcScratchLayout l;
  const AllocationSpace space = allocation_space(job);
  const int32_t restart_states = static_cast<int32_t>(ceil(job.reconfig_s / tick_s - 1e-9)) + 1;
  // A plan covers at most w·(largest shift) + 1 states of the absolute lattice from its start
  // state (absolute_plan_shape); the Lagrangian planner has no progress dimension and no move
  // rows.
  const bool exact = params.lagrange_iters == 0;
  int64_t buckets = 1;
  if (exact) {
    const double step = chc_progress_step(job, tick_s, params);
    const int64_t reach =
        static_cast<int64_t>(params.window) * plan_largest_shift(job, tick_s, step) + 1;
    const int64_t lattice = absolute_lattice_buckets(job, step);
    buckets = reach < lattice ? reach : lattice;
  }
  l.states = static_cast<int64_t>(space.size()) * max_i(restart_states, 1) * buckets;
  l.window = params.window;
  // Room for either mode, so the size only grows with w, v and m (a pool sizes it once).
  l.controllers = params.commit;
  l.plans = max_i(params.window, params.commit * params.commit);
  size_t at = 0;
  l.price_offset = at;
  at += static_cast<size_t>(l.window) * sizeof(double);
  l.avail_offset = at;
  at += static_cast<size_t>(l.window) * sizeof(int32_t);
  l.plan_offset = at = align_up(at, 8);
  at += static_cast<size_t>(l.plans) * sizeof(Allocation);
  l.plan_start_offset = at;
  at += static_cast<size_t>(max_i(l.controllers, 1)) * sizeof(int32_t);
  l.plan_length_offset = at;
  at += static_cast<size_t>(max_i(l.controllers, 1)) * sizeof(int32_t);
  l.solve_offset = at = align_up(at, 16);
  size_t solve = 0;
  l.value_offset = solve;
  solve += 2 * static_cast<size_t>(l.states) * sizeof(double);
  l.move_value_offset = solve;
  solve += exact ? static_cast<size_t>(plan_move_values(buckets)) * sizeof(double) : 0;
  l.candidate_offset = solve;
  solve += exact ? 0 : 2 * static_cast<size_t>(l.window) * sizeof(Allocation);  // candidate, best
  l.choice_offset = solve = align_up(solve, 8);
  solve += static_cast<size_t>(l.states) * l.window * sizeof(int16_t);
  at += solve;
  l.bytes = align_up(at, 16);
  return l;
}

// The terms of CHC's per-run bound on its gap to OPT (docs/chc.md, "A per-run bound on CHC's gap
// to OPT"), accumulated over a job's plans when ChcPolicy::realised is set.
struct ChcBoundTerms {
  double forecast_usd = 0.0;  // F = Σ_k E_k, USD: each plan's window cost-error range, summed
  double price_error = 0.0;   // Σ |p̂ − p|/p over the forecast slots planned on (k ≥ 1)
  double avail_error = 0.0;   // Σ |â − a| (GPUs) over the same slots
  int32_t forecast_slots = 0;
  int32_t plans = 0;
  int32_t full_window = 1;  // 0 once a plan's window stopped short of the hard deadline
  // The a-posteriori certificate C = Σ_k R_k, R_k = V_q(s_k) − J_r(x̂_k) ≤ E_k: each plan's
  // regret on the realised market, from a second solve of its window on the realised market
  // (docs/chc.md, "The certificate"); `certified` 0 once a plan could not be re-solved (a
  // shared plan, or the Lagrangian planner).
  double certificate_usd = 0.0;
  int32_t certified = 1;
};

// Whether the bound's argument covers a member: one committed controller, the exact planner,
// a restart only on a new total (so progress does not depend on the forecasts) and the true
// work L (docs/chc.md, "Assumptions"). Its windows must also reach γd (ChcBoundTerms::full_window).
SPOTSWEEP_HD_INLINE bool chc_bound_covers(const JobSpec& job, const ChcParams& params) {
  return params.mode == ChcMode::committed && params.lagrange_iters == 0 &&
         job.trigger == ReconfigTrigger::total && !(job.work_estimate > 0.0);
}

// One slot's cost error d(n) = realised cost − forecast cost of a total of n GPUs, each split
// spot first as both the planner and the realised split do (docs/chc.md, "A per-run bound on
// CHC's gap to OPT").
SPOTSWEEP_HD_INLINE double slot_cost_error_of(int32_t n, double forecast_price,
                                              int32_t forecast_avail, double price, int32_t avail,
                                              double od_price, double tick_s) {
  if (n <= 0) return 0.0;
  const double planned =
      allocation_cost(split_spot_first(n, forecast_avail, forecast_price, od_price), forecast_price,
                      od_price, tick_s);
  return allocation_cost(split_spot_first(n, avail, price, od_price), price, od_price, tick_s) -
         planned;
}

// The extremes of d(n) over the totals the planner may choose, {0} ∪ [N_min, N_max] (idle, or a
// finished job, costs nothing on either, so d(0) = 0 is among them).
struct SlotCostErrorRange {
  double lowest = 0.0;
  double highest = 0.0;
};
SPOTSWEEP_HD_INLINE SlotCostErrorRange slot_cost_error_range(const JobSpec& job,
                                                             double forecast_price,
                                                             int32_t forecast_avail, double price,
                                                             int32_t avail, double od_price,
                                                             double tick_s) {
  SlotCostErrorRange r;
  for (int32_t n = max_i(job.n_min, 1); n <= job.n_max; ++n) {
    const double d =
        slot_cost_error_of(n, forecast_price, forecast_avail, price, avail, od_price, tick_s);
    r.highest = d > r.highest ? d : r.highest;
    r.lowest = d < r.lowest ? d : r.lowest;
  }
  return r;
}

// A slot's share of E when nothing is known of the plan there: max d − min d.
SPOTSWEEP_HD_INLINE double slot_cost_error(const JobSpec& job, double forecast_price,
                                           int32_t forecast_avail, double price, int32_t avail,
                                           double od_price, double tick_s) {
  const SlotCostErrorRange r =
      slot_cost_error_range(job, forecast_price, forecast_avail, price, avail, od_price, tick_s);
  return r.highest - r.lowest;
}

// A plan made once for every member that plans at the same slot on the same forecasts (docs/
// chc.md, "Plan tables"): the exact planner's choices over the start states it covers, for the
// first `stored_slots` slots of the window, and the window it planned on. A member whose
// progress is one of those states follows it from there, as it would follow a plan of its own:
// the same choices, bit for bit.
struct SharedPlan {
  int32_t planning_slot = -1;  // the market slot it was made at; −1: none
  double job_work = 0.0;       // the work L as the members see it (L̂ under a workload estimate)
  PlanShape shape;
  PlanMarket market;                // the window: forecasts, slot 0 observed
  const int16_t* choice = nullptr;  // [slot < stored_slots][state]
  int32_t stored_slots = 0;
};

template <class Forecaster>
struct ChcPolicy {
  ChcParams params;
  Forecaster forecaster;
  ChcScratchLayout layout;
  unsigned char* scratch = nullptr;  // layout.bytes, owned by the caller
  // The planner's working memory: scratch + layout.solve_offset, unless members that never
  // plan at once share one (the plan-table evaluator).
  unsigned char* solve_scratch = nullptr;
  // Committed mode: the plan being followed and where in it we are.
  int32_t plan_length = 0;
  int32_t plan_position = 0;
  int32_t plans_made = 0;
  // The Lagrangian planner's largest certified gap over the job's plans (USD): each plan's
  // window objective is within this of the window's optimum.
  double largest_plan_gap = 0.0;
  // A plan shared by the members of a planning key (null: this member plans alone); used when
  // it was made at the slot this member plans at and covers its state.
  const SharedPlan* shared = nullptr;
  // The realised market, read only to accumulate `bound` (docs/chc.md, "A per-run bound on
  // CHC's gap to OPT"); spot_price null: off, and the policy never reads it.
  MarketView realised;
  ChcBoundTerms bound;

  // Whether decide() will plan at this slot: the plan is used up, the market deviates from it,
  // or (averaged mode) a controller re-plans at every slot.
  SPOTSWEEP_HD_INLINE bool plans_at(const SlotObservation& obs) const {
    if (params.mode == ChcMode::averaged) return true;
    if (plan_position >= plan_length) return true;
    return params.replan_deviation > 0.0 && deviates(obs, plan_position);
  }

  SPOTSWEEP_HD Allocation decide(const JobSpec& job, const SlotObservation& obs,
                                 const JobState& state) {
    if (params.mode == ChcMode::averaged) return decide_averaged(job, obs, state);
    bool replan = plan_position >= plan_length;
    if (!replan && params.replan_deviation > 0.0) replan = deviates(obs, plan_position);
    if (replan) {
      plan_length = make_plan(job, obs, state, plan_slots(), params.commit);
      plan_position = 0;
    }
    return realise(job, plan_slots()[plan_position++], obs);
  }

 private:
  SPOTSWEEP_HD_INLINE Allocation* plan_slots() const {
    return reinterpret_cast<Allocation*>(scratch + layout.plan_offset);
  }
  SPOTSWEEP_HD_INLINE double* window_price() const {
    return reinterpret_cast<double*>(scratch + layout.price_offset);
  }
  SPOTSWEEP_HD_INLINE int32_t* window_avail() const {
    return reinterpret_cast<int32_t*>(scratch + layout.avail_offset);
  }

  // Whether slot `position` of the committed plan meets a market far from its forecast.
  SPOTSWEEP_HD bool deviates(const SlotObservation& obs, int32_t position) const {
    const double forecast = window_price()[position];
    const double gap = obs.spot_price - forecast;
    const double relative = (gap < 0 ? -gap : gap) / max_d(forecast, 1e-12);
    return relative > params.replan_deviation || obs.spot_avail < window_avail()[position];
  }

  // Plans from the current state and writes its first `count` allocations; returns how many
  // (fewer when the plan completes the job sooner).
  SPOTSWEEP_HD int32_t make_plan(const JobSpec& job, const SlotObservation& obs,
                                 const JobState& state, Allocation* out, int32_t count) {
    const int32_t horizon = horizon_slots(job, obs.tick_s);
    const int32_t n = min_i(params.window, horizon - obs.slot);
    double* price = window_price();
    int32_t* avail = window_avail();
    if (params.lagrange_iters == 0 && shared && shared->planning_slot == obs.market_slot &&
        shared->job_work == job.work && count <= shared->stored_slots) {
      const int32_t bucket = absolute_lattice_bucket(state.work_done, shared->shape.step,
                                                     shared->shape.lattice_buckets);
      if (bucket >= shared->shape.first_bucket && bucket <= shared->shape.top_bucket) {
        for (int32_t k = 0; k < n; ++k) {  // the window planned on, for deviates()
          price[k] = shared->market.spot_price[k];
          avail[k] = shared->market.spot_avail[k];
        }
        PlanStart start;
        start.elapsed_s = obs.elapsed_s;
        start.overhead_s = state.overhead_s;
        start.prev = state.prev;
        start.bucket = bucket;
        ++plans_made;
        if (!realised.spot_price)
          return follow_plan(job, shared->market, start, shared->shape, shared->choice, count, out);
        // The bound's terms read the plan as far as the table stores it (docs/chc.md).
        const int32_t stored = min_i(shared->stored_slots, n);
        const int32_t followed =
            follow_plan(job, shared->market, start, shared->shape, shared->choice, stored, out);
        add_bound_terms(job, obs, n, price, avail, out, followed, followed < stored);
        bound.certified = 0;  // no scratch of its own to re-solve the window in
        return min_i(count, followed);
      }
    }
    forecaster.fill(obs.market_slot, n, price, avail);
    price[0] = obs.spot_price;  // the current slot is observed, not forecast
    avail[0] = obs.spot_avail;
    PlanMarket market;
    market.spot_price = price;
    market.spot_avail = avail;
    market.od_price = obs.od_price;
    market.tick_s = obs.tick_s;
    market.n_slots = n;
    PlanStart start;
    start.elapsed_s = obs.elapsed_s;
    start.work_done = state.work_done;
    start.overhead_s = state.overhead_s;
    start.prev = state.prev;
    OnDemandTerminal terminal{job, obs.od_price, obs.slot + n >= horizon};
    double* values = reinterpret_cast<double*>(solve_scratch + layout.value_offset);
    int16_t* choice = reinterpret_cast<int16_t*>(solve_scratch + layout.choice_offset);
    ++plans_made;
    if (params.lagrange_iters > 0) {
      // Whole-window schedules need their own room: `out` may be shorter than the window.
      Allocation* candidate =
          reinterpret_cast<Allocation*>(solve_scratch + layout.candidate_offset);
      Allocation* schedule = candidate + layout.window;
      const LagrangianPlan plan =
          solve_lagrangian_plan(job, market, start, terminal, params.lagrange_iters, values,
                                values + layout.states, choice, candidate, schedule);
      if (plan.bound > kInfeasibleValue && plan.value > kInfeasibleValue)
        largest_plan_gap = max_d(largest_plan_gap, plan.bound - plan.value);
      const int32_t length = min_i(count, plan.length);
      for (int32_t k = 0; k < length; ++k)
        out[k] = schedule[k];
      if (realised.spot_price) {
        add_bound_terms(job, obs, n, price, avail, out, 0, false);
        bound.certified = 0;
      }
      return length;
    }
    // Every plan of the job lies on one absolute lattice (origin 0, step q fixed per job), so
    // that members at other progress can share it, and the start state is the member's progress
    // rounded down: a plan never credits work not done, and a re-plan never loses ground against
    // the plan it replaces (docs/chc.md, "Plan tables").
    const double step = chc_progress_step(job, obs.tick_s, params);
    start.work_done = 0.0;
    start.bucket =
        absolute_lattice_bucket(state.work_done, step, absolute_lattice_buckets(job, step));
    const PlanShape shape =
        absolute_plan_shape(job, obs.tick_s, n, step, start.bucket, start.bucket);
    double* move_values = reinterpret_cast<double*>(solve_scratch + layout.move_value_offset);
    const double planned_value = solve_plan(job, market, start, shape, Rounding::down, terminal,
                                            values, values + layout.states, move_values, choice);
    if (!realised.spot_price) return follow_plan(job, market, start, shape, choice, count, out);
    // The bound's terms read the whole planned window (`out` holds layout.plans ≥ w slots);
    // the first `count` allocations are the same as when following `count` slots only.
    const int32_t followed = follow_plan(job, market, start, shape, choice, max_i(count, n), out);
    const bool completed = followed < max_i(count, n);
    const double own = add_bound_terms(job, obs, n, price, avail, out, followed, completed);
    // The certificate: the same window solved on the realised market, V_q(s_k), against the
    // plan's realised value J_f(x̂) − D ≥ J_f(x̂) − D̄ (docs/chc.md, "The certificate").
    PlanMarket truth = market;
    truth.spot_price = realised.spot_price + obs.market_slot;
    truth.spot_avail = realised.spot_avail + obs.market_slot;
    const double best = solve_plan(job, truth, start, shape, Rounding::down, terminal, values,
                                   values + layout.states, move_values, choice);
    // `out` holds the whole plan here (it completes within `followed` slots, or runs all n).
    if (planned_value > 0.5 * kInfeasibleValue && best > 0.5 * kInfeasibleValue)
      bound.certificate_usd += best - (planned_value - own);
    else
      bound.certified = 0;
    return min_i(count, followed);
  }

  // Adds plan k's window to the bound's terms (docs/chc.md): E_k = Σ over its forecast slots
  // j ≥ 1 (slot 0 is observed) of d_j(x̂_j) − min_n d_j(n), where x̂ is the plan itself where
  // its allocations are known (`plan[0, known)`; at the last known slot, which may be the
  // finishing one billed in part, max(0, d)), nothing after a plan that completed, and
  // max_n d_j(n) where unknown.
  // Returns D̄ = Σ_j (the plan's own term), an upper bound on the plan's realised-minus-forecast
  // cost when `completed` or known = n.
  SPOTSWEEP_HD double add_bound_terms(const JobSpec& job, const SlotObservation& obs, int32_t n,
                                      const double* price, const int32_t* avail,
                                      const Allocation* plan, int32_t known, bool completed) {
    if (obs.slot + n < horizon_slots(job, obs.tick_s)) bound.full_window = 0;
    double window = 0.0, own_sum = 0.0;
    for (int32_t k = 1; k < n; ++k) {
      const double p = realised.spot_price_at(obs.market_slot + k);
      const int32_t a = realised.avail_at(obs.market_slot + k);
      const SlotCostErrorRange r =
          slot_cost_error_range(job, price[k], avail[k], p, a, obs.od_price, obs.tick_s);
      double own = r.highest;
      if (k < known) {
        own =
            slot_cost_error_of(plan[k].total(), price[k], avail[k], p, a, obs.od_price, obs.tick_s);
        if (k == known - 1) own = max_d(own, 0.0);
      } else if (completed) {
        own = 0.0;
      }
      window += own - r.lowest;
      own_sum += own;
      const double dp = price[k] > p ? price[k] - p : p - price[k];
      bound.price_error += dp / max_d(p, 1e-12);
      bound.avail_error += static_cast<double>(avail[k] > a ? avail[k] - a : a - avail[k]);
      ++bound.forecast_slots;
    }
    bound.forecast_usd += window;
    ++bound.plans;
    return own_sum;
  }

  // A planned allocation on the realised market: spot first while it is up and cheaper,
  // on-demand for the rest; under trigger = composition a still-feasible planned split stays.
  SPOTSWEEP_HD_INLINE Allocation realise(const JobSpec& job, const Allocation& planned,
                                         const SlotObservation& obs) const {
    if (job.trigger == ReconfigTrigger::composition && planned.n_spot <= obs.spot_avail &&
        (planned.n_spot == 0 || obs.spot_price < obs.od_price))
      return planned;
    return split_spot_first(planned.total(), obs.spot_avail, obs.spot_price, obs.od_price);
  }

  // Faithful CHC: controller j re-plans at slots t ≡ j (mod v) and commits v slots; the slot's
  // total is the controllers' mean, rounded to the nearest feasible count.
  SPOTSWEEP_HD Allocation decide_averaged(const JobSpec& job, const SlotObservation& obs,
                                          const JobState& state) {
    const int32_t v = params.commit;
    Allocation* plans = plan_slots();
    int32_t* plan_start = reinterpret_cast<int32_t*>(scratch + layout.plan_start_offset);
    int32_t* plan_len = reinterpret_cast<int32_t*>(scratch + layout.plan_length_offset);
    if (obs.slot == 0) {
      // Every controller starts from the same state; plan once and share it.
      plan_len[0] = make_plan(job, obs, state, plans, v);
      for (int32_t j = 0; j < v; ++j) {
        for (int32_t i = 0; i < plan_len[0]; ++i)
          plans[j * v + i] = plans[i];
        plan_len[j] = plan_len[0];
        plan_start[j] = 0;
      }
    } else {
      const int32_t j = obs.slot % v;
      plan_len[j] = make_plan(job, obs, state, plans + j * v, v);
      plan_start[j] = obs.slot;
    }
    double sum = 0.0;
    for (int32_t j = 0; j < v; ++j) {
      const int32_t i = obs.slot - plan_start[j];
      sum += i < plan_len[j] ? plans[j * v + i].total() : 0;
    }
    const double mean = sum / v;
    int32_t n = static_cast<int32_t>(floor(mean + 0.5));
    if (n > 0 && n < job.n_min) n = (mean >= 0.5 * job.n_min) ? job.n_min : 0;
    n = min_i(n, job.n_max);
    return split_spot_first(n, obs.spot_avail, obs.spot_price, obs.od_price);
  }
};

}  // namespace spotsweep

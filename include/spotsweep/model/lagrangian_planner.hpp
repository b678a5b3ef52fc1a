#pragma once
// The Lagrangian window planner: CHC's cheap alternative to the exact lattice planner
// (planner.hpp), for pools too large to pay the lattice's progress dimension per member.
//
// Work reaches the window objective only through the terminal value and completion. Pricing
// each sample at λ ≥ 0 turns the window into a dynamic programme over (allocation, slots since
// the last restart) alone: D(λ) = max over schedules of Σ_k (λ·gain_k − cost_k). Its schedule
// is a candidate plan, valued exactly (plan_window_value), and
//   U(λ) = D(λ) + max( sup_{W0 ≤ W ≤ W_hi} [terminal(W) − λ·(W − W0)],
//                      V(earliest finish) − λ·(work left) )           (the second if reachable)
// bounds the window optimum from above for every λ ≥ 0 (docs/chc.md gives the argument). The
// planner tries a few λ (bisection on U's subgradient), keeps the best candidate and the least
// bound, and so certifies each plan: optimum − plan value ≤ bound − value.
//
// Cost per plan: iterations · n_slots · A·(S+1) moves, with no progress dimension; scratch
// 2·A·(S+1) doubles and n_slots·A·(S+1) choices, plus two schedules of n_slots allocations.
#include <cmath>
#include <cstdint>

#include "spotsweep/model/job.hpp"
#include "spotsweep/model/macros.hpp"
#include "spotsweep/model/planner.hpp"
#include "spotsweep/model/slot.hpp"

namespace spotsweep {

// What a Lagrangian plan is worth, and the certificate that comes with it.
struct LagrangianPlan {
  double value = kInfeasibleValue;  // the window objective of the plan written, exactly
  double bound = kInfeasibleValue;  // an upper bound on the window objective's optimum
  int32_t length = 0;               // slots the plan runs before the job completes (≤ n_slots)
};

// States of the Lagrangian programme, (allocation, since) pairs: its value layers hold this
// many doubles each, and its choices this many per slot.
SPOTSWEEP_HD_INLINE int64_t lagrangian_states(const AllocationSpace& space,
                                              int32_t restart_states) {
  return static_cast<int64_t>(space.size()) * restart_states;
}

// sup over W ∈ [w_lo, w_hi] of terminal(W, end_s) − λ·(W − w_lo), and in *argmax_work the W
// attaining it. For each count n the terminal is V(f_n(W)) − n·p_o·(f_n(W) − end_s)/3600 with
// the finish time f_n affine and decreasing in W; V is constant up to d and linear, convex
// (exponential) or constant (step) from d to γd, so each piece minus λ·W is affine or convex
// and its supremum sits at a piece's end: the interval's ends, f_n = d and f_n = γd. V is
// evaluated a hair earlier than f_n, which, V being non-increasing, can only raise the bound.
SPOTSWEEP_HD_INLINE double terminal_excess_bound(const OnDemandTerminal& terminal, double lambda,
                                                 double w_lo, double w_hi, double end_s,
                                                 double* argmax_work) {
  const JobSpec& job = terminal.job;
  double best = kInfeasibleValue;
  *argmax_work = w_lo;
  if (terminal.at_horizon) return best;
  const double slack_s = 1e-6;
  const double hard = job.hard_deadline_s() + kDeadlineTolS;
  for (int32_t n = job.n_min; n <= job.n_max; ++n) {
    const double rate = throughput(job, n);
    // W at which f_n(W) = t: W = L − (t − end_s − R)·H(n).
    const double on_time =
        job.work - (job.soft_deadline_s + kDeadlineTolS - end_s - job.reconfig_s) * rate;
    const double feasible = job.work - (hard - end_s - job.reconfig_s) * rate;
    const double candidates[4] = {w_lo, w_hi, on_time, feasible};
    for (int32_t c = 0; c < 4; ++c) {
      const double w = candidates[c];
      if (!(w >= w_lo && w <= w_hi)) continue;
      const double run_s = job.reconfig_s + max_d(job.work - w, 0.0) / rate;
      if (end_s + run_s > hard + slack_s) continue;
      const double value = completion_value(job, max_d(end_s + run_s - slack_s, 0.0)) -
                           n * terminal.od_price * run_s / 3600.0 - lambda * (w - w_lo);
      if (value > best) {
        best = value;
        *argmax_work = w;
      }
    }
  }
  return best;
}

// D(λ): backward over the window, each (allocation, since) state takes the best of idle, the
// best restart other than its own allocation and staying (best_of_three, as solve_plan). Writes
// choices per (slot, state) and returns D(λ) from the start state.
SPOTSWEEP_HD_INLINE double lagrangian_schedule_value(const JobSpec& job, const PlanMarket& market,
                                                     const PlanShape& shape, double lambda,
                                                     int32_t start_alloc, int32_t start_since,
                                                     double* value_a, double* value_b,
                                                     int16_t* choice) {
  const int32_t n_alloc = shape.space.size();
  const int32_t n_since = shape.restart_states;
  const int64_t states = lagrangian_states(shape.space, n_since);
  double* next = value_a;
  double* cur = value_b;
  for (int64_t i = 0; i < states; ++i)
    next[i] = 0.0;
  for (int32_t k = market.n_slots - 1; k >= 0; --k) {
    // Rows: cur[x·(S+1) + s] = what running x in since s earns from here (−1e300 if invalid).
    double idle = 0.0;
    double first = kInfeasibleValue, second = kInfeasibleValue;
    int32_t first_action = -1, second_action = -1;
    for (int32_t x = 0; x < n_alloc; ++x) {
      const PlanMove restart_move = plan_move_from(job, market, shape, Rounding::down, k, 0, x);
      for (int32_t s = 0; s < (x == 0 ? 1 : n_since); ++s) {
        const PlanMove move =
            s == 0 ? restart_move
                   : plan_move_at_since(job, shape, Rounding::down, market.tick_s, restart_move, s);
        const double value = move.valid
                                 ? lambda * move.gain - move.slot_cost +
                                       next[static_cast<int64_t>(x) * n_since + move.next_since]
                                 : kInfeasibleValue;
        if (x == 0) {
          idle = value;
          continue;
        }
        cur[static_cast<int64_t>(x) * n_since + s] = value;
        if (s == 0)
          keep_best_two_restarts(value, x, &first, &first_action, &second, &second_action);
      }
    }
    int16_t* slot_choice = choice + static_cast<int64_t>(k) * states;
    for (int32_t a = 0; a < n_alloc; ++a) {
      for (int32_t s = 0; s < n_since; ++s) {
        const int64_t i = static_cast<int64_t>(a) * n_since + s;
        const PlanPick pick = best_of_three(a, idle, a == 0 ? kInfeasibleValue : cur[i], first,
                                            first_action, second, second_action);
        cur[i] = pick.value;
        slot_choice[i] = static_cast<int16_t>(pick.action);
      }
    }
    double* swap = next;
    next = cur;
    cur = swap;
  }
  return next[static_cast<int64_t>(start_alloc) * n_since + start_since];
}

// Walks D(λ)'s choices from the start state, writing the allocations rented; returns the work
// the whole window schedule does (completion ignored, as D ignores it).
SPOTSWEEP_HD_INLINE double follow_lagrangian_choices(const JobSpec& job, const PlanMarket& market,
                                                     const PlanShape& shape, int32_t alloc,
                                                     int32_t since, const int16_t* choice,
                                                     Allocation* out) {
  const int64_t states = lagrangian_states(shape.space, shape.restart_states);
  double work = 0.0;
  for (int32_t k = 0; k < market.n_slots; ++k) {
    const int32_t x =
        choice[k * states + static_cast<int64_t>(alloc) * shape.restart_states + since];
    const PlanMove move = plan_move(job, market, shape, Rounding::down, k, alloc, since, x);
    out[k] = move.rent;
    work += move.valid ? move.gain : 0.0;
    alloc = x;
    since = move.next_since;
  }
  return work;
}

// Plans the window. `out` receives the best schedule found (n_slots allocations); `candidate`
// is scratch of n_slots allocations, `value_a`, `value_b` of lagrangian_states() doubles and
// `choice` of n_slots·lagrangian_states() entries. `iterations` ≥ 1 multipliers are tried;
// running N_max throughout is always a candidate too, so a window that some schedule finishes
// in time never gets a plan that cannot.
SPOTSWEEP_HD_INLINE LagrangianPlan
solve_lagrangian_plan(const JobSpec& job, const PlanMarket& market, const PlanStart& start,
                      const OnDemandTerminal& terminal, int32_t iterations, double* value_a,
                      double* value_b, int16_t* choice, Allocation* candidate, Allocation* out) {
  LagrangianPlan plan;
  // No progress dimension: one bucket, and a step of L so that no lattice shift is large.
  PlanShape shape =
      plan_shape(job, market.tick_s, market.n_slots, start.work_done, max_d(job.work, 1.0));
  shape.buckets = 1;
  int32_t start_alloc, start_since;
  plan_start_state(job, shape, start, market.tick_s, &start_alloc, &start_since);

  // Running N_max throughout, spot first: the feasible fallback.
  for (int32_t k = 0; k < market.n_slots; ++k)
    out[k] = split_spot_first(job.n_max, market.spot_avail[k], market.spot_price[k],
                              market.od_price_at(k));
  plan.value = plan_window_value(job, market, start, out, terminal, &plan.length);

  const double left = job.work - start.work_done;
  const double end_s = start.elapsed_s + market.n_slots * market.tick_s;
  const double reach = market.n_slots * market.tick_s * throughput(job, job.n_max);
  const bool can_complete = reach >= left - kWorkRelTol * job.work;
  const double w_hi = min_d(job.work, start.work_done + reach);
  // Completing plans: cost ≥ λ·(work left) − D(λ), and V(T) ≤ V(earliest finish).
  const double earliest_finish_s = start.elapsed_s + max_d(left, 0.0) / throughput(job, job.n_max);
  const double completion_top = completion_value(job, max_d(earliest_finish_s - 1e-6, 0.0));
  const double completion_work = max_d(left - kWorkRelTol * job.work, 0.0);

  // First multiplier: the cheapest on-demand price of a sample, what the terminal pays for work
  // while the deadline is not binding.
  double lambda = 1e300;
  for (int32_t n = job.n_min; n <= job.n_max; ++n)
    lambda = min_d(lambda, n * market.od_price_at(0) / (3600.0 * throughput(job, n)));
  double lo = 0.0, hi = -1.0;  // hi < 0: no upper end of the bracket yet
  for (int32_t i = 0; i < iterations; ++i) {
    const double d_value = lagrangian_schedule_value(job, market, shape, lambda, start_alloc,
                                                     start_since, value_a, value_b, choice);
    const double gained =
        follow_lagrangian_choices(job, market, shape, start_alloc, start_since, choice, candidate);
    int32_t length = 0;
    const double value = plan_window_value(job, market, start, candidate, terminal, &length);
    if (value > plan.value) {
      plan.value = value;
      plan.length = length;
      for (int32_t k = 0; k < market.n_slots; ++k)
        out[k] = candidate[k];
    }
    double wanted_work = start.work_done;
    double excess =
        terminal_excess_bound(terminal, lambda, start.work_done, w_hi, end_s, &wanted_work);
    wanted_work -= start.work_done;
    if (can_complete && completion_top - lambda * completion_work > excess) {
      excess = completion_top - lambda * completion_work;
      wanted_work = completion_work;
    }
    const double bound = excess <= kInfeasibleValue ? kInfeasibleValue : d_value + excess;
    if (i == 0 || bound < plan.bound) plan.bound = bound;
    if (plan.bound - plan.value <= 1e-12 * (1.0 + fabs(plan.value))) break;  // certified optimal
    // U's subgradient in λ is (work the schedule does) − (work the bound's terminal wants):
    // positive means λ is past U's minimum.
    if (gained > wanted_work)
      hi = lambda;
    else
      lo = lambda;
    lambda = hi < 0.0 ? 4.0 * max_d(lambda, 1e-300) : (lo <= 0.0 ? 0.25 * hi : sqrt(lo * hi));
  }
  return plan;
}

}  // namespace spotsweep

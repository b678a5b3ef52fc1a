#pragma once
// Prediction-free policies: on-demand only, Greedy and Uniform Progress generalised to N GPUs
// (Wu et al., NSDI 2024; docs/cbl-semantics.md §8), and the PF(θ, κ, ρ, h) family of
// docs/model.md §4.3. Each is a small object with its parameters and its own per-job state; it
// proposes an allocation, and the simulator's clamp and safety net make it feasible.
#include <cmath>
#include <cstdint>

#include "spotsweep/model/job.hpp"
#include "spotsweep/model/macros.hpp"
#include "spotsweep/model/simulator.hpp"
#include "spotsweep/model/slot.hpp"

namespace spotsweep {

// Fewest GPUs in [N_min, N_max] whose throughput reaches rate (N_max if none does), found by
// walking from `guess`: the answer whatever the guess, in |answer − guess| + 2 comparisons.
// Policies whose rate changes little from slot to slot pass last slot's answer, which keeps
// divisions and rounding out of the GPU count.  Needs α > 0 (job validation enforces it), so
// H is non-decreasing in n even after rounding.
SPOTSWEEP_HD_INLINE int32_t gpus_for_rate_from(const JobSpec& job, double rate, int32_t guess) {
  int32_t k = min_i(max_i(guess, job.n_min), job.n_max);
  while (k > job.n_min && job.alpha * (k - 1) + job.beta >= rate)
    --k;  // H(k − 1), k − 1 ≥ 1
  while (k < job.n_max && job.alpha * k + job.beta < rate)
    ++k;  // H(k), k ≥ 1
  return k;
}

// Fewest GPUs in [N_min, N_max] whose throughput reaches rate (N_max if none does).
SPOTSWEEP_HD_INLINE int32_t gpus_for_rate(const JobSpec& job, double rate) {
  if (rate <= throughput(job, job.n_min)) return job.n_min;
  // ceil of the rounded quotient is within one of the answer; the walk settles it.
  const double n = ceil((rate - job.beta) / job.alpha);
  return gpus_for_rate_from(job, rate, n < job.n_max ? static_cast<int32_t>(n) : job.n_max);
}

// The kind of instance the previous slot ran, as Can't Be Late's rules see it, after
// preemption: a spot allocation that lost any GPU at this slot counts as NONE. On N GPUs a spot
// allocation counts as SPOT only when it runs N_max GPUs, the rate at which the deadline rules
// time the work left (docs/model.md §4.2): a partial spot allocation keeps too little rate to
// meet the deadline it is timed against, so the rules treat it as NONE and move it to on-demand.
// With N_max = 1 every unpreempted spot allocation is full, as in Can't Be Late.
enum class RunningKind : int32_t { none = 0, spot = 1, on_demand = 2 };

SPOTSWEEP_HD_INLINE RunningKind running_kind(const JobSpec& job, const Allocation& prev,
                                             int32_t spot_avail) {
  if (prev.n_od > 0) return RunningKind::on_demand;
  if (prev.n_spot > 0)
    return prev.n_spot <= spot_avail && prev.n_spot >= job.n_max ? RunningKind::spot
                                                                 : RunningKind::none;
  return RunningKind::none;
}

// The tick-rounded deadline arithmetic of Can't Be Late (docs/cbl-semantics.md §5, §8), with the
// work left measured in seconds at N_max GPUs.
struct DeadlineSlack {
  double slack_s;  // floor((D − τ)/Δ)·Δ
  double need1_s;  // ceil((left/H(N_max) + R)/Δ)·Δ
  double need2_s;  // ceil((left/H(N_max) + 2R)/Δ)·Δ
};

SPOTSWEEP_HD_INLINE DeadlineSlack deadline_slack(const JobSpec& job, const SlotObservation& obs,
                                                 const JobState& state, double deadline_s) {
  const double left_s = (job.work - state.work_done) / throughput(job, job.n_max);
  const double g = obs.tick_s;
  DeadlineSlack s;
  s.slack_s = floor((deadline_s - obs.elapsed_s) / g) * g;
  s.need1_s = ceil((left_s + job.reconfig_s) / g) * g;
  s.need2_s = ceil((left_s + 2.0 * job.reconfig_s) / g) * g;
  return s;
}

// All the spot GPUs it can use (up to N_max), or idle when fewer than N_min are up.
SPOTSWEEP_HD_INLINE Allocation all_spot_or_idle(const JobSpec& job, int32_t spot_avail) {
  Allocation a;
  const int32_t n = min_i(spot_avail, job.n_max);
  if (n >= job.n_min && n > 0) a.n_spot = n;
  return a;
}

SPOTSWEEP_HD_INLINE Allocation on_demand(int32_t n) {
  Allocation a;
  a.n_od = n;
  return a;
}

// Far from the deadline neither of Greedy's rules 3 and 4 can fire: with A = left_s + 2R (the
// larger need before rounding), need ≤ ceil(A/Δ)·Δ < A + Δ and slack > (D − τ) − Δ, so
// A + 2Δ < D − τ, checked with a margin far above the rounding of these few operations, settles
// it without the divisions and floor/ceil of deadline_slack. Same answers, fewer operations.
SPOTSWEEP_HD_INLINE bool deadline_rules_cannot_fire(const JobSpec& job, double elapsed_s,
                                                    double tick_s, double work_done,
                                                    double deadline_s) {
  const double left_s = (job.work - work_done) / throughput(job, job.n_max);
  return (left_s + 2.0 * max_d(job.reconfig_s, 0.0) + 2.0 * tick_s) * (1.0 + 1e-9) <
         (deadline_s - elapsed_s) * (1.0 - 1e-9);
}

// deadline_rules_cannot_fire, made at most once every few slots while the deadline is far. The
// test is monotone (each operation is, and rounding keeps that): if it holds at time τ' with
// work W, it holds at every τ ≤ τ' with work ≥ W, as long as the job's L, N_max, R and the
// deadline stay the same and H(N_max) > 0. So a test that holds Δ·k ahead with today's work
// settles every later call up to that time whose work is at least today's: the same answers,
// one division in k slots. A failed look-ahead halves k, down to the test of the slot alone.
// Under a workload estimate the L a policy sees moves with the work done, and every slot is
// tested on its own.
struct FarFromDeadline {
  static constexpr int32_t kLookaheadSlots = 32;
  double until_s = -1.0;   // the test holds up to this time ...
  double work_from = 0.0;  // ... for any work done at least this
  int32_t lookahead = kLookaheadSlots;

  SPOTSWEEP_HD_HOT bool holds(const JobSpec& job, const SlotObservation& obs, const JobState& state,
                              double deadline_s) {
    if (obs.elapsed_s <= until_s && state.work_done >= work_from) return true;
    if (lookahead > 0 && !(job.work_estimate > 0.0) && obs.tick_s > 0.0 &&
        throughput(job, job.n_max) > 0.0) {
      const double ahead_s = obs.elapsed_s + lookahead * obs.tick_s;
      if (deadline_rules_cannot_fire(job, ahead_s, obs.tick_s, state.work_done, deadline_s)) {
        until_s = ahead_s;
        work_from = state.work_done;
        return true;
      }
      lookahead /= 2;
    }
    return deadline_rules_cannot_fire(job, obs.elapsed_s, obs.tick_s, state.work_done, deadline_s);
  }
};

// Greedy's rules 3 and 4 (docs/cbl-semantics.md §8 `strawman`), shared with Uniform Progress,
// once deadline_rules_cannot_fire does not settle the slot.
SPOTSWEEP_HD_HOT Allocation cbl_deadline_rules_near(const JobSpec& job, const SlotObservation& obs,
                                                    const JobState& state, double deadline_s,
                                                    Allocation proposal) {
  const DeadlineSlack s = deadline_slack(job, obs, state, deadline_s);
  const RunningKind cur = running_kind(job, state.prev, obs.spot_avail);
  if (s.need2_s >= s.slack_s && cur != RunningKind::spot) proposal = on_demand(job.n_max);
  if (s.need1_s >= s.slack_s) {
    const bool keep_spot = cur == RunningKind::spot && state.overhead_s < 1e-3;
    proposal = keep_spot ? state.prev : on_demand(job.n_max);
    if (job.reconfig_s == 0.0 && obs.spot_avail >= job.n_max)
      proposal = all_spot_or_idle(job, obs.spot_avail);
  }
  return proposal;
}

// Greedy's rules 3 and 4, with the far-from-deadline test made every slot.
SPOTSWEEP_HD_INLINE Allocation cbl_deadline_rules(const JobSpec& job, const SlotObservation& obs,
                                                  const JobState& state, double deadline_s,
                                                  Allocation proposal) {
  if (deadline_rules_cannot_fire(job, obs.elapsed_s, obs.tick_s, state.work_done, deadline_s))
    return proposal;
  return cbl_deadline_rules_near(job, obs, state, deadline_s, proposal);
}

// Under the Can't Be Late preset, Greedy and Uniform Progress idle once the work left is
// within 1e-3 s (their rule 1), which the simulator's 1e-8 s "done" test has not yet ended.
SPOTSWEEP_HD_INLINE bool cbl_nothing_left(const JobSpec& job, const JobState& state) {
  return job.cant_be_late() &&
         (job.work - state.work_done) / throughput(job, job.n_max) <= kCblZeroS;
}

// On-demand only. n_gpus = 0 picks, at the first slot, the constant count in [N_min, N_max]
// with the best estimated utility V(R + L/H(n)) − n·p_o·(billed slots).  [ours]
struct OnDemandOnlyPolicy {
  int32_t n_gpus = 0;

  SPOTSWEEP_HD_HOT Allocation decide(const JobSpec& job, const SlotObservation& obs,
                                     const JobState&) {
    if (n_gpus <= 0) n_gpus = best_constant_count(job, obs);
    return on_demand(n_gpus);
  }

  // The same count from the first slot on, whatever the market (JobRun::fast_forward).
  static constexpr bool kSteadySameAvail = false;
  static constexpr bool kSteadySamePrices = false;
  SPOTSWEEP_HD_INLINE double steady_until_s(const JobSpec&, const JobState&, int32_t,
                                            double) const {
    return n_gpus > 0 ? static_cast<double>(INFINITY) : -1.0;
  }

  SPOTSWEEP_HD static int32_t best_constant_count(const JobSpec& job, const SlotObservation& obs) {
    int32_t best = job.n_max;
    double best_utility = -1e300;
    for (int32_t n = job.n_min; n <= job.n_max; ++n) {
      const double finish = continuous_finish_s(job, 0.0, job.reconfig_s, job.work, n);
      if (finish > job.hard_deadline_s() + kDeadlineTolS) continue;
      const double slots = ceil(finish / obs.tick_s - 1e-9);
      const double utility =
          completion_value(job, finish) - n * obs.od_price * slots * obs.tick_s / 3600.0;
      if (utility > best_utility) {
        best_utility = utility;
        best = n;
      }
    }
    return best;
  }
};

// Greedy (`strawman`): spot whenever enough is up, idle otherwise, on-demand at N_max once the
// tick-rounded slack to the target deadline no longer covers the work plus two restarts.
// N GPUs: spot takes min(a, N_max) when that reaches N_min; the work left is timed at N_max.
// target deadline = deadline_factor·d (1 = the soft deadline).  [published rule; ours: N GPUs]
struct GreedyPolicy {
  static constexpr bool kProposesFeasible = true;
  double deadline_factor = 1.0;
  FarFromDeadline far;

  SPOTSWEEP_HD_HOT Allocation decide(const JobSpec& job, const SlotObservation& obs,
                                     const JobState& state) {
    if (cbl_nothing_left(job, state)) return Allocation{};
    const double deadline_s = deadline_factor * job.soft_deadline_s;
    const Allocation proposal = all_spot_or_idle(job, obs.spot_avail);
    if (far.holds(job, obs, state, deadline_s)) return proposal;
    return cbl_deadline_rules_near(job, obs, state, deadline_s, proposal);
  }
};

// Uniform Progress (`rc_cr_threshold`): follows the line U(τ) = τ·L/D. Behind it, runs N_max
// GPUs spot first with on-demand top-up; on on-demand, stays until spot is up and progress is
// ahead of the line evaluated 2R ahead; then Greedy's deadline rules.  [published; ours: N GPUs]
struct UniformProgressPolicy {
  static constexpr bool kProposesFeasible = true;
  double deadline_factor = 1.0;
  FarFromDeadline far;

  SPOTSWEEP_HD_HOT Allocation decide(const JobSpec& job, const SlotObservation& obs,
                                     const JobState& state) {
    if (cbl_nothing_left(job, state)) return Allocation{};
    const double deadline_s = deadline_factor * job.soft_deadline_s;
    const double L = job.work;
    // sky_spot measures progress as C − R with R = C − S (docs/cbl-semantics.md §8, §11).
    const double done = job.cant_be_late() ? L - (L - state.work_done) : state.work_done;
    Allocation proposal = all_spot_or_idle(job, obs.spot_avail);
    const bool spot_up = proposal.total() > 0;
    if (done - (obs.elapsed_s * L) / deadline_s < 0.0) {
      // Behind the line: Can't Be Late takes spot when it is up, whatever its price.
      proposal = job.cant_be_late() && spot_up
                     ? proposal
                     : split_spot_first(job.n_max, obs.spot_avail, obs.spot_price, obs.od_price);
    }
    if (state.prev.n_od > 0 &&
        (!spot_up || ((obs.elapsed_s + 2.0 * job.reconfig_s) * L) / deadline_s - done >= 0.0))
      proposal = on_demand(job.n_max);
    if (far.holds(job, obs, state, deadline_s)) return proposal;
    return cbl_deadline_rules_near(job, obs, state, deadline_s, proposal);
  }
};

// Spot only (Can't Be Late `only_spot`): all the spot GPUs it can use, idle without; n_gpus > 0
// caps the count. The safety net still moves it to on-demand near the deadline.  [published;
// ours: N GPUs]
struct OnlySpotPolicy {
  static constexpr bool kProposesFeasible = true;
  int32_t n_gpus = 0;  // 0: up to N_max

  SPOTSWEEP_HD_HOT Allocation decide(const JobSpec& job, const SlotObservation& obs,
                                     const JobState&) const {
    return all_spot_or_idle(job, n_gpus > 0 ? min_i(obs.spot_avail, n_gpus) : obs.spot_avail);
  }

  // A function of the spot availability alone.
  static constexpr bool kSteadySameAvail = true;
  static constexpr bool kSteadySamePrices = false;
  SPOTSWEEP_HD_INLINE double steady_until_s(const JobSpec&, const JobState&, int32_t,
                                            double) const {
    return static_cast<double>(INFINITY);
  }
};

// PF(θ, κ, ρ, h), the prediction-free family (docs/model.md §4.3, our rule):
//  - spot is "cheap" when p_s ≤ θ·p_o;
//  - the target is to finish by κ·d, along the straight line W(τ) = L·τ/(κd);
//  - behind the line it enters catch-up: it runs at least the GPUs that the required rate
//    (work left over time left to the target) needs, spot first, on-demand for the rest;
//  - it leaves catch-up only once ahead of the line by h·L (hysteresis);
//  - otherwise it rides cheap spot, scaled up to ρ× the required rate, and idles without it.
struct PredictionFreePolicy {
  static constexpr bool kProposesFeasible = true;
  double theta = 0.7;        // θ, spot price threshold as a fraction of p_o
  double kappa = 0.9;        // κ, target finish as a fraction of d
  double rho = 1.5;          // ρ, scale-up factor of the required rate on cheap spot
  double hysteresis = 0.02;  // h, fraction of L ahead of the line to leave catch-up
  bool catching_up = false;
  // Last answers of gpus_for_rate for the required rate and for ρ× it: the next slot's
  // starting guesses (any value gives the same answer; these give it in two comparisons).
  int32_t n_for_rate = 0;
  int32_t n_for_spot = 0;

  SPOTSWEEP_HD_HOT Allocation decide(const JobSpec& job, const SlotObservation& obs,
                                     const JobState& state) {
    const double target_s = kappa * job.soft_deadline_s;
    const double L = job.work;
    const double left = L - state.work_done;
    // Position against the line, scaled by the target to avoid a division:
    // (line − W)·κd = L·τ − W·κd before the target; past it the line is L itself.
    if (obs.elapsed_s >= target_s) {
      catching_up = true;
    } else {
      const double deficit_scaled = L * obs.elapsed_s - state.work_done * target_s;
      if (deficit_scaled > 0.0)
        catching_up = true;
      else if (-deficit_scaled >= hysteresis * L * target_s)
        catching_up = false;
    }
    const bool spot_cheap = obs.spot_price <= theta * obs.od_price && obs.spot_avail > 0;
    Allocation a;
    if (!catching_up && !spot_cheap) return a;  // ahead of the line and no cheap spot: idle

    const double rate_needed = left / max_d(target_s - obs.elapsed_s, obs.tick_s);
    int32_t spot_wanted = 0;
    if (spot_cheap) {
      n_for_spot = gpus_for_rate_from(job, rho * rate_needed, n_for_spot);
      spot_wanted = min_i(obs.spot_avail, n_for_spot);
    }
    if (catching_up) {
      n_for_rate = gpus_for_rate_from(job, rate_needed, n_for_rate);
      const int32_t n = max_i(n_for_rate, spot_wanted);
      a.n_spot = spot_cheap ? min_i(obs.spot_avail, n) : 0;
      a.n_od = n - a.n_spot;
    } else if (spot_wanted >= job.n_min) {
      a.n_spot = spot_wanted;
    }
    return a;
  }
};

// Plays a fixed schedule (OPT's), idle after its end.
struct SchedulePolicy {
  const Allocation* schedule = nullptr;
  int32_t n_slots = 0;

  SPOTSWEEP_HD_HOT Allocation decide(const JobSpec&, const SlotObservation& obs,
                                     const JobState&) const {
    return obs.slot < n_slots ? schedule[obs.slot] : Allocation{};
  }
};

}  // namespace spotsweep

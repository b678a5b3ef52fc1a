#pragma once
// The one simulator loop every policy runs through, on the CPU and in CUDA kernels.
// Order inside slot t (market slot m = start + t), docs/model.md §3:
//   observe p_s[m], a[m], p_o → policy proposes → clamp to feasible → safety net →
//   reconfiguration check → run the slot → bill it.
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "spotsweep/model/job.hpp"
#include "spotsweep/model/macros.hpp"
#include "spotsweep/model/market.hpp"
#include "spotsweep/model/slot.hpp"

namespace spotsweep {

// What a policy sees at the start of a slot.
struct SlotObservation {
  int32_t slot = 0;         // t, slots since the job's start
  int32_t market_slot = 0;  // m = start + t
  double elapsed_s = 0.0;   // τ = t·Δ
  double tick_s = 0.0;      // Δ
  double spot_price = 0.0;  // p_s[m]
  double od_price = 0.0;    // p_o[m]
  int32_t spot_avail = 0;   // a[m]
};

// The job's state as the simulator keeps it; policies read it.
struct JobState {
  double work_done = 0.0;   // samples
  double overhead_s = 0.0;  // restart seconds still to pay
  Allocation prev;          // allocation of the previous slot
};

// The summary of one simulated job.
struct Outcome {
  double utility = 0.0;       // V(T) − cost
  double value = 0.0;         // V(T), or −P_miss
  double cost = 0.0;          // USD
  double finish_s = -1.0;     // completion instant from the start; −1 on a miss
  double od_gpu_s = 0.0;      // on-demand GPU-seconds rented
  double spot_gpu_s = 0.0;    // spot GPU-seconds rented
  int32_t missed = 0;         // 1 when not finished by γ·d
  int32_t reconfigs = 0;      // restarts, the first launch included
  int32_t net_overrides = 0;  // slots in which the safety net replaced the proposal
  int32_t slots = 0;          // slots simulated

  SPOTSWEEP_HD_INLINE double spot_share() const {
    const double total = od_gpu_s + spot_gpu_s;
    return total > 0.0 ? spot_gpu_s / total : 0.0;
  }
};

// One simulated slot, for per-slot logs.
struct SlotRecord {
  SlotObservation obs;
  Allocation proposed;
  Allocation applied;
  bool reconfigured = false;
  bool net_override = false;
  double work_after = 0.0;
  double overhead_after_s = 0.0;
  double cost_after = 0.0;
};

// Logger that records nothing: what kernels and the batch engine use.
struct NullSlotLogger {
  SPOTSWEEP_HD_INLINE void operator()(const SlotRecord&) const {}
};

// Whether simulate() builds a SlotRecord for the logger at all: not for NullSlotLogger, so
// the batch loop carries no logging work whatever the compiler makes of the record.
template <class SlotLogger>
struct LogsSlots : std::true_type {};
template <>
struct LogsSlots<NullSlotLogger> : std::false_type {};

// Slots that start before the hard deadline: the most a job can run. Under Can't Be Late one
// more: its net lets a job finish one tick late (docs/cbl.md, "how late").
SPOTSWEEP_HD_INLINE int32_t horizon_slots(const JobSpec& job, double tick_s) {
  const int32_t slots =
      static_cast<int32_t>(ceil((job.hard_deadline_s() - kDeadlineTolS) / tick_s));
  return job.cant_be_late() ? slots + 1 : slots;
}

// The hard-deadline safety net (docs/model.md §3, our rule). It keeps the invariant "one of the
// safe plans still finishes by γ·d": a proposal that would break it after this slot is
// replaced by the safe plan (keep the running total if that is safe, else N_max).
// simulate() calls it only where the quick test net_cannot_bind does not settle the slot, and
// only outside the Can't Be Late mode, which has its own net below. It returns the proposal
// or a different allocation, so that the caller tells an override by comparing the two (and
// passes nothing by address: simulate()'s loop keeps its state in registers).
SPOTSWEEP_HD_INLINE Allocation apply_safety_net(const JobSpec& job, SlotObservation obs,
                                                JobState state, Allocation proposal) {
  const double overhead =
      is_reconfiguration(job, state.prev, proposal) ? job.reconfig_s : state.overhead_s;
  const SlotProgress step = run_slot_in_mode<ModelMode::spotsweep>(
      job, obs.tick_s, overhead, state.work_done, proposal.total());
  if (step.completes) return proposal;
  const SafePlan after =
      safe_plans(job, obs.elapsed_s + obs.tick_s, step.overhead_after_s, step.work_after, proposal);
  if (after.feasible()) return proposal;
  const SafePlan now =
      safe_plans(job, obs.elapsed_s, state.overhead_s, state.work_done, state.prev);
  // A job that was infeasible from the start has no safe plan; run flat out anyway.
  const bool keep = now.keep_ok;
  const int32_t n = keep ? state.prev.total() : job.n_max;
  Allocation safe;
  if (job.trigger == ReconfigTrigger::composition) {
    safe.n_od = n;  // spot could vanish and restart the job, so the net holds none
  } else {
    safe = split_spot_first(n, obs.spot_avail, obs.spot_price, obs.od_price);
  }
  return safe;
}

// Can't Be Late's framework safety net ("strong guarantee", docs/cbl-semantics.md §5), applied to
// every policy's proposal: once the tick-rounded time left, floor((D − τ)/Δ)·Δ, no longer
// exceeds the work left plus one restart rounded up, ceil(((L − W)/H(N_max) + R)/Δ)·Δ, it keeps
// a spot allocation that ran last slot with no restart pending, and otherwise puts N_max
// on-demand. It tests the allocation before preemption, so a spot allocation lost at this slot
// is "kept" and the availability override that follows turns it into idle: the quirk that
// makes only_spot finish one tick late. D is the hard deadline (γ = 1 in the preset). Like
// apply_safety_net, it returns the proposal or the allocation that overrides it.
SPOTSWEEP_HD_INLINE Allocation apply_cbl_framework_net(const JobSpec& job,
                                                       const SlotObservation& obs,
                                                       const JobState& state, Allocation proposal) {
  const double left_s = (job.work - state.work_done) / throughput(job, job.n_max);
  if (left_s <= kCblZeroS) return proposal;
  const double g = obs.tick_s;
  const double deadline_s = job.hard_deadline_s();
  // need1 < left + R + Δ and slack > D − τ − Δ: far from the deadline the net cannot fire,
  // which this margin settles without the divisions (same answers, fewer operations).
  if ((left_s + max_d(job.reconfig_s, 0.0) + 2.0 * g) * (1.0 + 1e-9) <
      (deadline_s - obs.elapsed_s) * (1.0 - 1e-9))
    return proposal;
  const double slack_s = floor((deadline_s - obs.elapsed_s) / g) * g;
  const double need1_s = ceil((left_s + job.reconfig_s) / g) * g;
  if (need1_s < slack_s) return proposal;
  const bool last_was_spot = state.prev.n_spot > 0 && state.prev.n_od == 0;
  Allocation safe;
  if (last_was_spot && state.overhead_s < kCblZeroS) {
    safe = state.prev;
  } else {
    safe.n_od = job.n_max;
  }
  return safe;
}

// Far from the deadline even an idle slot followed by a switch to N_max finishes in time, so
// no proposal can break the net's invariant. hard_s = γ·d and rate_max = H(N_max), which
// simulate() computes once per job.
SPOTSWEEP_HD_INLINE bool net_cannot_bind(const JobSpec& job, double hard_s, double rate_max,
                                         double elapsed_s, double tick_s, double work_done) {
  const double time_after_switch = hard_s - (elapsed_s + tick_s) - job.reconfig_s;
  return time_after_switch * rate_max >= (job.work - work_done) * (1.0 + 1e-9);
}

// Slots between a successful look-ahead test of the net's quick test and the slot it is made
// at (JobRun::net_cannot_bind_now).
constexpr int32_t kNetLookaheadSlots = 32;

// Whether a policy's proposals are always feasible as they stand (clamp_allocation leaves them
// unchanged) for a valid job (N_min ≥ 1, N_min ≤ N_max): a policy declares it with
// `static constexpr bool kProposesFeasible = true`, and the simulator then skips the clamp.
// ProposalsAreFeasible in tests/unit/model/model_test.cpp checks every such declaration.
template <class Policy, class = void>
struct ProposesFeasible : std::false_type {};
template <class Policy>
struct ProposesFeasible<Policy, std::void_t<decltype(Policy::kProposesFeasible)>>
    : std::bool_constant<Policy::kProposesFeasible> {};

// What a policy promises about its next proposals, for the simulator's fast-forward
// (JobRun::fast_forward). A policy declares
//   static constexpr bool kSteadySameAvail, kSteadySamePrices;
//   double steady_until_s(const JobSpec& job, const JobState& state, int32_t slot,
//                         double tick_s) const;
// meaning: the proposal it made at `slot` (with state the state after that slot) stays the same
// at every later slot that starts (τ = t·Δ, as observe() computes it) no later than the
// returned time, as long as the spot availability is the one it saw at `slot` (when
// kSteadySameAvail), so are the spot and on-demand prices (when kSteadySamePrices), and the
// work done does not decrease; a negative time promises nothing. `job` is the true job.
template <class Policy, class = void>
struct HasSteady : std::false_type {};
template <class Policy>
struct HasSteady<Policy, std::void_t<decltype(std::declval<const Policy&>().steady_until_s(
                             std::declval<const JobSpec&>(), std::declval<const JobState&>(),
                             int32_t{}, double{}))>> : std::true_type {};

// The job as a policy sees it: with L̂ in place of L when a workload estimate is set. A job
// that outlives its estimate is believed to have 5 % of L̂ still to go.  [ours]
SPOTSWEEP_HD_INLINE JobSpec policy_view(const JobSpec& job, const JobState& state) {
  JobSpec seen = job;
  if (job.work_estimate > 0.0)
    seen.work = max_d(job.work_estimate, state.work_done + 0.05 * job.work_estimate);
  return seen;
}

// Whether the simulator wraps the policy in the safety net. Only replays of offline
// schedules (OPT's) run without it: they are checked against the deadline by construction.
enum class SafetyNet : int32_t { on = 0, off = 1 };

// One job's simulation in one model mode (fixed at compile time so the per-slot loop does not
// test it), advanced a slot at a time: simulate() runs it to the end for one policy, and the
// plan-table evaluator (engine/chc_tables.hpp) runs many in lockstep, slot by slot, so that
// members planning at the same slot can share one plan. The job is passed to each call, so that
// simulate()'s loop keeps it in a parameter the compiler knows no store can change.
template <SafetyNet kNet, ModelMode kMode>
struct JobRun {
  // Per-job constants and the market window, read once.
  double tick = 0.0;
  int32_t horizon = 0;
  int32_t start_slot = 0;
  double hard_s = 0.0;
  double rate_max = 0.0;
  bool known_work = true;
  const double* spot_price = nullptr;
  const int32_t* spot_avail = nullptr;
  const double* od_series = nullptr;
  double od_price = 0.0;
  // The simulation so far.
  Outcome out;
  JobState state;
  // GPU-slots billed in full; the one slot billed in part (per-second billing) goes to *_tail.
  int64_t od_slots = 0;
  int64_t spot_slots = 0;
  double od_tail_s = 0.0;
  double spot_tail_s = 0.0;
  int32_t t = 0;  // the next slot, since the job's start
  bool ended = false;
  // The safety net's quick test is known to hold before slot net_free_until; net_lookahead is
  // how far ahead the next look-ahead test looks (0: no more look-ahead).
  int32_t net_free_until = 0;
  int32_t net_lookahead = kNetLookaheadSlots;

  SPOTSWEEP_HD_HOT void begin(const JobSpec& job, const MarketView& market, int32_t start) {
    tick = market.tick_seconds;
    horizon = horizon_slots(job, tick);
    start_slot = start;
    hard_s = job.hard_deadline_s();
    rate_max = throughput(job, job.n_max);
    known_work = !(job.work_estimate > 0.0);
    // The look-ahead's monotonicity needs Δ > 0 and H(N_max) > 0 (valid jobs and markets).
    net_lookahead = tick > 0.0 && rate_max > 0.0 ? kNetLookaheadSlots : 0;
    spot_price = market.spot_price + start;
    spot_avail = market.spot_avail + start;
    od_series = market.od_price_series ? market.od_price_series + start : nullptr;
    od_price = market.od_price;
    ended = horizon <= 0;
  }

  // net_cannot_bind at slot t, with the test made at most once every few slots while the
  // deadline is far. The test is monotone: each of its operations is, and rounding keeps that,
  // so if it holds at slot t' with work W it holds at every slot t ≤ t' with any work ≥ W. The
  // work done never decreases (H(n) > 0 for n ≥ N_min ≥ 1, job validation), so a test that
  // holds at slot t + k with today's work holds at every slot up to t + k: the same answers,
  // one test in k slots. A failed look-ahead halves k, down to the test of slot t alone.
  SPOTSWEEP_HD_HOT bool net_cannot_bind_now(const JobSpec& job) {
    if (t < net_free_until) return true;
    if (net_lookahead > 0) {
      const int32_t ahead = t + net_lookahead;
      if (net_cannot_bind(job, hard_s, rate_max, ahead * tick, tick, state.work_done)) {
        net_free_until = ahead + 1;
        return true;
      }
      net_lookahead /= 2;
    }
    return net_cannot_bind(job, hard_s, rate_max, t * tick, tick, state.work_done);
  }

  // What the policy sees at the start of slot t.
  SPOTSWEEP_HD_INLINE SlotObservation observe() const {
    SlotObservation obs;
    obs.slot = t;
    obs.market_slot = start_slot + t;
    obs.elapsed_s = t * tick;
    obs.tick_s = tick;
    obs.spot_price = spot_price[t];
    obs.od_price = od_series ? od_series[t] : od_price;
    obs.spot_avail = spot_avail[t];
    return obs;
  }

  // Runs slot t (observe → propose → clamp → safety net → reconfiguration → run → bill) and
  // moves to the next; `ended` becomes true when the job completes or reaches its horizon.
  template <class Policy, class SlotLogger>
  SPOTSWEEP_HD_HOT void step(const JobSpec& job, Policy& policy, SlotLogger& log) {
    constexpr bool kLogs = LogsSlots<std::remove_cv_t<SlotLogger>>::value;
    constexpr bool kCantBeLate = kMode == ModelMode::cant_be_late;
    const SlotObservation obs = observe();
    const Allocation proposed = known_work ? policy.decide(job, obs, state)
                                           : policy.decide(policy_view(job, state), obs, state);
    Allocation alloc = proposed;
    if constexpr (!ProposesFeasible<Policy>::value)
      alloc = clamp_allocation(job, proposed, obs.spot_avail);
    bool overridden = false;
    if constexpr (kNet == SafetyNet::on && kCantBeLate) {
      // The framework net, then its availability override (spot that is down becomes idle).
      const Allocation net = apply_cbl_framework_net(job, obs, state, alloc);
      overridden = net != alloc;
      alloc = clamp_allocation(job, net, obs.spot_avail);
    } else if constexpr (kNet == SafetyNet::on) {
      if (!net_cannot_bind_now(job)) {
        const Allocation net = apply_safety_net(job, obs, state, alloc);
        overridden = net != alloc;
        alloc = net;
      }
    }
    out.net_overrides += overridden ? 1 : 0;

    const bool reconfigured = is_reconfiguration(job, state.prev, alloc);
    if (reconfigured) {
      state.overhead_s = job.reconfig_s;
      ++out.reconfigs;
    }
    const SlotProgress slot =
        run_slot_in_mode<kMode>(job, tick, state.overhead_s, state.work_done, alloc.total());
    state.work_done = slot.work_after;
    state.overhead_s = slot.overhead_after_s;  // unchanged by an idle slot (run_slot_in_mode)
    state.prev = alloc;
    // The slot that completes the job, once per job, apart: every other slot is billed Δ in
    // full and counted in whole GPU-slots, with no test of the billing mode.
    if (!slot.completes) {
      out.cost += allocation_cost(alloc, obs.spot_price, obs.od_price, tick);
      od_slots += alloc.n_od;
      spot_slots += alloc.n_spot;
    } else {
      const bool partial = job.billing == Billing::per_second;
      const double billed_s = partial ? slot.finish_offset_s : tick;
      out.cost += allocation_cost(alloc, obs.spot_price, obs.od_price, billed_s);
      if (partial) {
        od_tail_s = alloc.n_od * billed_s;
        spot_tail_s = alloc.n_spot * billed_s;
      } else {
        od_slots += alloc.n_od;
        spot_slots += alloc.n_spot;
      }
      out.finish_s = obs.elapsed_s + slot.finish_offset_s;
    }

    if constexpr (kLogs) {
      SlotRecord rec;
      rec.obs = obs;
      rec.proposed = proposed;
      rec.applied = alloc;
      rec.reconfigured = reconfigured;
      rec.net_override = overridden;
      rec.work_after = state.work_done;
      rec.overhead_after_s = state.overhead_s;
      rec.cost_after = out.cost;
      log(rec);
    }

    ++t;
    ended = slot.completes || t >= horizon;
  }

  // Advances, without asking the policy, the slots after the one just run at which nothing can
  // differ from that slot but the work done (docs/model.md §3, "Fast-forward"): the policy
  // promises the same proposal (steady_until_s), the net's quick test is known to hold, the
  // allocation is the previous slot's with no restart pending, and the market inputs the
  // proposal and its rent read are unchanged. Each such slot is exactly what step() computes
  // for it: the same gain (Δ − 0)·H(n), the same completion test, the same rent added to the
  // cost in the same order, the GPU-slot counts added in bulk (integers). It stops before a
  // slot that would complete the job, which step() then runs. Model mode spotsweep only: the
  // Can't Be Late replay runs every tick through step().
  template <class Policy>
  SPOTSWEEP_HD_HOT void fast_forward(const JobSpec& job, const Policy& policy) {
    if constexpr (kMode == ModelMode::spotsweep && kNet == SafetyNet::on &&
                  HasSteady<Policy>::value) {
      // The quick test, inlined in the loop: slot t's market against the slot just run's, so
      // that a market that moves every slot costs a few instructions here.
      if (ended || t >= net_free_until) return;  // t ≥ 1 after a step
      if (Policy::kSteadySameAvail && spot_avail[t] != spot_avail[t - 1]) return;
      if ((Policy::kSteadySamePrices || state.prev.n_spot > 0) &&
          spot_price[t] != spot_price[t - 1])
        return;
      fast_forward_from(job, policy);
    }
  }

  // fast_forward past its quick test: the run's fields are read here and written back from
  // what skip_steady_slots returns, so that the loop's state does not escape into a call.
  template <class Policy>
  SPOTSWEEP_HD_INLINE void fast_forward_from(const JobSpec& job, const Policy& policy) {
    const int32_t limit = min_i(horizon, net_free_until);
    const Allocation a = state.prev;
    const int32_t n = a.total();
    if (n > 0 && state.overhead_s != 0.0) return;
    const double until_s = policy.steady_until_s(job, state, t - 1, tick);
    if (!(until_s >= t * tick)) return;
    const SteadySkip skip = skip_steady_slots<Policy::kSteadySameAvail, Policy::kSteadySamePrices>(
        job, SeriesWindow{spot_price, spot_avail, od_series, od_price, tick}, t, limit, until_s, a,
        state.work_done, out.cost);
    od_slots += static_cast<int64_t>(skip.next - t) * a.n_od;
    spot_slots += static_cast<int64_t>(skip.next - t) * a.n_spot;
    state.work_done = skip.work_done;
    out.cost = skip.cost;
    t = skip.next;
    ended = t >= horizon;
  }

  struct SteadySkip {
    int32_t next;
    double work_done;
    double cost;
  };

  // The market series skip_steady_slots reads, passed by value: a static function given the
  // run's fields, not a member given `this`, keeps the run out of memory in simulate()'s loop.
  struct SeriesWindow {
    const double* spot_price;
    const int32_t* spot_avail;
    const double* od_series;
    double od_price;
    double tick;
  };

  // The skipped slots from t on, before `limit` and starting by until_s: see fast_forward.
  template <bool kSameAvail, bool kSamePrices>
  SPOTSWEEP_HD_OUTLINE static SteadySkip skip_steady_slots(const JobSpec& job, SeriesWindow w,
                                                           int32_t from, int32_t limit,
                                                           double until_s, Allocation a,
                                                           double work, double cost) {
    const double* spot_price = w.spot_price;
    const int32_t* spot_avail = w.spot_avail;
    const double* od_series = w.od_series;
    const double od_price = w.od_price;
    const double tick = w.tick;
    const int32_t avail = spot_avail[from - 1];
    const double spot = spot_price[from - 1];
    const double od = od_series ? od_series[from - 1] : od_price;
    const bool same_spot = kSamePrices || a.n_spot > 0;
    const bool same_od = (kSamePrices || a.n_od > 0) && od_series;
    const bool bounded = until_s < static_cast<double>(INFINITY);
    const auto same_slot = [&](int32_t k) {
      return !(bounded && k * tick > until_s) && !(kSameAvail && spot_avail[k] != avail) &&
             !(same_spot && spot_price[k] != spot) && !(same_od && od_series[k] != od);
    };
    int32_t k = from;
    const int32_t n = a.total();
    if (n == 0) {
      // Idle: no work, no restart progress, and a rent of ±0, which leaves the cost as it is
      // (it starts at +0 and never becomes −0; prices are finite).
      while (k < limit && same_slot(k))
        ++k;
    } else {
      const double gain = (tick - min_d(0.0, tick)) * throughput(job, n);
      const double rent = allocation_cost(a, spot, od, tick);
      const double tolerance = kWorkRelTol * job.work;
      for (; k < limit && same_slot(k); ++k) {
        if (gain >= (job.work - work) - tolerance) break;  // completes: step() runs it
        work = work + gain;
        cost += rent;
      }
    }
    return SteadySkip{k, work, cost};
  }

  // The outcome, once the run has ended.
  SPOTSWEEP_HD_INLINE Outcome finish(const JobSpec& job) {
    constexpr bool kCantBeLate = kMode == ModelMode::cant_be_late;
    out.slots = t;
    // (Σ n)·Δ: exact, and equal to summing n·Δ slot by slot, whenever n·Δ is (an integer Δ).
    out.od_gpu_s = static_cast<double>(od_slots) * tick + od_tail_s;
    out.spot_gpu_s = static_cast<double>(spot_slots) * tick + spot_tail_s;
    if (kCantBeLate && out.finish_s > hard_s) {
      out.missed = 1;  // late but finished: sky_spot reports the finish, T·Δ > D
    } else if (out.finish_s < 0.0 || out.finish_s > hard_s + kDeadlineTolS) {
      out.missed = 1;
      out.finish_s = -1.0;
    }
    out.value = out.missed ? -job.miss_penalty : completion_value(job, out.finish_s);
    out.utility = out.value - out.cost;
    return out;
  }
};

// simulate() in one model mode: the job's run, slot after slot, to its end.
template <SafetyNet kNet, ModelMode kMode, class Policy, class SlotLogger>
SPOTSWEEP_HD Outcome simulate_in_mode(const JobSpec& job, const MarketView& market,
                                      int32_t start_slot, Policy& policy, SlotLogger& log) {
  JobRun<kNet, kMode> run;
  run.begin(job, market, start_slot);
  while (!run.ended) {
    run.step(job, policy, log);
    if constexpr (!LogsSlots<std::remove_cv_t<SlotLogger>>::value) run.fast_forward(job, policy);
  }
  return run.finish(job);
}

// Simulates one job from market slot start_slot under policy. The policy type provides
//   Allocation decide(const JobSpec&, const SlotObservation&, const JobState&)
// and may keep its own state. The caller checks that the market covers
// start_slot + horizon_slots(job, Δ) slots.
template <SafetyNet kNet = SafetyNet::on, class Policy, class SlotLogger>
SPOTSWEEP_HD Outcome simulate(const JobSpec& job, const MarketView& market, int32_t start_slot,
                              Policy& policy, SlotLogger& log) {
  if (job.cant_be_late())
    return simulate_in_mode<kNet, ModelMode::cant_be_late>(job, market, start_slot, policy, log);
  return simulate_in_mode<kNet, ModelMode::spotsweep>(job, market, start_slot, policy, log);
}

template <SafetyNet kNet = SafetyNet::on, class Policy>
SPOTSWEEP_HD Outcome simulate(const JobSpec& job, const MarketView& market, int32_t start_slot,
                              Policy& policy) {
  NullSlotLogger log;
  return simulate<kNet>(job, market, start_slot, policy, log);
}

}  // namespace spotsweep

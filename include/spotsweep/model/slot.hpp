#pragma once
// Per-slot model functions (docs/model.md §1–§3): throughput, value, cost, reconfiguration loss
// that may span slots, and the hard-deadline safety net's feasibility test.
// Everything here is shared by the CPU backend and the CUDA kernels.
#include <cmath>
#include <cstdint>

#include "spotsweep/model/job.hpp"
#include "spotsweep/model/macros.hpp"

namespace spotsweep {

// Relative tolerance on "the work is done"; absorbs rounding in sums of per-slot progress.
constexpr double kWorkRelTol = 1e-12;
// Absolute tolerance, seconds, on "finished by the deadline".
constexpr double kDeadlineTolS = 1e-6;
// The value planners give a state from which the job can no longer finish: OPT and CHC must
// complete the job (docs/model.md §5: progress ≥ L), as the safety net makes every policy do.
constexpr double kInfeasibleValue = -1e300;

// A per-slot decision: GPUs rented on demand and on the spot market.
struct Allocation {
  int32_t n_od = 0;
  int32_t n_spot = 0;
  SPOTSWEEP_HD_INLINE int32_t total() const { return n_od + n_spot; }
  SPOTSWEEP_HD_INLINE bool operator==(const Allocation& o) const {
    return n_od == o.n_od && n_spot == o.n_spot;
  }
  SPOTSWEEP_HD_INLINE bool operator!=(const Allocation& o) const { return !(*this == o); }
};

SPOTSWEEP_HD_INLINE int32_t min_i(int32_t a, int32_t b) { return a < b ? a : b; }
SPOTSWEEP_HD_INLINE int32_t max_i(int32_t a, int32_t b) { return a > b ? a : b; }
SPOTSWEEP_HD_INLINE double min_d(double a, double b) { return a < b ? a : b; }
SPOTSWEEP_HD_INLINE double max_d(double a, double b) { return a > b ? a : b; }

// H(n) = α·n + β samples/s for n ≥ 1, H(0) = 0.  [paper]
SPOTSWEEP_HD_INLINE double throughput(const JobSpec& job, int32_t n) {
  return n > 0 ? job.alpha * n + job.beta : 0.0;
}

// The job's work is done once what is left is within rounding of zero.
SPOTSWEEP_HD_INLINE bool work_is_done(const JobSpec& job, double work_done) {
  return job.work - work_done <= kWorkRelTol * job.work;
}

// V(T) for completion at finish_s seconds after the start; −P_miss past γ·d.
SPOTSWEEP_HD_INLINE double completion_value(const JobSpec& job, double finish_s) {
  const double d = job.soft_deadline_s;
  const double hard = job.hard_deadline_s();
  if (finish_s <= d + kDeadlineTolS) return job.value_max;
  if (finish_s > hard + kDeadlineTolS) return -job.miss_penalty;
  const double span = hard - d;
  const double x = min_d(max_d((finish_s - d) / span, 0.0), 1.0);
  switch (job.value_shape) {
    case ValueShape::step: return job.value_max * job.value_shape_param;
    case ValueShape::exponential: {
      const double k = job.value_shape_param;
      return job.value_max * (exp(-k * x) - exp(-k)) / (1.0 - exp(-k));
    }
    case ValueShape::linear:
    default: return job.value_max * (1.0 - x);
  }
}

// Rent for billed_s seconds of an allocation: (n_o·p_o + n_s·p_s)·billed_s/3600.  [paper]
SPOTSWEEP_HD_INLINE double allocation_cost(const Allocation& a, double spot_price, double od_price,
                                           double billed_s) {
  return (a.n_od * od_price + a.n_spot * spot_price) * billed_s / 3600.0;
}

// Whether moving from prev to next restarts the job (costs R seconds of compute).
// Going idle is not a change (nothing runs); starting from idle is.
SPOTSWEEP_HD_INLINE bool is_reconfiguration(const JobSpec& job, const Allocation& prev,
                                            const Allocation& next) {
  if (next.total() == 0) return false;
  if (job.trigger == ReconfigTrigger::total) return prev.total() != next.total();
  return prev != next;
}

// The cheapest split of n GPUs given spot availability: spot first while it is cheaper.
SPOTSWEEP_HD_INLINE Allocation split_spot_first(int32_t n_total, int32_t spot_avail,
                                                double spot_price, double od_price) {
  Allocation a;
  a.n_spot = spot_price < od_price ? min_i(n_total, max_i(spot_avail, 0)) : 0;
  a.n_od = n_total - a.n_spot;
  return a;
}

// Makes a proposed allocation feasible: spot capped by availability, the total capped at
// N_max (on-demand dropped first), and a total in (0, N_min) topped up with on-demand.  [ours]
SPOTSWEEP_HD_INLINE Allocation clamp_allocation(const JobSpec& job, Allocation a,
                                                int32_t spot_avail) {
  a.n_od = max_i(a.n_od, 0);
  a.n_spot = min_i(max_i(a.n_spot, 0), max_i(spot_avail, 0));
  if (a.total() > job.n_max) {
    a.n_od = max_i(job.n_max - a.n_spot, 0);
    a.n_spot = min_i(a.n_spot, job.n_max);
  }
  if (a.total() > 0 && a.total() < job.n_min) a.n_od += job.n_min - a.total();
  return a;
}

// What one slot of running n GPUs does to the job.
struct SlotProgress {
  double overhead_after_s = 0.0;  // restart seconds still to pay after this slot
  double work_after = 0.0;        // cumulative work after this slot (capped at L)
  bool completes = false;         // the job finishes inside this slot
  double finish_offset_s = 0.0;   // when it finishes, seconds into the slot
};

// Can't Be Late's thresholds (docs/cbl-semantics.md §11): "done" for the loop, only_spot and
// on_demand; "nothing left" for the policies and the framework net; restart seconds below
// kCblZeroS are dropped.
constexpr double kCblDoneS = 1e-8;
constexpr double kCblZeroS = 1e-3;

// One tick as sky_spot credits it (task_done_time, docs/cbl-semantics.md §4), with its operation
// order: p = max(Δ − rem, 0); rem −= Δ − p, zeroed under 1e-3; the credit is min(p·H, L − W).
// The job is done when L − W ≤ 1e-8 and its finish is reported at the end of the tick.
SPOTSWEEP_HD_INLINE SlotProgress run_slot_cbl(const JobSpec& job, double tick_s, double overhead_s,
                                              double work_done, int32_t n) {
  SlotProgress out;
  const double p = max_d(tick_s - overhead_s, 0.0);
  double rem = overhead_s - (tick_s - p);
  if (rem < kCblZeroS) rem = 0.0;
  out.overhead_after_s = rem;
  out.work_after = work_done + min_d(p * throughput(job, n), job.work - work_done);
  out.completes = job.work - out.work_after <= kCblDoneS;
  out.finish_offset_s = out.completes ? tick_s : 0.0;
  return out;
}

// Runs n GPUs for one slot of tick_s seconds: the first min(overhead, Δ) seconds go to the
// restart, the rest earn H(n) samples/s.  [paper: μ = 1 − R/Δ; ours: overhead spans slots]
// The mode is a template parameter so that simulate()'s per-slot loop, which picks it once per
// job, carries no per-slot test of it; run_slot() below reads it from the job instead.
template <ModelMode kMode>
SPOTSWEEP_HD_INLINE SlotProgress run_slot_in_mode(const JobSpec& job, double tick_s,
                                                  double overhead_s, double work_done, int32_t n) {
  SlotProgress out;
  out.work_after = work_done;
  out.overhead_after_s = overhead_s;
  if (n <= 0) return out;
  if constexpr (kMode == ModelMode::cant_be_late) {
    return run_slot_cbl(job, tick_s, overhead_s, work_done, n);
  } else {
    const double overhead_used = min_d(overhead_s, tick_s);
    out.overhead_after_s = overhead_s - overhead_used;
    const double rate = throughput(job, n);
    const double left = job.work - work_done;
    const double gain = (tick_s - overhead_used) * rate;
    if (gain >= left - kWorkRelTol * job.work) {
      out.completes = true;
      out.work_after = job.work;
      out.finish_offset_s = min_d(overhead_used + max_d(left, 0.0) / rate, tick_s);
    } else {
      out.work_after = work_done + gain;
    }
    return out;
  }
}

SPOTSWEEP_HD_INLINE SlotProgress run_slot(const JobSpec& job, double tick_s, double overhead_s,
                                          double work_done, int32_t n) {
  return job.cant_be_late()
             ? run_slot_in_mode<ModelMode::cant_be_late>(job, tick_s, overhead_s, work_done, n)
             : run_slot_in_mode<ModelMode::spotsweep>(job, tick_s, overhead_s, work_done, n);
}

// Finish time, from the job's start, of running n GPUs without a break from start_s, with
// overhead_s of restart left and work_left samples to do.
SPOTSWEEP_HD_INLINE double continuous_finish_s(const JobSpec& job, double start_s,
                                               double overhead_s, double work_left, int32_t n) {
  return start_s + overhead_s + max_d(work_left, 0.0) / throughput(job, n);
}

// The two plans the hard-deadline safety net can always fall back on (docs/model.md §3):
//  keep   — keep the running total (on-demand covers any spot loss); only when a spot loss
//           cannot restart the job, i.e. trigger = total or no spot is held;
//  switch — restart once on N_max GPUs (on-demand only when trigger = composition).
struct SafePlan {
  bool keep_ok = false;
  bool switch_ok = false;
  SPOTSWEEP_HD_INLINE bool feasible() const { return keep_ok || switch_ok; }
};

SPOTSWEEP_HD_INLINE bool keep_is_safe_kind(const JobSpec& job, const Allocation& prev) {
  return prev.total() >= job.n_min && prev.total() > 0 &&
         (job.trigger == ReconfigTrigger::total || prev.n_spot == 0);
}

SPOTSWEEP_HD_INLINE SafePlan safe_plans(const JobSpec& job, double now_s, double overhead_s,
                                        double work_done, const Allocation& prev) {
  SafePlan plan;
  const double hard = job.hard_deadline_s() + kDeadlineTolS;
  const double left = job.work - work_done;
  if (keep_is_safe_kind(job, prev))
    plan.keep_ok = continuous_finish_s(job, now_s, overhead_s, left, prev.total()) <= hard;
  plan.switch_ok = continuous_finish_s(job, now_s, job.reconfig_s, left, job.n_max) <= hard;
  return plan;
}

// A job is feasible iff N_max on-demand GPUs started at once finish it by γ·d.
SPOTSWEEP_HD_INLINE bool job_is_feasible(const JobSpec& job) {
  return continuous_finish_s(job, 0.0, job.reconfig_s, job.work, job.n_max) <=
         job.hard_deadline_s() + kDeadlineTolS;
}

}  // namespace spotsweep

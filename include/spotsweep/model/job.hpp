#pragma once
// The job: one LLM fine-tuning run (docs/model.md §2). Plain data, shared by host and device.
#include <cstdint>

#include "spotsweep/model/macros.hpp"

namespace spotsweep {

// How V(T) falls from V̄ at the soft deadline d to 0 at the hard deadline γ·d.
enum class ValueShape : int32_t {
  linear = 0,  // V̄·(γd − T)/(γd − d)                                  [paper: non-increasing]
  step = 1,  // V̄·value_shape_param on (d, γd]                        [ours]
  exponential =
      2,  // V̄·(e^{−kx} − e^{−k})/(1 − e^{−k}), x = (T−d)/(γd−d), k = value_shape_param [ours]
};

// What counts as a change of the GPU set that costs R seconds of compute.
enum class ReconfigTrigger : int32_t {
  total = 0,        // the total GPU count changes (paper)
  composition = 1,  // the (on-demand, spot) split changes, so a preempted spot GPU replaced by
                    // on-demand also restarts (ours)
};

// How the slot in which the job completes is billed.
enum class Billing : int32_t {
  full_slot = 0,   // the finishing slot is billed in full (default, as Can't Be Late)
  per_second = 1,  // the finishing slot is billed up to the completion instant
};

// Which rules the per-slot engine follows. cant_be_late is the preset that replays the Can't Be
// Late simulator (sky_spot) bit for bit (docs/cbl.md, docs/cbl-semantics.md): its
// framework safety net and availability override replace ours, "done" is C − S ≤ 1e-8 s, an
// unfinished restart under 1e-3 s is dropped, the reported finish is the end of the finishing
// tick, a late job runs on (one tick past the deadline at most), and a miss costs nothing.
// The preset's other choices are ordinary fields (cbl_job() below sets them).
enum class ModelMode : int32_t {
  spotsweep = 0,     // docs/model.md
  cant_be_late = 1,  // docs/cbl.md
};

struct JobSpec {
  double work = 0.0;             // L, samples
  double soft_deadline_s = 0.0;  // d, seconds from the job's start
  double hard_factor = 1.0;      // γ ≥ 1; hard deadline γ·d
  int32_t n_min = 1;             // N_min
  int32_t n_max = 1;             // N_max
  double alpha = 1.0;            // H(n) = α·n + β samples/s for n ≥ 1
  double beta = 0.0;
  double value_max = 0.0;  // V̄, USD
  ValueShape value_shape = ValueShape::linear;
  double value_shape_param = 0.5;  // step level, or exponential rate k
  double miss_penalty = 0.0;       // P_miss, USD; a miss is worth −P_miss
  double reconfig_s = 0.0;         // R, seconds of compute lost per change (may exceed Δ)
  ReconfigTrigger trigger = ReconfigTrigger::total;
  Billing billing = Billing::full_slot;
  // L̂, the work the policy believes the job has (docs/model.md §2 workload-estimate error);
  // 0 means the policy knows L. The simulator and the safety net always use the true L.
  double work_estimate = 0.0;
  ModelMode mode = ModelMode::spotsweep;

  SPOTSWEEP_HD_INLINE double hard_deadline_s() const { return hard_factor * soft_deadline_s; }
  SPOTSWEEP_HD_INLINE bool cant_be_late() const { return mode == ModelMode::cant_be_late; }
};

// The ADRS job of the Can't Be Late benchmark: 48 h of work.
constexpr double kCblTaskHours = 48.0;

// The Can't Be Late preset of the model for a task of task_h hours, deadline deadline_h and
// restart overhead overhead_h, all converted as sky_spot does (hours · 3600, in double): one GPU,
// work in seconds (H(1) = 1), γ = 1, a change of instance kind restarts, full-tick billing, no
// value and no miss penalty (docs/cbl.md, "The Can't Be Late mode of the model").
SPOTSWEEP_HD_INLINE JobSpec cbl_job(double task_h, double deadline_h, double overhead_h) {
  JobSpec job;
  job.mode = ModelMode::cant_be_late;
  job.work = task_h * 3600.0;
  job.soft_deadline_s = deadline_h * 3600.0;
  job.hard_factor = 1.0;
  job.reconfig_s = overhead_h * 3600.0;
  job.n_min = 1;
  job.n_max = 1;
  job.alpha = 1.0;
  job.beta = 0.0;
  job.value_max = 0.0;
  job.miss_penalty = 0.0;
  job.trigger = ReconfigTrigger::composition;
  job.billing = Billing::full_slot;
  return job;
}

}  // namespace spotsweep

#pragma once
// The ranges that the model's arithmetic holds for (docs/reliability.md, "Limits"). Host code
// checks every value against them before it reaches the model, whose device-safe code cannot
// throw; each limit follows from a type or a tolerance of the arithmetic.
#include <cstdint>

namespace spotsweep {

// Slots of a trace, of a scenario window and of a job's horizon. Slot indices are int32
// (start + horizon, and the planner's restart states horizon + 1, must not wrap), so each of
// the two terms stays at or below 2^30.
constexpr int32_t kMaxSlots = int32_t(1) << 30;

// Seconds of a job's hard deadline γ·d and of a tick. Times are doubles compared with the
// absolute tolerance kDeadlineTolS = 1e-6 s; at 2^32 s a double's spacing is 2^-20 s
// (9.5e-7 s), the largest power of two whose spacing stays under the tolerance.
constexpr double kMaxSeconds = 4294967296.0;

// The shortest tick: a thousand deadline tolerances, so that the tolerance is never a visible
// part of a slot.
constexpr double kMinTickSeconds = 1e-3;

// The largest magnitude in USD of a value V̄, a miss penalty P_miss, and a job's largest
// possible cost N_max · (the dearest price) · (horizon seconds) / 3600. Utilities are stored
// as float sort keys for percentiles (FLT_MAX ≈ 3.4e38) and summed over at most 2^40 jobs
// in double; a job's utility lies within ±(V̄ + P_miss + largest cost) ≤ 3·1e37 < FLT_MAX.
constexpr double kMaxUsd = 1e37;

// GPUs a job may rent: N_max (the documented range of [job] n_max).
constexpr int32_t kMaxGpus = int32_t(1) << 20;

// Allocation states of the exact and Lagrangian planners (OPT and CHC): each slot's chosen
// action is stored as int16.
constexpr int32_t kMaxPlannerAllocations = 32767;

// Progress states of the exact planner: a landing bucket + shift (shift clamped to the bucket
// count) must stay an int32.
constexpr int32_t kMaxPlannerBuckets = int32_t(1) << 30;

}  // namespace spotsweep

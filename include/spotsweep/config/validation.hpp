#pragma once
// Host-side checks of the model's inputs (jobs and their trace windows) with one-line
// InputErrors naming where the values came from, including the ranges the model's arithmetic
// holds for (model/limits.hpp, docs/reliability.md): the model itself is device code and cannot
// throw, so every double that becomes a slot count, bucket count or lattice index is checked
// here before it is converted. Policy parameters, forecast noise among them, are checked against
// their family's axis table (config/pool.hpp).
#include <cstdint>
#include <string>

#include "spotsweep/model/job.hpp"
#include "spotsweep/model/market.hpp"

namespace spotsweep {

// Checks the job's own fields; `source` names where they came from (a config file, "--option").
// Besides each field's range: N_max ≤ kMaxGpus, γ·d ≤ kMaxSeconds, V̄ and P_miss ≤ kMaxUsd, and
// the most work the job can do, H(N_max)·γ·d, at most kMaxWork.
void validate_job(const JobSpec& job, const std::string& source);

// The most work (samples) a job may be able to do by its hard deadline: every progress value,
// sum and lattice position stays finite below it.
constexpr double kMaxWork = 1e300;

// The job's horizon in ticks of tick_s (model/simulator.hpp's horizon_slots), checked against
// kMaxSlots before it becomes an int32: an InputError naming the deadline otherwise.
int32_t checked_horizon_slots(const JobSpec& job, double tick_s, const std::string& source);

// Checks that the market window from start_slot covers the job's hard deadline.
void validate_job_window(const JobSpec& job, const MarketView& market, int start_slot,
                         const std::string& trace_file);

// Checks that the job's largest possible cost, N_max at `max_price` USD per GPU-hour (the
// dearest spot or on-demand price it can meet) for its whole horizon, stays within kMaxUsd.
void validate_job_cost(const JobSpec& job, double tick_s, double max_price,
                       const std::string& source, const std::string& price_source);

// The allocation states of the planners for the job: N_max − N_min + 2 under trigger = total,
// 1 + Σ_{n=N_min..N_max}(n+1) under composition; as a double, so that it cannot wrap.
double planner_allocation_states(const JobSpec& job);

// Checks a planner's lattice for the job before it is sized: allocation states at most
// kMaxPlannerAllocations and `buckets` (progress states, a double) at most kMaxPlannerBuckets.
// `field` and `value` name what sets the lattice (e.g. "--opt-buckets" = "256").
void validate_planner_lattice(const JobSpec& job, double buckets, const std::string& source,
                              const std::string& field, const std::string& value);

// CHC's window planner for the job (docs/model.md §4.4) with window w and resolution m, exact
// (the lattice planner) or Lagrangian: checks its allocation and progress states as
// validate_planner_lattice does (the window's reach and, for the exact planner, the job's whole
// absolute lattice), naming `field` = `value`, and returns the bytes one policy needs: its
// scratch and, exact, a planning key's shared plan storing `commit` slots of choices
// (chc_scratch_layout and chc_key_bytes, as a double so that it cannot wrap).
double check_chc_planner(const JobSpec& job, double tick_s, double window, double resolution,
                         bool exact, const std::string& source, const std::string& field,
                         const std::string& value, double commit = 1.0);

}  // namespace spotsweep

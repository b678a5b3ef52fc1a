#include "spotsweep/config/validation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/model/limits.hpp"
#include "spotsweep/model/simulator.hpp"
#include "spotsweep/model/slot.hpp"

namespace spotsweep {

namespace {
// Hours as a person reads them: 20.92 h, not 20.916666666666668 h.
std::string hours(double h) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g h", h);
  return text;
}
}  // namespace

namespace {

void require_finite(double v, const std::string& source, const std::string& field) {
  if (!std::isfinite(v))
    throw input_error(source, field, format_number(v), "is not a finite number");
}

std::string hours_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g h", seconds / 3600.0);
  return text;
}

}  // namespace

// Fields are named by their sweep-file keys ([job] work, deadline_h, reconfig_s, ...), which
// docs/simulate.md maps to the command-line options. The GPU counts come first: the
// command line derives work from n_max (--work-hours).
void validate_job(const JobSpec& job, const std::string& source) {
  if (job.n_min < 1)
    throw input_error(source, "n_min", std::to_string(job.n_min), "must be at least 1");
  if (job.n_max < 1)
    throw input_error(source, "n_max", std::to_string(job.n_max), "must be at least 1");
  if (job.n_min > job.n_max)
    throw input_error(source, "n_min", std::to_string(job.n_min),
                      "exceeds n_max = " + std::to_string(job.n_max));
  if (job.n_max > kMaxGpus)
    throw input_error(source, "n_max", std::to_string(job.n_max),
                      "must be at most " + std::to_string(kMaxGpus) + " (2^20)");
  require_finite(job.work, source, "work");
  require_finite(job.soft_deadline_s / 3600.0, source, "deadline_h");
  require_finite(job.hard_factor, source, "gamma");
  require_finite(job.alpha, source, "alpha");
  require_finite(job.beta, source, "beta");
  require_finite(job.value_max, source, "value");
  require_finite(job.miss_penalty, source, "miss_penalty");
  require_finite(job.reconfig_s, source, "reconfig_s");
  require_finite(job.value_shape_param, source, "value_shape_param");
  if (!(job.work > 0))
    throw input_error(source, "work", format_number(job.work), "must be positive");
  if (!(job.soft_deadline_s > 0))
    throw input_error(source, "deadline_h", format_number(job.soft_deadline_s / 3600.0),
                      "must be positive");
  if (!(job.hard_factor >= 1.0))
    throw input_error(source, "gamma", format_number(job.hard_factor), "must be at least 1");
  // Times are compared with an absolute tolerance of 1e-6 s (model/limits.hpp, kMaxSeconds).
  const std::string time_limit = "at most 2^32 s (" + hours_text(kMaxSeconds) +
                                 ", 136 years): later times are too coarse for the 1e-6 s "
                                 "tolerance of the deadline test";
  if (job.soft_deadline_s > kMaxSeconds)
    throw input_error(source, "deadline_h", format_number(job.soft_deadline_s / 3600.0),
                      "must be " + time_limit);
  if (!(job.hard_deadline_s() <= kMaxSeconds))
    throw input_error(source, "gamma", format_number(job.hard_factor),
                      "makes the hard deadline gamma * deadline_h = " +
                          hours_text(job.hard_deadline_s()) + "; it must be " + time_limit);
  if (!(job.alpha > 0))
    throw input_error(source, "alpha", format_number(job.alpha),
                      "must be positive (throughput must grow with the GPU count)");
  if (!(throughput(job, job.n_min) > 0))
    throw input_error(
        source, "beta", format_number(job.beta),
        "makes H(n_min) = " + format_number(throughput(job, job.n_min)) + " not positive");
  // Every amount of work (progress, gains, lattice positions) is below the most the job can do.
  const double most_work = throughput(job, job.n_max) * job.hard_deadline_s();
  if (!(most_work <= kMaxWork)) {
    const bool beta_larger = std::fabs(job.beta) > std::fabs(job.alpha * job.n_max);
    throw input_error(source, beta_larger ? "beta" : "alpha",
                      format_number(beta_larger ? job.beta : job.alpha),
                      "makes H(n_max) * gamma * deadline = " + format_number(most_work) +
                          " samples, over the limit of 1e300 that keeps work finite");
  }
  if (job.reconfig_s < 0)
    throw input_error(source, "reconfig_s", format_number(job.reconfig_s), "must be non-negative");
  if (job.value_max < 0)
    throw input_error(source, "value", format_number(job.value_max), "must be non-negative");
  if (job.value_max > kMaxUsd)
    throw input_error(source, "value", format_number(job.value_max),
                      "must be at most 1e37 USD (utilities must stay finite floats)");
  if (job.miss_penalty < 0)
    throw input_error(source, "miss_penalty", format_number(job.miss_penalty),
                      "must be non-negative");
  if (job.miss_penalty > kMaxUsd)
    throw input_error(source, "miss_penalty", format_number(job.miss_penalty),
                      "must be at most 1e37 USD (utilities must stay finite floats)");
  if (job.value_shape == ValueShape::step &&
      !(job.value_shape_param >= 0 && job.value_shape_param <= 1))
    throw input_error(source, "value_shape_param", format_number(job.value_shape_param),
                      "the step level must be in [0, 1]");
  if (job.value_shape == ValueShape::exponential && !(job.value_shape_param > 0))
    throw input_error(source, "value_shape_param", format_number(job.value_shape_param),
                      "the exponential rate must be positive");
  if (!job_is_feasible(job)) {
    const double best_h =
        continuous_finish_s(job, 0.0, job.reconfig_s, job.work, job.n_max) / 3600.0;
    throw input_error(source, "work", format_number(job.work),
                      "cannot finish even on n_max = " + std::to_string(job.n_max) +
                          " on-demand GPUs: needs " + hours(best_h) + ", hard deadline is " +
                          hours(job.hard_deadline_s() / 3600.0));
  }
}

int32_t checked_horizon_slots(const JobSpec& job, double tick_s, const std::string& source) {
  // horizon_slots' own arithmetic, in double before its int32 conversion.
  const double slots = std::ceil((job.hard_deadline_s() - kDeadlineTolS) / tick_s) +
                       (job.cant_be_late() ? 1.0 : 0.0);
  if (!(slots <= static_cast<double>(kMaxSlots)))
    throw input_error(
        source, job.hard_factor > 1.0 ? "gamma" : "deadline_h",
        format_number(job.hard_factor > 1.0 ? job.hard_factor : job.soft_deadline_s / 3600.0),
        "the hard deadline of " + hours_text(job.hard_deadline_s()) + " spans " +
            format_number(slots) + " ticks of " + format_number(tick_s) +
            " s, more than the 2^30 a horizon may have");
  return horizon_slots(job, tick_s);
}

void validate_job_window(const JobSpec& job, const MarketView& market, int start_slot,
                         const std::string& trace_file) {
  if (start_slot < 0 || start_slot >= market.n_slots)
    throw input_error(trace_file, "start", std::to_string(start_slot),
                      "outside the trace's " + std::to_string(market.n_slots) + " ticks");
  const double slots = std::ceil((job.hard_deadline_s() - kDeadlineTolS) / market.tick_seconds) +
                       (job.cant_be_late() ? 1.0 : 0.0);
  if (!(static_cast<double>(start_slot) + slots <= static_cast<double>(market.n_slots)))
    throw input_error(trace_file, "ticks", std::to_string(market.n_slots),
                      "too short: the job needs " + format_number(slots) + " ticks from tick " +
                          std::to_string(start_slot) + " to its hard deadline (" +
                          hours_text(job.hard_deadline_s()) + ")");
}

void validate_job_cost(const JobSpec& job, double tick_s, double max_price,
                       const std::string& source, const std::string& price_source) {
  const double horizon_s =
      std::ceil((job.hard_deadline_s() - kDeadlineTolS) / tick_s + (job.cant_be_late() ? 1 : 0)) *
      tick_s;
  const double largest_cost = job.n_max * max_price * horizon_s / 3600.0;
  if (!(largest_cost <= kMaxUsd))
    throw input_error(price_source, "price", format_number(max_price) + " USD per GPU-hour",
                      "with " + source + "'s n_max = " + std::to_string(job.n_max) + " over " +
                          hours_text(horizon_s) + " a job could cost " +
                          format_number(largest_cost) +
                          " USD, over the 1e37 USD that keeps utilities finite floats");
}

double planner_allocation_states(const JobSpec& job) {
  const double n_min = job.n_min, n_max = job.n_max;
  if (job.trigger == ReconfigTrigger::composition)
    return 1.0 + (n_max - n_min + 1.0) * (n_min + n_max + 2.0) / 2.0;
  return n_max - n_min + 2.0;
}

void validate_planner_lattice(const JobSpec& job, double buckets, const std::string& source,
                              const std::string& field, const std::string& value) {
  const double allocations = planner_allocation_states(job);
  if (allocations > kMaxPlannerAllocations)
    throw input_error(
        source, "n_max", std::to_string(job.n_max),
        "gives the planner " + format_number(allocations) + " allocation states (trigger = " +
            (job.trigger == ReconfigTrigger::composition ? "composition" : "total") +
            "), more than the 32767 its int16 choices hold (needed by " + field + ")");
  if (!(buckets <= kMaxPlannerBuckets))
    throw input_error(source, field, value,
                      "gives the planner " + format_number(buckets) +
                          " progress states, more than the 2^30 it indexes");
}

double check_chc_planner(const JobSpec& job, double tick_s, double window, double resolution,
                         bool exact, const std::string& source, const std::string& field,
                         const std::string& value, double commit) {
  // chc_scratch_layout's and chc_key_bytes's arithmetic (model/chc.hpp, engine/chc_tables.hpp),
  // in double before their conversions. The exact planner plans on the job's absolute lattice
  // (docs/chc.md, "Plan tables"), whose states are indexed as int32 too; a plan covers the
  // window's reach of it, and a planning key's shared plan all of it.
  const double step = tick_s * throughput(job, job.n_min) / resolution;
  const double reach = window * tick_s * throughput(job, job.n_max);
  const double lattice = exact ? std::max(std::ceil(job.work / step - 1e-9), 1.0) : 1.0;
  const double buckets = exact ? std::min(std::ceil(reach / step) + 2.0, lattice) : 1.0;
  const double indexed = exact ? std::max(std::ceil(reach / step) + 2.0, lattice) : 1.0;
  validate_planner_lattice(job, indexed, source, field, value);
  const double restart_states = std::max(std::ceil(job.reconfig_s / tick_s - 1e-9) + 1.0, 1.0);
  const double per_bucket = planner_allocation_states(job) * restart_states;
  const double states = per_bucket * buckets;
  const double own = 2.0 * states * sizeof(double) +
                     (exact ? 5.0 * buckets * sizeof(double) : 0.0) +
                     states * window * sizeof(int16_t) + 64.0 * window;
  if (!exact) return own;
  const double lattice_states = per_bucket * lattice;
  const double shared = 2.0 * lattice_states * sizeof(double) + 5.0 * lattice * sizeof(double) +
                        lattice_states * commit * sizeof(int16_t) + 16.0 * window;
  return own + shared;
}

}  // namespace spotsweep

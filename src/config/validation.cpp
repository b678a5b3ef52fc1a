#include "spotsweep/config/validation.hpp"

#include <cmath>
#include <cstdio>

#include "spotsweep/detail/error.hpp"
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
}  // namespace

// Fields are named by their sweep-file keys ([job] work, deadline_h, reconfig_s, ...), which
// docs/simulate.md maps to the command-line options.
void validate_job(const JobSpec& job, const std::string& source) {
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
  if (job.n_min < 1)
    throw input_error(source, "n_min", std::to_string(job.n_min), "must be at least 1");
  if (job.n_min > job.n_max)
    throw input_error(source, "n_min", std::to_string(job.n_min),
                      "exceeds n_max = " + std::to_string(job.n_max));
  if (!(job.alpha > 0))
    throw input_error(source, "alpha", format_number(job.alpha),
                      "must be positive (throughput must grow with the GPU count)");
  if (!(throughput(job, job.n_min) > 0))
    throw input_error(
        source, "beta", format_number(job.beta),
        "makes H(n_min) = " + format_number(throughput(job, job.n_min)) + " not positive");
  if (job.reconfig_s < 0)
    throw input_error(source, "reconfig_s", format_number(job.reconfig_s), "must be non-negative");
  if (job.value_max < 0)
    throw input_error(source, "value", format_number(job.value_max), "must be non-negative");
  if (job.miss_penalty < 0)
    throw input_error(source, "miss_penalty", format_number(job.miss_penalty),
                      "must be non-negative");
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

void validate_job_window(const JobSpec& job, const MarketView& market, int start_slot,
                         const std::string& trace_file) {
  const int need = horizon_slots(job, market.tick_seconds);
  if (start_slot < 0 || start_slot >= market.n_slots)
    throw input_error(trace_file, "start", std::to_string(start_slot),
                      "outside the trace's " + std::to_string(market.n_slots) + " ticks");
  if (start_slot + need > market.n_slots)
    throw input_error(trace_file, "ticks", std::to_string(market.n_slots),
                      "too short: the job needs " + std::to_string(need) + " ticks from tick " +
                          std::to_string(start_slot) + " to its hard deadline");
}

}  // namespace spotsweep

// Trace summaries and invariant checks.
#include "spotsweep/market/trace.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/model/limits.hpp"

namespace spotsweep {

TraceSummary summarize(const Trace& trace) {
  TraceSummary s;
  s.n_slots = trace.n_slots();
  s.tick_seconds = trace.tick_seconds;
  s.span_hours = s.n_slots * trace.tick_seconds / 3600.0;
  s.od_price = trace.od_price;
  if (s.n_slots == 0) return s;
  int64_t up = 0, sum = 0;
  for (int32_t a : trace.spot_avail) {
    up += a > 0;
    sum += a;
    s.max_avail = std::max(s.max_avail, a);
  }
  s.avail_fraction = static_cast<double>(up) / s.n_slots;
  s.mean_avail = static_cast<double>(sum) / s.n_slots;
  s.spot_price_min = *std::min_element(trace.spot_price.begin(), trace.spot_price.end());
  s.spot_price_max = *std::max_element(trace.spot_price.begin(), trace.spot_price.end());
  double total = 0.0;
  for (size_t i = 0; i < trace.spot_price.size(); ++i) {
    total += trace.spot_price[i];
    if (i > 0 && trace.spot_price[i] != trace.spot_price[i - 1]) ++s.price_changes;
  }
  s.spot_price_mean = total / s.n_slots;
  return s;
}

void check_tick_seconds(double tick_seconds, const std::string& file, const std::string& field) {
  if (!(tick_seconds >= kMinTickSeconds && tick_seconds <= kMaxSeconds))
    throw input_error(file, field, format_number(tick_seconds),
                      "must be between 1e-3 s (a thousand times the deadline tolerance) and 2^32 s "
                      "(the longest time the model resolves)");
}

void validate_trace(const Trace& trace, const std::string& file) {
  if (trace.spot_avail.empty()) throw input_error(file, "ticks", "0", "the trace is empty");
  if (trace.spot_price.size() != trace.spot_avail.size())
    throw input_error(
        file, "prices", std::to_string(trace.spot_price.size()) + " values",
        "length differs from availability (" + std::to_string(trace.spot_avail.size()) + " ticks)");
  if (trace.spot_avail.size() > static_cast<size_t>(kMaxSlots))
    throw input_error(file, "ticks", std::to_string(trace.spot_avail.size()),
                      "more than the 2^30 ticks a trace may have");
  if (!(trace.tick_seconds > 0.0) || !std::isfinite(trace.tick_seconds))
    throw input_error(file, "tick_seconds", format_number(trace.tick_seconds),
                      "must be a positive number");
  check_tick_seconds(trace.tick_seconds, file, "tick_seconds");
  if (!(trace.od_price >= 0.0) || !std::isfinite(trace.od_price))
    throw input_error(file, "od_price", format_number(trace.od_price),
                      "must be a non-negative number");
  if (trace.capacity < 1)
    throw input_error(file, "capacity", std::to_string(trace.capacity), "must be at least 1");
  for (size_t i = 0; i < trace.spot_avail.size(); ++i) {
    if (trace.spot_avail[i] < 0)
      throw input_error(file, "spot_avail[" + std::to_string(i) + "]",
                        std::to_string(trace.spot_avail[i]), "must be non-negative");
    const double p = trace.spot_price[i];
    if (!std::isfinite(p))
      throw input_error(file, "spot_price[" + std::to_string(i) + "]", format_number(p),
                        "is not a number");
    if (p < 0.0)
      throw input_error(file, "spot_price[" + std::to_string(i) + "]", format_number(p),
                        "negative price");
  }
}

}  // namespace spotsweep

// The importers' common last step: a format's raw series under the import options.
#include "spotsweep/market/import/raw_trace.hpp"

#include <algorithm>
#include <cmath>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/market/trace.hpp"

namespace spotsweep {

namespace {

// Two stated values agree to 1e-9, relative.
bool agree(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b)); }

}  // namespace

namespace detail {

double required_tick(const ImportOptions& options, const std::string& format) {
  if (!options.tick_seconds)
    throw input_error(options.input, "--tick", "",
                      "required: the " + format + " format has no tick length of its own");
  if (!(*options.tick_seconds > 0.0) || !std::isfinite(*options.tick_seconds))
    throw input_error(options.input, "--tick", format_number(*options.tick_seconds),
                      "must be a positive number of seconds");
  check_tick_seconds(*options.tick_seconds, options.input, "--tick");
  return *options.tick_seconds;
}

Trace finish_trace(RawTrace raw, const ImportOptions& options) {
  const std::string& file = raw.availability_file;
  const std::string& price_file = raw.price_file.empty() ? file : raw.price_file;
  Trace trace;
  trace.name = !options.name.empty()  ? options.name
               : !options.key.empty() ? options.key
                                      : raw.default_name;
  trace.start_time = raw.start_time;

  // Tick: the format's own, or the option; both given must agree.
  if (raw.tick_seconds && options.tick_seconds && !agree(*raw.tick_seconds, *options.tick_seconds))
    throw input_error(
        file, "--tick", format_number(*options.tick_seconds),
        "disagrees with the file's tick (" + format_number(*raw.tick_seconds) + " s)");
  if (raw.tick_seconds)
    trace.tick_seconds = *raw.tick_seconds;
  else
    trace.tick_seconds = required_tick(options, format_name(options.format));

  // Convention.
  if (!options.convention)
    throw input_error(file, "--convention", "",
                      "required: say whether values count available instances (available) or "
                      "1 means preempted (preempted)");
  if (raw.values.empty()) throw input_error(file, "ticks", "0", "the trace is empty");
  trace.spot_avail.resize(raw.values.size());
  int64_t max_value = 0;
  for (size_t i = 0; i < raw.values.size(); ++i) {
    const int64_t v = raw.values[i];
    const std::string field = "availability[" + std::to_string(i) + "]";
    if (*options.convention == Convention::preempted) {
      if (v != 0 && v != 1)
        throw input_error(file, field, std::to_string(v),
                          "the preempted convention needs 0/1 values (1 = unavailable)");
      trace.spot_avail[i] = static_cast<int32_t>(1 - v);
    } else {
      if (v < 0 || v > INT32_MAX)
        throw input_error(file, field, std::to_string(v), "must be a count >= 0");
      trace.spot_avail[i] = static_cast<int32_t>(v);
    }
    max_value = std::max<int64_t>(max_value, trace.spot_avail[i]);
  }

  // Capacity: the option, else the format's, else the largest count seen.
  if (options.capacity)
    trace.capacity = *options.capacity;
  else if (raw.capacity)
    trace.capacity = *raw.capacity;
  else
    trace.capacity = static_cast<int32_t>(std::max<int64_t>(1, max_value));
  if (trace.capacity < 1)
    throw input_error(file, "--capacity", std::to_string(trace.capacity), "must be at least 1");
  if (max_value > trace.capacity)
    throw input_error(
        file, "capacity", std::to_string(trace.capacity),
        "smaller than the largest availability in the file (" + std::to_string(max_value) + ")");

  // Prices: per priced instance in the file, per GPU in the trace.
  if (options.price_gpus && !(*options.price_gpus > 0.0))
    throw input_error(price_file, "--price-gpus", format_number(*options.price_gpus),
                      "must be positive");
  if (raw.price_gpus && options.price_gpus && !agree(*raw.price_gpus, *options.price_gpus))
    throw input_error(price_file, "--price-gpus", format_number(*options.price_gpus),
                      "disagrees with the GPUs per priced instance stated in the file (" +
                          format_number(*raw.price_gpus) + ")");
  const double price_gpus = raw.price_gpus ? *raw.price_gpus : options.price_gpus.value_or(1.0);
  if (!raw.prices.empty()) {
    if (options.spot_price)
      throw input_error(price_file, "--spot-price", format_number(*options.spot_price),
                        "the file has its own spot prices; drop --spot-price");
    if (raw.prices.size() != raw.values.size())
      throw input_error(price_file, "prices", std::to_string(raw.prices.size()) + " values",
                        "length differs from the availability series (" +
                            std::to_string(raw.values.size()) + " ticks in " + file + ")");
    trace.spot_price.resize(raw.prices.size());
    for (size_t i = 0; i < raw.prices.size(); ++i) {
      if (raw.prices[i] < 0.0)
        throw input_error(price_file, "prices[" + std::to_string(i) + "]",
                          format_number(raw.prices[i]), "negative price");
      trace.spot_price[i] = raw.prices[i] / price_gpus;
    }
  } else {
    if (!options.spot_price)
      throw input_error(file, "--spot-price", "",
                        "required: the file has no spot prices (USD per GPU-hour)");
    if (!(*options.spot_price >= 0.0) || !std::isfinite(*options.spot_price))
      throw input_error(file, "--spot-price", format_number(*options.spot_price),
                        "must be a non-negative number");
    trace.spot_price.assign(raw.values.size(), *options.spot_price);
  }

  // On-demand price: the option is per GPU; the file's is per priced instance.
  if (options.od_price && (!(*options.od_price >= 0.0) || !std::isfinite(*options.od_price)))
    throw input_error(file, "--od-price", format_number(*options.od_price),
                      "must be a non-negative number");
  if (raw.od_price) {
    const double file_od = *raw.od_price / price_gpus;
    if (options.od_price && !agree(*options.od_price, file_od))
      throw input_error(price_file, "--od-price", format_number(*options.od_price),
                        "disagrees with the file's on-demand price (" + format_number(file_od) +
                            " USD per GPU-hour)");
    trace.od_price = file_od;
  } else {
    if (!options.od_price)
      throw input_error(file, "--od-price", "",
                        "required: the file has no on-demand price (USD per GPU-hour)");
    trace.od_price = *options.od_price;
  }

  // Provenance, enough to redo the import.
  trace.source = std::string(format_name(options.format)) + ": " + raw.files +
                 "; convention=" + convention_name(*options.convention) +
                 "; tick_seconds=" + format_number(trace.tick_seconds);
  if (price_gpus != 1.0) trace.source += "; price_gpus=" + format_number(price_gpus);
  if (options.od_price) trace.source += "; od_price=" + format_number(*options.od_price);
  if (options.spot_price) trace.source += "; spot_price=" + format_number(*options.spot_price);
  if (!options.key.empty()) trace.source += "; key=" + options.key;
  if (options.capacity) trace.source += "; capacity=" + std::to_string(*options.capacity);
  if (options.time_unit)
    trace.source += std::string("; time_unit=") + time_unit_name(*options.time_unit);
  switch (options.format) {
    case TraceFormat::bamboo_steps_csv:
    case TraceFormat::bamboo_events_csv:
    case TraceFormat::bamboo_gcp_txt:
      trace.source += std::string("; resample=") + resample_rule_name(options.resample) +
                      "; out_of_order=" + out_of_order_name(options.out_of_order);
      break;
    case TraceFormat::skynomad_csv:
    case TraceFormat::h100_probes_csv:
      trace.source += std::string("; gaps=") + gap_policy_name(options.gaps);
      break;
    default: break;
  }

  validate_trace(trace, file);
  return trace;
}

}  // namespace detail

}  // namespace spotsweep

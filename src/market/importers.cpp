// The importers' front door: option names, dispatch by format, and the common last step that
// applies the convention, tick, capacity and prices to what a format reader produced.
#include <algorithm>
#include <cmath>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/names.hpp"
#include "spotsweep/market/import/bamboo.hpp"
#include "spotsweep/market/import/json_traces.hpp"
#include "spotsweep/market/import/probes.hpp"
#include "spotsweep/market/import/raw_trace.hpp"

namespace spotsweep {

namespace {

constexpr NamedValue<TraceFormat> kFormats[] = {
    {"skypilot-json", TraceFormat::skypilot_json},
    {"skynomad-csv", TraceFormat::skynomad_csv},
    {"skynomad-full-json", TraceFormat::skynomad_full_json},
    {"h100-probes-csv", TraceFormat::h100_probes_csv},
    {"bamboo-steps-csv", TraceFormat::bamboo_steps_csv},
    {"bamboo-events-csv", TraceFormat::bamboo_events_csv},
    {"bamboo-gcp-txt", TraceFormat::bamboo_gcp_txt},
};
constexpr NamedValue<Convention> kConventions[] = {{"available", Convention::available},
                                                   {"preempted", Convention::preempted}};
constexpr NamedValue<TimeUnit> kTimeUnits[] = {
    {"s", TimeUnit::seconds}, {"h", TimeUnit::hours}, {"ms", TimeUnit::milliseconds}};
constexpr NamedValue<ResampleRule> kResampleRules[] = {{"min", ResampleRule::minimum},
                                                       {"start", ResampleRule::start}};
constexpr NamedValue<GapPolicy> kGapPolicies[] = {{"error", GapPolicy::error},
                                                  {"hold", GapPolicy::hold},
                                                  {"unavailable", GapPolicy::unavailable}};
constexpr NamedValue<OutOfOrderPolicy> kOutOfOrder[] = {{"error", OutOfOrderPolicy::error},
                                                        {"sort", OutOfOrderPolicy::sort},
                                                        {"supersede", OutOfOrderPolicy::supersede}};

}  // namespace

const char* format_name(TraceFormat format) { return name_of(kFormats, format); }
std::vector<std::string> format_names() {
  std::vector<std::string> names;
  for (const auto& choice : kFormats)
    names.emplace_back(choice.name);
  return names;
}
TraceFormat parse_format(const std::string& text, const std::string& option) {
  return parse_named(kFormats, text, "", option);
}
const char* convention_name(Convention convention) { return name_of(kConventions, convention); }
Convention parse_convention(const std::string& text, const std::string& option) {
  return parse_named(kConventions, text, "", option);
}
const char* time_unit_name(TimeUnit unit) { return name_of(kTimeUnits, unit); }
TimeUnit parse_time_unit(const std::string& text, const std::string& option) {
  return parse_named(kTimeUnits, text, "", option);
}
const char* resample_rule_name(ResampleRule rule) { return name_of(kResampleRules, rule); }
ResampleRule parse_resample_rule(const std::string& text, const std::string& option) {
  return parse_named(kResampleRules, text, "", option);
}
const char* gap_policy_name(GapPolicy policy) { return name_of(kGapPolicies, policy); }
GapPolicy parse_gap_policy(const std::string& text, const std::string& option) {
  return parse_named(kGapPolicies, text, "", option);
}
const char* out_of_order_name(OutOfOrderPolicy policy) { return name_of(kOutOfOrder, policy); }
OutOfOrderPolicy parse_out_of_order(const std::string& text, const std::string& option) {
  return parse_named(kOutOfOrder, text, "", option);
}

double seconds_per(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::seconds: return 1.0;
    case TimeUnit::hours: return 3600.0;
    case TimeUnit::milliseconds: return 1e-3;
  }
  return 1.0;
}

Trace import_trace(const ImportOptions& options) {
  if (options.input.empty()) throw input_error("", "--input", "", "required: the trace file");
  if (!options.prices.empty() && options.format != TraceFormat::skynomad_csv)
    throw input_error(
        options.prices, "--prices", options.prices,
        std::string("only the skynomad-csv format takes a separate price file, not ") +
            format_name(options.format));
  const bool uses_time_unit = options.format == TraceFormat::bamboo_steps_csv ||
                              options.format == TraceFormat::bamboo_events_csv;
  if (options.time_unit && !uses_time_unit)
    throw input_error(options.input, "--time-unit", time_unit_name(*options.time_unit),
                      std::string("the ") + format_name(options.format) +
                          " format has its own time stamps; drop --time-unit");
  const bool uses_key = options.format == TraceFormat::skynomad_csv ||
                        options.format == TraceFormat::h100_probes_csv ||
                        options.format == TraceFormat::skynomad_full_json;
  if (!options.key.empty() && !uses_key)
    throw input_error(
        options.input, "--key", options.key,
        std::string("the ") + format_name(options.format) + " format holds one series; drop --key");
  detail::RawTrace raw;
  switch (options.format) {
    case TraceFormat::skypilot_json: raw = detail::read_skypilot_json(options); break;
    case TraceFormat::skynomad_csv: raw = detail::read_skynomad_csv(options); break;
    case TraceFormat::skynomad_full_json: raw = detail::read_skynomad_full_json(options); break;
    case TraceFormat::h100_probes_csv: raw = detail::read_h100_probes_csv(options); break;
    case TraceFormat::bamboo_steps_csv: raw = detail::read_bamboo_steps_csv(options); break;
    case TraceFormat::bamboo_events_csv: raw = detail::read_bamboo_events_csv(options); break;
    case TraceFormat::bamboo_gcp_txt: raw = detail::read_bamboo_gcp_txt(options); break;
  }
  if (raw.availability_file.empty()) raw.availability_file = options.input;
  if (raw.files.empty()) raw.files = options.input;
  return detail::finish_trace(std::move(raw), options);
}

}  // namespace spotsweep

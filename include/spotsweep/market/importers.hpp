#pragma once
// Importers for the public spot-trace formats (see docs/traces.md). The two things these
// datasets disagree on, the meaning of 0/1 and the tick length, are options the user states;
// nothing is guessed. Every bad input is an InputError "file: field = value: reason".
// Host-only.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spotsweep/market/trace.hpp"

namespace spotsweep {

enum class TraceFormat {
  skypilot_json,       // skypilot-org/spot-traces: {"metadata":{"gap_seconds"},"data",["prices"]}
  skynomad_csv,        // SkyNomad availability_csv: "date,availability" (+ per-tick price JSON)
  skynomad_full_json,  // SkyNomad h100 full/*.json: data, prices, metadata.price_info
  h100_probes_csv,     // SkyNomad probes_h100_16.csv: one row per (probe round, zone)
  bamboo_steps_csv,    // Bamboo aws-2020-11/*.csv: step function "t,count"
  bamboo_events_csv,   // Bamboo p3-trace.csv / g4dn-trace.csv: "time_ms,add|remove,node"
  bamboo_gcp_txt,      // Bamboo gcp-2021-12/*.txt: "date, time, count"
};

// What a value in the file means.
enum class Convention {
  available,  // the value counts spot instances obtainable (1-node traces: 1 = available)
  preempted,  // 0/1 only, 1 = unavailable (sky_spot simulator, SkyNomad full.json)
};

// Unit of the time column of formats whose files do not say (Bamboo step files).
enum class TimeUnit { seconds, hours, milliseconds };

// How a step function in continuous time becomes one count per tick.
enum class ResampleRule {
  minimum,  // the least count held during the tick: a preemption inside a slot counts for
            // the whole slot (docs/model.md §3), the default
  start,    // the count at the tick's start
};

// Missing probe rounds in timestamped per-tick logs (skynomad_csv, h100_probes_csv).
enum class GapPolicy {
  error,        // refuse the file (default)
  hold,         // repeat the last observed value (and price) through the gap
  unavailable,  // 0 available during the gap; prices hold
};

// Rows whose time goes backwards (Bamboo GCP V100 file; also checked in the other step logs).
enum class OutOfOrderPolicy {
  error,      // refuse the file (default)
  sort,       // stable sort by time; at equal times the later row wins
  supersede,  // file order wins: a row dated before its predecessor replaces everything
              // the earlier rows said from its time on (the log re-reports each reading
              // for two more minutes; a newer reading overrides those stale repeats)
};

struct ImportOptions {
  TraceFormat format = TraceFormat::skypilot_json;
  std::string input;                     // availability file
  std::string prices;                    // optional per-tick price file (skynomad_csv only)
  std::optional<Convention> convention;  // required
  // Δ in seconds. Required where the format has no tick; where it has one (gap_seconds),
  // a given value must agree with it.
  std::optional<double> tick_seconds;
  // p_o, USD per GPU-hour. Required unless the format carries it (skynomad_full_json);
  // where it does, a given value must agree.
  std::optional<double> od_price;
  // Constant spot price, USD per GPU-hour, for files without prices; refused where the file
  // has prices.
  std::optional<double> spot_price;
  // Series / zone selector: the key in a multi-zone price JSON (default: the CSV file stem),
  // the zone of h100_probes_csv (required).
  std::string key;
  std::optional<TimeUnit> time_unit;  // required for bamboo_steps_csv; events are in ms
  std::optional<int32_t> capacity;    // a_max; default: stated by the format, else max value
  // GPUs per priced instance: file prices are divided by it to give USD per GPU-hour.
  // Default 1 (p3.2xlarge, the V100 price files); skynomad_full_json states it (8 for
  // a3-highgpu-8g) and a given value must agree.
  std::optional<double> price_gpus;
  ResampleRule resample = ResampleRule::minimum;
  GapPolicy gaps = GapPolicy::error;
  OutOfOrderPolicy out_of_order = OutOfOrderPolicy::error;
  std::string name;  // Trace::name; default: the key, else the input file's stem
};

// Reads the file(s) named in `options` and returns a validated trace.
Trace import_trace(const ImportOptions& options);

// Names used on the command line ("skypilot-json", "available", "s", ...) and their parsers;
// the parsers throw InputError naming `option` (e.g. "--format") and listing the choices.
const char* format_name(TraceFormat format);
std::vector<std::string> format_names();
TraceFormat parse_format(const std::string& text, const std::string& option = "--format");
const char* convention_name(Convention convention);
Convention parse_convention(const std::string& text, const std::string& option = "--convention");
const char* time_unit_name(TimeUnit unit);
TimeUnit parse_time_unit(const std::string& text, const std::string& option = "--time-unit");
const char* resample_rule_name(ResampleRule rule);
ResampleRule parse_resample_rule(const std::string& text, const std::string& option = "--resample");
const char* gap_policy_name(GapPolicy policy);
GapPolicy parse_gap_policy(const std::string& text, const std::string& option = "--gaps");
const char* out_of_order_name(OutOfOrderPolicy policy);
OutOfOrderPolicy parse_out_of_order(const std::string& text,
                                    const std::string& option = "--out-of-order");

// Seconds in one unit of `unit`.
double seconds_per(TimeUnit unit);

}  // namespace spotsweep

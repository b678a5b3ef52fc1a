#pragma once
// What a format reader (market/import/) produces, in the file's own units, and the common last
// step that applies the import options (convention, tick, capacity, prices) to it. Host-only.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spotsweep/market/importers.hpp"
#include "spotsweep/market/trace.hpp"

namespace spotsweep::detail {

// What an importer read, in the file's own units, before the options are applied.
struct RawTrace {
  std::vector<int64_t> values;         // per tick, as in the file (convention not applied)
  std::vector<double> prices;          // per tick, USD per priced instance-hour; empty: none
  std::optional<double> tick_seconds;  // when the format states it
  std::optional<double> od_price;      // USD per priced instance-hour, when stated
  std::optional<int32_t> capacity;     // when the format states it
  std::optional<double> price_gpus;    // GPUs per priced instance, when stated
  std::string start_time;              // ISO 8601 of tick 0, or ""
  std::string default_name;            // used when ImportOptions::name is empty
  std::string files;                   // the file(s) read, for Trace::source
  std::string availability_file;       // named in availability errors
  std::string price_file;              // named in price errors
};

// Applies the options (tick, convention, capacity, prices, on-demand price), checks that they
// agree with what the format states, and validates the result.
Trace finish_trace(RawTrace raw, const ImportOptions& options);

// The tick for formats that have none: --tick is required.
double required_tick(const ImportOptions& options, const std::string& format_name);

}  // namespace spotsweep::detail

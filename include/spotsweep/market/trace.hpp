#pragma once
// A market trace held on the host: the owner behind a MarketView. Importers turn the public
// formats into it; the native HDF5 format stores it. Host-only.
#include <cstdint>
#include <string>
#include <vector>

#include "spotsweep/model/market.hpp"

namespace spotsweep {

struct Trace {
  std::string name;                 // e.g. "us-east-1a_v100_1"
  std::string source;               // provenance: original file(s) and format
  std::string start_time;           // ISO 8601 of slot 0 when the source gives it, else ""
  double tick_seconds = 0.0;        // Δ
  double od_price = 0.0;            // p_o, USD per GPU-hour
  int32_t capacity = 1;             // a_max: GPUs requested per probe (1, 4, 16, ...)
  std::vector<double> spot_price;   // p_s[m], USD per GPU-hour
  std::vector<int32_t> spot_avail;  // a[m], 0..capacity

  int32_t n_slots() const { return static_cast<int32_t>(spot_avail.size()); }

  MarketView view() const {
    MarketView v;
    v.spot_price = spot_price.data();
    v.spot_avail = spot_avail.data();
    v.od_price = od_price;
    v.tick_seconds = tick_seconds;
    v.n_slots = n_slots();
    return v;
  }
};

// Summary printed by `spotsweep traces info`.
struct TraceSummary {
  int32_t n_slots = 0;
  double tick_seconds = 0.0;
  double span_hours = 0.0;
  double avail_fraction = 0.0;  // fraction of slots with a ≥ 1
  double mean_avail = 0.0;      // mean a[m]
  int32_t max_avail = 0;
  double spot_price_min = 0.0, spot_price_max = 0.0, spot_price_mean = 0.0;
  double od_price = 0.0;
  int32_t price_changes = 0;  // slots where p_s differs from the previous slot
};

TraceSummary summarize(const Trace& trace);

// Checks a tick length against the model's limits (model/limits.hpp): between kMinTickSeconds
// and kMaxSeconds; InputError naming `file` and `field` otherwise.
void check_tick_seconds(double tick_seconds, const std::string& file, const std::string& field);

// Checks a trace's invariants, the limits of model/limits.hpp among them (at most kMaxSlots
// ticks, a tick within check_tick_seconds' range); throws InputError naming `file` and the
// offending field.
void validate_trace(const Trace& trace, const std::string& file);

}  // namespace spotsweep

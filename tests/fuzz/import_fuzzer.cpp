// libFuzzer harness: one importer (SPOTSWEEP_FUZZ_FORMAT, a TraceFormat), built once per
// format. The first two bytes pick the options the format takes (byte 0: convention, gaps,
// out-of-order policy, resampling, a constant spot price; byte 1: the time unit); the rest is
// the file, and for skynomad-csv everything after the first NUL is the price JSON (series
// "zone"). Every input must import or be an InputError.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/market/importers.hpp"
#include "spotsweep/market/trace.hpp"

#include "fuzz_support.hpp"

#ifndef SPOTSWEEP_FUZZ_FORMAT
#error "SPOTSWEEP_FUZZ_FORMAT names the TraceFormat this harness imports"
#endif

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spotsweep::fuzz::limit_memory();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spotsweep;
  if (size < 2) return 0;
  const uint8_t pick = data[0], unit = data[1];
  data += 2;
  size -= 2;
  ImportOptions o;
  o.format = static_cast<TraceFormat>(SPOTSWEEP_FUZZ_FORMAT);
  o.convention = pick & 1 ? Convention::preempted : Convention::available;
  o.gaps = static_cast<GapPolicy>((pick >> 1) % 3);
  o.out_of_order = static_cast<OutOfOrderPolicy>((pick >> 3) % 3);
  o.resample = pick & 0x20 ? ResampleRule::start : ResampleRule::minimum;
  const bool json_format =
      o.format == TraceFormat::skypilot_json || o.format == TraceFormat::skynomad_full_json;
  if (!json_format) o.tick_seconds = o.format == TraceFormat::skynomad_csv ? 195.0 : 600.0;
  if (o.format == TraceFormat::bamboo_steps_csv || o.format == TraceFormat::bamboo_events_csv) {
    o.time_unit = static_cast<TimeUnit>(unit % 3);
    o.tick_seconds = 60.0;
  }
  if (o.format == TraceFormat::h100_probes_csv) o.key = "us-central1-a";
  if (o.format != TraceFormat::skynomad_full_json) o.od_price = 3.06;
  // Files with prices of their own refuse --spot-price: give it on every other input.
  if (pick & 0x40 && o.format != TraceFormat::skynomad_full_json) o.spot_price = 0.9;
  size_t file_size = size;
  if (o.format == TraceFormat::skynomad_csv) {
    const void* nul = std::memchr(data, 0, size);
    if (nul) {
      file_size = static_cast<size_t>(static_cast<const uint8_t*>(nul) - data);
      o.prices = fuzz::scratch_file(".prices.json", data + file_size + 1, size - file_size - 1);
      o.key = "zone";
    }
  }
  o.input = fuzz::scratch_file(".input", data, file_size);
  try {
    const Trace trace = import_trace(o);
    validate_trace(trace, o.input);  // what import_trace returns is valid
  } catch (const InputError&) {}
  return 0;
}

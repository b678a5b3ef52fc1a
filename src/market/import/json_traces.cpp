// The two per-tick JSON formats: skypilot-org/spot-traces and SkyNomad's h100 full/*.json.
// Both hold {"metadata": {"gap_seconds": G, ...}, "data": [...], "prices": [...]}; they differ
// in what metadata says about prices.
#include "spotsweep/market/import/json_traces.hpp"

#include <cmath>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/json.hpp"
#include "spotsweep/market/import/text.hpp"
#include "spotsweep/market/trace.hpp"

namespace spotsweep::detail {

namespace {

// The parts both formats share: data, optional prices, metadata.gap_seconds.
RawTrace read_tick_json(const JsonDocument& doc, const ImportOptions& options) {
  RawTrace raw;
  const JsonValue& root = doc.root();
  doc.expect_object(root, "");
  const JsonValue& metadata = doc.member(root, "", "metadata");
  const JsonValue& gap = doc.member(metadata, "metadata", "gap_seconds");
  const double gap_seconds = doc.number(gap, "metadata.gap_seconds");
  if (!(gap_seconds > 0.0))
    throw input_error(doc.file(), "metadata.gap_seconds", gap.brief(), "must be positive");
  check_tick_seconds(gap_seconds, doc.file(), "metadata.gap_seconds");
  raw.tick_seconds = gap_seconds;
  raw.values = doc.integers(doc.member(root, "", "data"), "data");
  if (raw.values.empty()) throw input_error(doc.file(), "data", "[]", "the trace is empty");
  if (const JsonValue* prices = doc.optional_member(root, "", "prices"))
    raw.prices = doc.numbers(*prices, "prices");
  raw.availability_file = doc.file();
  raw.files = doc.file();
  raw.default_name = file_stem(options.input);
  return raw;
}

}  // namespace

RawTrace read_skypilot_json(const ImportOptions& options) {
  const JsonDocument doc = JsonDocument::read(options.input);
  return read_tick_json(doc, options);
}

// SkyNomad full.json: prices are per a3-highgpu-8g instance (8 GPUs), stated in
// metadata.price_info, whose "gpu" component gives the GPU count and whose on_demand_price
// gives p_o for the same machine. We divide both by that count (USD per GPU-hour).
RawTrace read_skynomad_full_json(const ImportOptions& options) {
  const JsonDocument doc = JsonDocument::read(options.input);
  RawTrace raw = read_tick_json(doc, options);
  const JsonValue& metadata = doc.member(doc.root(), "", "metadata");
  if (const JsonValue* start = doc.optional_member(metadata, "metadata", "start_time"))
    raw.start_time = doc.string(*start, "metadata.start_time");
  if (const JsonValue* zone = doc.optional_member(metadata, "metadata", "zone")) {
    const std::string& name = doc.string(*zone, "metadata.zone");
    if (!options.key.empty() && options.key != name)
      throw input_error(doc.file(), "--key", options.key, "the file holds zone " + name + " only");
    raw.default_name = name;
  }
  if (const JsonValue* info = doc.optional_member(metadata, "metadata", "price_info")) {
    const std::string path = "metadata.price_info";
    if (const JsonValue* od = doc.optional_member(*info, path, "on_demand_price")) {
      const double od_price = doc.number(*od, path + ".on_demand_price");
      if (od_price < 0.0)
        throw input_error(doc.file(), path + ".on_demand_price", od->brief(), "negative price");
      raw.od_price = od_price;
    }
    if (const JsonValue* components = doc.optional_member(*info, path, "components")) {
      const auto& items = doc.array(*components, path + ".components");
      for (size_t i = 0; i < items.size(); ++i) {
        const std::string item_path = path + ".components[" + std::to_string(i) + "]";
        const JsonValue* label = doc.optional_member(items[i], item_path, "label");
        if (!label || !label->is_string() || label->string() != "gpu") continue;
        const JsonValue& quantity = doc.member(items[i], item_path, "quantity");
        const double gpus = doc.number(quantity, item_path + ".quantity");
        if (!(gpus >= 1.0) || gpus != std::floor(gpus))
          throw input_error(doc.file(), item_path + ".quantity", quantity.brief(),
                            "expected a whole number of GPUs >= 1");
        raw.price_gpus = gpus;
      }
    }
    if (raw.od_price && !raw.price_gpus && !options.price_gpus)
      throw input_error(doc.file(), path + ".components", "",
                        "no \"gpu\" component says how many GPUs the price covers; give "
                        "--price-gpus");
  }
  return raw;
}

}  // namespace spotsweep::detail

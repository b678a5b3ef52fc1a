// Timestamped per-tick probe logs: SkyNomad's availability CSVs (one probe per row, with a
// per-tick price JSON beside them) and the H100 probe CSV (one row per probe round and zone).
// Rows are placed on the tick grid by their time stamps (place_rows_on_ticks), so a wrong
// --tick or a missing probe round is caught, not absorbed.
#include "spotsweep/market/import/probes.hpp"

#include <algorithm>
#include <cstdint>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/json.hpp"
#include "spotsweep/market/import/text.hpp"

namespace spotsweep::detail {

namespace {

// ISO 8601 of a "YYYY-MM-DD HH:MM:SS" cell (the time zone is whatever the file used).
std::string iso_text(std::string text) {
  std::replace(text.begin(), text.end(), ' ', 'T');
  return text;
}

std::optional<int64_t> gap_fill_value(GapPolicy gaps) {
  return gaps == GapPolicy::unavailable ? std::optional<int64_t>(0) : std::nullopt;
}

}  // namespace

// SkyNomad availability CSV: header "date,availability", then one probe per row, about every
// 195 s (194-197 s in the files; the skypilot-org copy of the same data says gap_seconds 195).
// Prices: a JSON object {"<zone>_v100_1": [USD per instance-hour per row], ...}, keyed by
// --key (default: the CSV's file stem), aligned row for row with the CSV.
RawTrace read_skynomad_csv(const ImportOptions& options) {
  const std::string& file = options.input;
  const double tick = required_tick(options, format_name(options.format));
  const std::vector<CsvRow> rows = read_csv(file);
  if (rows.empty()) throw input_error(file, "rows", "0", "the trace is empty");
  const std::vector<std::string> header = {"date", "availability"};
  if (rows.front().fields != header)
    throw input_error(at_line(file, rows.front().line), "header",
                      rows.front().fields.empty() ? "" : rows.front().fields.front(),
                      "expected \"date,availability\"");
  if (rows.size() == 1) throw input_error(file, "rows", "0", "the trace is empty (header only)");

  std::vector<double> times;
  std::vector<long> lines;
  std::vector<int64_t> values;
  for (size_t r = 1; r < rows.size(); ++r) {
    expect_columns(rows[r], 2, file, "date,availability");
    times.push_back(parse_timestamp(rows[r].fields[0], file, rows[r].line, "date"));
    values.push_back(parse_integer(rows[r].fields[1], file, rows[r].line, "availability"));
    lines.push_back(rows[r].line);
  }
  const TickPlacement placement =
      place_rows_on_ticks(times, lines, tick, options.gaps, file, "date");

  RawTrace raw;
  raw.values = spread_rows(placement, values, gap_fill_value(options.gaps));
  raw.start_time = iso_text(rows[1].fields[0]);
  raw.default_name = file_stem(file);
  raw.availability_file = file;
  raw.files = file;

  if (!options.prices.empty()) {
    const std::string key = options.key.empty() ? file_stem(file) : options.key;
    const JsonDocument prices = JsonDocument::read(options.prices);
    prices.expect_object(prices.root(), "");
    const JsonValue* series = prices.root().find(key);
    if (!series) {
      std::string keys;
      for (const auto& member : prices.root().members())
        keys += (keys.empty() ? "" : ", ") + member.first;
      throw input_error(options.prices, "--key", key,
                        "no such series in the price file (it has: " + keys + ")");
    }
    const std::vector<double> row_prices = prices.numbers(*series, key);
    if (row_prices.size() != values.size())
      throw input_error(
          options.prices, key, std::to_string(row_prices.size()) + " prices",
          "length differs from the " + std::to_string(values.size()) + " rows of " + file);
    // Through a gap the price holds: the market was not observed, not free.
    raw.prices = spread_rows<double>(placement, row_prices, std::nullopt);
    raw.price_file = options.prices;
    raw.files += " + " + options.prices + " [" + key + "]";
  }
  return raw;
}

// The H100 probe CSV: every 10 minutes 16 a3-highgpu-1g were requested in each of 13 zones;
// one row per (round, zone). Availability = instances_created (0-16), capacity =
// instances_requested. --key selects the zone (required); --tick is the probe interval.
RawTrace read_h100_probes_csv(const ImportOptions& options) {
  const std::string& file = options.input;
  const double tick = required_tick(options, format_name(options.format));
  const std::vector<CsvRow> rows = read_csv(file);
  if (rows.empty()) throw input_error(file, "rows", "0", "the trace is empty");
  const std::vector<std::string> header = {"run_id",
                                           "scheduled_at",
                                           "status",
                                           "zone",
                                           "instances_requested",
                                           "instances_created",
                                           "capacity_exhausted_detected"};
  if (rows.front().fields != header)
    throw input_error(at_line(file, rows.front().line), "header",
                      rows.front().fields.empty() ? "" : rows.front().fields.front(),
                      "expected \"run_id,scheduled_at,status,zone,instances_requested,"
                      "instances_created,capacity_exhausted_detected\"");
  if (options.key.empty())
    throw input_error(file, "--key", "", "required: the zone to import (e.g. us-central1-a)");

  std::vector<double> times;
  std::vector<long> lines;
  std::vector<int64_t> values;
  std::optional<int64_t> requested;
  std::vector<std::string> zones;
  std::string start_time;
  for (size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    expect_columns(row, header.size(), file, "the header's columns");
    const std::string& zone = row.fields[3];
    if (zone != options.key) {
      if (std::find(zones.begin(), zones.end(), zone) == zones.end()) zones.push_back(zone);
      continue;
    }
    if (row.fields[2] != "success")
      throw input_error(at_line(file, row.line), "status", row.fields[2],
                        "the probe did not complete; no availability was measured");
    const int64_t asked = parse_integer(row.fields[4], file, row.line, "instances_requested");
    const int64_t created = parse_integer(row.fields[5], file, row.line, "instances_created");
    if (asked < 1 || asked > INT32_MAX)
      throw input_error(at_line(file, row.line), "instances_requested", row.fields[4],
                        "must be between 1 and 2147483647 (the capacity is an int32)");
    if (requested && asked != *requested)
      throw input_error(at_line(file, row.line), "instances_requested", row.fields[4],
                        "differs from earlier rows (" + std::to_string(*requested) +
                            "): the capacity must be constant");
    requested = asked;
    if (created < 0 || created > asked)
      throw input_error(
          at_line(file, row.line), "instances_created", row.fields[5],
          "must be between 0 and instances_requested (" + std::to_string(asked) + ")");
    if (times.empty()) start_time = row.fields[1];
    times.push_back(parse_timestamp(row.fields[1], file, row.line, "scheduled_at"));
    values.push_back(created);
    lines.push_back(row.line);
  }
  if (values.empty()) {
    std::string list;
    for (const auto& zone : zones)
      list += (list.empty() ? "" : ", ") + zone;
    throw input_error(file, "--key", options.key,
                      "no rows for this zone (the file has: " + list + ")");
  }
  const TickPlacement placement =
      place_rows_on_ticks(times, lines, tick, options.gaps, file, "scheduled_at");

  RawTrace raw;
  raw.values = spread_rows(placement, values, gap_fill_value(options.gaps));
  raw.capacity = static_cast<int32_t>(*requested);
  raw.start_time = start_time;
  raw.default_name = options.key;
  raw.availability_file = file;
  raw.files = file + " [zone " + options.key + "]";
  return raw;
}

}  // namespace spotsweep::detail

// The Bamboo (NSDI'23) logs, all step functions in continuous time resampled onto ticks:
// aws-2020-11 step files ("t,count"), the p3/g4dn event logs ("time_ms,add|remove,node")
// and the GCP 2021-12 logs ("date, time, count").
#include "spotsweep/market/import/bamboo.hpp"

#include <algorithm>
#include <set>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/market/import/text.hpp"

namespace spotsweep::detail {

namespace {

// Orders the points by `policy` and resamples them with the options' rule. `origin_line`,
// when given, receives the line of the point the grid starts at.
RawTrace resampled(const std::vector<StepPoint>& points, OutOfOrderPolicy policy,
                   const ImportOptions& options, double tick, const std::string& time_field,
                   long* origin_line = nullptr) {
  const std::string& file = options.input;
  if (points.empty()) throw input_error(file, "rows", "0", "the trace is empty");
  const std::vector<StepPoint> ordered = order_step_points(points, policy, file, time_field);
  RawTrace raw;
  raw.values = resample_steps(ordered, tick, options.resample, file);
  if (origin_line) *origin_line = ordered.front().line;
  raw.default_name = file_stem(file);
  return raw;
}

}  // namespace

// "t,count": each change is written as two rows at the same t (old count, new count). The
// time unit differs between files (hours in the p2 2020-11-20..23 file, seconds in the
// others) and is not in the file, so --time-unit is required.
RawTrace read_bamboo_steps_csv(const ImportOptions& options) {
  const std::string& file = options.input;
  const double tick = required_tick(options, format_name(options.format));
  if (!options.time_unit)
    throw input_error(file, "--time-unit", "",
                      "required: Bamboo step files are in hours or seconds (s|h|ms)");
  const double unit = seconds_per(*options.time_unit);
  std::vector<StepPoint> points;
  for (const CsvRow& row : read_csv(file)) {
    expect_columns(row, 2, file, "t,count");
    StepPoint p;
    p.time = parse_number(row.fields[0], file, row.line, "t") * unit;
    p.value = parse_integer(row.fields[1], file, row.line, "count");
    p.line = row.line;
    if (p.value < 0)
      throw input_error(at_line(file, row.line), "count", row.fields[1], "must be >= 0");
    points.push_back(p);
  }
  return resampled(points, options.out_of_order, options, tick, "t");
}

// "time_ms,add|remove,nodeN" (CRLF): the count of live nodes steps at every event. Adding a
// live node or removing one that is not live is an error: the count would be meaningless.
// The grid starts at the first event.
RawTrace read_bamboo_events_csv(const ImportOptions& options) {
  const std::string& file = options.input;
  const double tick = required_tick(options, format_name(options.format));
  if (options.time_unit && *options.time_unit != TimeUnit::milliseconds)
    throw input_error(file, "--time-unit", time_unit_name(*options.time_unit),
                      "Bamboo event logs are in milliseconds; drop --time-unit or give ms");
  const std::vector<CsvRow> rows = read_csv(file);
  std::vector<StepPoint> stamps;  // the rows' times (value unused), to check and sort them
  for (const CsvRow& row : rows) {
    expect_columns(row, 3, file, "time_ms,add|remove,node");
    stamps.push_back({parse_number(row.fields[0], file, row.line, "time_ms") * 1e-3, 0, row.line});
  }
  // Rows going back in time are refused (default) or sorted; sorting is stable, so events at
  // one time keep their file order. "supersede" has no meaning for add/remove events.
  if (options.out_of_order == OutOfOrderPolicy::error)
    order_step_points(stamps, OutOfOrderPolicy::error, file, "time_ms");  // throws if unordered
  else if (options.out_of_order == OutOfOrderPolicy::supersede)
    throw input_error(file, "--out-of-order", "supersede",
                      "not meaningful for event logs; use sort or error");
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return stamps[a].time < stamps[b].time; });

  std::set<std::string> live;
  std::vector<StepPoint> points;
  for (size_t i : order) {
    const CsvRow& row = rows[i];
    const std::string& action = row.fields[1];
    const std::string& node = row.fields[2];
    if (action == "add") {
      if (!live.insert(node).second)
        throw input_error(at_line(file, row.line), "node", node, "added while already live");
    } else if (action == "remove") {
      if (live.erase(node) == 0)
        throw input_error(at_line(file, row.line), "node", node, "removed while not live");
    } else {
      throw input_error(at_line(file, row.line), "action", action, "expected add or remove");
    }
    points.push_back({stamps[i].time, static_cast<int64_t>(live.size()), row.line});
  }
  // In time order already; ordering again merges the events at one time into one step.
  return resampled(points, OutOfOrderPolicy::sort, options, tick, "time_ms");
}

// "date, time, count" of running GCP preemptible VMs. The V100 file logs every reading three
// times a minute apart, so when a new reading comes within two minutes the stale repeats make
// time go backwards (15 places). --out-of-order supersede reads it as written (a newer reading
// overrides the repeats); the default refuses it.
RawTrace read_bamboo_gcp_txt(const ImportOptions& options) {
  const std::string& file = options.input;
  const double tick = required_tick(options, format_name(options.format));
  const std::vector<CsvRow> rows = read_csv(file);
  std::vector<StepPoint> points;
  for (const CsvRow& row : rows) {
    expect_columns(row, 3, file, "date, time, count");
    StepPoint p;
    p.time = parse_timestamp(row.fields[0] + " " + row.fields[1], file, row.line, "date, time");
    p.value = parse_integer(row.fields[2], file, row.line, "count");
    p.line = row.line;
    if (p.value < 0)
      throw input_error(at_line(file, row.line), "count", row.fields[2], "must be >= 0");
    points.push_back(p);
  }
  long origin_line = 0;
  RawTrace raw = resampled(points, options.out_of_order, options, tick, "date, time", &origin_line);
  std::string start_time;
  for (const CsvRow& row : rows)
    if (row.line == origin_line) start_time = row.fields[0] + "T" + row.fields[1];
  raw.start_time = start_time;
  return raw;
}

}  // namespace spotsweep::detail

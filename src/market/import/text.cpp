// Text-file plumbing shared by the importers: files, CSV lines, numbers, timestamps, and the
// two mappings of timed data onto ticks.
#include "spotsweep/detail/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"
#include "spotsweep/market/import/text.hpp"
#include "spotsweep/model/limits.hpp"

namespace spotsweep::detail {

std::string file_stem(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = base.find_last_of('.');
  if (dot != std::string::npos && dot > 0) base.resize(dot);
  return base;
}

std::string at_line(const std::string& file, long line) {
  return file + ":" + std::to_string(line);
}

std::vector<CsvRow> read_csv(const std::string& path, char separator) {
  const std::string text = read_text_file(path);
  // A row of one-character fields costs about 64 bytes of parsed structure per byte of text.
  check_host_memory(64.0 * static_cast<double>(text.size()), "the parsed rows", path, "file",
                    std::to_string(text.size()) + " bytes", "split the file");
  std::vector<CsvRow> rows;
  long line = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++line;
    const std::string content = trim(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
    if (content.empty()) continue;
    CsvRow row;
    row.line = line;
    size_t field_begin = 0;
    while (true) {
      const size_t comma = content.find(separator, field_begin);
      const size_t field_end = comma == std::string::npos ? content.size() : comma;
      row.fields.push_back(
          trim(std::string_view(content).substr(field_begin, field_end - field_begin)));
      if (comma == std::string::npos) break;
      field_begin = comma + 1;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void expect_columns(const CsvRow& row, size_t count, const std::string& file,
                    const std::string& what) {
  if (row.fields.size() != count)
    throw input_error(at_line(file, row.line), "columns", std::to_string(row.fields.size()),
                      "expected " + std::to_string(count) + " (" + what + ")");
}

double parse_number(const std::string& text, const std::string& file, long line,
                    const std::string& field) {
  const std::string where = at_line(file, line);
  if (text.empty()) throw input_error(where, field, "\"\"", "missing value");
  const char* begin = text.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (end == begin || *end != '\0') throw input_error(where, field, text, "not a number");
  // strtod accepts "nan", "inf" and hex floats; a trace value must be an ordinary number.
  if (!std::isfinite(v)) throw input_error(where, field, text, "not a finite number");
  for (char c : text)
    if (c == 'x' || c == 'X') throw input_error(where, field, text, "not a decimal number");
  return v;
}

int64_t parse_integer(const std::string& text, const std::string& file, long line,
                      const std::string& field) {
  const double v = parse_number(text, file, line, field);
  if (v != std::floor(v) || std::fabs(v) > 9.0e15)
    throw input_error(at_line(file, line), field, text, "expected an integer");
  return static_cast<int64_t>(v);
}

namespace {
// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
}  // namespace

double parse_timestamp(const std::string& text, const std::string& file, long line,
                       const std::string& field) {
  auto bad = [&](const char* why) { return input_error(at_line(file, line), field, text, why); };
  size_t pos = 0;
  auto digits = [&](size_t count) -> int {
    if (pos + count > text.size()) throw bad("not a timestamp (expected YYYY-MM-DD HH:MM:SS)");
    int v = 0;
    for (size_t i = 0; i < count; ++i) {
      const char c = text[pos + i];
      if (c < '0' || c > '9') throw bad("not a timestamp (expected YYYY-MM-DD HH:MM:SS)");
      v = v * 10 + (c - '0');
    }
    pos += count;
    return v;
  };
  auto expect = [&](const char* choices) {
    if (pos >= text.size() || !std::strchr(choices, text[pos]))
      throw bad("not a timestamp (expected YYYY-MM-DD HH:MM:SS)");
    ++pos;
  };
  const int year = digits(4);
  expect("-");
  const int month = digits(2);
  expect("-");
  const int day = digits(2);
  expect(" T");
  const int hour = digits(2);
  expect(":");
  const int minute = digits(2);
  expect(":");
  const int second = digits(2);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    throw bad("date or time out of range");
  double fraction = 0.0;
  if (pos < text.size() && text[pos] == '.') {
    const size_t begin = pos;
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
      ++pos;
    if (pos == begin + 1) throw bad("empty fraction of a second");
    fraction = std::strtod(text.substr(begin, pos - begin).c_str(), nullptr);
  }
  int offset_seconds = 0;
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    const int oh = digits(2);
    expect(":");
    const int om = digits(2);
    offset_seconds = sign * (oh * 3600 + om * 60);
  }
  if (pos != text.size()) throw bad("unexpected text after the timestamp");
  const int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return static_cast<double>(days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds) +
         fraction;
}

TickPlacement place_rows_on_ticks(const std::vector<double>& times, const std::vector<long>& lines,
                                  double tick_seconds, GapPolicy gaps, const std::string& file,
                                  const std::string& time_field) {
  TickPlacement placement;
  placement.tick_of_row.resize(times.size());
  if (times.empty()) return placement;
  int64_t tick = 0;
  for (size_t r = 1; r < times.size(); ++r) {
    const double spacing = times[r] - times[r - 1];
    const std::string where = at_line(file, lines[r]);
    if (!(spacing > 0.0))
      throw input_error(where, time_field,
                        format_number(times[r] - times[0]) + " s after the first row",
                        "not after the previous row (" + format_number(spacing) +
                            " s apart): rows must be in time order");
    const double steps = std::nearbyint(spacing / tick_seconds);
    // Checked before the int64 sum: a trace has at most kMaxSlots ticks (model/limits.hpp).
    if (!(static_cast<double>(tick) + steps < static_cast<double>(kMaxSlots)))
      throw input_error(where, time_field,
                        format_number(times[r] - times[0]) + " s after the first row",
                        "puts the trace past 2^30 ticks of " + format_number(tick_seconds) +
                            " s, more than a trace may have");
    if (steps < 1.0)
      throw input_error(where, time_field, format_number(spacing) + " s after the previous row",
                        "shorter than half the tick (" + format_number(tick_seconds) +
                            " s): the tick disagrees with the file's probe interval");
    if (steps > 1.0 && gaps == GapPolicy::error)
      throw input_error(where, time_field, format_number(spacing) + " s after the previous row",
                        "a gap of " + format_number(steps - 1.0) + " missing tick(s) of " +
                            format_number(tick_seconds) +
                            " s; choose --gaps hold|unavailable to fill it");
    tick += static_cast<int64_t>(steps);
    placement.tick_of_row[r] = tick;
  }
  placement.n_ticks = tick + 1;
  // Gaps filled (--gaps hold|unavailable) make ticks the file does not hold: the per-tick
  // values and prices, and the trace made from them, are counted before they are spread.
  check_host_memory(static_cast<double>(placement.n_ticks) *
                        (sizeof(int64_t) + 2 * sizeof(double) + sizeof(int32_t)),
                    "the trace's " + std::to_string(placement.n_ticks) + " ticks", file, time_field,
                    format_number(times.back() - times.front()) + " s spanned",
                    "check the time stamps, or give a longer --tick");
  if (placement.n_ticks >= 2) {
    // Rounding each spacing hides a tick that is off by a few percent; the mean does not.
    const double mean_spacing = (times.back() - times.front()) / (placement.n_ticks - 1);
    if (std::fabs(mean_spacing - tick_seconds) > 0.02 * tick_seconds)
      throw input_error(file, "tick_seconds", format_number(tick_seconds),
                        "disagrees with the file's timestamps (mean spacing " +
                            format_number(mean_spacing) + " s)");
  }
  return placement;
}

std::vector<StepPoint> order_step_points(std::vector<StepPoint> points, OutOfOrderPolicy policy,
                                         const std::string& file, const std::string& time_field) {
  std::vector<StepPoint> ordered;
  ordered.reserve(points.size());
  switch (policy) {
    case OutOfOrderPolicy::error:
      for (size_t i = 1; i < points.size(); ++i)
        if (points[i].time < points[i - 1].time)
          throw input_error(
              at_line(file, points[i].line), time_field,
              format_number(points[i].time - points[0].time) + " s after the first row",
              "earlier than line " + std::to_string(points[i - 1].line) + " (" +
                  format_number(points[i - 1].time - points[0].time) +
                  " s): time goes backwards; choose --out-of-order sort|supersede");
      ordered = std::move(points);
      break;
    case OutOfOrderPolicy::sort:
      std::stable_sort(points.begin(), points.end(),
                       [](const StepPoint& a, const StepPoint& b) { return a.time < b.time; });
      ordered = std::move(points);
      break;
    case OutOfOrderPolicy::supersede:
      for (const StepPoint& p : points) {
        while (!ordered.empty() && ordered.back().time >= p.time)
          ordered.pop_back();
        ordered.push_back(p);
      }
      break;
  }
  // Of several points at one time only the last holds for a positive duration.
  std::vector<StepPoint> steps;
  steps.reserve(ordered.size());
  for (const StepPoint& p : ordered) {
    if (!steps.empty() && steps.back().time == p.time)
      steps.back() = p;
    else
      steps.push_back(p);
  }
  return steps;
}

std::vector<int64_t> resample_steps(const std::vector<StepPoint>& ordered, double tick_seconds,
                                    ResampleRule rule, const std::string& file) {
  if (ordered.empty()) throw input_error(file, "rows", "0", "the trace is empty");
  const double origin = ordered.front().time;
  const double span = ordered.back().time - origin;
  // A tick is kept only when the data covers all of it (1e-9: float noise in span/Δ).
  const double ticks = std::floor(span / tick_seconds + 1e-9);
  if (!(ticks <= static_cast<double>(kMaxSlots)))
    throw input_error(file, "span", format_number(span) + " s",
                      "makes " + format_number(ticks) + " ticks of " + format_number(tick_seconds) +
                          " s, more than the 2^30 a trace may have");
  // The resampled counts, and the trace's prices and availability made from them.
  check_host_memory(ticks * (sizeof(int64_t) + sizeof(double) + sizeof(int32_t)),
                    "the resampled trace", file, "span", format_number(span) + " s",
                    "give a longer --tick");
  const int64_t n_ticks = static_cast<int64_t>(ticks);
  if (n_ticks < 1)
    throw input_error(
        file, "span", format_number(span) + " s",
        "shorter than one tick of " + format_number(tick_seconds) + " s: the trace is empty");
  std::vector<int64_t> out(static_cast<size_t>(n_ticks));
  size_t step = 0;  // index of the step holding at the current tick's start
  for (int64_t i = 0; i < n_ticks; ++i) {
    const double begin = origin + static_cast<double>(i) * tick_seconds;
    const double end = begin + tick_seconds;
    while (step + 1 < ordered.size() && ordered[step + 1].time <= begin)
      ++step;
    int64_t value = ordered[step].value;
    if (rule == ResampleRule::minimum) {
      for (size_t s = step + 1; s < ordered.size() && ordered[s].time < end; ++s)
        value = std::min(value, ordered[s].value);
    }
    out[static_cast<size_t>(i)] = value;
  }
  return out;
}

}  // namespace spotsweep::detail

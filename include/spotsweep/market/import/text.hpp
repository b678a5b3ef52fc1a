#pragma once
// What the trace importers' readers (market/import/) share: reading text files, splitting CSV
// lines, strict number and timestamp parsing that reports file:line and the field, and the two
// ways a timed series becomes a tick grid. Host-only.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/text.hpp"
#include "spotsweep/market/importers.hpp"
#include "spotsweep/market/trace.hpp"

namespace spotsweep::detail {

using ::spotsweep::format_number;

using ::spotsweep::read_text_file;

// "dir/us-east-1a_v100_1.csv" -> "us-east-1a_v100_1".
std::string file_stem(const std::string& path);

// "file:line", the `file` part of an input_error about one line of a text file.
std::string at_line(const std::string& file, long line);

// One non-empty line of a delimited text file, split at `separator`, each field trimmed of
// spaces, tabs and a trailing CR (CRLF files read like LF files).
struct CsvRow {
  long line = 0;  // 1-based line number in the file
  std::vector<std::string> fields;
};

std::vector<CsvRow> read_csv(const std::string& path, char separator = ',');

// Throws "file:line: columns = N: expected M (what)" unless the row has exactly `count` fields.
void expect_columns(const CsvRow& row, size_t count, const std::string& file,
                    const std::string& what);

// Strict conversions of one field: the whole text must be the number; NaN, infinities and
// empty fields are refused. Errors read "file:line: field = text: reason".
double parse_number(const std::string& text, const std::string& file, long line,
                    const std::string& field);
int64_t parse_integer(const std::string& text, const std::string& file, long line,
                      const std::string& field);

// "YYYY-MM-DD HH:MM:SS", or ISO 8601 with 'T', optional fraction and optional "Z"/"±HH:MM".
// Returns seconds since 1970-01-01 (UTC when an offset is given; a naive time is taken as
// is, which is all that differences between rows need).
double parse_timestamp(const std::string& text, const std::string& file, long line,
                       const std::string& field);

// ---- timestamped rows that each stand for one tick (probe logs) ---------------------------

// Row r lands on tick tick_of_row[r]. Consecutive rows are round(spacing / tick) ticks apart:
// 0 means two rows inside one tick (error: the tick is longer than the probe interval),
// more than 1 is a gap, handled by `gaps`. The mean spacing over the whole series must agree
// with the tick within 2 %, so a wrong --tick cannot pass unnoticed.
struct TickPlacement {
  std::vector<int64_t> tick_of_row;
  int64_t n_ticks = 0;
};

TickPlacement place_rows_on_ticks(const std::vector<double>& times, const std::vector<long>& lines,
                                  double tick_seconds, GapPolicy gaps, const std::string& file,
                                  const std::string& time_field);

// Spreads per-row values over the ticks: a tick in a gap repeats the last value, or takes
// `gap_value` when given (GapPolicy::unavailable).
template <class T>
std::vector<T> spread_rows(const TickPlacement& placement, const std::vector<T>& row_values,
                           std::optional<T> gap_value) {
  std::vector<T> out(static_cast<size_t>(placement.n_ticks));
  for (size_t r = 0; r < row_values.size(); ++r) {
    const int64_t first = placement.tick_of_row[r];
    const int64_t next =
        r + 1 < row_values.size() ? placement.tick_of_row[r + 1] : placement.n_ticks;
    for (int64_t t = first; t < next; ++t)
      out[static_cast<size_t>(t)] = (t == first || !gap_value) ? row_values[r] : *gap_value;
  }
  return out;
}

// ---- step functions in continuous time (Bamboo / GCP logs) --------------------------------

// The value holds from `time` (seconds) until the next point's time.
struct StepPoint {
  double time = 0.0;
  int64_t value = 0;
  long line = 0;
};

// Puts the points in time order according to `policy` (see OutOfOrderPolicy) and drops the
// zero-length steps: of several points at one time only the last in file order counts.
std::vector<StepPoint> order_step_points(std::vector<StepPoint> points, OutOfOrderPolicy policy,
                                         const std::string& file, const std::string& time_field);

// Resamples an ordered step function onto ticks [t0 + iΔ, t0 + (i+1)Δ) with t0 = the first
// point's time; the series ends at the last point's time and a partial last tick is dropped.
std::vector<int64_t> resample_steps(const std::vector<StepPoint>& ordered, double tick_seconds,
                                    ResampleRule rule, const std::string& file);

}  // namespace spotsweep::detail

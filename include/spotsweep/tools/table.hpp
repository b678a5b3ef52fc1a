#pragma once
// `spotsweep table` (docs/table.md): the best members of a sweep file, each with its decoded
// parameters and statistics, as text, CSV or JSON. Host-only; reads the file with the HDF5 C
// API (as heatmap does).
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace spotsweep {

struct TableRow {
  int64_t member = 0;  // global index
  int64_t point = 0;   // index of the point of the scenario axes (0 without them)
  std::string grid;    // family grid, e.g. "pf" or "chc.short"
  std::vector<std::pair<std::string, double>> at;          // scenario-axis values
  std::vector<std::pair<std::string, double>> parameters;  // the member's axis values
  std::vector<double> stats;                               // in TableColumns order
};

struct TableRequest {
  std::string sweep_path;
  int64_t top = 10;
  std::string by = "utility_mean";  // a statistic of the file; its direction picks "best"
  std::string family;               // only this grid; empty: all
};

struct Table {
  std::vector<std::string> columns;  // the statistics shown
  std::vector<std::string> units;    // their units
  std::string by;
  bool descending = true;
  int64_t members = 0;  // rows ranked (members × points)
  std::vector<TableRow> rows;
};

// The `top` best rows by `by` (highest utility first; lowest cost, miss rate, completion time
// first); NaN rows last. One-line InputErrors for a missing file, an unknown statistic or family.
Table make_table(const TableRequest& request);

void print_table_text(const Table& table, std::ostream& out);
void print_table_csv(const Table& table, std::ostream& out);
void print_table_json(const Table& table, std::ostream& out);

}  // namespace spotsweep

#pragma once
// Sensitivity heatmaps of a sweep file (docs/heatmap.md): one family's per-member statistic
// turned into a metric, reduced over every axis but two, written as a 2-D slice with a
// per-cell stability score. Host-only; reads the sweep HDF5 with the HDF5 C API.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/names.hpp"

namespace spotsweep {

// The metrics a heatmap shows. Each is computed per member first, then reduced.
enum class HeatmapMetric { utility, cost, miss_rate, regret, improvement };

// "utility", "cost", "miss_rate", "regret", "improvement"; false if unknown.
constexpr NamedValue<HeatmapMetric> kHeatmapMetricNames[] = {
    {"utility", HeatmapMetric::utility},
    {"cost", HeatmapMetric::cost},
    {"miss_rate", HeatmapMetric::miss_rate},
    {"regret", HeatmapMetric::regret},
    {"improvement", HeatmapMetric::improvement}};
inline const char* heatmap_metric_name(HeatmapMetric metric) {
  return name_of(kHeatmapMetricNames, metric);
}
// True where a larger value is better (utility, improvement).
bool heatmap_higher_is_better(HeatmapMetric metric);

// How the axes that are neither plotted nor fixed collapse into one value per cell.
// best = max for higher-is-better metrics, min otherwise.
enum class HeatmapReduction { best, max, min, mean };
constexpr NamedValue<HeatmapReduction> kHeatmapReductionNames[] = {
    {"best", HeatmapReduction::best},
    {"max", HeatmapReduction::max},
    {"min", HeatmapReduction::min},
    {"mean", HeatmapReduction::mean}};
inline const char* heatmap_reduction_name(HeatmapReduction reduction) {
  return name_of(kHeatmapReductionNames, reduction);
}

// One family of a sweep file: its axes (in table order) and the statistics a metric needs.
struct SweepFamilyTable {
  std::string name;
  std::vector<std::string> axis_names;
  std::vector<std::vector<double>> axis_values;
  int64_t first_member = 0;
  std::vector<double> metric_source;  // the statistic behind the metric, C order over the axes
};

// What a user asks for (the CLI's options).
struct HeatmapRequest {
  std::string sweep_path;
  std::string family;  // empty: the file's only family
  std::string x_axis, y_axis;
  HeatmapMetric metric = HeatmapMetric::utility;
  std::string baseline;  // family name, for HeatmapMetric::improvement
  HeatmapReduction reduction = HeatmapReduction::best;
  std::vector<std::pair<std::string, double>> fixed;  // --fix axis=value
};

// The 2-D slice: value[y][x] (rows = y axis), C order.
struct Heatmap {
  std::string source, family;
  HeatmapMetric metric = HeatmapMetric::utility;
  std::string metric_units;
  std::string reduction_text;  // e.g. "best over kappa, rho; hysteresis = 0"
  std::string baseline;        // improvement only: "greedy(deadline_factor=1) = 12.3 USD"
  double baseline_utility = 0.0;
  double tick_seconds = 0.0;  // of the sweep's workload, for slot-valued axes
  std::string x_name, y_name, x_units, y_units;
  std::vector<double> x_values, y_values;
  std::vector<double> value;      // [y][x]
  std::vector<double> stability;  // [y][x], see heatmap_stability
  std::vector<int64_t> member;  // [y][x] global index of the member behind the cell; −1 for mean
  int64_t best_row = -1, best_col = -1;  // the best cell (first in C order on ties); −1 if all NaN
};

// Largest worsening of the metric from each cell to any of its (up to 8) neighbours, in the
// metric's units: max over neighbours of (v_cell − v_nb) for higher-is-better metrics, of
// (v_nb − v_cell) otherwise, floored at 0. A brittle optimum has a large score; a cell on a
// plateau or whose every neighbour is at least as good has 0. NaN cells and NaN neighbours
// are skipped (a NaN cell scores NaN).
std::vector<double> heatmap_stability(const std::vector<double>& grid, int64_t rows, int64_t cols,
                                      bool higher_is_better);

// Reads one family of a sweep file: the axes and the statistic `metric` is computed from.
SweepFamilyTable read_sweep_family(const std::string& path, const std::string& family,
                                   HeatmapMetric metric);
// Family names in a sweep file, in file order.
std::vector<std::string> sweep_family_names(const std::string& path);

// Builds the heatmap from a sweep file. Bad input (unknown family or axis, a value not on
// an axis, a file without OPT for regret, ...) is a one-line InputError.
Heatmap make_heatmap(const HeatmapRequest& request);

// The reduction step on its own (for tests): per-member metric `values` over axes of the
// given sizes, plotted axes x and y (indices into sizes), fixed positions (-1 = free).
struct HeatmapSlice {
  std::vector<double> value;
  std::vector<int64_t> local_member;  // local index inside the family, −1 for mean
};
HeatmapSlice reduce_to_slice(const std::vector<double>& values, const std::vector<int64_t>& sizes,
                             int x_axis, int y_axis, const std::vector<int64_t>& fixed_position,
                             HeatmapReduction reduction, bool higher_is_better);

// Relative improvement in percent of `utility` over `baseline`: 100·(u − b)/|b|. Throws an
// InputError naming `baseline_name` when |b| is below 1e-9 USD (undefined).
double relative_improvement(double utility, double baseline, const std::string& baseline_name);

// PREFIX.h5 and PREFIX.csv, each written under a temporary name and renamed when complete.
void write_heatmap_h5(const Heatmap& heatmap, const std::string& path);
void write_heatmap_csv(const Heatmap& heatmap, const std::string& path);
// The same into outputs reserved when the command started (detail/atomic_file.hpp).
void write_heatmap_h5(const Heatmap& heatmap, OutputFile& output);
void write_heatmap_csv(const Heatmap& heatmap, OutputFile& output);

}  // namespace spotsweep

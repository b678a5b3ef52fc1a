#pragma once
// Sensitivity heatmaps of a sweep file (docs/heatmap.md): one family's per-member statistic
// turned into a metric, reduced over every axis but two, written as a 2-D slice with a
// per-cell stability score. Host-only; reads the sweep HDF5 with the HDF5 C API.
#include <cstdint>
#include <limits>
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

// One family of a sweep file: its axes (the scenario axes first, then the family's in table
// order) and the statistics a metric needs.
struct SweepFamilyTable {
  std::string name;
  std::vector<std::string> axis_names;
  std::vector<std::vector<double>> axis_values;
  std::vector<std::string> axis_units, axis_long_names;  // the scales' CF attributes
  int32_t scenario_axes = 0;  // how many of the axes, the first ones, are scenario axes
  int64_t first_member = 0;
  std::vector<double> metric_source;  // the statistic behind the metric, C order over the axes
  std::vector<double> utility_se;     // utility_se, when the file has it (else empty)
  // With --per-scenario: the metric's statistic per scenario, [axes...][scenario] (else empty).
  std::vector<double> per_scenario;
  int32_t scenarios = 0;
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
  std::string facet;  // a third axis: one panel per value (--facet); empty: none
};

// The slice: value[facet][y][x] (rows = y axis), C order; one facet without --facet.
struct Heatmap {
  std::string source, family;
  HeatmapMetric metric = HeatmapMetric::utility;
  std::string metric_units;
  std::string reduction_text;  // e.g. "best over kappa, rho; hysteresis = 0"
  std::string baseline;        // improvement only: "greedy(deadline_factor=1) = 12.3 USD"
  double baseline_utility = 0.0;
  // OPT's precision when the sweep file holds OPT (docs/model.md §5 "Precision"): the line
  // describe_opt_precision gives, and the bracket in USD per job and relative to the achieved
  // value (NaN without OPT).
  std::string opt_precision;
  double opt_bracket_width = std::numeric_limits<double>::quiet_NaN();
  double opt_bracket_relative = std::numeric_limits<double>::quiet_NaN();
  double tick_seconds = 0.0;  // of the sweep's workload, for slot-valued axes
  // Units for labels (slots of the tick, "× d"), CF units of the scales ("slots", "1"), and
  // the scales' long names, from the sweep file.
  std::string x_name, y_name, x_units, y_units, x_cf_units, y_cf_units, x_long_name, y_long_name;
  std::vector<double> x_values, y_values;
  std::string facet_name, facet_units, facet_cf_units, facet_long_name;  // empty without --facet
  std::vector<double> facet_values = {0.0};  // one value without --facet
  std::vector<double> value;                 // [facet][y][x]
  std::vector<double> se;         // [facet][y][x] standard error of each cell's value, or NaN
  std::string se_method;          // how se was found, or why it is NaN
  std::vector<double> stability;  // [facet][y][x], see heatmap_stability (per facet)
  std::vector<int64_t>
      member;  // [facet][y][x] global index of the member behind the cell; −1 for mean
  // The best cell (first in C order on ties); −1 when every cell is NaN or all cells tie.
  int64_t best_facet = -1, best_row = -1, best_col = -1;
  bool all_equal = false;  // every finite cell holds the same value: no best cell

  size_t cells() const { return x_values.size() * y_values.size(); }
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
// `config_toml`, the [heatmap] table that replays it, is stored with the file.
void write_heatmap_h5(const Heatmap& heatmap, const std::string& path,
                      const std::string& config_toml = "");
void write_heatmap_csv(const Heatmap& heatmap, const std::string& path);
// The same into outputs reserved when the command started (detail/atomic_file.hpp).
void write_heatmap_h5(const Heatmap& heatmap, OutputFile& output,
                      const std::string& config_toml = "");
void write_heatmap_csv(const Heatmap& heatmap, OutputFile& output);

}  // namespace spotsweep

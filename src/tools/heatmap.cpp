// Sensitivity heatmaps of a sweep file (docs/heatmap.md): read one family with the HDF5 C
// API, compute a per-member metric, reduce it to two axes, score each cell's stability, and
// write the slice as HDF5 and CSV through temporary names.
#include "spotsweep/tools/heatmap.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <stdexcept>

#include "spotsweep/config/pool.hpp"
#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/h5.hpp"
#include "spotsweep/detail/provenance.hpp"
#include "spotsweep/detail/text.hpp"
#include "spotsweep/sweep/opt.hpp"
#include "spotsweep/version.hpp"

namespace spotsweep {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using H5Handle = h5::OptionalHandle;

using h5::check;
using h5::path_exists;
using h5::QuietHdf5;

H5Handle open_sweep_file(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0) throw input_error(path, "sweep file", "", "no such file");
  if (::access(path.c_str(), R_OK) != 0)
    throw input_error(path, "sweep file", "", "cannot be read (permissions)");
  check_input_file(path, "sweep file");  // a FIFO or device would block HDF5's open
  H5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok())
    throw input_error(path, "sweep file", "",
                      "not an HDF5 file (heatmap reads what `spotsweep sweep` writes)");
  if (!path_exists(file, "families"))
    throw input_error(path, "/families", "", "missing: not a `spotsweep sweep` output");
  return file;
}

// A whole float64 dataset of the sweep file, and its shape.
std::vector<double> read_doubles(hid_t parent, const std::string& name, const std::string& file,
                                 std::vector<hsize_t>* shape = nullptr) {
  return h5::read_dataset<double>(parent, name, H5T_NATIVE_DOUBLE, H5T_FLOAT, "float64", file,
                                  shape);
}

template <class T>
bool read_scalar_attr(hid_t object, const char* name, hid_t type, T* value) {
  if (H5Aexists(object, name) <= 0) return false;
  H5Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  return attr.ok() && H5Aread(attr, type, value) >= 0;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= text.size() && !text.empty()) {
    const size_t comma = text.find(',', at);
    out.push_back(text.substr(at, comma - at));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

const char* scenario_statistic(HeatmapMetric metric) {
  switch (metric) {
    case HeatmapMetric::cost: return "scenario_cost_mean";
    case HeatmapMetric::miss_rate: return "scenario_miss_rate";
    default: return "scenario_utility_mean";
  }
}

// Standard error of the mean of `values` (n ≥ 2), from their sample standard deviation.
double standard_error(const double* values, int64_t n, int64_t stride) {
  if (n < 2) return kNaN;
  double mean = 0.0;
  for (int64_t i = 0; i < n; ++i)
    mean += values[i * stride];
  mean /= static_cast<double>(n);
  double m2 = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = values[i * stride] - mean;
    m2 += d * d;
  }
  return std::sqrt(m2 / static_cast<double>(n - 1)) / std::sqrt(static_cast<double>(n));
}

// Which dataset of a family each metric is computed from.
const char* metric_statistic(HeatmapMetric metric) {
  switch (metric) {
    case HeatmapMetric::cost: return "cost_mean";
    case HeatmapMetric::miss_rate: return "miss_rate";
    default: return "utility_mean";
  }
}

// Units of a family's axis from its axis table (engine/families/), with the slot length where
// the axis counts slots; "" for an axis the registry does not know (a file from elsewhere).
std::string axis_units(const std::string& family, const std::string& axis, double tick_seconds) {
  const FamilyInfo* info = find_family(family.substr(0, family.find('.')));  // "chc.short": chc
  const int32_t index = info ? axis_index(*info, axis) : -1;
  if (index < 0) return "";
  const std::string units = info->axes[index].units;
  if (units != "slots" || !(tick_seconds > 0)) return units;
  char slots[64];
  std::snprintf(slots, sizeof slots, "slots of %g s", tick_seconds);
  return slots;
}

const char* metric_units(HeatmapMetric metric) {
  switch (metric) {
    case HeatmapMetric::utility: return "USD";
    case HeatmapMetric::cost: return "USD";
    case HeatmapMetric::miss_rate: return "fraction of jobs";
    case HeatmapMetric::regret: return "USD";
    case HeatmapMetric::improvement: return "%";
  }
  return "";
}

// Shortest text for an axis value in messages and labels.
std::string number(double v) { return format_number(v); }

// Money in messages and attributes: cents and two more digits are plenty.
std::string usd(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f USD", v);
  return buf;
}

// One member's parameters as text, e.g. "greedy(deadline_factor=0.9)".
std::string describe(const SweepFamilyTable& t, int64_t local) {
  std::vector<int64_t> digits(t.axis_values.size());
  for (size_t a = t.axis_values.size(); a-- > 0;) {
    const int64_t n = static_cast<int64_t>(t.axis_values[a].size());
    digits[a] = local % n;
    local /= n;
  }
  std::vector<std::string> parts;
  for (size_t a = 0; a < digits.size(); ++a)
    parts.push_back(t.axis_names[a] + "=" +
                    number(t.axis_values[a][static_cast<size_t>(digits[a])]));
  return t.name + "(" + join(parts) + ")";
}

}  // namespace

bool heatmap_higher_is_better(HeatmapMetric metric) {
  return metric == HeatmapMetric::utility || metric == HeatmapMetric::improvement;
}

std::vector<double> heatmap_stability(const std::vector<double>& grid, int64_t rows, int64_t cols,
                                      bool higher_is_better) {
  SPOTSWEEP_EXPECTS(static_cast<int64_t>(grid.size()) == rows * cols, "grid is rows x cols");
  const double sign = higher_is_better ? 1.0 : -1.0;
  std::vector<double> drop(grid.size(), kNaN);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const double v = grid[static_cast<size_t>(r * cols + c)];
      if (std::isnan(v)) continue;
      double worst = 0.0;
      for (int64_t dr = -1; dr <= 1; ++dr)
        for (int64_t dc = -1; dc <= 1; ++dc) {
          const int64_t rr = r + dr, cc = c + dc;
          if ((dr == 0 && dc == 0) || rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
          const double nb = grid[static_cast<size_t>(rr * cols + cc)];
          if (!std::isnan(nb)) worst = std::max(worst, sign * (v - nb));
        }
      drop[static_cast<size_t>(r * cols + c)] = worst;
    }
  return drop;
}

HeatmapSlice reduce_to_slice(const std::vector<double>& values, const std::vector<int64_t>& sizes,
                             int x_axis, int y_axis, const std::vector<int64_t>& fixed_position,
                             HeatmapReduction reduction, bool higher_is_better) {
  const size_t k = sizes.size();
  SPOTSWEEP_EXPECTS(fixed_position.size() == k, "one fixed position (or -1) per axis");
  SPOTSWEEP_EXPECTS(x_axis >= 0 && y_axis >= 0 && x_axis != y_axis &&
                        static_cast<size_t>(x_axis) < k && static_cast<size_t>(y_axis) < k,
                    "two distinct plotted axes");
  int64_t total = 1;
  for (int64_t n : sizes)
    total *= n;
  SPOTSWEEP_EXPECTS(static_cast<int64_t>(values.size()) == total, "one value per member");
  const int64_t cols = sizes[static_cast<size_t>(x_axis)],
                rows = sizes[static_cast<size_t>(y_axis)];
  HeatmapSlice slice;
  slice.value.assign(static_cast<size_t>(rows * cols), kNaN);
  slice.local_member.assign(static_cast<size_t>(rows * cols), -1);
  std::vector<double> sum(static_cast<size_t>(rows * cols), 0.0);
  std::vector<int64_t> count(static_cast<size_t>(rows * cols), 0);
  // max keeps the larger value, min the smaller; best is whichever the metric prefers.
  const bool keep_larger = reduction == HeatmapReduction::max ||
                           (reduction == HeatmapReduction::best && higher_is_better);
  std::vector<int64_t> digit(k, 0);
  for (int64_t m = 0; m < total; ++m) {
    bool selected = true;
    for (size_t a = 0; a < k && selected; ++a)
      selected = fixed_position[a] < 0 || fixed_position[a] == digit[a];
    if (selected) {
      const size_t cell = static_cast<size_t>(digit[static_cast<size_t>(y_axis)] * cols +
                                              digit[static_cast<size_t>(x_axis)]);
      const double v = values[static_cast<size_t>(m)];
      if (reduction == HeatmapReduction::mean) {
        sum[cell] += v;  // NaN propagates: a mean over a NaN member is NaN
        ++count[cell];
      } else if (!std::isnan(v)) {
        const double cur = slice.value[cell];
        if (std::isnan(cur) || (keep_larger ? v > cur : v < cur)) {
          slice.value[cell] = v;
          slice.local_member[cell] = m;
        }
      }
    }
    for (size_t a = k; a-- > 0;) {  // mixed-radix increment, last axis fastest
      if (++digit[a] < sizes[a]) break;
      digit[a] = 0;
    }
  }
  if (reduction == HeatmapReduction::mean)
    for (size_t c = 0; c < sum.size(); ++c)
      slice.value[c] = count[c] > 0 ? sum[c] / static_cast<double>(count[c]) : kNaN;
  return slice;
}

double relative_improvement(double utility, double baseline, const std::string& baseline_name) {
  if (!(std::fabs(baseline) >= 1e-9))
    throw input_error("", "--baseline", baseline_name,
                      "its mean utility is " + number(baseline) +
                          " USD, so a relative improvement is undefined (use --metric utility)");
  return 100.0 * (utility - baseline) / std::fabs(baseline);
}

std::vector<std::string> sweep_family_names(const std::string& path) {
  QuietHdf5 quiet;
  H5Handle file = open_sweep_file(path);
  H5Handle families(H5Gopen2(file, "families", H5P_DEFAULT), H5Gclose);
  if (!families.ok()) throw input_error(path, "/families", "", "cannot open the group");
  H5G_info_t info;
  check(H5Gget_info(families, &info), "list /families");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len = H5Lget_name_by_idx(families, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i,
                                           nullptr, 0, H5P_DEFAULT);
    // Creation order is tracked only when the writer asked for it; fall back to name order.
    const H5_index_t index = len < 0 ? H5_INDEX_NAME : H5_INDEX_CRT_ORDER;
    const ssize_t n =
        H5Lget_name_by_idx(families, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (n < 0) throw std::runtime_error("HDF5: cannot list /families");
    std::string name(static_cast<size_t>(n) + 1, '\0');
    H5Lget_name_by_idx(families, ".", index, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT);
    name.resize(static_cast<size_t>(n));
    names.push_back(name);
  }
  // Sort by first_member so the order is the pool's file order whatever the index.
  std::vector<std::pair<int64_t, std::string>> ordered;
  for (const auto& n : names) {
    H5Handle g(H5Gopen2(families, n.c_str(), H5P_DEFAULT), H5Gclose);
    int64_t first = 0;
    if (g.ok()) read_scalar_attr<int64_t>(g, "first_member", H5T_NATIVE_INT64, &first);
    ordered.emplace_back(first, n);
  }
  std::sort(ordered.begin(), ordered.end());
  names.clear();
  for (const auto& o : ordered)
    names.push_back(o.second);
  return names;
}

SweepFamilyTable read_sweep_family(const std::string& path, const std::string& family,
                                   HeatmapMetric metric) {
  QuietHdf5 quiet;
  H5Handle file = open_sweep_file(path);
  if (!path_exists(file, "families/" + family))
    throw input_error(path, "--family", family,
                      "not in the file (it has: " + join(sweep_family_names(path)) + ")");
  H5Handle group(H5Gopen2(file, ("families/" + family).c_str(), H5P_DEFAULT), H5Gclose);
  if (!group.ok()) throw input_error(path, "--family", family, "cannot open its group");
  SweepFamilyTable table;
  table.name = family;
  read_scalar_attr<int64_t>(group, "first_member", H5T_NATIVE_INT64, &table.first_member);
  const std::vector<std::string> scenario_axes =
      split_commas(h5::read_string_attr(file, "scenario_axes"));
  const std::string stat = metric_statistic(metric);
  std::vector<hsize_t> shape;
  table.metric_source = read_doubles(group, stat, path, &shape);
  // The axes are the statistic's dimension labels; each names its scale dataset.
  H5Handle ds(H5Dopen2(group, stat.c_str(), H5P_DEFAULT), H5Dclose);
  for (size_t d = 0; d < shape.size(); ++d) {
    const ssize_t len = H5DSget_label(ds, static_cast<unsigned>(d), nullptr, 0);
    if (len <= 0)
      throw input_error(path, "families/" + family + "/" + stat, "",
                        "dimension " + std::to_string(d) + " has no axis label");
    std::string label(static_cast<size_t>(len) + 1, '\0');
    H5DSget_label(ds, static_cast<unsigned>(d), label.data(), label.size());
    label.resize(static_cast<size_t>(len));
    std::vector<hsize_t> axis_shape;
    std::vector<double> values = read_doubles(group, label, path, &axis_shape);
    if (values.size() != shape[d])
      throw input_error(path, "families/" + family + "/" + label, "",
                        "axis length does not match the statistic");
    H5Handle scale(H5Dopen2(group, label.c_str(), H5P_DEFAULT), H5Dclose);
    table.axis_units.push_back(scale.ok() ? h5::read_string_attr(scale, "units") : "");
    table.axis_long_names.push_back(scale.ok() ? h5::read_string_attr(scale, "long_name") : "");
    if (static_cast<size_t>(table.scenario_axes) == d &&
        std::find(scenario_axes.begin(), scenario_axes.end(), label) != scenario_axes.end())
      ++table.scenario_axes;
    table.axis_names.push_back(label);
    table.axis_values.push_back(std::move(values));
  }
  if (path_exists(group, "utility_se")) table.utility_se = read_doubles(group, "utility_se", path);
  const std::string per_scenario = scenario_statistic(metric);
  if (path_exists(group, per_scenario)) {
    std::vector<hsize_t> scenario_shape;
    table.per_scenario = read_doubles(group, per_scenario, path, &scenario_shape);
    table.scenarios = static_cast<int32_t>(scenario_shape.back());
  }
  return table;
}

Heatmap make_heatmap(const HeatmapRequest& rq) {
  const std::string& path = rq.sweep_path;
  const std::vector<std::string> families = sweep_family_names(path);
  std::string family = rq.family;
  if (family.empty()) {
    if (families.size() != 1)
      throw input_error(path, "--family", "",
                        "the file has " + std::to_string(families.size()) +
                            " families; choose one of: " + join(families));
    family = families[0];
  }
  const SweepFamilyTable table = read_sweep_family(path, family, rq.metric);
  const size_t k = table.axis_names.size();
  auto axis_index = [&](const std::string& name, const char* option) {
    for (size_t a = 0; a < k; ++a)
      if (table.axis_names[a] == name) return static_cast<int>(a);
    throw input_error(path, option, name,
                      "not an axis of " + family + " (it has: " + join(table.axis_names) + ")");
  };
  if (rq.x_axis.empty() || rq.y_axis.empty())
    throw input_error(path, rq.x_axis.empty() ? "--x" : "--y", "",
                      "give two axes of " + family + " (" + join(table.axis_names) + ")");
  const int x = axis_index(rq.x_axis, "--x"), y = axis_index(rq.y_axis, "--y");
  if (x == y)
    throw input_error(path, "--y", rq.y_axis, "the same axis as --x; choose two different axes");
  const int facet = rq.facet.empty() ? -1 : axis_index(rq.facet, "--facet");
  if (facet >= 0 && (facet == x || facet == y))
    throw input_error(path, "--facet", rq.facet, "already plotted on --x or --y");

  Heatmap h;
  h.source = path;
  h.family = family;
  h.metric = rq.metric;
  h.metric_units = metric_units(rq.metric);
  {
    QuietHdf5 quiet;
    H5Handle file = open_sweep_file(path);
    if (path_exists(file, "workload")) {
      H5Handle w(H5Gopen2(file, "workload", H5P_DEFAULT), H5Gclose);
      if (w.ok()) read_scalar_attr<double>(w, "tick_seconds", H5T_NATIVE_DOUBLE, &h.tick_seconds);
    }
  }

  // Fixed axes: each value must be on its axis (compared to 1e-9 relative, as typed values
  // like 0.1 are read back from the file's doubles).
  std::vector<int64_t> fixed(k, -1);
  std::vector<std::string> fixed_text;
  for (const auto& [name, value] : rq.fixed) {
    const int a = axis_index(name, "--fix");
    if (a == x || a == y || a == facet)
      throw input_error(path, "--fix", name + "=" + number(value),
                        "a plotted axis cannot be fixed");
    const std::vector<double>& vals = table.axis_values[static_cast<size_t>(a)];
    int64_t pos = -1;
    for (size_t i = 0; i < vals.size(); ++i)
      if (std::fabs(vals[i] - value) <= 1e-9 * std::max(1.0, std::fabs(value)))
        pos = static_cast<int64_t>(i);
    if (pos < 0) {
      std::vector<std::string> on_axis;
      for (double v : vals)
        on_axis.push_back(number(v));
      throw input_error(path, "--fix", name + "=" + number(value),
                        "not on the axis (values: " + join(on_axis) + ")");
    }
    fixed[static_cast<size_t>(a)] = pos;
    fixed_text.push_back(name + " = " + number(value));
  }

  std::vector<int64_t> sizes;
  for (const auto& v : table.axis_values)
    sizes.push_back(static_cast<int64_t>(v.size()));
  int64_t total = 1, points = 1;
  for (size_t a = 0; a < k; ++a) {
    total *= sizes[a];
    if (static_cast<int32_t>(a) < table.scenario_axes) points *= sizes[a];
  }
  const int64_t local_size = total / points;  // members per point of the scenario axes
  const int64_t S = table.scenarios;
  const bool have_scenarios = !table.per_scenario.empty() && S >= 2;

  // Per-member metric, and per (member, scenario) when the file has it.
  std::vector<double> values = table.metric_source;
  std::vector<double> by_scenario = table.per_scenario;  // [member][scenario]
  std::vector<double> opt_mean(static_cast<size_t>(points), kNaN);
  std::vector<double> opt_scenario;  // [point][scenario] means over rounds
  if (rq.metric == HeatmapMetric::regret ||
      (rq.metric == HeatmapMetric::improvement && rq.baseline == "opt")) {
    QuietHdf5 quiet;
    H5Handle file = open_sweep_file(path);
    if (!path_exists(file, "opt/utility_lower"))
      throw input_error(
          path, "/opt/utility_lower", "",
          "missing (the sweep ran with --opt-buckets 0); regret and --baseline opt need OPT");
    std::vector<hsize_t> shape;
    const std::vector<double> opt = read_doubles(file, "opt/utility_lower", path, &shape);
    const int64_t per_point = static_cast<int64_t>(opt.size()) / points;
    const int64_t rounds = shape.empty() ? 1 : static_cast<int64_t>(shape.back());
    const int64_t opt_scenarios = per_point / std::max<int64_t>(rounds, 1);
    opt_scenario.assign(static_cast<size_t>(points * opt_scenarios), 0.0);
    for (int64_t p = 0; p < points; ++p) {
      double sum = 0.0;
      for (int64_t i = 0; i < per_point; ++i) {
        const double v = opt[static_cast<size_t>(p * per_point + i)];
        sum += v;
        opt_scenario[static_cast<size_t>(p * opt_scenarios + i / rounds)] +=
            v / static_cast<double>(rounds);
      }
      opt_mean[static_cast<size_t>(p)] = sum / static_cast<double>(per_point);
    }
    if (rq.metric == HeatmapMetric::regret) {
      for (int64_t m = 0; m < total; ++m)
        values[static_cast<size_t>(m)] =
            opt_mean[static_cast<size_t>(m / local_size)] - values[static_cast<size_t>(m)];
      if (have_scenarios && opt_scenarios == S)
        for (int64_t m = 0; m < total; ++m)
          for (int64_t s = 0; s < S; ++s) {
            double& v = by_scenario[static_cast<size_t>(m * S + s)];
            v = opt_scenario[static_cast<size_t>((m / local_size) * S + s)] - v;
          }
    }
  }
  {
    // OPT's precision, whatever the metric, so a reader sees how far OPT can be trusted.
    QuietHdf5 quiet;
    H5Handle file = open_sweep_file(path);
    if (path_exists(file, "opt/utility_lower") && path_exists(file, "opt/utility_upper")) {
      const std::vector<double> lower = read_doubles(file, "opt/utility_lower", path);
      const std::vector<double> upper = read_doubles(file, "opt/utility_upper", path);
      double best_mean = kNaN;
      for (double v : table.metric_source)
        if (rq.metric == HeatmapMetric::utility && (std::isnan(best_mean) || v > best_mean))
          best_mean = v;
      const OptPrecision precision =
          opt_precision(lower.data(), upper.data(), static_cast<int64_t>(lower.size()), best_mean);
      int32_t buckets = 0, resolution = 0;
      H5Handle group(H5Gopen2(file, "opt", H5P_DEFAULT), H5Gclose);
      if (group.ok()) {
        read_scalar_attr<int32_t>(group, "progress_buckets", H5T_NATIVE_INT32, &buckets);
        read_scalar_attr<int32_t>(group, "progress_resolution", H5T_NATIVE_INT32, &resolution);
      }
      h.opt_precision = describe_opt_precision(precision, opt_lattice_text(buckets, resolution));
      h.opt_bracket_width = precision.width;
      h.opt_bracket_relative = precision.relative;
    }
  }
  std::vector<double> baseline(static_cast<size_t>(points), kNaN);
  if (rq.metric == HeatmapMetric::improvement) {
    if (rq.baseline.empty())
      throw input_error(path, "--baseline", "",
                        "improvement needs a baseline family (" + join(families) + ") or opt");
    if (rq.baseline == "opt") {
      baseline = opt_mean;
      h.baseline = "OPT (mean of /opt/utility_lower)" +
                   (points > 1 ? std::string(" at each point of the scenario axes")
                               : " = " + usd(opt_mean[0]));
    } else {
      if (std::find(families.begin(), families.end(), rq.baseline) == families.end())
        throw input_error(path, "--baseline", rq.baseline,
                          "not a family of the file (it has: " + join(families) + "; or opt)");
      const SweepFamilyTable base = read_sweep_family(path, rq.baseline, HeatmapMetric::utility);
      const int64_t base_local = static_cast<int64_t>(base.metric_source.size()) / points;
      for (int64_t p = 0; p < points; ++p) {
        int64_t best = -1;
        for (int64_t i = p * base_local; i < (p + 1) * base_local; ++i) {
          const double v = base.metric_source[static_cast<size_t>(i)];
          if (!std::isnan(v) && (best < 0 || v > base.metric_source[static_cast<size_t>(best)]))
            best = i;
        }
        if (best < 0)
          throw input_error(path, "--baseline", rq.baseline, "every member's mean utility is NaN");
        baseline[static_cast<size_t>(p)] = base.metric_source[static_cast<size_t>(best)];
        if (p == 0)
          h.baseline = describe(base, best) + " = " + usd(baseline[0]) + " (its best member)";
      }
      if (points > 1)
        h.baseline = rq.baseline +
                     "'s best member at each point of the scenario axes (first: " + h.baseline +
                     ")";
    }
    h.baseline_utility = baseline[0];
    for (int64_t m = 0; m < total; ++m) {
      const double b = baseline[static_cast<size_t>(m / local_size)];
      values[static_cast<size_t>(m)] =
          relative_improvement(values[static_cast<size_t>(m)], b, rq.baseline);
      for (int64_t s = 0; have_scenarios && s < S; ++s) {
        double& v = by_scenario[static_cast<size_t>(m * S + s)];
        v = 100.0 * (v - b) / std::fabs(b);
      }
    }
  }

  // Each member's standard error: across scenarios, from the per-scenario statistics when the
  // sweep kept them, else the sweep's utility_se (utility-based metrics only).
  std::vector<double> se(values.size(), kNaN);
  const bool utility_based = rq.metric == HeatmapMetric::utility ||
                             rq.metric == HeatmapMetric::regret ||
                             rq.metric == HeatmapMetric::improvement;
  if (have_scenarios) {
    for (int64_t m = 0; m < total; ++m)
      se[static_cast<size_t>(m)] = standard_error(&by_scenario[static_cast<size_t>(m * S)], S, 1);
    h.se_method = "standard error across the " + std::to_string(S) +
                  " scenarios' means (the sweep's per-scenario statistics)";
  } else if (utility_based && table.utility_se.size() == values.size()) {
    for (int64_t m = 0; m < total; ++m) {
      double v = table.utility_se[static_cast<size_t>(m)];
      if (rq.metric == HeatmapMetric::improvement)
        v *= 100.0 / std::fabs(baseline[static_cast<size_t>(m / local_size)]);
      se[static_cast<size_t>(m)] = v;
    }
    h.se_method = "standard error of the mean utility across scenarios (utility_se)";
  } else {
    h.se_method =
        "not available: rerun the sweep with --per-scenario for the standard error of this metric";
  }

  const bool higher = heatmap_higher_is_better(rq.metric);
  const int64_t facets = facet >= 0 ? sizes[static_cast<size_t>(facet)] : 1;
  const int64_t rows = sizes[static_cast<size_t>(y)], cols = sizes[static_cast<size_t>(x)];
  bool mean_se_bound = false;
  for (int64_t f = 0; f < facets; ++f) {
    std::vector<int64_t> at = fixed;
    if (facet >= 0) at[static_cast<size_t>(facet)] = f;
    HeatmapSlice slice = reduce_to_slice(values, sizes, x, y, at, rq.reduction, higher);
    std::vector<double> cell_se(slice.value.size(), kNaN);
    if (rq.reduction != HeatmapReduction::mean) {
      for (size_t c = 0; c < cell_se.size(); ++c)
        if (slice.local_member[c] >= 0) cell_se[c] = se[static_cast<size_t>(slice.local_member[c])];
    } else if (have_scenarios) {
      // The cell's mean per scenario, then the standard error across scenarios.
      std::vector<double> cell_by_scenario(cell_se.size() * static_cast<size_t>(S));
      std::vector<double> column(static_cast<size_t>(total));
      for (int64_t s = 0; s < S; ++s) {
        for (int64_t m = 0; m < total; ++m)
          column[static_cast<size_t>(m)] = by_scenario[static_cast<size_t>(m * S + s)];
        const HeatmapSlice part = reduce_to_slice(column, sizes, x, y, at, rq.reduction, higher);
        for (size_t c = 0; c < cell_se.size(); ++c)
          cell_by_scenario[c * static_cast<size_t>(S) + static_cast<size_t>(s)] = part.value[c];
      }
      for (size_t c = 0; c < cell_se.size(); ++c)
        cell_se[c] = standard_error(&cell_by_scenario[c * static_cast<size_t>(S)], S, 1);
    } else {
      // Without per-scenario data: the mean of the members' errors, which bounds the error of
      // their mean from above (their errors are positively correlated through the scenarios).
      cell_se = reduce_to_slice(se, sizes, x, y, at, rq.reduction, higher).value;
      mean_se_bound = true;
    }
    const std::vector<double> stability = heatmap_stability(slice.value, rows, cols, higher);
    h.value.insert(h.value.end(), slice.value.begin(), slice.value.end());
    h.se.insert(h.se.end(), cell_se.begin(), cell_se.end());
    h.stability.insert(h.stability.end(), stability.begin(), stability.end());
    for (int64_t local : slice.local_member)
      h.member.push_back(local < 0 ? -1 : table.first_member + local % local_size);
  }
  if (mean_se_bound && h.se_method.rfind("not available", 0) != 0)
    h.se_method += "; for a mean over members, the mean of their errors (an upper bound)";

  std::vector<std::string> reduced;
  for (size_t a = 0; a < k; ++a)
    if (static_cast<int>(a) != x && static_cast<int>(a) != y && static_cast<int>(a) != facet &&
        fixed[a] < 0 && sizes[a] > 1)
      reduced.push_back(table.axis_names[a]);
  std::string text;
  if (!reduced.empty())
    text = std::string(heatmap_reduction_name(rq.reduction)) + " over " + join(reduced);
  if (!fixed_text.empty()) text += (text.empty() ? "" : "; ") + join(fixed_text);
  h.reduction_text = text.empty() ? "none (no other axis varies)" : text;

  // Axis units: a pool axis's from the family table (slots of the sweep's tick), else the file's.
  const auto units_of = [&](int a) {
    const std::string from_table = axis_units(h.family, table.axis_names[a], h.tick_seconds);
    return static_cast<int32_t>(a) >= table.scenario_axes && !from_table.empty()
               ? from_table
               : table.axis_units[static_cast<size_t>(a)];
  };
  h.x_name = table.axis_names[static_cast<size_t>(x)];
  h.y_name = table.axis_names[static_cast<size_t>(y)];
  h.x_units = units_of(x);
  h.y_units = units_of(y);
  h.x_cf_units = table.axis_units[static_cast<size_t>(x)];
  h.y_cf_units = table.axis_units[static_cast<size_t>(y)];
  h.x_long_name = table.axis_long_names[static_cast<size_t>(x)];
  h.y_long_name = table.axis_long_names[static_cast<size_t>(y)];
  h.x_values = table.axis_values[static_cast<size_t>(x)];
  h.y_values = table.axis_values[static_cast<size_t>(y)];
  if (facet >= 0) {
    h.facet_name = table.axis_names[static_cast<size_t>(facet)];
    h.facet_units = units_of(facet);
    h.facet_cf_units = table.axis_units[static_cast<size_t>(facet)];
    h.facet_long_name = table.axis_long_names[static_cast<size_t>(facet)];
    h.facet_values = table.axis_values[static_cast<size_t>(facet)];
  }
  // The best cell, unless every finite cell holds the same value (then none is best).
  double lowest = kNaN, highest = kNaN;
  const int64_t per_facet = rows * cols;
  for (int64_t c = 0; c < facets * per_facet; ++c) {
    const double v = h.value[static_cast<size_t>(c)];
    if (std::isnan(v)) continue;
    lowest = std::isnan(lowest) ? v : std::min(lowest, v);
    highest = std::isnan(highest) ? v : std::max(highest, v);
    const int64_t best = (h.best_facet * rows + h.best_row) * cols + h.best_col;
    if (h.best_row < 0 || (higher ? v > h.value[static_cast<size_t>(best)]
                                  : v < h.value[static_cast<size_t>(best)])) {
      h.best_facet = c / per_facet;
      h.best_row = (c % per_facet) / cols;
      h.best_col = c % cols;
    }
  }
  if (!std::isnan(lowest) && lowest == highest) {
    h.all_equal = true;
    h.best_facet = h.best_row = h.best_col = -1;
  }
  return h;
}

void write_heatmap_h5(const Heatmap& h, const std::string& path, const std::string& config_toml) {
  OutputFile output(path, "--out");
  write_heatmap_h5(h, output, config_toml);
}

void write_heatmap_h5(const Heatmap& h, OutputFile& output, const std::string& config_toml) {
  using namespace h5;
  write_file_atomically(output, [&](hid_t file) {
    const char* metric = heatmap_metric_name(h.metric);
    // Absolute, so that a replay from another folder writes the same file.
    write_string_attr(file, "source",
                      std::filesystem::absolute(h.source).lexically_normal().string());
    write_string_attr(file, "family", h.family);
    write_string_attr(file, "metric", metric);
    write_string_attr(file, "metric_units", h.metric_units);
    write_string_attr(file, "better", heatmap_higher_is_better(h.metric) ? "higher" : "lower");
    write_string_attr(file, "reduction", h.reduction_text);
    write_string_attr(file, "baseline", h.baseline);
    write_scalar_attr<double>(file, "baseline_utility", H5T_NATIVE_DOUBLE, h.baseline_utility);
    write_scalar_attr<double>(file, "opt_bracket_width", H5T_NATIVE_DOUBLE, h.opt_bracket_width);
    write_scalar_attr<double>(file, "opt_bracket_relative", H5T_NATIVE_DOUBLE,
                              h.opt_bracket_relative);
    write_scalar_attr<double>(file, "tick_seconds", H5T_NATIVE_DOUBLE, h.tick_seconds);
    write_string_attr(file, "x_axis", h.x_name);
    write_string_attr(file, "y_axis", h.y_name);
    write_string_attr(file, "x_units", h.x_units);
    write_string_attr(file, "y_units", h.y_units);
    write_string_attr(file, "facet_axis", h.facet_name);
    write_scalar_attr<int64_t>(file, "best_facet", H5T_NATIVE_INT64, h.best_facet);
    write_scalar_attr<int64_t>(file, "best_row", H5T_NATIVE_INT64, h.best_row);
    write_scalar_attr<int64_t>(file, "best_col", H5T_NATIVE_INT64, h.best_col);
    write_scalar_attr<int32_t>(file, "all_equal", H5T_NATIVE_INT32, h.all_equal ? 1 : 0);
    write_string_attr(file, "se_method", h.se_method);
    write_string_attr(
        file, "stability",
        "largest worsening of the metric from the cell to any of its up to 8 neighbours, "
        "in the metric's units; 0 = no neighbour is worse");
    write_string_attr(file, "config", config_toml);
    write_string_attr(file, "argv", command_line());
    write_string_attr(file, "spotsweep_version", SPOTSWEEP_VERSION);
    const hsize_t rows = h.y_values.size(), cols = h.x_values.size();
    // CF units from the sweep file's scales; a file without them gets the label's.
    const auto cf_units = [](const std::string& cf, const std::string& label) {
      return !cf.empty() ? cf : label.rfind("slots", 0) == 0 ? std::string("slots") : label;
    };
    Handle ys = value_scale(file, h.y_name, h.y_values, cf_units(h.y_cf_units, h.y_units),
                            h.y_long_name.empty() ? h.y_name : h.y_long_name);
    Handle xs = value_scale(file, h.x_name, h.x_values, cf_units(h.x_cf_units, h.x_units),
                            h.x_long_name.empty() ? h.x_name : h.x_long_name);
    std::vector<hsize_t> dims = {rows, cols};
    std::vector<const Handle*> scales = {&ys, &xs};
    std::vector<std::string> labels = {h.y_name, h.x_name};
    std::unique_ptr<Handle> fs;
    if (!h.facet_name.empty()) {
      fs = std::make_unique<Handle>(
          value_scale(file, h.facet_name, h.facet_values, cf_units(h.facet_cf_units, h.facet_units),
                      h.facet_long_name.empty() ? h.facet_name : h.facet_long_name));
      dims.insert(dims.begin(), h.facet_values.size());
      scales.insert(scales.begin(), fs.get());
      labels.insert(labels.begin(), h.facet_name);
    }
    auto grid = [&](const std::string& name, hid_t type, const void* data, const std::string& units,
                    const std::string& long_name) {
      Handle ds(dataset(file, name, type, dims, data), H5Dclose, name);
      for (size_t d = 0; d < scales.size(); ++d)
        attach_scale(ds, *scales[d], static_cast<unsigned>(d), labels[d].c_str());
      write_cf(ds, units, long_name);
    };
    const std::string label = std::string(metric) + " (" + h.reduction_text + ")";
    grid(metric, H5T_NATIVE_DOUBLE, h.value.data(), h.metric_units, label);
    grid(std::string(metric) + "_se", H5T_NATIVE_DOUBLE, h.se.data(), h.metric_units,
         "standard error of " + std::string(metric) + ": " + h.se_method);
    grid("stability", H5T_NATIVE_DOUBLE, h.stability.data(), h.metric_units,
         "largest worsening one step away (along either axis or diagonally)");
    grid("member", H5T_NATIVE_INT64, h.member.data(), "1",
         "global index of the member behind the cell (-1 for a mean)");
  });
}

void write_heatmap_csv(const Heatmap& h, const std::string& path) {
  OutputFile output(path, "--out");
  write_heatmap_csv(h, output);
}

void write_heatmap_csv(const Heatmap& h, OutputFile& output) {
  AtomicTextFile file(output);
  std::ostream& out = file.stream();
  out.precision(17);
  const char* metric = heatmap_metric_name(h.metric);
  const bool faceted = !h.facet_name.empty();
  if (faceted) out << h.facet_name << ",";
  out << h.y_name << "," << h.x_name << "," << metric << "," << metric << "_se,stability,member\n";
  const size_t cols = h.x_values.size(), cells = h.cells();
  for (size_t f = 0; f < h.facet_values.size(); ++f)
    for (size_t r = 0; r < h.y_values.size(); ++r)
      for (size_t c = 0; c < cols; ++c) {
        const size_t i = f * cells + r * cols + c;
        if (faceted) out << number(h.facet_values[f]) << ",";
        out << number(h.y_values[r]) << "," << number(h.x_values[c]) << "," << h.value[i] << ","
            << h.se[i] << "," << h.stability[i] << "," << h.member[i] << "\n";
      }
  file.commit();
}

}  // namespace spotsweep

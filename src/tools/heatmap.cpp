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
#include <fstream>
#include <limits>
#include <stdexcept>

#include "spotsweep/config/pool.hpp"
#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/h5.hpp"
#include "spotsweep/detail/text.hpp"

namespace spotsweep {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using H5Handle = h5::OptionalHandle;

using h5::check;
using h5::path_exists;
using h5::QuietHdf5;

H5Handle open_sweep_file(const std::string& path) {
  check_input_file(path, "sweep file");  // a FIFO or device would block HDF5's open
  H5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok())
    throw input_error(path, "sweep file", "",
                      "cannot open it as HDF5 (is it a `spotsweep sweep` output?)");
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

double mean_of(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v)
    sum += x;
  return v.empty() ? kNaN : sum / static_cast<double>(v.size());
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
    table.axis_names.push_back(label);
    table.axis_values.push_back(std::move(values));
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
    if (a == x || a == y)
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

  // Per-member metric.
  std::vector<double> values = table.metric_source;
  if (rq.metric == HeatmapMetric::regret ||
      (rq.metric == HeatmapMetric::improvement && rq.baseline == "opt")) {
    QuietHdf5 quiet;
    H5Handle file = open_sweep_file(path);
    if (!path_exists(file, "opt/utility_lower"))
      throw input_error(
          path, "/opt/utility_lower", "",
          "missing (the sweep ran with --opt-buckets 0); regret and --baseline opt need OPT");
    const double opt_mean = mean_of(read_doubles(file, "opt/utility_lower", path));
    if (rq.metric == HeatmapMetric::regret) {
      for (double& v : values)
        v = opt_mean - v;
    } else {
      h.baseline_utility = opt_mean;
      h.baseline = "OPT (mean of /opt/utility_lower) = " + usd(opt_mean);
    }
  }
  if (rq.metric == HeatmapMetric::improvement) {
    if (rq.baseline.empty())
      throw input_error(path, "--baseline", "",
                        "improvement needs a baseline family (" + join(families) + ") or opt");
    if (rq.baseline != "opt") {
      if (std::find(families.begin(), families.end(), rq.baseline) == families.end())
        throw input_error(path, "--baseline", rq.baseline,
                          "not a family of the file (it has: " + join(families) + "; or opt)");
      const SweepFamilyTable base = read_sweep_family(path, rq.baseline, HeatmapMetric::utility);
      int64_t best = -1;
      for (size_t i = 0; i < base.metric_source.size(); ++i)
        if (!std::isnan(base.metric_source[i]) &&
            (best < 0 || base.metric_source[i] > base.metric_source[static_cast<size_t>(best)]))
          best = static_cast<int64_t>(i);
      if (best < 0)
        throw input_error(path, "--baseline", rq.baseline, "every member's mean utility is NaN");
      h.baseline_utility = base.metric_source[static_cast<size_t>(best)];
      h.baseline = describe(base, best) + " = " + usd(h.baseline_utility) + " (its best member)";
    }
    for (double& v : values)
      v = relative_improvement(v, h.baseline_utility, rq.baseline);
  }

  std::vector<int64_t> sizes;
  for (const auto& v : table.axis_values)
    sizes.push_back(static_cast<int64_t>(v.size()));
  const bool higher = heatmap_higher_is_better(rq.metric);
  HeatmapSlice slice = reduce_to_slice(values, sizes, x, y, fixed, rq.reduction, higher);

  std::vector<std::string> reduced;
  for (size_t a = 0; a < k; ++a)
    if (static_cast<int>(a) != x && static_cast<int>(a) != y && fixed[a] < 0 && sizes[a] > 1)
      reduced.push_back(table.axis_names[a]);
  std::string text;
  if (!reduced.empty())
    text = std::string(heatmap_reduction_name(rq.reduction)) + " over " + join(reduced);
  if (!fixed_text.empty()) text += (text.empty() ? "" : "; ") + join(fixed_text);
  h.reduction_text = text.empty() ? "none (no other axis varies)" : text;

  h.x_name = table.axis_names[static_cast<size_t>(x)];
  h.y_name = table.axis_names[static_cast<size_t>(y)];
  h.x_units = axis_units(h.family, h.x_name, h.tick_seconds);
  h.y_units = axis_units(h.family, h.y_name, h.tick_seconds);
  h.x_values = table.axis_values[static_cast<size_t>(x)];
  h.y_values = table.axis_values[static_cast<size_t>(y)];
  h.value = std::move(slice.value);
  h.member.resize(slice.local_member.size());
  for (size_t c = 0; c < h.member.size(); ++c)
    h.member[c] = slice.local_member[c] < 0 ? -1 : table.first_member + slice.local_member[c];
  const int64_t rows = static_cast<int64_t>(h.y_values.size()),
                cols = static_cast<int64_t>(h.x_values.size());
  h.stability = heatmap_stability(h.value, rows, cols, higher);
  for (int64_t c = 0; c < rows * cols; ++c) {
    const double v = h.value[static_cast<size_t>(c)];
    if (std::isnan(v)) continue;
    const int64_t best = h.best_row * cols + h.best_col;
    if (h.best_row < 0 || (higher ? v > h.value[static_cast<size_t>(best)]
                                  : v < h.value[static_cast<size_t>(best)])) {
      h.best_row = c / cols;
      h.best_col = c % cols;
    }
  }
  return h;
}

void write_heatmap_h5(const Heatmap& h, const std::string& path) {
  OutputFile output(path, "--out");
  write_heatmap_h5(h, output);
}

void write_heatmap_h5(const Heatmap& h, OutputFile& output) {
  using namespace h5;
  write_file_atomically(output, [&](hid_t file) {
    write_string_attr(file, "source", h.source);
    write_string_attr(file, "family", h.family);
    write_string_attr(file, "metric", heatmap_metric_name(h.metric));
    write_string_attr(file, "metric_units", h.metric_units);
    write_string_attr(file, "better", heatmap_higher_is_better(h.metric) ? "higher" : "lower");
    write_string_attr(file, "reduction", h.reduction_text);
    write_string_attr(file, "baseline", h.baseline);
    write_scalar_attr<double>(file, "baseline_utility", H5T_NATIVE_DOUBLE, h.baseline_utility);
    write_scalar_attr<double>(file, "tick_seconds", H5T_NATIVE_DOUBLE, h.tick_seconds);
    write_string_attr(file, "x_axis", h.x_name);
    write_string_attr(file, "y_axis", h.y_name);
    write_string_attr(file, "x_units", h.x_units);
    write_string_attr(file, "y_units", h.y_units);
    write_scalar_attr<int64_t>(file, "best_row", H5T_NATIVE_INT64, h.best_row);
    write_scalar_attr<int64_t>(file, "best_col", H5T_NATIVE_INT64, h.best_col);
    write_string_attr(
        file, "stability",
        "largest worsening of the metric from the cell to any of its up to 8 neighbours, "
        "in the metric's units; 0 = no neighbour is worse");
    const hsize_t rows = h.y_values.size(), cols = h.x_values.size();
    Handle ys(dataset(file, h.y_name, H5T_NATIVE_DOUBLE, {rows}, h.y_values.data()), H5Dclose,
              h.y_name);
    Handle xs(dataset(file, h.x_name, H5T_NATIVE_DOUBLE, {cols}, h.x_values.data()), H5Dclose,
              h.x_name);
    check(H5DSset_scale(ys, h.y_name.c_str()), "make " + h.y_name + " a dimension scale");
    check(H5DSset_scale(xs, h.x_name.c_str()), "make " + h.x_name + " a dimension scale");
    write_string_attr(ys, "units", h.y_units);
    write_string_attr(xs, "units", h.x_units);
    auto grid = [&](const char* name, hid_t type, const void* data) {
      Handle ds(dataset(file, name, type, {rows, cols}, data), H5Dclose, name);
      attach_scale(ds, ys, 0, h.y_name.c_str());
      attach_scale(ds, xs, 1, h.x_name.c_str());
    };
    grid("value", H5T_NATIVE_DOUBLE, h.value.data());
    grid("stability", H5T_NATIVE_DOUBLE, h.stability.data());
    grid("member", H5T_NATIVE_INT64, h.member.data());
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
  out << h.y_name << "," << h.x_name << "," << heatmap_metric_name(h.metric)
      << ",stability,member\n";
  const size_t cols = h.x_values.size();
  for (size_t r = 0; r < h.y_values.size(); ++r)
    for (size_t c = 0; c < cols; ++c) {
      const size_t i = r * cols + c;
      out << number(h.y_values[r]) << "," << number(h.x_values[c]) << "," << h.value[i] << ","
          << h.stability[i] << "," << h.member[i] << "\n";
    }
  file.commit();
}

}  // namespace spotsweep

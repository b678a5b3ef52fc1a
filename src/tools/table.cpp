// The best members of a sweep file, decoded: every family grid's statistics read with their axis
// scales, ranked, printed as text, CSV or JSON.
#include "spotsweep/tools/table.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "spotsweep/config/pool.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/h5.hpp"
#include "spotsweep/detail/text.hpp"
#include "spotsweep/tools/heatmap.hpp"

namespace spotsweep {

namespace {

const char* const kColumns[] = {"utility_mean",  "utility_se",      "cost_mean",     "miss_rate",
                                "finish_s_mean", "spot_share_mean", "reconfigs_mean"};

bool lower_is_better(const std::string& stat) {
  return stat.rfind("cost", 0) == 0 || stat.rfind("miss_rate", 0) == 0 ||
         stat.rfind("finish_s", 0) == 0 || stat.rfind("reconfigs", 0) == 0 ||
         stat.rfind("net_overrides", 0) == 0 || stat == "utility_se";
}

std::string label_of(hid_t ds, unsigned d) {
  const ssize_t len = H5DSget_label(ds, d, nullptr, 0);
  if (len <= 0) return "";
  std::string label(static_cast<size_t>(len) + 1, '\0');
  H5DSget_label(ds, d, label.data(), label.size());
  label.resize(static_cast<size_t>(len));
  return label;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s)
    out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

std::string json_number(double v) { return std::isfinite(v) ? format_number(v) : "null"; }

}  // namespace

Table make_table(const TableRequest& rq) {
  const std::string& path = rq.sweep_path;
  if (rq.top < 1) throw input_error("", "--top", std::to_string(rq.top), "must be >= 1");
  const std::vector<std::string> families = sweep_family_names(path);  // checks the file
  if (!rq.family.empty() &&
      std::find(families.begin(), families.end(), rq.family) == families.end())
    throw input_error(path, "--family", rq.family,
                      "not in the file (it has: " + join(families) + ")");
  Table table;
  table.by = rq.by;
  table.descending = !lower_is_better(rq.by);
  for (const char* c : kColumns)
    table.columns.push_back(c);
  if (std::find(table.columns.begin(), table.columns.end(), rq.by) == table.columns.end())
    table.columns.insert(table.columns.begin(), rq.by);
  const size_t by_column = static_cast<size_t>(
      std::find(table.columns.begin(), table.columns.end(), rq.by) - table.columns.begin());

  h5::QuietHdf5 quiet;
  h5::OptionalHandle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  const std::vector<std::string> scenario_axes = [&] {
    std::vector<std::string> names;
    const std::string text = h5::read_string_attr(file, "scenario_axes");
    size_t at = 0;
    while (!text.empty() && at <= text.size()) {
      const size_t comma = text.find(',', at);
      names.push_back(text.substr(at, comma - at));
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
    return names;
  }();
  std::vector<TableRow> rows;
  bool units_read = false;
  for (const std::string& family : families) {
    if (!rq.family.empty() && family != rq.family) continue;
    const std::string group_path = "families/" + family;
    h5::OptionalHandle group(H5Gopen2(file, group_path.c_str(), H5P_DEFAULT), H5Gclose);
    int64_t first_member = 0;
    if (H5Aexists(group, "first_member") > 0) {
      h5::OptionalHandle attr(H5Aopen(group, "first_member", H5P_DEFAULT), H5Aclose);
      H5Aread(attr, H5T_NATIVE_INT64, &first_member);
    }
    std::vector<std::vector<double>> stats;
    std::vector<hsize_t> shape;
    for (const std::string& c : table.columns) {
      if (!h5::path_exists(group, c)) {
        if (c == rq.by)
          throw input_error(path, "--by", rq.by,
                            "not a statistic of the file (e.g. utility_mean, cost_mean, "
                            "miss_rate)");
        stats.emplace_back();
        continue;
      }
      stats.push_back(h5::read_dataset<double>(group, c, H5T_NATIVE_DOUBLE, H5T_FLOAT, "float64",
                                               path, &shape));
      if (!units_read) {
        h5::OptionalHandle ds(H5Dopen2(group, c.c_str(), H5P_DEFAULT), H5Dclose);
        table.units.push_back(h5::read_string_attr(ds, "units"));
      }
    }
    units_read = true;
    h5::OptionalHandle ds(H5Dopen2(group, rq.by.c_str(), H5P_DEFAULT), H5Dclose);
    std::vector<std::string> names;
    std::vector<std::vector<double>> values;
    for (size_t d = 0; d < shape.size(); ++d) {
      names.push_back(label_of(ds, static_cast<unsigned>(d)));
      values.push_back(h5::read_dataset<double>(group, names.back(), H5T_NATIVE_DOUBLE, H5T_FLOAT,
                                                "float64", path));
    }
    size_t point_axes = 0;
    while (point_axes < names.size() && std::find(scenario_axes.begin(), scenario_axes.end(),
                                                  names[point_axes]) != scenario_axes.end())
      ++point_axes;
    int64_t local_size = 1;
    for (size_t d = point_axes; d < shape.size(); ++d)
      local_size *= static_cast<int64_t>(shape[d]);
    const int64_t total = static_cast<int64_t>(stats[by_column].size());
    std::vector<int64_t> digit(shape.size(), 0);
    for (int64_t i = 0; i < total; ++i) {
      TableRow row;
      row.grid = family;
      row.member = first_member + i % local_size;
      row.point = i / local_size;
      int64_t rest = i;
      for (size_t d = shape.size(); d-- > 0;) {
        digit[d] = rest % static_cast<int64_t>(shape[d]);
        rest /= static_cast<int64_t>(shape[d]);
      }
      for (size_t d = 0; d < shape.size(); ++d) {
        const double v = values[d][static_cast<size_t>(digit[d])];
        (d < point_axes ? row.at : row.parameters).emplace_back(names[d], v);
      }
      for (const std::vector<double>& column : stats)
        row.stats.push_back(column.empty() ? NAN : column[static_cast<size_t>(i)]);
      rows.push_back(std::move(row));
    }
  }
  table.members = static_cast<int64_t>(rows.size());
  const auto better = [&](const TableRow& a, const TableRow& b) {
    const double x = a.stats[by_column], y = b.stats[by_column];
    if (std::isnan(x) != std::isnan(y)) return std::isnan(y);
    if (x != y) return table.descending ? x > y : x < y;
    if (a.member != b.member) return a.member < b.member;  // ties: the lower index first
    return a.point < b.point;
  };
  const size_t keep = std::min<size_t>(rows.size(), static_cast<size_t>(rq.top));
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(keep), rows.end(),
                    better);
  rows.resize(keep);
  table.rows = std::move(rows);
  return table;
}

void print_table_text(const Table& t, std::ostream& out) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%4s %8s  ", "rank", "member");
  out << buf;
  for (const std::string& c : t.columns) {
    std::snprintf(buf, sizeof buf, "%15s ", c.c_str());
    out << buf;
  }
  out << " parameters\n";
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const TableRow& r = t.rows[i];
    std::snprintf(buf, sizeof buf, "%4zu %8lld  ", i + 1, static_cast<long long>(r.member));
    out << buf;
    for (double v : r.stats) {
      std::snprintf(buf, sizeof buf, "%15.6g ", v);
      out << buf;
    }
    std::string params;
    for (const auto& [name, value] : r.parameters)
      params += (params.empty() ? "" : ", ") + name + "=" + axis_value_text(r.grid, name, value);
    out << " " << r.grid << "(" << params << ")";
    for (size_t a = 0; a < r.at.size(); ++a)
      out << (a ? ", " : " at ") << r.at[a].first << "=" << format_number(r.at[a].second);
    out << "\n";
  }
  out << "best " << t.rows.size() << " of " << t.members << " by " << t.by << " ("
      << (t.descending ? "highest" : "lowest") << " first)\n";
}

void print_table_csv(const Table& t, std::ostream& out) {
  // One column per parameter or scenario axis that any row has.
  std::vector<std::string> at_names, parameter_names;
  for (const TableRow& r : t.rows) {
    for (const auto& [name, v] : r.at)
      if (std::find(at_names.begin(), at_names.end(), name) == at_names.end())
        at_names.push_back(name);
    for (const auto& [name, v] : r.parameters)
      if (std::find(parameter_names.begin(), parameter_names.end(), name) == parameter_names.end())
        parameter_names.push_back(name);
  }
  out << "rank,member,grid";
  for (const std::string& n : at_names)
    out << "," << n;
  for (const std::string& c : t.columns)
    out << "," << c;
  for (const std::string& n : parameter_names)
    out << "," << n;
  out << "\n";
  auto find = [](const std::vector<std::pair<std::string, double>>& kv, const std::string& n) {
    for (const auto& [name, v] : kv)
      if (name == n) return format_number(v);
    return std::string();
  };
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const TableRow& r = t.rows[i];
    out << i + 1 << "," << r.member << "," << r.grid;
    for (const std::string& n : at_names)
      out << "," << find(r.at, n);
    for (double v : r.stats)
      out << "," << (std::isnan(v) ? std::string() : format_number(v));
    for (const std::string& n : parameter_names)
      out << "," << find(r.parameters, n);
    out << "\n";
  }
}

void print_table_json(const Table& t, std::ostream& out) {
  out << "{\"by\": " << json_string(t.by)
      << ", \"order\": " << json_string(t.descending ? "highest first" : "lowest first")
      << ", \"ranked\": " << t.members << ", \"units\": {";
  for (size_t c = 0; c < t.columns.size(); ++c)
    out << (c ? ", " : "") << json_string(t.columns[c]) << ": "
        << json_string(c < t.units.size() ? t.units[c] : "");
  out << "},\n \"rows\": [";
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const TableRow& r = t.rows[i];
    out << (i ? ",\n  " : "\n  ") << "{\"rank\": " << i + 1 << ", \"member\": " << r.member
        << ", \"grid\": " << json_string(r.grid) << ", \"parameters\": {";
    for (size_t p = 0; p < r.parameters.size(); ++p)
      out << (p ? ", " : "") << json_string(r.parameters[p].first) << ": "
          << json_number(r.parameters[p].second);
    out << "}, \"at\": {";
    for (size_t p = 0; p < r.at.size(); ++p)
      out << (p ? ", " : "") << json_string(r.at[p].first) << ": " << json_number(r.at[p].second);
    out << "}";
    for (size_t c = 0; c < t.columns.size(); ++c)
      out << ", " << json_string(t.columns[c]) << ": " << json_number(r.stats[c]);
    out << "}";
  }
  out << "\n]}\n";
}

}  // namespace spotsweep

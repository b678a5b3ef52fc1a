// Pool grids: the family axis tables, the grid grammar, and mixed-radix member indexing.
#include "spotsweep/config/pool.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <sstream>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/text.hpp"
#include "spotsweep/engine/chc_tables.hpp"

namespace spotsweep {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string num(double v) { return format_number(v); }

// "[start:stop:step]" or "[start:stop:pow2]" (the text of a string value, brackets removed),
// inclusive of stop when the grid lands on it.
std::vector<double> parse_range(const TomlDocument& doc, const std::string& field,
                                const TomlValue& v, const std::string& body) {
  std::vector<std::string> parts;
  std::istringstream in(body);
  std::string part;
  while (std::getline(in, part, ':'))
    parts.push_back(trim(part));
  if (parts.size() != 3)
    throw input_error(where(doc, v), field, v.text,
                      "a range is [start:stop:step] or [start:stop:pow2]");
  // Every bound finite, and the grid counted before it is enumerated.
  const auto finite = [&](const std::string& part) {
    const double x = toml_number_in_string(doc, field, v, part);
    if (!std::isfinite(x))
      throw input_error(where(doc, v), field, v.text, "'" + part + "' is not a finite number");
    return x;
  };
  const double start = finite(parts[0]);
  const double stop = finite(parts[1]);
  const std::string too_many =
      "more than " + std::to_string(kMaxAxisValues) + " values on one axis";
  std::vector<double> values;
  if (parts[2] == "pow2") {
    if (!(start > 0))
      throw input_error(where(doc, v), field, v.text, "a pow2 range needs start > 0");
    // Finite bounds: at most about 2100 doublings reach any stop.
    for (double x = start; x <= stop; x *= 2) {
      if (static_cast<int64_t>(values.size()) == kMaxAxisValues)
        throw input_error(where(doc, v), field, v.text, too_many);
      values.push_back(x);
    }
    return values;
  }
  const double step = finite(parts[2]);
  if (!(step > 0)) throw input_error(where(doc, v), field, v.text, "the step must be positive");
  const double count = std::floor((stop - start) / step * (1 + 1e-12) + 1e-9) + 1;
  if (!(count <= static_cast<double>(kMaxAxisValues)))
    throw input_error(where(doc, v), field, v.text, too_many);
  // Rounded to 12 significant digits so 0.05-steps read back as 0.85, not 0.8500000000000001.
  for (int64_t i = 0; i < static_cast<int64_t>(count); ++i) {
    char text[32];
    std::snprintf(text, sizeof text, "%.12g", start + i * step);
    values.push_back(std::strtod(text, nullptr));
    // A step below what 12 digits resolve at this size would give the same member again.
    if (values.size() > 1 && values.back() == values[values.size() - 2])
      throw input_error(where(doc, v), field, v.text,
                        "the step " + parts[2] + " repeats the value " + num(values.back()) +
                            ": it is below the 12 significant digits a range keeps");
  }
  return values;
}

bool is_bracketed_range(const std::string& s) {
  return s.size() >= 2 && s.front() == '[' && s.back() == ']' && s.find(':') != std::string::npos;
}

}  // namespace

const std::vector<FamilyInfo>& family_table() {
  static const std::vector<FamilyInfo> table = [] {
    std::vector<FamilyInfo> families;
    for_each_family([&](auto traits) {
      using Traits = decltype(traits);
      families.push_back(
          FamilyInfo{family_id<Traits>, Traits::name, Traits::meaning,
                     std::vector<AxisSpec>(std::begin(Traits::axes), std::end(Traits::axes)),
                     Traits::orders, Traits::bench});
    });
    return families;
  }();
  return table;
}

const FamilyInfo& family_info(FamilyId id) {
  const auto& table = family_table();
  const auto index = static_cast<size_t>(id);
  if (index >= table.size())
    throw LogicError("family_info: unknown family id " + std::to_string(index));
  return table[index];
}

const FamilyInfo* find_family(const std::string& name) {
  std::string wanted = name;
  std::replace(wanted.begin(), wanted.end(), '-', '_');
  for (const FamilyInfo& f : family_table())
    if (wanted == f.name) return &f;
  return nullptr;
}

std::string family_names() {
  std::string known;
  for (const FamilyInfo& f : family_table())
    known += (known.empty() ? "" : ", ") + std::string(f.name);
  return known;
}

int32_t axis_index(const FamilyInfo& family, const std::string& name) {
  for (size_t i = 0; i < family.axes.size(); ++i)
    if (name == family.axes[i].name) return static_cast<int32_t>(i);
  return -1;
}

void check_axis_value(const AxisSpec& axis, double v, const std::string& where,
                      const std::string& field) {
  const bool low_ok = axis.min_inclusive ? v >= axis.min_value : v > axis.min_value;
  if (!low_ok || !(v <= axis.max_value) || !std::isfinite(v)) {
    const std::string range = std::string(axis.min_inclusive ? "[" : "(") + num(axis.min_value) +
                              ", " +
                              (std::isinf(axis.max_value) ? "inf)" : num(axis.max_value) + "]");
    throw input_error(where, field, num(v), "out of range " + range);
  }
  if (axis.integer && v != std::floor(v))
    throw input_error(where, field, num(v), "must be an integer");
}

std::vector<double> FamilyGrid::flat_values() const {
  std::vector<double> flat;
  for (const auto& a : axes)
    flat.insert(flat.end(), a.values.begin(), a.values.end());
  return flat;
}

FamilyGridView FamilyGrid::view(const double* values) const {
  SPOTSWEEP_EXPECTS(axes.size() <= static_cast<size_t>(kMaxAxes), "too many axes");
  FamilyGridView v;
  v.family = family;
  v.n_axes = static_cast<int32_t>(axes.size());
  int32_t offset = 0;
  for (size_t i = 0; i < axes.size(); ++i) {
    v.axis_size[i] = static_cast<int32_t>(axes[i].values.size());
    v.axis_offset[i] = offset;
    offset += v.axis_size[i];
  }
  v.values = values;
  return v;
}

MemberRef Pool::locate(int64_t member) const {
  SPOTSWEEP_EXPECTS(member >= 0 && member < size, "member index out of the pool");
  MemberRef ref;
  for (size_t f = 0; f < families.size(); ++f) {
    if (member < families[f].first_member + families[f].size) {
      ref.family_index = static_cast<int32_t>(f);
      ref.local = member - families[f].first_member;
      return ref;
    }
  }
  throw LogicError("Pool::locate: inconsistent family sizes");
}

std::vector<int32_t> Pool::digits(int64_t member) const {
  const MemberRef ref = locate(member);
  const FamilyGrid& grid = families[ref.family_index];
  std::vector<int32_t> out(grid.axes.size());
  int64_t local = ref.local;
  for (size_t i = grid.axes.size(); i-- > 0;) {
    const int64_t n = static_cast<int64_t>(grid.axes[i].values.size());
    out[i] = static_cast<int32_t>(local % n);
    local /= n;
  }
  return out;
}

std::vector<double> Pool::parameters(int64_t member) const {
  const MemberRef ref = locate(member);
  const FamilyGrid& grid = families[ref.family_index];
  const std::vector<double> flat = grid.flat_values();
  std::vector<double> params(grid.axes.size());
  decode_member(grid.view(flat.data()), ref.local, params.data());
  return params;
}

int64_t Pool::encode(int32_t family_index, const std::vector<int32_t>& digit) const {
  const FamilyGrid& grid = families.at(family_index);
  SPOTSWEEP_EXPECTS(digit.size() == grid.axes.size(), "one digit per axis");
  int64_t local = 0;
  for (size_t i = 0; i < grid.axes.size(); ++i) {
    const int64_t n = static_cast<int64_t>(grid.axes[i].values.size());
    SPOTSWEEP_EXPECTS(digit[i] >= 0 && digit[i] < n, "digit out of its axis");
    local = local * n + digit[i];
  }
  return grid.first_member + local;
}

std::string Pool::describe_member(int64_t member) const {
  const MemberRef ref = locate(member);
  const FamilyGrid& grid = families[ref.family_index];
  const std::vector<double> params = parameters(member);
  std::string s = grid.name + "(";
  for (size_t i = 0; i < params.size(); ++i)
    s += (i ? ", " : "") + grid.axes[i].name + "=" + num(params[i]);
  return s + ")";
}

std::string Pool::describe_member_text(int64_t member) const {
  const MemberRef ref = locate(member);
  const FamilyGrid& grid = families[ref.family_index];
  const FamilyInfo& info = family_info(grid.family);
  const std::vector<double> params = parameters(member);
  std::string s = grid.name + "(";
  for (size_t i = 0; i < params.size(); ++i)
    s += (i ? ", " : "") + grid.axes[i].name + "=" + axis_value_text(info.axes[i], params[i]);
  return s + ")";
}

std::vector<double> parse_axis_values(const TomlDocument& doc, const std::string& field,
                                      const TomlValue& value) {
  if (value.is_string()) {
    const std::string& text = value.string;
    if (!is_bracketed_range(text))
      throw input_error(where(doc, value), field, value.text,
                        "a string axis is a range \"[start:stop:step]\" or \"[start:stop:pow2]\"");
    return parse_range(doc, field, value, text.substr(1, text.size() - 2));
  }
  if (value.is_array()) {
    std::vector<double> values;
    for (const TomlValue& item : value.items)
      values.push_back(toml_number(doc, field, item));
    return values;
  }
  return {toml_number(doc, field, value)};
}

void check_axis_orders(const FamilyInfo& info, const FamilyGrid& grid, const std::string& where) {
  for (int32_t i = 0; i < info.orders.count; ++i) {
    const AxisGrid& lo = grid.axes.at(info.orders.items[i].smaller);
    const AxisGrid& hi = grid.axes.at(info.orders.items[i].larger);
    double lo_max = -kInf, hi_min = kInf;
    for (double v : lo.values)
      lo_max = std::max(lo_max, v);
    for (double v : hi.values)
      hi_min = std::min(hi_min, v);
    if (lo_max > hi_min)
      throw input_error(where, grid.name + "." + lo.name, num(lo_max),
                        "exceeds " + hi.name + " = " + num(hi_min) + "; every member needs " +
                            lo.name + " <= " + hi.name);
  }
}

namespace {

// "a,b,c" as {a, b, c}.
std::vector<std::string> split_names(const std::string& names) {
  std::vector<std::string> out;
  for (size_t begin = 0, end = 0; end != std::string::npos; begin = end + 1) {
    end = names.find(',', begin);
    out.push_back(names.substr(begin, end == std::string::npos ? end : end - begin));
  }
  return out;
}

}  // namespace

int32_t axis_value_code(const AxisSpec& axis, const std::string& name) {
  if (!axis.value_names) return -1;
  const std::vector<std::string> names = split_names(axis.value_names);
  const auto found = std::find(names.begin(), names.end(), name);
  return found == names.end() ? -1 : static_cast<int32_t>(found - names.begin());
}

std::string axis_value_text(const AxisSpec& axis, double value) {
  if (!axis.value_names) return num(value);
  const std::vector<std::string> names = split_names(axis.value_names);
  if (!(value >= 0.0) || value != std::floor(value) || value >= static_cast<double>(names.size()))
    return num(value);
  return names[static_cast<size_t>(value)];
}

std::string axis_value_text(const std::string& grid_name, const std::string& axis, double value) {
  const FamilyInfo* family = find_family(grid_name.substr(0, grid_name.find('.')));
  if (!family) return num(value);
  const int32_t a = axis_index(*family, axis);
  return a < 0 ? num(value) : axis_value_text(family->axes[static_cast<size_t>(a)], value);
}

void check_learned_members(const FamilyGrid& grid, const std::string& where) {
  if (grid.family != family_id<ChcFamily>) return;
  const std::vector<double>& predictor = grid.axes[ChcFamily::predictor].values;
  const std::vector<double>& eps = grid.axes[ChcFamily::eps].values;
  const auto learned =
      std::find_if(predictor.begin(), predictor.end(), [](double p) { return p != 0.0; });
  const auto noisy = std::find_if(eps.begin(), eps.end(), [](double e) { return e != 0.0; });
  if (learned == predictor.end() || noisy == eps.end()) return;
  throw input_error(where, grid.name + ".eps", num(*noisy),
                    "the noisy oracle's level, which a member with predictor = " + num(*learned) +
                        " (a learned predictor) does not use; give the oracle's eps grid and "
                        "the learned predictors separate sub-pools (docs/pool.md, \"Sub-pools\")");
}

namespace {

// One axis's values: parse_axis_values, and on a named axis (AxisSpec::value_names) the names
// of its codes too, alone or in a list (predictor = "ar", predictor = ["oracle", "last"]).
std::vector<double> pool_axis_values(const TomlDocument& doc, const std::string& field,
                                     const TomlValue& value, const AxisSpec& axis) {
  if (!axis.value_names) return parse_axis_values(doc, field, value);
  const auto one = [&](const TomlValue& v) -> double {
    if (!v.is_string()) return toml_number(doc, field, v);
    const int32_t code = axis_value_code(axis, v.string);
    if (code < 0)
      throw input_error(where(doc, v), field, v.text,
                        "expected one of " + join(split_names(axis.value_names)) +
                            " or its code (0 to " +
                            std::to_string(split_names(axis.value_names).size() - 1) + ")");
    return code;
  };
  if (value.is_array()) {
    std::vector<double> values;
    for (const TomlValue& item : value.items)
      values.push_back(one(item));
    return values;
  }
  if (value.is_string() && axis_value_code(axis, value.string) < 0)
    return parse_axis_values(doc, field, value);  // a range of codes
  return {one(value)};
}

// The grid of one [pool.<family>] or [pool.<family>.<name>] section: the family's defaults,
// then the parent table's axes (for a named sub-pool), then the section's own.
FamilyGrid parse_grid(const TomlDocument& doc, const FamilyInfo& info, const std::string& grid_name,
                      const std::vector<const TomlSection*>& tables) {
  FamilyGrid grid;
  grid.family = info.id;
  grid.name = grid_name;
  for (const AxisSpec& a : info.axes)
    grid.axes.push_back(AxisGrid{a.name, {a.default_value}});
  for (const TomlSection* table : tables) {
    for (const TomlEntry& e : table->entries) {
      const int32_t axis = axis_index(info, e.key);
      if (axis < 0) {
        std::string known;
        for (const auto& a : info.axes)
          known += (known.empty() ? "" : ", ") + std::string(a.name);
        throw input_error(where(doc, e), grid_name + "." + e.key, e.value.text,
                          "unknown axis (" + std::string(info.name) + " has: " + known + ")");
      }
      const AxisSpec& a = info.axes[axis];
      const std::string field = grid_name + "." + e.key;  // errors name the axis grid.axis
      std::vector<double> values = pool_axis_values(doc, field, e.value, a);
      if (values.empty()) throw input_error(where(doc, e), field, e.value.text, "empty axis");
      if (static_cast<int64_t>(values.size()) > kMaxAxisValues)
        throw input_error(where(doc, e), field, e.value.text,
                          "more than " + std::to_string(kMaxAxisValues) + " values on one axis");
      for (double v : values)
        check_axis_value(a, v, where(doc, e), field);
      grid.axes[axis].values = std::move(values);
    }
  }
  return grid;
}

}  // namespace

Pool parse_pool(const TomlDocument& doc) {
  Pool pool;
  const std::string prefix = "pool.";
  // A family with named sub-pools ([pool.chc.short], [pool.chc.long]) is those grids: its own
  // table, if any, only gives them shared axes (docs/pool.md, "Sub-pools").
  const auto has_sub_pools = [&](const std::string& family) {
    for (const TomlSection& section : doc.sections)
      if (section.name.compare(0, prefix.size() + family.size() + 1, prefix + family + ".") == 0)
        return true;
    return false;
  };
  for (const TomlSection& section : doc.sections) {
    if (section.name == "pool")
      throw input_error(doc.file + ":" + std::to_string(section.line), "section", "[pool]",
                        "families go in [pool.<family>] sections");
    if (section.name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string grid_name = section.name.substr(prefix.size());
    const std::string family_name = grid_name.substr(0, grid_name.find('.'));
    const bool sub_pool = grid_name.size() > family_name.size();
    const std::string section_where = doc.file + ":" + std::to_string(section.line);
    if (sub_pool && grid_name.find('.', family_name.size() + 1) != std::string::npos)
      throw input_error(
          section_where, "section", "[" + section.name + "]",
          "sub-pools are [pool.<family>.<name>]; tables below them are not supported");
    const FamilyInfo* info = find_family(family_name);
    if (!info || family_name != info->name)
      throw input_error(section_where, "family", family_name,
                        "unknown family (known: " + family_names() + ")");
    if (!sub_pool && has_sub_pools(family_name)) continue;  // shared axes of the sub-pools
    std::vector<const TomlSection*> tables;
    if (sub_pool)
      if (const TomlSection* parent = doc.find(prefix + family_name)) tables.push_back(parent);
    tables.push_back(&section);
    FamilyGrid grid = parse_grid(doc, *info, grid_name, tables);
    check_axis_orders(*info, grid, section_where);
    check_learned_members(grid, section_where);
    int64_t size = 1;
    for (const auto& g : grid.axes) {
      const int64_t n = static_cast<int64_t>(g.values.size());
      if (size > kMaxPoolMembers / n)
        throw input_error(section_where, "pool." + grid_name, "more than 2^40 members",
                          "pool too large to index");
      size *= n;
    }
    grid.size = size;
    grid.first_member = pool.size;
    if (pool.size > kMaxPoolMembers - size)
      throw input_error(section_where, "pool", "more than 2^40 members", "pool too large to index");
    pool.size += size;
    pool.families.push_back(std::move(grid));
  }
  if (pool.families.empty()) throw input_error(doc.file, "pool", "", "no [pool.<family>] section");
  return pool;
}

Pool load_pool(const std::string& path) { return parse_pool(read_toml_file(path)); }

PlanningKeys planning_keys(const Pool& pool) {
  PlanningKeys total;
  for (const FamilyGrid& g : pool.families) {
    if (g.family != family_id<ChcFamily>) continue;
    const std::vector<double> values = g.flat_values();
    const ChcKeyLayout layout = chc_key_layout(g.view(values.data()));
    // lagrange_iters keys plans, so each of its values has an equal share of the keys.
    const std::vector<double>& planners = g.axes[ChcFamily::lagrange_iters].values;
    const int64_t exact_share = std::count(planners.begin(), planners.end(), 0.0);
    const int64_t exact_keys = layout.keys / static_cast<int64_t>(planners.size()) * exact_share;
    total.keys += exact_keys;
    total.shared_members += exact_keys * layout.members_per_key;
    total.alone_members += g.size - exact_keys * layout.members_per_key;
  }
  return total;
}

std::string describe_pool(const Pool& pool) {
  std::ostringstream s;
  s << "pool: " << pool.size << " members in " << pool.families.size() << " famil"
    << (pool.families.size() == 1 ? "y" : "ies") << " (member = global index; last axis fastest)\n";
  for (const FamilyGrid& g : pool.families) {
    s << "  " << g.name << ": " << g.size << " members, indices [" << g.first_member << ", "
      << g.first_member + g.size << ")\n";
    for (const AxisGrid& a : g.axes) {
      s << "    " << a.name << " (" << a.values.size() << "): ";
      const AxisSpec& spec = family_info(g.family).axes[static_cast<size_t>(&a - g.axes.data())];
      const size_t n = a.values.size();
      for (size_t i = 0; i < n; ++i) {
        if (n > 12 && i == 5) {
          s << "..., ";
          i = n - 5;
        }
        s << axis_value_text(spec, a.values[i]) << (i + 1 < n ? ", " : "");
      }
      s << "\n";
    }
  }
  const PlanningKeys keys = planning_keys(pool);
  if (keys.shared_members + keys.alone_members > 0)
    s << "CHC planning keys per (job, slot): " << keys.keys << ", shared by " << keys.shared_members
      << " exact-planner members; " << keys.alone_members << " Lagrangian members plan alone\n";
  return s.str();
}

std::string pool_to_toml(const Pool& pool) {
  std::ostringstream s;
  for (const FamilyGrid& g : pool.families) {
    s << "[pool." << g.name << "]\n";
    for (const AxisGrid& a : g.axes) {
      s << a.name << " = [";
      for (size_t i = 0; i < a.values.size(); ++i)
        s << (i ? ", " : "") << num(a.values[i]);
      s << "]\n";
    }
    s << "\n";
  }
  return s.str();
}

}  // namespace spotsweep

#pragma once
// The policy pool (docs/model.md §4.5): the concatenation of each family's Cartesian grid.
// A member is its global index; families follow in file order, and inside a family the
// mixed-radix digits run with the last axis fastest (pool_families.hpp). Host-only owner.
#include <cstdint>
#include <string>
#include <vector>

#include "spotsweep/config/toml.hpp"
#include "spotsweep/engine/families.hpp"

namespace spotsweep {

// The most members a pool may have: global indices stay far from int64 overflow and every
// per-member count fits a double exactly.
constexpr int64_t kMaxPoolMembers = int64_t(1) << 40;
// The most values one axis may have.
constexpr int64_t kMaxAxisValues = int64_t(1) << 20;

// A family as host code reads it: its traits' name and axis table (engine/families.hpp), for
// the pool parser, `simulate`'s options, heatmap units and `bench`.
struct FamilyInfo {
  FamilyId id;
  const char* name;  // the section is [pool.<name>]
  const char* meaning;
  std::vector<AxisSpec> axes;  // in params[] order
  AxisOrders orders;
  BenchSpread bench;
};

// Every family of the list, in FamilyId order.
const std::vector<FamilyInfo>& family_table();
const FamilyInfo& family_info(FamilyId id);
// The family called `name` ('-' read as '_', so "uniform-progress" works), or nullptr.
const FamilyInfo* find_family(const std::string& name);
// "on_demand, greedy, ...": the known names, for messages.
std::string family_names();
// The index of axis `name` in the family's table, or -1.
int32_t axis_index(const FamilyInfo& family, const std::string& name);
// The range and integrality rules of the pool table: one-line error naming where/field/value.
// `simulate` applies the same rules, so every member a sweep accepts can be re-run alone.
void check_axis_value(const AxisSpec& axis, double v, const std::string& where,
                      const std::string& field);

struct AxisGrid {
  std::string name;
  std::vector<double> values;
};

// One grid of the pool: a family's [pool.<family>] table, or one of its named sub-pools
// [pool.<family>.<name>] (docs/pool.md, "Sub-pools").
struct FamilyGrid {
  FamilyId family = FamilyId{0};
  std::string name;            // "chc", or "chc.short" for a sub-pool
  std::vector<AxisGrid> axes;  // all of the family's axes, in table order
  int64_t size = 0;            // product of the axis sizes
  int64_t first_member = 0;    // global index of its local member 0

  std::vector<double> flat_values() const;  // axis values back to back, for a view
  // A view whose values pointer is `values` (host or device copy of flat_values()).
  FamilyGridView view(const double* values) const;
};

struct MemberRef {
  int32_t family_index = 0;  // into Pool::families
  int64_t local = 0;
};

struct Pool {
  std::vector<FamilyGrid> families;
  int64_t size = 0;

  MemberRef locate(int64_t member) const;
  std::vector<double> parameters(int64_t member) const;
  std::vector<int32_t> digits(int64_t member) const;  // one per axis of its family
  int64_t encode(int32_t family_index, const std::vector<int32_t>& digits) const;
  // e.g. "pf(theta=0.5, kappa=0.9, rho=1.5, hysteresis=0.02)"; every value a number, as the
  // output files store it (select's top_parameters, a sweep's best members).
  std::string describe_member(int64_t member) const;
  // describe_member for people: a named axis's value by its name (axis_value_text), e.g.
  // "chc(..., predictor=ar)"; what commands print, never what files store.
  std::string describe_member_text(int64_t member) const;
};

// Builds the pool from a document's [pool.<family>] sections; one-line InputError on an
// unknown family or axis, an empty axis, a value out of range, or a pool too large to index.
Pool parse_pool(const TomlDocument& doc);
Pool load_pool(const std::string& path);
// Checks the family's axis orders (e.g. v <= w) for every member of grid: the
// largest `smaller` value must not exceed the smallest `larger` one.
void check_axis_orders(const FamilyInfo& info, const FamilyGrid& grid, const std::string& where);

// The code of `name` on a named axis (AxisSpec::value_names), or -1.
int32_t axis_value_code(const AxisSpec& axis, const std::string& name);
// A value of `axis` as people read it: on a named axis the name of its code ("ar" for CHC's
// predictor 4), otherwise (or for a value that is no code) the number, as format_number writes it.
std::string axis_value_text(const AxisSpec& axis, double value);
// axis_value_text for axis `axis` of the family of grid `grid_name` ("chc", or a sub-pool
// "chc.short"): the number when the family or axis is unknown.
std::string axis_value_text(const std::string& grid_name, const std::string& axis, double value);
// Refuses a CHC grid whose members would plan on a learned predictor (predictor != 0) beside an
// oracle noise level eps != 0, which they would not use (docs/pool.md, "Sub-pools"): a one-line
// InputError naming where, the grid's eps and its value.
void check_learned_members(const FamilyGrid& grid, const std::string& where);

// Parses one axis value: a number, a list [a, b, c], or a range string "[start:stop:step]" or
// "[start:stop:pow2]"; errors name `field`. Checks count only; ranges are checked by parse_pool.
std::vector<double> parse_axis_values(const TomlDocument& doc, const std::string& field,
                                      const TomlValue& value);

// What a pool's CHC members plan per (job, slot) (docs/chc.md, "Plan tables"): the distinct
// planning keys of the exact planner, whose members share each key's plan, and the members of
// the Lagrangian planner, which plan alone.
struct PlanningKeys {
  int64_t keys = 0;
  int64_t shared_members = 0;
  int64_t alone_members = 0;
};
PlanningKeys planning_keys(const Pool& pool);

// What `spotsweep pool info` prints: the size, each family's axes and member range.
std::string describe_pool(const Pool& pool);
// The resolved grid as TOML: every axis of every family written as an explicit list.
std::string pool_to_toml(const Pool& pool);

}  // namespace spotsweep

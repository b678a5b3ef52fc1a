#pragma once
// What every pool family has in common (docs/architecture.md, "Adding a family"): the axis
// table a family declares, the grid view a kernel decodes a member from, and what a member's
// policy may read besides its parameters. Device-safe: the axis tables are constexpr data that
// only host code reads; kernels read FamilyGridView and MemberContext.
#include <cstddef>
#include <cstdint>
#include <limits>

#include "spotsweep/model/forecast.hpp"
#include "spotsweep/model/job.hpp"
#include "spotsweep/model/macros.hpp"
#include "spotsweep/model/market.hpp"

namespace spotsweep {

constexpr int kMaxAxes = 10;  // CHC has 10 axes (engine/families/chc.hpp)

// Which family of the list in families.hpp: its position there. Opaque, so that code names a
// family by its traits (family_id<PfFamily>) and adding one touches no enumeration.
enum class FamilyId : int32_t {};

// One axis of a family's grid: its name in pool files and on the command line (with '-' for
// '_'), what it means, the units figures label it with, its default and allowed range.
struct AxisSpec {
  const char* name;
  const char* meaning;
  const char* units;
  double default_value;
  double min_value;
  bool min_inclusive;
  double max_value;  // inclusive; kUnbounded for none
  bool integer;
  // "a,b,c": names that pool files may give for the codes 0, 1, 2 (CHC's predictor); nullptr
  // when the axis takes numbers only.
  const char* value_names = nullptr;
};

constexpr double kUnbounded = std::numeric_limits<double>::infinity();

// Axes whose values must satisfy smaller ≤ larger for every member (CHC: v ≤ w).
struct AxisOrder {
  int32_t smaller;
  int32_t larger;
};
struct AxisOrders {
  int32_t count = 0;
  AxisOrder items[2] = {};
};

// How `spotsweep bench` spreads a family's members over one axis: member i of M takes
// low + width·i/M, or cycles GPU counts 0..N_max (cycle_gpu_counts).
struct BenchSpread {
  int32_t axis;
  double low;
  double width;
  bool cycle_gpu_counts;
};

// One family's grid, non-owning: axis i has axis_size[i] values at values[axis_offset[i]...].
struct FamilyGridView {
  FamilyId family = FamilyId{0};
  int32_t n_axes = 0;
  int32_t axis_size[kMaxAxes] = {};
  int32_t axis_offset[kMaxAxes] = {};
  const double* values = nullptr;
};

// Parameter values of the family's local member `local`; the last axis varies fastest.
SPOTSWEEP_HD_INLINE void decode_member(const FamilyGridView& grid, int64_t local, double* params) {
  for (int32_t i = grid.n_axes - 1; i >= 0; --i) {
    const int64_t digit = local % grid.axis_size[i];
    local /= grid.axis_size[i];
    params[i] = grid.values[grid.axis_offset[i] + digit];
  }
}

// decode_member for a grid of kAxes axes, a number known at compile time: the loop unrolls, so
// that a kernel keeps the parameters in registers rather than in a local-memory array.
template <int32_t kAxes>
SPOTSWEEP_HD_INLINE void decode_member_axes(const FamilyGridView& grid, int64_t local,
                                            double* params) {
  for (int32_t i = kAxes - 1; i >= 0; --i) {
    const int64_t digit = local % grid.axis_size[i];
    local /= grid.axis_size[i];
    params[i] = grid.values[grid.axis_offset[i] + digit];
  }
}

// What a pool member's policy may need besides its parameters, per (scenario, round): the
// scenario's market and identity (forecasts are keyed by them) and working memory.
struct MemberContext {
  MarketView market;
  // What forecasters read: the market itself, unless the workload poisons forecasts with
  // another trace (forecast_trace, docs/select.md).
  MarketView forecast_market;
  // The learned predictors' forecasts for this scenario (docs/predict.md, "In pools"):
  // learned_tables[m] is LearnedModel m's table, empty (price null) for a model no member uses;
  // null when none is used. CHC members with predictor = m + 1 plan on table m, the others on
  // the noisy oracle. One pointer into the scenario set's memory, not one view per model: a
  // kernel thread keeps its context in registers (docs/chc.md, "Registers and spills").
  const ForecastTableView* learned_tables = nullptr;
  uint64_t seed = 0;  // the workload's seed, which keys the forecast noise
  uint32_t scenario = 0;
  int32_t capacity = 1;              // a_max of the scenario's market
  unsigned char* scratch = nullptr;  // scratch_bytes() bytes, owned by the backend
};

// Families without working memory.
struct StatelessFamily {
  SPOTSWEEP_HD_INLINE static size_t scratch_bytes(const double*, const double*, const JobSpec&,
                                                  double) {
    return 0;
  }
  static constexpr AxisOrders orders = {};
};

}  // namespace spotsweep

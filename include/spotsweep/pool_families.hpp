#pragma once
// Pool families as both backends see them: a member's local index is decoded, mixed-radix
// with the LAST axis fastest, into its parameter values, which build a fresh policy object.
// Adding a family = a traits struct here (its make()), a case in visit_family, and its axis
// table in src/pool.cpp. CUDA-free; shared by the CPU backend and the kernels.
#include <cstdint>

#include "spotsweep/macros.hpp"
#include "spotsweep/policies.hpp"

namespace spotsweep {

enum class FamilyId : int32_t { on_demand = 0, greedy = 1, uniform_progress = 2, pf = 3 };

constexpr int kMaxAxes = 8;

// One family's grid, non-owning: axis i has axis_size[i] values at values[axis_offset[i]...].
struct FamilyGridView {
  FamilyId family = FamilyId::on_demand;
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

// Axis order of each family's params[] is its axis table's order (src/pool.cpp).
struct OnDemandFamily {
  using Policy = OnDemandOnlyPolicy;
  SPOTSWEEP_HD_INLINE static Policy make(const double* p) {
    Policy policy;
    policy.n_gpus = static_cast<int32_t>(p[0]);
    return policy;
  }
};

struct GreedyFamily {
  using Policy = GreedyPolicy;
  SPOTSWEEP_HD_INLINE static Policy make(const double* p) {
    Policy policy;
    policy.deadline_factor = p[0];
    return policy;
  }
};

struct UniformProgressFamily {
  using Policy = UniformProgressPolicy;
  SPOTSWEEP_HD_INLINE static Policy make(const double* p) {
    Policy policy;
    policy.deadline_factor = p[0];
    return policy;
  }
};

struct PfFamily {
  using Policy = PredictionFreePolicy;
  SPOTSWEEP_HD_INLINE static Policy make(const double* p) {
    Policy policy;
    policy.theta = p[0];
    policy.kappa = p[1];
    policy.rho = p[2];
    policy.hysteresis = p[3];
    return policy;
  }
};

// Calls visitor(Traits{}) with the traits of `family`: the one switch both backends share.
template <class Visitor>
decltype(auto) visit_family(FamilyId family, Visitor&& visitor) {
  switch (family) {
    case FamilyId::greedy: return visitor(GreedyFamily{});
    case FamilyId::uniform_progress: return visitor(UniformProgressFamily{});
    case FamilyId::pf: return visitor(PfFamily{});
    case FamilyId::on_demand:
    default: return visitor(OnDemandFamily{});
  }
}

}  // namespace spotsweep

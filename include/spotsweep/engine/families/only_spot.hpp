#pragma once
// Spot only, Can't Be Late's `only_spot` generalised to N GPUs (docs/model.md §4.2).
#include "spotsweep/engine/family.hpp"
#include "spotsweep/model/policies.hpp"

namespace spotsweep {

struct OnlySpotFamily : StatelessFamily {
  using Policy = OnlySpotPolicy;
  static constexpr const char* name = "only_spot";
  static constexpr const char* meaning = "spot GPUs only, idle without (Can't Be Late only_spot)";
  enum Axis : int32_t { n_gpus, axis_count };
  static constexpr AxisSpec axes[axis_count] = {
      {"n_gpus", "spot GPUs wanted; 0 = as many as are up, up to N_max",
       "GPUs (0 = as many as are up)", 0, 0, true, 1e6, true}};
  static constexpr BenchSpread bench = {n_gpus, 0, 0, true};

  SPOTSWEEP_HD_INLINE static Policy make(const double* p, const JobSpec&, const MemberContext&) {
    Policy policy;
    policy.n_gpus = static_cast<int32_t>(p[n_gpus]);
    return policy;
  }
};

}  // namespace spotsweep

#pragma once
// On-demand only (docs/model.md §4.1): a constant count of on-demand GPUs.
#include "spotsweep/engine/family.hpp"
#include "spotsweep/model/policies.hpp"

namespace spotsweep {

struct OnDemandFamily : StatelessFamily {
  using Policy = OnDemandOnlyPolicy;
  static constexpr const char* name = "on_demand";
  static constexpr const char* meaning = "on-demand GPUs only";
  enum Axis : int32_t { n_gpus, axis_count };
  static constexpr AxisSpec axes[axis_count] = {
      {"n_gpus", "constant GPU count; 0 picks the best in [N_min, N_max]",
       "GPUs (0 = best constant)", 0, 0, true, 1e6, true}};
  static constexpr BenchSpread bench = {n_gpus, 0, 0, true};

  SPOTSWEEP_HD_INLINE static Policy make(const double* p, const JobSpec&, const MemberContext&) {
    Policy policy;
    policy.n_gpus = static_cast<int32_t>(p[n_gpus]);
    return policy;
  }
};

}  // namespace spotsweep

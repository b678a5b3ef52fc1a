#pragma once
// Uniform Progress, Can't Be Late's `rc_cr_threshold` generalised to N GPUs (docs/model.md
// §4.2).
#include "spotsweep/engine/family.hpp"
#include "spotsweep/model/policies.hpp"

namespace spotsweep {

struct UniformProgressFamily : StatelessFamily {
  using Policy = UniformProgressPolicy;
  static constexpr const char* name = "uniform_progress";
  static constexpr const char* meaning = "Uniform Progress (Can't Be Late)";
  enum Axis : int32_t { deadline_factor, axis_count };
  static constexpr AxisSpec axes[axis_count] = {
      {"deadline_factor", "target deadline as a multiple of d", "× d", 1.0, 0, false, kUnbounded,
       false}};
  static constexpr BenchSpread bench = {deadline_factor, 0.6, 0.4, false};

  SPOTSWEEP_HD_INLINE static Policy make(const double* p, const JobSpec&, const MemberContext&) {
    Policy policy;
    policy.deadline_factor = p[deadline_factor];
    return policy;
  }
};

}  // namespace spotsweep

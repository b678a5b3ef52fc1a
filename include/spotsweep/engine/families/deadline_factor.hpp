#pragma once
// What Greedy and Uniform Progress share as families: one axis, the target deadline as a
// multiple of d (docs/model.md §4.2).
#include "spotsweep/engine/family.hpp"

namespace spotsweep {

template <class PolicyType>
struct DeadlineFactorFamily : StatelessFamily {
  using Policy = PolicyType;
  enum Axis : int32_t { deadline_factor, axis_count };
  static constexpr AxisSpec axes[axis_count] = {{"deadline_factor",
                                                 "target deadline as a multiple of d", "× d", 1.0,
                                                 0, false, kUnbounded, false}};
  static constexpr BenchSpread bench = {deadline_factor, 0.6, 0.4, false};

  SPOTSWEEP_HD_INLINE static Policy make(const double* p, const JobSpec&, const MemberContext&) {
    Policy policy;
    policy.deadline_factor = p[deadline_factor];
    return policy;
  }
};

}  // namespace spotsweep

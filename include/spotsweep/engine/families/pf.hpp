#pragma once
// PF(θ, κ, ρ, h), the prediction-free family (docs/model.md §4.3).
#include "spotsweep/engine/family.hpp"
#include "spotsweep/model/policies.hpp"

namespace spotsweep {

struct PfFamily : StatelessFamily {
  using Policy = PredictionFreePolicy;
  static constexpr const char* name = "pf";
  static constexpr const char* meaning =
      "prediction-free PF(theta, kappa, rho, h), docs/model.md section 4.3";
  enum Axis : int32_t { theta, kappa, rho, hysteresis, axis_count };
  static constexpr AxisSpec axes[axis_count] = {
      {"theta", "spot is cheap when p_s <= theta * p_o", "× on-demand price", 0.7, 0, false,
       kUnbounded, false},
      {"kappa", "aim to finish by kappa * d", "× d", 0.9, 0, false, kUnbounded, false},
      {"rho", "scale-up of the required rate on cheap spot", "× required rate", 1.5, 0, false,
       kUnbounded, false},
      {"hysteresis", "lead over the line, fraction of L, to leave catch-up", "fraction of L", 0.02,
       0, true, 1, false}};
  static constexpr BenchSpread bench = {theta, 0.3, 0.7, false};

  SPOTSWEEP_HD_INLINE static Policy make(const double* p, const JobSpec&, const MemberContext&) {
    Policy policy;
    policy.theta = p[theta];
    policy.kappa = p[kappa];
    policy.rho = p[rho];
    policy.hysteresis = p[hysteresis];
    return policy;
  }
};

}  // namespace spotsweep

#pragma once
// Uniform Progress, Can't Be Late's `rc_cr_threshold` generalised to N GPUs (docs/model.md
// §4.2).
#include "spotsweep/engine/families/deadline_factor.hpp"
#include "spotsweep/model/policies.hpp"

namespace spotsweep {

struct UniformProgressFamily : DeadlineFactorFamily<UniformProgressPolicy> {
  static constexpr const char* name = "uniform_progress";
  static constexpr const char* meaning = "Uniform Progress (Can't Be Late)";
};

}  // namespace spotsweep

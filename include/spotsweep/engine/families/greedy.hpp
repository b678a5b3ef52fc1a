#pragma once
// Greedy, Can't Be Late's `strawman` generalised to N GPUs (docs/model.md §4.2).
#include "spotsweep/engine/families/deadline_factor.hpp"
#include "spotsweep/model/policies.hpp"

namespace spotsweep {

struct GreedyFamily : DeadlineFactorFamily<GreedyPolicy> {
  static constexpr const char* name = "greedy";
  static constexpr const char* meaning =
      "spot when up, on-demand when slack runs out (Can't Be Late)";
};

}  // namespace spotsweep

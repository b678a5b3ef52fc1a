#pragma once
// The selector's CPU backend (OpenMP): each round's play probabilities, every (window, member)
// job through the engine's per-member evaluator, and the learner's update, in the order the CUDA
// backend also uses. Host-only; callers use run_selector, which picks the backend.
#include <vector>

#include "spotsweep/select/select.hpp"

namespace spotsweep {

SelectorRun run_selector_cpu(const SweepPlan& plan, const std::vector<UtilityRange>& ranges,
                             const SelectOptions& options, const RoundProgress& progress = {});

}  // namespace spotsweep

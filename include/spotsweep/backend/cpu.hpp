#pragma once
// The CPU backend (OpenMP): the sweep's and the selector's loops over members, each member
// through the engine's per-member evaluator (engine/evaluate.hpp) in the order the CUDA backend
// also uses, so that both give the same bits. Host-only; callers use run_sweep / run_selector,
// which pick the backend.
#include "spotsweep/select/select.hpp"
#include "spotsweep/sweep/sweep.hpp"

namespace spotsweep {

SweepResult run_sweep_cpu(const SweepPlan& plan, const SweepOptions& options,
                          const ProgressCallback& progress = {});
SelectorRun run_selector_cpu(const SweepPlan& plan, const std::vector<UtilityRange>& ranges,
                             const SelectOptions& options, const RoundProgress& progress = {});

}  // namespace spotsweep

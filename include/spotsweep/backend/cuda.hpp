#pragma once
// The CUDA backend behind a CUDA-free interface: defined by kernels/*.cu when the build has
// CUDA, and by src/backend/no_cuda.cpp (which says so) when it does not. Host-only; callers
// use run_sweep / run_selector, which pick the backend.
#include "spotsweep/select/select.hpp"
#include "spotsweep/sweep/sweep.hpp"

namespace spotsweep {

SweepResult run_sweep_cuda(const SweepPlan& plan, const SweepOptions& options,
                           const ProgressCallback& progress = {});
SelectorRun run_selector_cuda(const SweepPlan& plan, const std::vector<UtilityRange>& ranges,
                              const SelectOptions& options, const RoundProgress& progress = {});

}  // namespace spotsweep

#pragma once
// The sweep's CPU backend (OpenMP over members): each member's (scenario, round) loop through
// the engine's per-member evaluator (engine/evaluate.hpp) in the order the CUDA backend also
// uses, so that both give the same bits. Host-only; callers use run_sweep, which picks the
// backend.
#include "spotsweep/sweep/sweep.hpp"

namespace spotsweep {

SweepResult run_sweep_cpu(const SweepPlan& plan, const SweepOptions& options,
                          const ProgressCallback& progress = {});

}  // namespace spotsweep

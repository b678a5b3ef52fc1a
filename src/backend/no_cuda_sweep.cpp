// Stands in for kernels/sweep.cu when the build has no CUDA backend: every sweep runs on the
// CPU, and an explicit --backend cuda is refused by resolve_backend with the reason.
#include "spotsweep/sweep/sweep.hpp"

namespace spotsweep {

SweepResult run_sweep(const SweepPlan& plan, const SweepOptions& options,
                      const ProgressCallback& progress) {
  resolve_backend(options.backend, query_device());
  return run_sweep_cpu(plan, options, progress);
}

}  // namespace spotsweep

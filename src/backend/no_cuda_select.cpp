// Stands in for kernels/select.cu when the build has no CUDA backend: the selector runs on the
// CPU, and an explicit --backend cuda is refused by resolve_backend with the reason.
#include "spotsweep/select/select.hpp"

namespace spotsweep {

SelectorRun run_selector(const SweepPlan& plan, const std::vector<UtilityRange>& ranges,
                         const SelectOptions& options, const RoundProgress& progress) {
  resolve_backend(options.backend, query_device());
  return run_selector_cpu(plan, ranges, options, progress);
}

}  // namespace spotsweep

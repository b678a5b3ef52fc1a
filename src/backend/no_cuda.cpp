// Stands in for kernels/*.cu when the build has no CUDA backend: no device is ever found, so
// run_on_backend never picks CUDA, and a direct call says why.
#include "spotsweep/backend/cuda.hpp"
#include "spotsweep/backend/device.hpp"
#include "spotsweep/detail/error.hpp"

namespace spotsweep {

namespace {
constexpr const char* kNoCuda = "spotsweep was built without the CUDA backend";
}

DeviceInfo query_device() {
  DeviceInfo info;
  info.why_not = kNoCuda;
  return info;
}

void use_device(int) {}

SweepResult run_sweep_cuda(const SweepPlan&, const SweepOptions&, const ProgressCallback&) {
  throw input_error("", "--backend", "cuda", kNoCuda);
}

SelectorRun run_selector_cuda(const SweepPlan&, const std::vector<UtilityRange>&,
                              const SelectOptions&, const RoundProgress&) {
  throw input_error("", "--backend", "cuda", kNoCuda);
}

}  // namespace spotsweep

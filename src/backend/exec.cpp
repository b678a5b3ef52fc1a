#include "spotsweep/backend/exec.hpp"

#include <omp.h>

#include "spotsweep/detail/error.hpp"

namespace spotsweep {

Backend parse_backend(const std::string& name) {
  if (name == "auto") return Backend::automatic;
  if (name == "cpu") return Backend::cpu;
  if (name == "cuda") return Backend::cuda;
  throw input_error("", "--backend", name, "expected auto, cpu or cuda");
}

const char* backend_name(Backend backend) {
  switch (backend) {
    case Backend::cpu: return "cpu";
    case Backend::cuda: return "cuda";
    case Backend::automatic:
    default: return "auto";
  }
}

int ExecOptions::cpu_threads() const { return threads > 0 ? threads : omp_get_max_threads(); }

std::size_t ExecOptions::device_budget_bytes(std::size_t free_bytes) const {
  return max_device_mem_bytes > 0 ? max_device_mem_bytes
                                  : static_cast<std::size_t>(max_device_mem_fraction * free_bytes);
}

Backend resolve_backend(Backend requested, const DeviceInfo& device) {
  if (requested == Backend::cpu) return Backend::cpu;
  if (device.available) return Backend::cuda;
  if (requested == Backend::cuda)
    throw input_error("", "--backend", "cuda", "no usable CUDA device: " + device.why_not);
  return Backend::cpu;
}

}  // namespace spotsweep

#include "spotsweep/backend/exec.hpp"

#include <omp.h>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"
#include "spotsweep/detail/names.hpp"

namespace spotsweep {

namespace {
constexpr NamedValue<Backend> kBackendNames[] = {
    {"auto", Backend::automatic}, {"cpu", Backend::cpu}, {"cuda", Backend::cuda}};
}

Backend parse_backend(const std::string& name) {
  return parse_named(kBackendNames, name, "", "--backend");
}

const char* backend_name(Backend backend) { return name_of(kBackendNames, backend); }

int ExecOptions::cpu_threads() const { return threads > 0 ? threads : omp_get_max_threads(); }

std::size_t ExecOptions::device_budget_bytes(std::size_t free_bytes) const {
  return max_device_mem_bytes > 0 ? max_device_mem_bytes
                                  : static_cast<std::size_t>(max_device_mem_fraction * free_bytes);
}

void ExecOptions::apply_host_memory_budget() const {
  set_host_memory_budget(max_host_mem_bytes, max_host_mem_fraction);
}

Backend resolve_backend(Backend requested, const DeviceInfo& device) {
  if (requested == Backend::cpu) return Backend::cpu;
  if (device.available) return Backend::cuda;
  if (requested == Backend::cuda)
    throw input_error("", "--backend", "cuda", "no usable CUDA device: " + device.why_not);
  return Backend::cpu;
}

}  // namespace spotsweep

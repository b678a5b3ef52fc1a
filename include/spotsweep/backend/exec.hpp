#pragma once
// How a run executes, shared by every command that evaluates a pool (sweep, select, stress,
// bench, cbl): the backend, the device-memory budget, CPU threads; and the one place where a
// requested backend becomes the one that runs (docs/architecture.md, "Backends"). Host-only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "spotsweep/backend/device.hpp"

namespace spotsweep {

enum class Backend : int32_t { automatic = 0, cpu = 1, cuda = 2 };
// "auto" | "cpu" | "cuda"; an InputError naming --backend otherwise.
Backend parse_backend(const std::string& name);
const char* backend_name(Backend backend);

struct ExecOptions {
  Backend backend = Backend::automatic;
  // Device memory budget: max_device_mem_bytes when nonzero, else this fraction of free memory.
  std::size_t max_device_mem_bytes = 0;
  double max_device_mem_fraction = 0.8;
  int threads = 0;  // CPU threads; 0 = OpenMP's default
  // Host memory budget (detail/memory.hpp): max_host_mem_bytes when nonzero, else this
  // fraction of physical memory. Runs whose estimate exceeds it are refused before allocating.
  std::size_t max_host_mem_bytes = 0;
  double max_host_mem_fraction = 0.8;
  int64_t max_chunk_members = 0;  // CUDA: cap on members per launch (0 = what memory allows)

  // The CPU threads a run uses: `threads`, or OpenMP's default when 0.
  int cpu_threads() const;
  // The device memory a run may hold, given the device's free memory.
  std::size_t device_budget_bytes(std::size_t free_bytes) const;
  // Makes max_host_mem the process's host-memory budget (set_host_memory_budget).
  void apply_host_memory_budget() const;
};

// The backend that runs: cpu or cuda. auto gives cuda when the device is available; an
// explicit cuda without one is an InputError that says why.
Backend resolve_backend(Backend requested, const DeviceInfo& device);

// The backend dispatch, written once: cuda() when `requested` resolves to the CUDA backend,
// else cpu(). Both return the same type.
template <class Cpu, class Cuda>
auto run_on_backend(Backend requested, Cpu&& cpu, Cuda&& cuda) {
  if (resolve_backend(requested, query_device()) == Backend::cuda)
    return std::forward<Cuda>(cuda)();
  return std::forward<Cpu>(cpu)();
}

}  // namespace spotsweep

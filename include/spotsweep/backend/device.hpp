#pragma once
// CUDA-free interface to the GPU: host code and tests include only this.
#include <cstddef>
#include <string>

namespace spotsweep {

struct DeviceInfo {
  bool available = false;  // a CUDA build and a usable device
  bool built_with_cuda = false;
  std::string name;  // e.g. "NVIDIA H100 80GB HBM3"
  int compute_major = 0, compute_minor = 0;
  int multiprocessors = 0;
  std::size_t free_bytes = 0, total_bytes = 0;
  std::string why_not;  // when unavailable: "built without CUDA", or the CUDA error
};

// Never throws: any CUDA error (no driver gives cudaErrorInsufficientDriver) means "no device".
DeviceInfo query_device();
// Makes device `index` modulo the device count the current one: each MPI rank takes its node-local
// rank's GPU (docs/mpi.md). Never throws; does nothing without CUDA or a device.
void use_device(int index);

// How outputs name a CUDA device: "NVIDIA H100 80GB HBM3 (sm_90)".
inline std::string cuda_device_label(const DeviceInfo& device) {
  return device.name + " (sm_" + std::to_string(device.compute_major) +
         std::to_string(device.compute_minor) + ")";
}

// How outputs name the CPU backend: "cpu (1 thread)", "cpu (16 threads)".
inline std::string cpu_device_label(int threads) {
  return "cpu (" + std::to_string(threads) + (threads == 1 ? " thread)" : " threads)");
}

}  // namespace spotsweep

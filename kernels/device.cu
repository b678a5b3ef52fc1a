// Device discovery for the CUDA backend.
#include <cuda_runtime.h>

#include "spotsweep/backend/device.hpp"

namespace spotsweep {

DeviceInfo query_device() {
  DeviceInfo info;
  info.built_with_cuda = true;
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count <= 0) {
    info.why_not = status != cudaSuccess ? cudaGetErrorName(status) : "no CUDA device";
    cudaGetLastError();
    return info;
  }
  int device = 0;
  cudaDeviceProp prop{};
  if (cudaGetDevice(&device) != cudaSuccess ||
      cudaGetDeviceProperties(&prop, device) != cudaSuccess ||
      cudaMemGetInfo(&info.free_bytes, &info.total_bytes) != cudaSuccess) {
    info.why_not = cudaGetErrorName(cudaGetLastError());
    return info;
  }
  info.available = true;
  info.name = prop.name;
  info.compute_major = prop.major;
  info.compute_minor = prop.minor;
  info.multiprocessors = prop.multiProcessorCount;
  return info;
}

void use_device(int index) {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count <= 0) {
    cudaGetLastError();
    return;
  }
  if (cudaSetDevice(index % count) != cudaSuccess) cudaGetLastError();
}

}  // namespace spotsweep

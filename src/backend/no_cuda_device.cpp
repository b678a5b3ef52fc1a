// Stands in for kernels/ when the build has no CUDA backend.
#include "spotsweep/backend/device.hpp"

namespace spotsweep {

DeviceInfo query_device() {
  DeviceInfo info;
  info.why_not = "spotsweep was built without the CUDA backend";
  return info;
}

}  // namespace spotsweep

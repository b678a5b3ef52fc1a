#pragma once
// Device tests skip when no CUDA device is found, unless SPOTSWEEP_REQUIRE_DEVICE=1: on a GPU
// machine a device the runtime cannot use (a driver older than the toolkit, say) must fail the
// run rather than pass it as skipped.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "spotsweep/backend/device.hpp"

namespace spotsweep {

inline bool device_required() {
  const char* flag = std::getenv("SPOTSWEEP_REQUIRE_DEVICE");
  return flag != nullptr && std::strcmp(flag, "0") != 0 && flag[0] != '\0';
}

}  // namespace spotsweep

// Skips (or fails, when a device is required) the calling test or fixture without a device.
#define SPOTSWEEP_SKIP_WITHOUT_DEVICE()                                            \
  do {                                                                             \
    const ::spotsweep::DeviceInfo device_info_ = ::spotsweep::query_device();      \
    if (!device_info_.available) {                                                 \
      if (::spotsweep::device_required())                                          \
        FAIL() << "SPOTSWEEP_REQUIRE_DEVICE is set but no CUDA device is usable: " \
               << device_info_.why_not;                                            \
      GTEST_SKIP() << "no CUDA device: " << device_info_.why_not;                  \
    }                                                                              \
  } while (0)

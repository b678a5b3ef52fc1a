#pragma once
// What every per-(member, scenario) kernel shares: its block shape, and the staging of the
// block's scenario in shared memory, read by all the block's members.
#include <cstdint>

#include "spotsweep/market.hpp"

namespace spotsweep {
namespace kernels {

constexpr int kMembersPerBlock = 128;
// A scenario is staged in shared memory when its slots take at most this many bytes; larger
// ones are read through L2, which keeps enough blocks resident per SM either way.
constexpr int64_t kSharedScenarioBytes = 24 * 1024;

// Copies the block's scenario into shared memory when it fits (stage_in_shared) and points the
// market at that copy; every thread of the block must call it (it synchronises).
__device__ inline void stage_market(MarketView& market, int32_t slots, bool stage_in_shared,
                                    unsigned char* staged) {
  if (!stage_in_shared) return;
  double* price = reinterpret_cast<double*>(staged);
  int32_t* avail = reinterpret_cast<int32_t*>(price + slots);
  for (int32_t i = threadIdx.x; i < slots; i += blockDim.x) {
    price[i] = market.spot_price[i];
    avail[i] = market.spot_avail[i];
  }
  __syncthreads();
  market.spot_price = price;
  market.spot_avail = avail;
}

}  // namespace kernels
}  // namespace spotsweep

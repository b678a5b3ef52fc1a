#pragma once
// What every per-(member, scenario) kernel shares: its block shape, and the staging of the
// block's scenario in shared memory, read by all the block's members, and each member's view of it.
#include <cstdint>

#include "spotsweep/engine/evaluate.hpp"
#include "spotsweep/model/market.hpp"

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

// What member `member` of a chunk sees of `scenario`: the staged market (and forecasts of it,
// unless the workload poisons them) and its own slice of the chunk's working memory.
__device__ inline MemberContext staged_member_context(const ScenarioBatchView& scenarios,
                                                      int32_t scenario, const MarketView& staged,
                                                      int64_t member, unsigned char* scratch,
                                                      size_t scratch_bytes) {
  MemberContext context = scenarios.context(scenario, nullptr);
  context.market = staged;
  if (!scenarios.forecast_spot_price) context.forecast_market = staged;
  if (scratch_bytes > 0)
    context.scratch =
        scratch + (member * scenarios.count + scenario) * static_cast<int64_t>(scratch_bytes);
  return context;
}

}  // namespace kernels
}  // namespace spotsweep

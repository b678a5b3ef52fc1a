#pragma once
// The sweep's kernels. Each takes small views by value; kernels/sweep.cu owns the memory.
#include <cstdint>

#include "spotsweep/engine/evaluate.hpp"
#include "spotsweep/engine/families.hpp"

#include "staged_scenario.cuh"

namespace spotsweep {
namespace kernels {

// Traced members of one chunk: traced[k] receives member ids[k]'s outcomes [scenario][round].
struct TracedView {
  const int64_t* ids = nullptr;
  int32_t count = 0;
  Outcome* outcomes = nullptr;
};

// One thread = one (member, scenario); block (x, y) = kMembersPerBlock members × scenario y,
// so the block shares one staged scenario. partial[member][scenario] receives its sums; a
// family with working memory (CHC) gets scratch_bytes of `scratch` per thread.
// At most 128 registers a thread so that four blocks fit on an SM (sm_90, -Xptxas -v: PF and
// on-demand fit; greedy and UP spill under 60 bytes). Not yet timed on a GPU.
template <class Family>
__global__ void __launch_bounds__(kMembersPerBlock, 4)
    evaluate_members(FamilyGridView grid, int64_t first_local, int64_t first_global,
                     int64_t chunk_members, ScenarioBatchView scenarios, const JobSpec* jobs,
                     const int32_t* round_start, int32_t rounds, bool stage_in_shared,
                     PercentileKeys keys, TracedView traced, unsigned char* scratch,
                     size_t scratch_bytes, OutcomeSums* partial) {
  extern __shared__ __align__(16) unsigned char staged[];
  const int32_t scenario = static_cast<int32_t>(blockIdx.y);
  const int64_t member = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  MarketView market = scenarios.market(scenario);
  stage_market(market, scenarios.slots, stage_in_shared, staged);
  if (member >= chunk_members) return;

  double params[kMaxAxes];
  decode_member(grid, first_local + member, params);
  const int64_t first_job = static_cast<int64_t>(scenario) * rounds;
  Outcome* my_trace = nullptr;
  for (int32_t k = 0; k < traced.count; ++k)
    if (traced.ids[k] == first_global + member)
      my_trace = traced.outcomes + static_cast<int64_t>(k) * scenarios.count * rounds + first_job;
  const MemberContext context =
      staged_member_context(scenarios, scenario, market, member, scratch, scratch_bytes);
  partial[member * scenarios.count + scenario] = evaluate_member_scenario<Family>(
      params, context, jobs + first_job, round_start, rounds, keys, member, first_job, my_trace);
}

// Adds each member's scenario sums in scenario order, as the CPU backend does.
__global__ void sum_scenarios(const OutcomeSums* partial, int32_t scenario_count,
                              int64_t chunk_members, OutcomeSums* sums) {
  const int64_t member = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (member >= chunk_members) return;
  OutcomeSums total;
  for (int32_t s = 0; s < scenario_count; ++s)
    total.add_scenario(partial[member * scenario_count + s]);
  sums[member] = total;
}

// Segment i of the key buffer is [i·jobs, (i+1)·jobs).
__global__ void fill_segment_offsets(int64_t* offsets, int64_t segments, int64_t jobs) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i <= segments) offsets[i] = i * jobs;
}

// Reads the nearest-rank percentiles out of the sorted segments:
// out[member][metric][percentile].
__global__ void read_percentiles(const float* sorted, int64_t chunk_members, int64_t jobs,
                                 float* out) {
  const int64_t member = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (member >= chunk_members) return;
  for (int32_t m = 0; m < kPercentileMetrics; ++m)
    for (int32_t p = 0; p < kPercentileCount; ++p)
      out[(member * kPercentileMetrics + m) * kPercentileCount + p] =
          sorted[(m * chunk_members + member) * jobs +
                 percentile_index(percentile_percent(p), jobs)];
}

}  // namespace kernels
}  // namespace spotsweep

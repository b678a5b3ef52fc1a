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
// At most 128 registers a thread so that four blocks fit on an SM (docs/BENCHMARKS.md lists
// each instantiation's registers and spills, sm_90 -Xptxas -v). Not yet timed on a GPU.
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

  double params[Family::axis_count];
  decode_member_axes<Family::axis_count>(grid, first_local + member, params);
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

constexpr int kSelectThreads = 256;

// The nearest-rank percentiles of one member's keys of one metric, one block per (metric,
// member): the exact radix select of engine/evaluate.hpp (select_key_of_rank), for the
// kPercentileCount ranks at once, reading the member's keys once per pass. Equal to sorting the
// keys, as the CPU backend does, bit for bit; it needs no copy of the keys and no temporary
// storage besides 3 KB of shared memory. out[member][metric][percentile].
__global__ void __launch_bounds__(kSelectThreads)
    select_percentiles(const float* keys, int64_t chunk_members, int64_t jobs, float* out) {
  __shared__ uint32_t histogram[kPercentileCount][kRadixSelectBins];
  __shared__ uint32_t prefix[kPercentileCount];
  __shared__ int64_t rank[kPercentileCount];
  const int64_t segment = blockIdx.x;  // metric · chunk_members + member, as keys are laid out
  const float* run = keys + segment * jobs;
  const int32_t t = static_cast<int32_t>(threadIdx.x);
  if (t < kPercentileCount) {
    prefix[t] = 0;
    rank[t] = percentile_index(percentile_percent(t), jobs);
  }
  for (int32_t pass = 0; pass < kRadixSelectPasses; ++pass) {
    for (int32_t i = t; i < kPercentileCount * kRadixSelectBins; i += blockDim.x)
      histogram[i / kRadixSelectBins][i % kRadixSelectBins] = 0;
    __syncthreads();
    for (int64_t i = t; i < jobs; i += blockDim.x) {
      const uint32_t bits = percentile_key_bits(run[i]);
      const uint32_t digit = radix_select_digit_of(bits, pass);
      for (int32_t p = 0; p < kPercentileCount; ++p)
        if (radix_select_matches(bits, prefix[p], pass)) atomicAdd(&histogram[p][digit], 1u);
    }
    __syncthreads();
    if (t < kPercentileCount) {
      int64_t r = rank[t];
      prefix[t] |= radix_select_digit(histogram[t], &r) << radix_select_shift(pass);
      rank[t] = r;
    }
    __syncthreads();
  }
  if (t < kPercentileCount) {
    const int64_t member = segment % chunk_members;
    const int64_t metric = segment / chunk_members;
    out[(member * kPercentileMetrics + metric) * kPercentileCount + t] =
        percentile_key_from_bits(prefix[t]);
  }
}

}  // namespace kernels
}  // namespace spotsweep

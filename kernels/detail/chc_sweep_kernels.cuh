#pragma once
// The sweep's CHC members by planning key (docs/chc.md, "Plan tables"): one block per (key,
// scenario) at a time runs the key's members through the scenario's rounds in order, each
// round's job in lockstep with shared plans (chc_key_block.cuh), and adds each member's rounds
// in the order the CPU backend adds them.
#include <cstdint>

#include "spotsweep/engine/chc_tables.hpp"
#include "spotsweep/engine/evaluate.hpp"
#include "spotsweep/engine/families/chc.hpp"

#include "chc_key_workspace.cuh"
#include "device_buffer.cuh"
#include "sweep_kernels.cuh"

namespace spotsweep {
namespace kernels {

// Block b runs units b, b + gridDim.x, … of the chunk's (key, scenario) units; unit u is key
// first_key + u / S on scenario u % S. The chunk's member slot of key k's j-th member is
// (k − first_key)·members_per_key + j: partial[slot][scenario] receives its sums, keys its
// percentile keys, as evaluate_members writes them for the chunk's members.
__global__ void __launch_bounds__(kChcKeyThreads)
    evaluate_chc_keys(FamilyGridView grid, ChcKeyLayout layout, int64_t first_key,
                      int64_t chunk_keys, int64_t first_global, ScenarioBatchView scenarios,
                      const JobSpec* jobs, const int32_t* round_start, int32_t rounds,
                      int32_t widest_commit, PercentileKeys keys, TracedView traced,
                      ChcKeyWorkspaceView workspace, OutcomeSums* partial) {
  const ChcKeyBlockSlice slice = workspace.slice(blockIdx.x);
  const int32_t count = static_cast<int32_t>(layout.members_per_key);
  const int32_t S = scenarios.count;
  const int64_t units = chunk_keys * S;
  for (int64_t unit = blockIdx.x; unit < units; unit += gridDim.x) {
    const int64_t key = first_key + unit / S;
    const int32_t s = static_cast<int32_t>(unit % S);
    const int64_t first_slot = (key - first_key) * layout.members_per_key;
    const ChcParams key_params = chc_key_params(grid, layout, key);
    for (int32_t j = threadIdx.x; j < count; j += blockDim.x)
      slice.sums[j] = OutcomeSums{};
    for (int32_t r = 0; r < rounds; ++r) {
      const int64_t job_index = static_cast<int64_t>(s) * rounds + r;
      const JobSpec job = jobs[job_index];
      const MemberForecaster forecaster =
          begin_chc_key_job(grid, layout, key, scenarios, s, job, round_start[r], slice);
      const SharedPlanLayout table_layout =
          shared_plan_layout(job, scenarios.tick_seconds, key_params, widest_commit);
      run_chc_key_job_block(
          job, slice.runs, count, forecaster, key_params, table_layout, slice.table,
          [&](int32_t j, const Outcome& o) {
            slice.sums[j].add(o);
            const int64_t slot = first_slot + j;
            keys.store(slot, job_index, o);
            const int64_t member = first_global + layout.member_local(key, j);
            for (int32_t t = 0; t < traced.count; ++t)
              if (traced.ids[t] == member)
                traced.outcomes[static_cast<int64_t>(t) * S * rounds + job_index] = o;
          });
      __syncthreads();  // the next round re-begins members other threads have read
    }
    for (int32_t j = threadIdx.x; j < count; j += blockDim.x)
      partial[(first_slot + j) * S + s] = slice.sums[j];
    __syncthreads();
  }
}

}  // namespace kernels
}  // namespace spotsweep

#pragma once
// The sweep's CHC members by planning key (docs/chc.md, "Plan tables"): one block per (key,
// scenario) at a time runs the key's members through the scenario's rounds in order, each
// round's job in lockstep with shared plans (chc_key_block.cuh), and adds each member's rounds
// in the order the CPU backend adds them. ChcKeyWorkspace owns the blocks' working memory.
#include <cstdint>

#include "spotsweep/engine/chc_tables.hpp"
#include "spotsweep/engine/evaluate.hpp"
#include "spotsweep/engine/families/chc.hpp"

#include "chc_key_block.cuh"
#include "device_buffer.cuh"
#include "sweep_kernels.cuh"

namespace spotsweep {
namespace kernels {

// One block's working memory, for a key of `members` members.
struct ChcKeyBlockBytes {
  ChcKeyBytes key;
  int64_t members = 0;

  // Where each part lies in a block's slice (16-byte aligned), and the slice's size.
  SPOTSWEEP_HD_INLINE size_t runs_offset() const { return 0; }
  SPOTSWEEP_HD_INLINE size_t sums_offset() const {
    return align_up(runs_offset() + members * sizeof(ChcMemberRun), 16);
  }
  SPOTSWEEP_HD_INLINE size_t own_offset() const {
    return align_up(sums_offset() + members * sizeof(OutcomeSums), 16);
  }
  SPOTSWEEP_HD_INLINE size_t alone_offset() const {
    return align_up(own_offset() + members * align_up(key.own, 16), 16);
  }
  SPOTSWEEP_HD_INLINE size_t table_offset() const {
    return align_up(alone_offset() + kChcKeyThreads * align_up(key.alone, 16), 16);
  }
  SPOTSWEEP_HD_INLINE size_t bytes() const { return align_up(table_offset() + key.table, 256); }
};

// What the kernel reads: the blocks' working memory, `blocks` slices of layout.bytes().
struct ChcKeyWorkspaceView {
  unsigned char* memory = nullptr;
  ChcKeyBlockBytes layout;
};

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
  const ChcKeyBlockBytes& bytes = workspace.layout;
  unsigned char* slice = workspace.memory + blockIdx.x * bytes.bytes();
  ChcMemberRun* runs = reinterpret_cast<ChcMemberRun*>(slice + bytes.runs_offset());
  OutcomeSums* sums = reinterpret_cast<OutcomeSums*>(slice + bytes.sums_offset());
  unsigned char* own = slice + bytes.own_offset();
  unsigned char* alone = slice + bytes.alone_offset();
  unsigned char* table = slice + bytes.table_offset();
  const size_t own_stride = align_up(bytes.key.own, 16);
  const size_t alone_stride = align_up(bytes.key.alone, 16);
  const int32_t count = static_cast<int32_t>(layout.members_per_key);
  const int32_t S = scenarios.count;
  const int64_t units = chunk_keys * S;
  for (int64_t unit = blockIdx.x; unit < units; unit += gridDim.x) {
    const int64_t key = first_key + unit / S;
    const int32_t s = static_cast<int32_t>(unit % S);
    const int64_t first_slot = (key - first_key) * layout.members_per_key;
    double key_values[kMaxAxes];
    decode_member(grid, layout.member_local(key, 0), key_values);
    const ChcParams key_params = ChcFamily::params(key_values);
    for (int32_t j = threadIdx.x; j < count; j += blockDim.x)
      sums[j] = OutcomeSums{};
    for (int32_t r = 0; r < rounds; ++r) {
      const int64_t job_index = static_cast<int64_t>(s) * rounds + r;
      const JobSpec job = jobs[job_index];
      MemberForecaster forecaster;
      for (int32_t j = threadIdx.x; j < count; j += blockDim.x) {
        double values[kMaxAxes];
        decode_member(grid, layout.member_local(key, j), values);
        const MemberContext context = scenarios.context(s, own + own_stride * j);
        ChcMemberRun& m = runs[j];
        m = ChcMemberRun{};
        m.policy = ChcFamily::make(values, job, context);
        m.policy.solve_scratch = bytes.key.alone > 0 ? alone + alone_stride * threadIdx.x : nullptr;
        m.run.begin(job, context.market, round_start[r]);
      }
      {
        // Every member of a key forecasts alike: the forecasts depend on keyed axes only.
        const MemberContext context = scenarios.context(s, nullptr);
        forecaster = ChcFamily::make(key_values, job, context).forecaster;
      }
      const SharedPlanLayout table_layout =
          shared_plan_layout(job, scenarios.tick_seconds, key_params, widest_commit);
      run_chc_key_job_block(
          job, runs, count, forecaster, key_params, table_layout, table,
          [&](int32_t j, const Outcome& o) {
            sums[j].add(o);
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
      partial[(first_slot + j) * S + s] = sums[j];
    __syncthreads();
  }
}

}  // namespace kernels
}  // namespace spotsweep

#pragma once
// The selector's CHC members by planning key (docs/chc.md, "Plan tables"): each block runs
// (key, window) units, the key's members on the window's job of the round in lockstep with
// shared plans (chc_key_block.cuh), and writes each member's utility and slots where
// evaluate_round writes them, so that the rest of the round cannot tell the two apart.
#include <cstdint>

#include "spotsweep/engine/hedge.hpp"
#include "spotsweep/select/select.hpp"

#include "chc_key_workspace.cuh"

namespace spotsweep {
namespace kernels {

// Block b runs units b, b + gridDim.x, … of the grid's (key, window) units; unit u is key
// u / W on window u % W. counters[0] gains the policy-slot steps, counters[1] the rewards
// outside their selector's range (when ranges is not null).
__global__ void __launch_bounds__(kChcKeyThreads)
    evaluate_chc_round(FamilyGridView grid, ChcKeyLayout layout, int64_t first_global,
                       int64_t pool_members, ScenarioBatchView scenarios, const JobSpec* jobs,
                       int32_t rounds, int32_t round, int32_t start_slot, int32_t widest_commit,
                       int32_t selectors, const UtilityRange* ranges, ChcKeyWorkspaceView workspace,
                       double* utility, int32_t* job_slots, unsigned long long* counters) {
  const ChcKeyBlockSlice slice = workspace.slice(blockIdx.x);
  const int32_t count = static_cast<int32_t>(layout.members_per_key);
  const int32_t W = scenarios.count;
  const int64_t units = layout.keys * W;
  unsigned long long slots = 0, clamped = 0;
  for (int64_t unit = blockIdx.x; unit < units; unit += gridDim.x) {
    const int64_t key = unit / W;
    const int32_t w = static_cast<int32_t>(unit % W);
    const ChcParams key_params = chc_key_params(grid, layout, key);
    const JobSpec job = jobs[static_cast<int64_t>(w) * rounds + round];
    const MemberForecaster forecaster =
        begin_chc_key_job(grid, layout, key, scenarios, w, job, start_slot, slice);
    const SharedPlanLayout table_layout =
        shared_plan_layout(job, scenarios.tick_seconds, key_params, widest_commit);
    run_chc_key_job_block(job, slice.runs, count, forecaster, key_params, table_layout, slice.table,
                          [&](int32_t j, const Outcome& o) {
                            const int64_t cell = static_cast<int64_t>(w) * pool_members +
                                                 first_global + layout.member_local(key, j);
                            utility[cell] = o.utility;
                            job_slots[cell] = o.slots;
                            slots += static_cast<unsigned long long>(o.slots);
                            if (ranges && reward_is_clamped(o.utility, ranges[w % selectors]))
                              ++clamped;
                          });
    __syncthreads();  // the next unit re-begins members other threads have read
  }
  // Integer counts: the same total whatever order the threads add in.
  if (slots > 0) atomicAdd(counters, slots);
  if (clamped > 0) atomicAdd(counters + 1, clamped);
}

}  // namespace kernels
}  // namespace spotsweep

#pragma once
// One CUDA block runs one planning key's members on one job in lockstep: the device form of
// run_chc_key_job (engine/chc_tables.hpp, docs/chc.md "Plan tables"). Thread t steps members
// t, t + blockDim.x, …; at a slot where members plan, the block makes their shared plan
// together, thread t computing the progress states i ≡ t (mod blockDim.x) of every layer
// (model/planner.hpp, PlanSolver), and the threads meet between layers. Every member makes the
// choices it makes on the CPU, so the results are the same bit for bit.
#include <cstdint>

#include "spotsweep/engine/chc_tables.hpp"

namespace spotsweep {
namespace kernels {

// Threads per block of the plan-table kernels: enough lanes for a layer of a few thousand
// progress states, few enough that a key's members (a few hundred) keep every thread busy.
constexpr int kChcKeyThreads = 128;

// What a block's threads share while they run a key's job; lives in shared memory.
struct ChcKeyBlockState {
  SharedPlanWork work;
  SlotObservation obs;
  int32_t live;
  int32_t planners;
  int32_t lowest;
  int32_t highest;
  int32_t stored_slots;
};

// Shared memory for ChcKeyBlockState. Its members have default initialisers, which a
// __shared__ variable may not have, so the block keeps raw bytes and views them.
__device__ inline ChcKeyBlockState& chc_key_block_state() {
  __shared__ __align__(16) unsigned char raw[sizeof(ChcKeyBlockState)];
  return *reinterpret_cast<ChcKeyBlockState*>(raw);
}

// Every thread of the block calls it (it synchronises), with the same arguments. `members`
// have begun the job; done(i, outcome) is called by member i's thread when member i ends.
template <class OnOutcome>
__device__ void run_chc_key_job_block(const JobSpec& job, ChcMemberRun* members, int32_t count,
                                      const MemberForecaster& forecaster,
                                      const ChcParams& key_params,
                                      const SharedPlanLayout& table_layout,
                                      unsigned char* table_memory, OnOutcome&& done) {
  ChcKeyBlockState& block = chc_key_block_state();
  const int32_t thread = static_cast<int32_t>(threadIdx.x);
  const int32_t threads = static_cast<int32_t>(blockDim.x);
  const JobSpec seen0 = policy_view(job, JobState{});
  NullSlotLogger log;
  if (thread == 0) block.live = 0;
  __syncthreads();
  int32_t live = 0;
  for (int32_t i = thread; i < count; i += threads)
    if (!members[i].run.ended)
      ++live;
    else
      done(i, members[i].run.finish(job));
  atomicAdd(&block.live, live);
  __syncthreads();
  // block.live changes only between the step phase and the barrier that ends an iteration, so
  // every thread reads the same value here.
  while (block.live > 0) {
    if (thread == 0) {
      // Every live member is at the same slot: they began together and each step runs one slot.
      int32_t any = 0;
      while (members[any].run.ended)
        ++any;
      block.obs = members[any].run.observe();
      block.planners = 0;
      block.lowest = 0x7fffffff;
      block.highest = -1;
      block.stored_slots = 0;
    }
    __syncthreads();
    const SlotObservation obs = block.obs;
    PlannersAtSlot mine;
    for (int32_t i = thread; i < count; i += threads) {
      const ChcMemberRun& m = members[i];
      if (m.run.ended || !m.policy.plans_at(obs)) continue;
      mine.add(m.policy, seen0, policy_view(job, m.run.state), m.run.state.work_done, obs.tick_s);
    }
    // Counts, minima and maxima of integers: the same whatever order the threads merge in.
    if (mine.count > 0) {
      atomicAdd(&block.planners, mine.count);
      atomicMin(&block.lowest, mine.lowest);
      atomicMax(&block.highest, mine.highest);
      atomicMax(&block.stored_slots, mine.stored_slots);
    }
    __syncthreads();
    const bool planned = block.planners > 0;
    if (planned) {
      if (thread == 0) {
        SharedPlanLayout layout = table_layout;
        layout.stored_slots = block.stored_slots;
        prepare_shared_plan(seen0, obs, forecaster, key_params, block.lowest, block.highest, layout,
                            table_memory, &block.work);
      }
      __syncthreads();
      PlanSolver<OnDemandTerminal> lane = block.work.solver(thread, threads);
      lane.begin();
      for (int32_t k = block.work.plan.market.n_slots - 1; k >= 0; --k) {
        __syncthreads();  // layer k reads layer k + 1 at other lanes' states
        lane.layer(k);
      }
      __syncthreads();
    }
    int32_t ended = 0;
    for (int32_t i = thread; i < count; i += threads) {
      ChcMemberRun& m = members[i];
      if (m.run.ended) continue;
      m.policy.shared = planned ? &block.work.plan : nullptr;
      m.run.step(job, m.policy, log);
      if (m.run.ended) {
        done(i, m.run.finish(job));
        ++ended;
      }
    }
    if (ended > 0) atomicSub(&block.live, ended);
    __syncthreads();
  }
}

}  // namespace kernels
}  // namespace spotsweep

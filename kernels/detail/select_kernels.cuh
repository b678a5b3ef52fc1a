#pragma once
// The selector's kernels (docs/select.md, "CUDA backend"). Each takes small views by value;
// kernels/select.cu owns the memory and launches them.
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>
#include <cub/util_type.cuh>

#include <cstdint>

#include "spotsweep/engine/evaluate.hpp"
#include "spotsweep/engine/hedge.hpp"
#include "spotsweep/select/select.hpp"

#include "staged_scenario.cuh"

namespace spotsweep {
namespace kernels {

constexpr int kSelectorThreads = 512;

// The larger value, the lower index on ties: the CPU backend's strict "greater than" scan.
struct FirstMaxOp {
  __device__ cub::KeyValuePair<int64_t, double> operator()(
      const cub::KeyValuePair<int64_t, double>& a,
      const cub::KeyValuePair<int64_t, double>& b) const {
    if (a.value > b.value || (a.value == b.value && a.key < b.key)) return a;
    return b;
  }
};

struct MaxOp {
  __device__ double operator()(double a, double b) const { return a > b ? a : b; }
};

using BlockDoubleReduce = cub::BlockReduce<double, kSelectorThreads>;
using BlockArgMax = cub::BlockReduce<cub::KeyValuePair<int64_t, double>, kSelectorThreads>;

// Play probabilities of one scenario's members from their log-weights scale·G, with the
// entropy and the leader written to the scenario's record.
__global__ void __launch_bounds__(kSelectorThreads)
    selector_weights(const double* weight_gain, int64_t members, double scale, double explore,
                     double* probability, SelectorRoundRecord* records) {
  __shared__ typename BlockDoubleReduce::TempStorage reduce_storage;
  __shared__ typename BlockArgMax::TempStorage argmax_storage;
  __shared__ double max_log_weight, partition;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * members;
  const double* g = weight_gain + row;
  double* p = probability + row;

  double m = -INFINITY;
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
    m = fmax(m, scale * g[k]);
  m = BlockDoubleReduce(reduce_storage).Reduce(m, MaxOp{});
  if (threadIdx.x == 0) max_log_weight = m;
  __syncthreads();
  double z = 0.0;
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
    z += exp(scale * g[k] - max_log_weight);
  z = BlockDoubleReduce(reduce_storage).Sum(z);
  if (threadIdx.x == 0) partition = z;
  __syncthreads();

  double entropy = 0.0;
  cub::KeyValuePair<int64_t, double> leader(members, -1.0);
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x) {
    const double pk =
        selector_probability(scale * g[k], max_log_weight, partition, explore, members);
    p[k] = pk;
    if (pk > 0.0) entropy -= pk * log(pk);
    if (pk > leader.value) leader = cub::KeyValuePair<int64_t, double>(k, pk);
  }
  entropy = BlockDoubleReduce(reduce_storage).Sum(entropy);
  leader = BlockArgMax(argmax_storage).Reduce(leader, FirstMaxOp{});
  if (threadIdx.x == 0) {
    SelectorRoundRecord& rec = records[blockIdx.x];
    rec.entropy = entropy;
    rec.leader = leader.key;
    rec.leader_probability = leader.value;
  }
}

// One thread = one (member, window) job of the round; block (x, y) = members × window y,
// sharing one staged window as the sweep's kernel does. Window y is selector y % selectors's
// scenario under regime y / selectors. Writes the normalised reward at
// reward[window][global member], and adds the block's simulated slots to counters[0] and its
// clamped rewards to counters[1].
template <class Family>
__global__ void __launch_bounds__(kMembersPerBlock, 4)
    evaluate_round(FamilyGridView grid, int64_t first_local, int64_t first_global,
                   int64_t chunk_members, int64_t pool_members, ScenarioBatchView scenarios,
                   const JobSpec* jobs, int32_t rounds, int32_t round, int32_t start_slot,
                   bool stage_in_shared, int32_t selectors, const UtilityRange* ranges,
                   unsigned char* scratch, size_t scratch_bytes, double* reward,
                   unsigned long long* counters) {
  extern __shared__ __align__(16) unsigned char staged[];
  using BlockSlots = cub::BlockReduce<unsigned long long, kMembersPerBlock>;
  __shared__ typename BlockSlots::TempStorage slot_storage;
  const int32_t scenario = static_cast<int32_t>(blockIdx.y);
  const int64_t member = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  MarketView market = scenarios.market(scenario);
  stage_market(market, scenarios.slots, stage_in_shared, staged);

  unsigned long long slots = 0, clamped = 0;
  if (member < chunk_members) {
    double params[kMaxAxes];
    decode_member(grid, first_local + member, params);
    const MemberContext context =
        staged_member_context(scenarios, scenario, market, member, scratch, scratch_bytes);
    const JobSpec job = jobs[static_cast<int64_t>(scenario) * rounds + round];
    const Outcome o = evaluate_member_job<Family>(params, context, job, start_slot);
    reward[static_cast<int64_t>(scenario) * pool_members + first_global + member] =
        normalised_reward(o.utility, ranges[scenario % selectors]);
    slots = static_cast<unsigned long long>(o.slots);
    clamped = reward_is_clamped(o.utility, ranges[scenario % selectors]) ? 1 : 0;
  }
  slots = BlockSlots(slot_storage).Sum(slots);
  __syncthreads();  // the reduction's storage is used again
  clamped = BlockSlots(slot_storage).Sum(clamped);
  if (threadIdx.x == 0) {
    atomicAdd(counters, slots);
    if (clamped > 0) atomicAdd(counters + 1, clamped);
  }
}

// The adaptive adversary, one block per selector: the regime in which the leader trails the
// round's best member by the most (the first on ties), recorded, and its rewards copied to
// round_reward[selector][member] for the rest of the round.
__global__ void __launch_bounds__(kSelectorThreads)
    adversary_choose(const double* reward, int32_t regimes, int32_t selectors, int64_t members,
                     double* round_reward, SelectorRoundRecord* records) {
  __shared__ typename BlockDoubleReduce::TempStorage reduce_storage;
  __shared__ int32_t chosen;
  const int32_t s = static_cast<int32_t>(blockIdx.x);
  const int64_t leader = records[s].leader;
  if (threadIdx.x == 0) chosen = 0;
  double widest = -1.0;
  for (int32_t c = 0; c < regimes; ++c) {
    const double* x = reward + (static_cast<int64_t>(c) * selectors + s) * members;
    double best = -INFINITY;
    for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
      best = fmax(best, x[k]);
    best = BlockDoubleReduce(reduce_storage).Reduce(best, MaxOp{});
    if (threadIdx.x == 0 && best - x[leader] > widest) {
      widest = best - x[leader];
      chosen = c;
    }
    __syncthreads();
  }
  const double* x = reward + (static_cast<int64_t>(chosen) * selectors + s) * members;
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
    round_reward[static_cast<int64_t>(s) * members + k] = x[k];
  if (threadIdx.x == 0) records[s].regime = chosen;
}

// The played member by inverse CDF (the first whose running sum passes draw·Σp), the gain
// update, EXP3's importance-weighted update of the played member, and the best member so far.
__global__ void __launch_bounds__(kSelectorThreads)
    selector_update(const double* probability, const double* reward, double* gain, double* estimate,
                    int64_t members, uint64_t seed, int32_t round, const double* expected_reward,
                    SelectorRoundRecord* records) {
  using BlockScan = cub::BlockScan<double, kSelectorThreads>;
  __shared__ typename BlockDoubleReduce::TempStorage reduce_storage;
  __shared__ typename BlockScan::TempStorage scan_storage;
  __shared__ typename BlockArgMax::TempStorage argmax_storage;
  __shared__ double target;
  __shared__ unsigned long long played;
  const int32_t scenario = static_cast<int32_t>(blockIdx.x);
  const int64_t row = static_cast<int64_t>(scenario) * members;
  const double* p = probability + row;
  const double* x = reward + row;

  double total = 0.0;
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
    total += p[k];
  total = BlockDoubleReduce(reduce_storage).Sum(total);
  if (threadIdx.x == 0) {
    target =
        selector_draw(seed, static_cast<uint32_t>(scenario), static_cast<uint32_t>(round)) * total;
    played = static_cast<unsigned long long>(members);
  }
  __syncthreads();
  double carry = 0.0;
  for (int64_t base = 0; base < members; base += blockDim.x) {
    const int64_t k = base + threadIdx.x;
    const double pk = k < members ? p[k] : 0.0;
    double running = 0.0, tile_total = 0.0;
    BlockScan(scan_storage).InclusiveSum(pk, running, tile_total);
    if (k < members && carry + running > target)
      atomicMin(&played, static_cast<unsigned long long>(k));
    __syncthreads();
    if (played < static_cast<unsigned long long>(members)) break;
    carry += tile_total;
  }
  const int64_t chosen = played < static_cast<unsigned long long>(members)
                             ? static_cast<int64_t>(played)
                             : members - 1;

  cub::KeyValuePair<int64_t, double> best(members, -INFINITY);
  double* g = gain + row;
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x) {
    g[k] += x[k];
    if (g[k] > best.value) best = cub::KeyValuePair<int64_t, double>(k, g[k]);
  }
  best = BlockArgMax(argmax_storage).Reduce(best, FirstMaxOp{});
  if (threadIdx.x == 0) {
    SelectorRoundRecord& rec = records[scenario];
    rec.expected_reward = expected_reward[scenario];
    rec.sampled_member = chosen;
    rec.sampled_reward = x[chosen];
    rec.best_member = best.key;
    rec.best_gain = best.value;
    if (estimate) estimate[row + chosen] += x[chosen] / p[chosen];
  }
}

}  // namespace kernels
}  // namespace spotsweep

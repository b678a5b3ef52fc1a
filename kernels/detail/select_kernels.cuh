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
// One lane of the fixed-order sums per thread, so that they add as the CPU backend does.
static_assert(kSelectorThreads == kFixedSumLanes, "fixed-order sums need one thread per lane");

// What every learner kernel needs to know of the run.
struct LearnerConfig {
  Learner learner = Learner::adahedge;
  EtaSchedule eta = EtaSchedule::fixed;
  int64_t members = 0;
  int32_t horizon = 0;
};

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

// Block-wide reductions whose result every thread gets. The storage is free again on return.
__device__ double block_sum_all(double value, typename BlockDoubleReduce::TempStorage& storage,
                                double* broadcast) {
  const double total = BlockDoubleReduce(storage).Sum(value);
  if (threadIdx.x == 0) *broadcast = total;
  __syncthreads();
  const double result = *broadcast;
  __syncthreads();
  return result;
}

__device__ double block_max_all(double value, typename BlockDoubleReduce::TempStorage& storage,
                                double* broadcast) {
  const double top = BlockDoubleReduce(storage).Reduce(value, MaxOp{});
  if (threadIdx.x == 0) *broadcast = top;
  __syncthreads();
  const double result = *broadcast;
  __syncthreads();
  return result;
}

// Σ_k term(k) in the CPU backend's order (kFixedSumLanes): thread j adds k ≡ j in order, then
// the lanes are added pairwise in a halving tree. lanes: kFixedSumLanes doubles of shared memory.
template <class Term>
__device__ double fixed_order_sum(int64_t n, const Term& term, double* lanes) {
  double sum = 0.0;
  for (int64_t k = threadIdx.x; k < n; k += kFixedSumLanes)
    sum += term(k);
  lanes[threadIdx.x] = sum;
  __syncthreads();
  for (int stride = kFixedSumLanes / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) lanes[threadIdx.x] += lanes[threadIdx.x + stride];
    __syncthreads();
  }
  const double total = lanes[0];
  __syncthreads();
  return total;
}

// Play probabilities of one scenario's members from the learner's scores at its rate (η = +∞:
// the uniform mixture of the members with the largest score), with the entropy, the leader, the
// rate and the pending results written to the scenario's record.
__global__ void __launch_bounds__(kSelectorThreads)
    selector_weights(const double* score, LearnerConfig config, const LearnerState* states,
                     double* probability, SelectorRoundRecord* records) {
  __shared__ typename BlockDoubleReduce::TempStorage reduce_storage;
  __shared__ typename BlockArgMax::TempStorage argmax_storage;
  __shared__ double broadcast;
  const int64_t members = config.members;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * members;
  const double* g = score + row;
  double* p = probability + row;
  const double rate =
      learner_rate(config.learner, config.eta, states[blockIdx.x], members, config.horizon);
  const double explore = learner_explore(config.learner, members, config.horizon);

  if (rate_is_infinite(rate)) {
    double m = -INFINITY;
    for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
      m = fmax(m, g[k]);
    const double top = block_max_all(m, reduce_storage, &broadcast);
    double count = 0.0;
    for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
      count += g[k] == top ? 1.0 : 0.0;
    const double leaders = block_sum_all(count, reduce_storage, &broadcast);
    for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
      p[k] = g[k] == top ? 1.0 / leaders : 0.0;
  } else {
    double m = -INFINITY;
    for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
      m = fmax(m, rate * g[k]);
    const double max_log_weight = block_max_all(m, reduce_storage, &broadcast);
    double z = 0.0;
    for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
      z += exp(rate * g[k] - max_log_weight);
    const double partition = block_sum_all(z, reduce_storage, &broadcast);
    for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
      p[k] = selector_probability(rate * g[k], max_log_weight, partition, explore, members);
  }

  double entropy = 0.0;
  cub::KeyValuePair<int64_t, double> leader(members, -1.0);
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x) {
    const double pk = p[k];
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
    rec.rate = rate;
    rec.pending = states[blockIdx.x].pending;
  }
}

// One thread = one (member, window) job of the round; block (x, y) = members × window y,
// sharing one staged window as the sweep's kernel does. Window y is selector y % selectors's
// scenario under regime y / selectors. Writes the utility (USD) and the slots the job ran at
// [window][global member], and adds the block's simulated slots to counters[0] and, when ranges
// is given (learners that scale by a range), its utilities outside the range to counters[1].
template <class Family>
__global__ void __launch_bounds__(kMembersPerBlock, 4)
    evaluate_round(FamilyGridView grid, int64_t first_local, int64_t first_global,
                   int64_t chunk_members, int64_t pool_members, ScenarioBatchView scenarios,
                   const JobSpec* jobs, int32_t rounds, int32_t round, int32_t start_slot,
                   bool stage_in_shared, int32_t selectors, const UtilityRange* ranges,
                   unsigned char* scratch, size_t scratch_bytes, double* utility,
                   int32_t* job_slots, unsigned long long* counters) {
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
    const int64_t cell = static_cast<int64_t>(scenario) * pool_members + first_global + member;
    utility[cell] = o.utility;
    job_slots[cell] = o.slots;
    slots = static_cast<unsigned long long>(o.slots);
    clamped = ranges && reward_is_clamped(o.utility, ranges[scenario % selectors]) ? 1 : 0;
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
// round's best member by the most (the first on ties), recorded, and its utilities copied to
// round_utility[selector][member] for the rest of the round.
__global__ void __launch_bounds__(kSelectorThreads)
    adversary_choose(const double* utility, int32_t regimes, int32_t selectors, int64_t members,
                     double* round_utility, SelectorRoundRecord* records) {
  __shared__ typename BlockDoubleReduce::TempStorage reduce_storage;
  __shared__ int32_t chosen;
  const int32_t s = static_cast<int32_t>(blockIdx.x);
  const int64_t leader = records[s].leader;
  if (threadIdx.x == 0) chosen = 0;
  double widest = -1.0;
  for (int32_t c = 0; c < regimes; ++c) {
    const double* u = utility + (static_cast<int64_t>(c) * selectors + s) * members;
    double best = -INFINITY;
    for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
      best = fmax(best, u[k]);
    best = BlockDoubleReduce(reduce_storage).Reduce(best, MaxOp{});
    if (threadIdx.x == 0 && best - u[leader] > widest) {
      widest = best - u[leader];
      chosen = c;
    }
    __syncthreads();
  }
  const double* u = utility + (static_cast<int64_t>(chosen) * selectors + s) * members;
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
    round_utility[static_cast<int64_t>(s) * members + k] = u[k];
  if (threadIdx.x == 0) records[s].regime = chosen;
}

// Where a round's feedback waits: queue[scenario][slot] entries and their utilities
// [scenario][slot][member].
struct FeedbackQueueView {
  QueuedRound* entries = nullptr;
  double* utility = nullptr;
  int32_t rounds = 1;  // slots per scenario
};

// The played member by inverse CDF (the first whose running sum passes draw·Σp; the last member
// with weight when none does), the true gains and the best member so far, the baselines'
// utilities (uniform mixture; follow the leader on the fed-back sums, both in the CPU's order),
// and the round queued with its arrival slot: when its last member's job ends (full feedback)
// or the played member's (bandit), or at once without delay.
__global__ void __launch_bounds__(kSelectorThreads)
    selector_update(const double* probability, const double* utility, const int32_t* job_slots,
                    int32_t selectors, double* gain, const double* delivered, int64_t members,
                    uint64_t seed, int32_t round, int32_t start_slot, FeedbackDelay delay,
                    bool bandit, FeedbackQueueView queue, const double* expected_utility,
                    SelectorRoundRecord* records) {
  using BlockScan = cub::BlockScan<double, kSelectorThreads>;
  __shared__ typename BlockDoubleReduce::TempStorage reduce_storage;
  __shared__ typename BlockScan::TempStorage scan_storage;
  __shared__ typename BlockArgMax::TempStorage argmax_storage;
  __shared__ double lanes[kFixedSumLanes];
  __shared__ double target, broadcast;
  __shared__ unsigned long long played;
  const int32_t scenario = static_cast<int32_t>(blockIdx.x);
  const int64_t row = static_cast<int64_t>(scenario) * members;
  const double* p = probability + row;
  const double* u = utility + row;
  const int32_t* slots =
      job_slots + (static_cast<int64_t>(records[scenario].regime) * selectors + scenario) * members;

  double total = 0.0, last_weighted = -1.0;
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x) {
    total += p[k];
    if (p[k] > 0.0) last_weighted = static_cast<double>(k);
  }
  total = block_sum_all(total, reduce_storage, &broadcast);
  last_weighted = block_max_all(last_weighted, reduce_storage, &broadcast);
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
                             : static_cast<int64_t>(last_weighted);

  cub::KeyValuePair<int64_t, double> best(members, -INFINITY);
  double* g = gain + row;
  double top_utility = -INFINITY, longest = 0.0, top_fed = -INFINITY;
  const double* fed = delivered + row;
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x) {
    g[k] += u[k];
    if (g[k] > best.value) best = cub::KeyValuePair<int64_t, double>(k, g[k]);
    top_utility = fmax(top_utility, u[k]);
    longest = fmax(longest, static_cast<double>(slots[k]));
    top_fed = fmax(top_fed, fed[k]);
  }
  best = BlockArgMax(argmax_storage).Reduce(best, FirstMaxOp{});
  top_utility = block_max_all(top_utility, reduce_storage, &broadcast);
  longest = block_max_all(longest, reduce_storage, &broadcast);
  top_fed = block_max_all(top_fed, reduce_storage, &broadcast);
  double leaders = 0.0;
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
    leaders += fed[k] == top_fed ? 1.0 : 0.0;
  leaders = block_sum_all(leaders, reduce_storage, &broadcast);
  const double uniform = fixed_order_sum(
      members, [u](int64_t k) { return u[k]; }, lanes);
  const double ftl = fixed_order_sum(
      members, [u, fed, top_fed](int64_t k) { return fed[k] == top_fed ? u[k] : 0.0; }, lanes);

  // The round's utilities wait in the queue until they arrive.
  const int32_t slot = round % queue.rounds;
  double* queued = queue.utility + (static_cast<int64_t>(scenario) * queue.rounds + slot) * members;
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
    queued[k] = u[k];
  if (threadIdx.x == 0) {
    SelectorRoundRecord& rec = records[scenario];
    rec.expected_utility = expected_utility[scenario];
    rec.sampled_member = chosen;
    rec.sampled_utility = u[chosen];
    rec.best_member = best.key;
    rec.best_cumulative = best.value;
    rec.uniform_utility = uniform / static_cast<double>(members);
    rec.ftl_utility = ftl / leaders;
    QueuedRound& q = queue.entries[static_cast<int64_t>(scenario) * queue.rounds + slot];
    q.round = round;
    q.delivered = 0;
    q.played = chosen;
    q.played_probability = p[chosen];
    q.expected = expected_utility[scenario];
    q.best = top_utility;
    const int32_t ran = bandit ? slots[chosen] : static_cast<int32_t>(longest);
    q.arrival = arrival_slot(delay, start_slot, ran);
  }
}

// The learner fed, one block per scenario, every queued round whose results have arrived by the
// next round's start (oldest first), as the CPU backend's deliver(); then the pending rounds'
// share of the bound, and the bound written to the round's record.
__global__ void __launch_bounds__(kSelectorThreads)
    selector_deliver(LearnerConfig config, LearnerState* states, double* score, double* delivered,
                     FeedbackQueueView queue, const UtilityRange* ranges, int32_t round,
                     int32_t cutoff, SelectorRoundRecord* records) {
  __shared__ typename BlockDoubleReduce::TempStorage reduce_storage;
  __shared__ double broadcast;
  __shared__ LearnerState state;
  const int32_t scenario = static_cast<int32_t>(blockIdx.x);
  const int64_t members = config.members;
  const int64_t row = static_cast<int64_t>(scenario) * members;
  double* g = score + row;
  double* fed = delivered + row;
  const UtilityRange range = ranges[scenario];
  const double explore = learner_explore(config.learner, members, config.horizon);
  QueuedRound* entries = queue.entries + static_cast<int64_t>(scenario) * queue.rounds;
  if (threadIdx.x == 0) state = states[scenario];
  __syncthreads();

  const int32_t first = round - queue.rounds + 1 > 0 ? round - queue.rounds + 1 : 0;
  for (int32_t j = first; j <= round; ++j) {
    const int32_t slot = j % queue.rounds;
    const QueuedRound& q = entries[slot];             // read in place: a copy would spill
    if (q.delivered || q.arrival > cutoff) continue;  // the same for every thread
    const double* u =
        queue.utility + (static_cast<int64_t>(scenario) * queue.rounds + slot) * members;
    const double rate = learner_rate(config.learner, config.eta, state, members, config.horizon);
    const bool follow = rate_is_infinite(rate);

    // The learner's current weights q on the round: max score, ln Z, q·u, q of the played member.
    double m = -INFINITY;
    for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
      m = fmax(m, g[k]);
    const double max_before = block_max_all(m, reduce_storage, &broadcast);
    double partition = 0.0, weighted = 0.0, plain = 0.0;
    for (int64_t k = threadIdx.x; k < members; k += blockDim.x) {
      const double e = follow ? (g[k] == max_before ? 1.0 : 0.0) : exp(rate * (g[k] - max_before));
      partition += e;
      weighted += e * u[k];
      plain += u[k];
    }
    partition = block_sum_all(partition, reduce_storage, &broadcast);
    weighted = block_sum_all(weighted, reduce_storage, &broadcast);
    plain = explore > 0.0 ? block_sum_all(plain, reduce_storage, &broadcast) : 0.0;
    const double played_score = g[q.played];
    double learner_gain = weighted / partition;
    double played_weight = follow ? (played_score == max_before ? 1.0 / partition : 0.0)
                                  : exp(rate * (played_score - max_before)) / partition;
    if (explore > 0.0) {
      learner_gain =
          (1.0 - explore) * learner_gain + explore * plain / static_cast<double>(members);
      played_weight = (1.0 - explore) * played_weight + explore / static_cast<double>(members);
    }
    const double log_partition_before = follow ? 0.0 : log(partition);

    // The update (the scores of AdaHedge and FlipFlop are the fed-back sums themselves).
    double loss = 0.0;
    for (int64_t k = threadIdx.x; k < members; k += blockDim.x) {
      fed[k] += u[k];
      if (config.learner == Learner::hedge) g[k] += normalised_reward(u[k], range);
    }
    __syncthreads();
    if (config.learner == Learner::exp3 || config.learner == Learner::exp3_ada) {
      if (config.learner == Learner::exp3) {
        if (threadIdx.x == 0)
          g[q.played] += normalised_reward(u[q.played], range) / q.played_probability;
      } else {
        loss = exp3_ada_loss_estimate(u[q.played], range, q.played_probability);
        if (threadIdx.x == 0) g[q.played] -= loss;
      }
      __syncthreads();
    }

    double gap = 0.0, shortfall = 0.0;
    if (config.learner == Learner::adahedge || config.learner == Learner::flipflop ||
        config.learner == Learner::exp3_ada) {
      double m_after = -INFINITY;
      for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
        m_after = fmax(m_after, g[k]);
      const double max_after = block_max_all(m_after, reduce_storage, &broadcast);
      double log_partition_after = 0.0;
      if (!follow) {
        double z = 0.0;
        for (int64_t k = threadIdx.x; k < members; k += blockDim.x)
          z += exp(rate * (g[k] - max_after));
        log_partition_after = log(block_sum_all(z, reduce_storage, &broadcast));
      }
      if (config.learner == Learner::exp3_ada && !follow) {
        gap = single_loss_gap(rate, played_weight, loss);
      } else {
        const double gain_of_weights = config.learner == Learner::exp3_ada
                                           ? (played_score == max_before ? -loss / partition : 0.0)
                                           : learner_gain;
        gap = mixability_gap(rate, gain_of_weights, max_before, max_after, log_partition_before,
                             log_partition_after);
      }
      shortfall = soft_max_shortfall(rate, members, log_partition_after);
    }
    if (threadIdx.x == 0) {
      state.drift += learner_gain - q.expected;
      book_delivery(config.learner, state, rate, gap, shortfall);
      entries[slot].delivered = 1;
    }
    __syncthreads();
  }

  if (threadIdx.x == 0) {
    state.pending = 0;
    state.pending_cost = 0.0;
    for (int32_t j = first; j <= round; ++j) {
      const QueuedRound& q = entries[j % queue.rounds];
      if (q.delivered) continue;
      state.pending += 1;
      state.pending_cost += q.best - q.expected;
    }
    SelectorRoundRecord& rec = records[scenario];
    rec.regret_bound =
        selector_bound(config.learner, config.eta, state, members, config.horizon, range.width());
    rec.delay_cost = state.drift + state.pending_cost;
    states[scenario] = state;
  }
}

}  // namespace kernels
}  // namespace spotsweep

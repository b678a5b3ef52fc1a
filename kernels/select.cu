// The selector's CUDA backend: the same round as src/select_cpu.cpp with the gains, play
// probabilities and the round's rewards living on the device ([scenario][member] each), so
// the K×T utility matrix never exists and only S records a round cross to the host.
//   1. selector_weights: one block per scenario, log-sum-exp → probabilities, entropy, leader.
//   2. evaluate_round: one thread per (member, scenario), the sweep's per-job code.
//   3. cuBLAS: expected rewards Σ_k p_k x_k for all scenarios, one strided-batched GEMV.
//   4. selector_update: one block per scenario, inverse-CDF draw by block scans, gain update,
//      argmax of the gains.
// Also run_selector's backend choice for CUDA builds.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <chrono>
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>
#include <cub/util_type.cuh>
#include <limits>
#include <memory>
#include <vector>

#include "detail/device_buffer.cuh"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/select/select.hpp"
#include "detail/staged_scenario.cuh"

namespace spotsweep {
namespace kernels {

constexpr int kSelectorThreads = 512;

// The larger value, the lower index on ties: the CPU backend's strict "greater than" scan.
struct FirstMaxOp {
  __device__ cub::KeyValuePair<int64_t, double> operator()(const cub::KeyValuePair<int64_t, double>& a,
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
__global__ void __launch_bounds__(kSelectorThreads) selector_weights(const double* weight_gain, int64_t members,
                                                                     double scale, double explore,
                                                                     double* probability,
                                                                     SelectorRoundRecord* records) {
  __shared__ typename BlockDoubleReduce::TempStorage reduce_storage;
  __shared__ typename BlockArgMax::TempStorage argmax_storage;
  __shared__ double max_log_weight, partition;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * members;
  const double* g = weight_gain + row;
  double* p = probability + row;

  double m = -INFINITY;
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x) m = fmax(m, scale * g[k]);
  m = BlockDoubleReduce(reduce_storage).Reduce(m, MaxOp{});
  if (threadIdx.x == 0) max_log_weight = m;
  __syncthreads();
  double z = 0.0;
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x) z += exp(scale * g[k] - max_log_weight);
  z = BlockDoubleReduce(reduce_storage).Sum(z);
  if (threadIdx.x == 0) partition = z;
  __syncthreads();

  double entropy = 0.0;
  cub::KeyValuePair<int64_t, double> leader(members, -1.0);
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x) {
    const double pk = selector_probability(scale * g[k], max_log_weight, partition, explore, members);
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
    evaluate_round(FamilyGridView grid, int64_t first_local, int64_t first_global, int64_t chunk_members,
                   int64_t pool_members, ScenarioBatchView scenarios, const JobSpec* jobs, int32_t rounds,
                   int32_t round, int32_t start_slot, bool stage_in_shared, int32_t selectors,
                   const UtilityRange* ranges,
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
__global__ void __launch_bounds__(kSelectorThreads) adversary_choose(const double* reward, int32_t regimes,
                                                                     int32_t selectors, int64_t members,
                                                                     double* round_reward,
                                                                     SelectorRoundRecord* records) {
  __shared__ typename BlockDoubleReduce::TempStorage reduce_storage;
  __shared__ int32_t chosen;
  const int32_t s = static_cast<int32_t>(blockIdx.x);
  const int64_t leader = records[s].leader;
  if (threadIdx.x == 0) chosen = 0;
  double widest = -1.0;
  for (int32_t c = 0; c < regimes; ++c) {
    const double* x = reward + (static_cast<int64_t>(c) * selectors + s) * members;
    double best = -INFINITY;
    for (int64_t k = threadIdx.x; k < members; k += blockDim.x) best = fmax(best, x[k]);
    best = BlockDoubleReduce(reduce_storage).Reduce(best, MaxOp{});
    if (threadIdx.x == 0 && best - x[leader] > widest) {
      widest = best - x[leader];
      chosen = c;
    }
    __syncthreads();
  }
  const double* x = reward + (static_cast<int64_t>(chosen) * selectors + s) * members;
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x) round_reward[static_cast<int64_t>(s) * members + k] = x[k];
  if (threadIdx.x == 0) records[s].regime = chosen;
}

// The played member by inverse CDF (the first whose running sum passes draw·Σp), the gain
// update, EXP3's importance-weighted update of the played member, and the best member so far.
__global__ void __launch_bounds__(kSelectorThreads) selector_update(const double* probability, const double* reward,
                                                                    double* gain, double* estimate,
                                                                    int64_t members, uint64_t seed, int32_t round,
                                                                    const double* expected_reward,
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
  for (int64_t k = threadIdx.x; k < members; k += blockDim.x) total += p[k];
  total = BlockDoubleReduce(reduce_storage).Sum(total);
  if (threadIdx.x == 0) {
    target = selector_draw(seed, static_cast<uint32_t>(scenario), static_cast<uint32_t>(round)) * total;
    played = static_cast<unsigned long long>(members);
  }
  __syncthreads();
  double carry = 0.0;
  for (int64_t base = 0; base < members; base += blockDim.x) {
    const int64_t k = base + threadIdx.x;
    const double pk = k < members ? p[k] : 0.0;
    double running = 0.0, tile_total = 0.0;
    BlockScan(scan_storage).InclusiveSum(pk, running, tile_total);
    if (k < members && carry + running > target) atomicMin(&played, static_cast<unsigned long long>(k));
    __syncthreads();
    if (played < static_cast<unsigned long long>(members)) break;
    carry += tile_total;
  }
  const int64_t chosen = played < static_cast<unsigned long long>(members) ? static_cast<int64_t>(played)
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

namespace {

using kernels::blocks_for;
using kernels::DeviceBuffer;
using kernels::DeviceMemoryMeter;

void cublas_try(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw CudaError(std::string("cuBLAS: ") + what + " failed with status " + std::to_string(static_cast<int>(status)));
}

// The workspace cuBLAS recommends on Hopper (32 MiB); smaller devices use less of it.
constexpr std::size_t kCublasWorkspaceBytes = 32u << 20;

// Owns the cuBLAS handle for one run.
class CublasHandle {
 public:
  CublasHandle() { cublas_try(cublasCreate(&handle_), "cublasCreate"); }
  ~CublasHandle() { cublasDestroy(handle_); }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  operator cublasHandle_t() const { return handle_; }

 private:
  cublasHandle_t handle_ = nullptr;
};

SelectorRun run_selector_cuda(const SweepPlan& plan, const std::vector<UtilityRange>& ranges,
                              const SelectOptions& options, const RoundProgress& progress) {
  const DeviceInfo device = query_device();
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t K = plan.pool.size;
  const int32_t S = selector_scenarios(plan, options), T = plan.rounds;
  const int32_t windows = plan.scenarios.count, regimes = options.regimes;
  SPOTSWEEP_EXPECTS(static_cast<int32_t>(ranges.size()) == S, "one utility range per scenario");
  if (K > std::numeric_limits<int>::max())
    throw input_error("", "pool", std::to_string(K), "the CUDA selector takes at most 2^31 - 1 members");
  const bool bandit = options.feedback == Feedback::bandit;
  const double explore = bandit ? exp3_gamma(K, T) : 0.0;
  DeviceMemoryMeter meter;

  const kernels::DeviceScenarioSet device_scenarios(plan.scenarios, meter);
  DeviceBuffer<JobSpec> job_specs(plan.jobs, meter);
  DeviceBuffer<UtilityRange> range_buffer(ranges, meter);
  const kernels::DevicePoolAxes axes(plan.pool, meter);
  const size_t cells = static_cast<size_t>(S) * static_cast<size_t>(K);
  // The budget is checked before the K×S state is allocated, so that a pool too large for it
  // is an error naming the flag rather than a failed cudaMalloc.
  const std::size_t budget = kernels::device_budget_bytes(options.max_device_mem_bytes,
                                                          options.max_device_mem_fraction, device, meter);
  const std::size_t state_bytes =
      sizeof(double) * (cells * (2 + (regimes > 1 ? 1 : 0) + (bandit ? 1 : 0)) + static_cast<size_t>(windows) * K + S) +
      sizeof(SelectorRoundRecord) * S + 2 * sizeof(unsigned long long) + kCublasWorkspaceBytes;
  if (meter.current + state_bytes + kernels::kDeviceMemoryMargin > budget)
    throw input_error("", "--max-device-mem", std::to_string(budget),
                      "too small for the selector's state of " + std::to_string(K) + " members x " +
                          std::to_string(S) + " scenarios: it needs " +
                          std::to_string(meter.current + state_bytes + kernels::kDeviceMemoryMargin) + " bytes");
  DeviceBuffer<double> gain(cells, meter), probability(cells, meter);
  DeviceBuffer<double> reward(static_cast<size_t>(windows) * K, meter);  // [window][member]
  DeviceBuffer<double> adversary_reward(regimes > 1 ? cells : 0, meter);  // the chosen regime's rows
  double* round_reward = regimes > 1 ? adversary_reward.data() : reward.data();
  DeviceBuffer<double> estimate(bandit ? cells : 0, meter);
  DeviceBuffer<double> expected(S, meter);
  DeviceBuffer<SelectorRoundRecord> records(S, meter);
  DeviceBuffer<unsigned long long> counters(2, meter);  // policy-slot steps, clamped rewards
  DeviceBuffer<unsigned char> cublas_workspace(kCublasWorkspaceBytes, meter);
  SPOTSWEEP_CUDA_TRY(cudaMemset(gain.data(), 0, cells * sizeof(double)));
  // Without an adversary no kernel writes a record's regime: it stays 0, as on the CPU.
  SPOTSWEEP_CUDA_TRY(cudaMemset(records.data(), 0, S * sizeof(SelectorRoundRecord)));
  if (bandit) SPOTSWEEP_CUDA_TRY(cudaMemset(estimate.data(), 0, cells * sizeof(double)));
  SPOTSWEEP_CUDA_TRY(cudaMemset(counters.data(), 0, 2 * sizeof(unsigned long long)));

  const ScenarioBatchView scenarios = device_scenarios.view();
  const std::size_t scenario_bytes = device_scenarios.staged_bytes();
  const bool stage = scenario_bytes > 0;

  // What is left of the budget goes to the per-thread working memory of families that need
  // it (CHC's planner): it bounds the members evaluated per launch.
  const std::size_t scratch_bytes = max_scratch_bytes(plan);
  int64_t chunk_cap = K;
  if (scratch_bytes > 0) {
    const std::size_t left = budget - meter.current - kernels::kDeviceMemoryMargin;
    chunk_cap = std::min<int64_t>(K, static_cast<int64_t>(left / (scratch_bytes * static_cast<std::size_t>(windows))));
    if (chunk_cap < 1)
      throw input_error("", "--max-device-mem", std::to_string(budget),
                        "too small for one member's planner memory on every scenario");
  }
  if (options.max_chunk_members > 0) chunk_cap = std::min(chunk_cap, options.max_chunk_members);
  DeviceBuffer<unsigned char> scratch(scratch_bytes > 0 ? static_cast<std::size_t>(chunk_cap) * windows * scratch_bytes : 0,
                                      meter);
  CublasHandle cublas;
  // cuBLAS's own workspace, given to it so that the meter and the budget count it.
  cublas_try(cublasSetWorkspace(cublas, cublas_workspace.data(), kCublasWorkspaceBytes), "cublasSetWorkspace");

  SelectorRun run;
  run.records.resize(static_cast<size_t>(T) * S);
  run.backend = Backend::cuda;
  run.device = cuda_device_label(device);
  double* weight_gain = bandit ? estimate.data() : gain.data();
  const double one = 1.0, zero = 0.0;
  const int k_int = static_cast<int>(K);

  for (int32_t r = 0; r < T; ++r) {
    const double scale = selector_log_weight_scale(options.feedback, options.eta, K, T, r + 1);
    kernels::selector_weights<<<S, kernels::kSelectorThreads>>>(weight_gain, K, scale, explore, probability.data(),
                                                                records.data());
    SPOTSWEEP_CUDA_CHECK_LAST();
    for (std::size_t f = 0; f < plan.pool.families.size(); ++f) {
      const FamilyGrid& grid = plan.pool.families[f];
      const FamilyGridView grid_view = axes.grid(f);
      for (int64_t first = 0; first < grid.size; first += chunk_cap) {
        const int64_t n = std::min(chunk_cap, grid.size - first);
        const dim3 blocks(blocks_for(n, kernels::kMembersPerBlock), static_cast<unsigned>(windows));
        visit_family(grid.family, [&](auto family) {
          kernels::evaluate_round<decltype(family)><<<blocks, kernels::kMembersPerBlock, stage ? scenario_bytes : 0>>>(
              grid_view, first, grid.first_member + first, n, K, scenarios, job_specs.data(), T, r,
              plan.round_start[r], stage, S, range_buffer.data(), scratch.data(), scratch_bytes, reward.data(),
              counters.data());
        });
        SPOTSWEEP_CUDA_CHECK_LAST();
      }
    }
    if (regimes > 1) {
      kernels::adversary_choose<<<S, kernels::kSelectorThreads>>>(reward.data(), regimes, S, K, round_reward,
                                                                  records.data());
      SPOTSWEEP_CUDA_CHECK_LAST();
    }
    // expected[s] = reward_s · probability_s: a K×1 matrix transposed times a K-vector, batched.
    cublas_try(cublasDgemvStridedBatched(cublas, CUBLAS_OP_T, k_int, 1, &one, round_reward, k_int, K,
                                         probability.data(), 1, K, &zero, expected.data(), 1, 1, S),
               "cublasDgemvStridedBatched");
    kernels::selector_update<<<S, kernels::kSelectorThreads>>>(probability.data(), round_reward, gain.data(),
                                                               bandit ? estimate.data() : nullptr, K,
                                                               options.seed, r, expected.data(), records.data());
    SPOTSWEEP_CUDA_CHECK_LAST();
    SPOTSWEEP_CUDA_TRY(cudaMemcpy(run.records.data() + static_cast<size_t>(r) * S, records.data(),
                                  S * sizeof(SelectorRoundRecord), cudaMemcpyDeviceToHost));
    if (progress) progress(r + 1, T);
  }

  // The weights after the last update, as the CPU backend reports them.
  const double final_scale = selector_log_weight_scale(options.feedback, options.eta, K, T, T + 1);
  kernels::selector_weights<<<S, kernels::kSelectorThreads>>>(weight_gain, K, final_scale, explore,
                                                              probability.data(), records.data());
  SPOTSWEEP_CUDA_CHECK_LAST();
  run.final_probability.resize(cells);
  SPOTSWEEP_CUDA_TRY(cudaMemcpy(run.final_probability.data(), probability.data(), cells * sizeof(double),
                                cudaMemcpyDeviceToHost));
  unsigned long long host_counters[2] = {0, 0};
  SPOTSWEEP_CUDA_TRY(cudaMemcpy(host_counters, counters.data(), sizeof host_counters, cudaMemcpyDeviceToHost));
  run.policy_slot_steps = static_cast<int64_t>(host_counters[0]);
  run.rewards_clamped = static_cast<int64_t>(host_counters[1]);
  run.device_peak_bytes = meter.peak;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

}  // namespace

SelectorRun run_selector(const SweepPlan& plan, const std::vector<UtilityRange>& ranges,
                         const SelectOptions& options, const RoundProgress& progress) {
  return resolve_backend(options.backend, query_device()) == Backend::cuda
             ? run_selector_cuda(plan, ranges, options, progress)
             : run_selector_cpu(plan, ranges, options, progress);
}

}  // namespace spotsweep

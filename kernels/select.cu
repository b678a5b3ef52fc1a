// The selector's CUDA backend: the same round as src/select_cpu.cpp with the gains, play
// probabilities and the round's rewards living on the device ([scenario][member] each), so
// the K×T utility matrix never exists and only S records a round cross to the host.
//   1. selector_weights: one block per scenario, log-sum-exp → probabilities, entropy, leader.
//   2. evaluate_round: one thread per (member, scenario), the sweep's per-job code.
//   3. cuBLAS: expected rewards Σ_k p_k x_k for all scenarios, one strided-batched GEMV.
//   4. selector_update: one block per scenario, inverse-CDF draw by block scans, gain update,
//      argmax of the gains.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <chrono>
#include <limits>
#include <memory>
#include <vector>

#include "spotsweep/backend/cuda.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/stop.hpp"

#include "detail/device_buffer.cuh"
#include "detail/select_kernels.cuh"

namespace spotsweep {
namespace {

using kernels::blocks_for;
using kernels::DeviceBuffer;
using kernels::DeviceMemoryMeter;

void cublas_try(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw CudaError(std::string("cuBLAS: ") + what + " failed with status " +
                    std::to_string(static_cast<int>(status)));
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

}  // namespace

SelectorRun run_selector_cuda(const SweepPlan& plan, const std::vector<UtilityRange>& ranges,
                              const SelectOptions& options, const RoundProgress& progress) {
  const DeviceInfo device = query_device();
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t K = plan.pool.size;
  const int32_t S = selector_scenarios(plan, options), T = plan.rounds;
  const int32_t windows = plan.scenarios.count, regimes = options.regimes;
  SPOTSWEEP_EXPECTS(static_cast<int32_t>(ranges.size()) == S, "one utility range per scenario");
  if (K > std::numeric_limits<int>::max())
    throw input_error("", "pool", std::to_string(K),
                      "the CUDA selector takes at most 2^31 - 1 members");
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
  const std::size_t budget = kernels::device_budget_bytes(options.exec, device, meter);
  const std::size_t state_bytes =
      sizeof(double) * (cells * (2 + (regimes > 1 ? 1 : 0) + (bandit ? 1 : 0)) +
                        static_cast<size_t>(windows) * K + S) +
      sizeof(SelectorRoundRecord) * S + 2 * sizeof(unsigned long long) + kCublasWorkspaceBytes;
  if (meter.current + state_bytes + kernels::kDeviceMemoryMargin > budget)
    throw input_error(
        "", "--max-device-mem", std::to_string(budget),
        "too small for the selector's state of " + std::to_string(K) + " members x " +
            std::to_string(S) + " scenarios: it needs " +
            std::to_string(meter.current + state_bytes + kernels::kDeviceMemoryMargin) + " bytes");
  DeviceBuffer<double> gain(cells, meter), probability(cells, meter);
  DeviceBuffer<double> reward(static_cast<size_t>(windows) * K, meter);  // [window][member]
  DeviceBuffer<double> adversary_reward(regimes > 1 ? cells : 0,
                                        meter);  // the chosen regime's rows
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
    chunk_cap = std::min<int64_t>(
        K, static_cast<int64_t>(left / (scratch_bytes * static_cast<std::size_t>(windows))));
    if (chunk_cap < 1)
      throw input_error("", "--max-device-mem", std::to_string(budget),
                        "too small for one member's planner memory on every scenario");
  }
  if (options.exec.max_chunk_members > 0)
    chunk_cap = std::min(chunk_cap, options.exec.max_chunk_members);
  DeviceBuffer<unsigned char> scratch(
      scratch_bytes > 0 ? static_cast<std::size_t>(chunk_cap) * windows * scratch_bytes : 0, meter);
  CublasHandle cublas;
  // cuBLAS's own workspace, given to it so that the meter and the budget count it.
  cublas_try(cublasSetWorkspace(cublas, cublas_workspace.data(), kCublasWorkspaceBytes),
             "cublasSetWorkspace");

  SelectorRun run;
  run.records.resize(static_cast<size_t>(T) * S);
  run.backend = Backend::cuda;
  run.device = cuda_device_label(device);
  double* weight_gain = bandit ? estimate.data() : gain.data();
  const double one = 1.0, zero = 0.0;
  const int k_int = static_cast<int>(K);

  for (int32_t r = 0; r < T; ++r) {
    throw_if_stop_requested();  // SIGINT/SIGTERM: stop between rounds
    const double scale = selector_log_weight_scale(options.feedback, options.eta, K, T, r + 1);
    kernels::selector_weights<<<S, kernels::kSelectorThreads>>>(weight_gain, K, scale, explore,
                                                                probability.data(), records.data());
    SPOTSWEEP_CUDA_CHECK_LAST();
    for (std::size_t f = 0; f < plan.pool.families.size(); ++f) {
      const FamilyGrid& grid = plan.pool.families[f];
      const FamilyGridView grid_view = axes.grid(f);
      for (int64_t first = 0; first < grid.size; first += chunk_cap) {
        const int64_t n = std::min(chunk_cap, grid.size - first);
        const dim3 blocks(blocks_for(n, kernels::kMembersPerBlock), static_cast<unsigned>(windows));
        visit_family(grid.family, [&](auto family) {
          kernels::evaluate_round<decltype(family)>
              <<<blocks, kernels::kMembersPerBlock, stage ? scenario_bytes : 0>>>(
                  grid_view, first, grid.first_member + first, n, K, scenarios, job_specs.data(), T,
                  r, plan.round_start[r], stage, S, range_buffer.data(), scratch.data(),
                  scratch_bytes, reward.data(), counters.data());
        });
        SPOTSWEEP_CUDA_CHECK_LAST();
      }
    }
    if (regimes > 1) {
      kernels::adversary_choose<<<S, kernels::kSelectorThreads>>>(reward.data(), regimes, S, K,
                                                                  round_reward, records.data());
      SPOTSWEEP_CUDA_CHECK_LAST();
    }
    // expected[s] = reward_s · probability_s: a K×1 matrix transposed times a K-vector, batched.
    cublas_try(
        cublasDgemvStridedBatched(cublas, CUBLAS_OP_T, k_int, 1, &one, round_reward, k_int, K,
                                  probability.data(), 1, K, &zero, expected.data(), 1, 1, S),
        "cublasDgemvStridedBatched");
    kernels::selector_update<<<S, kernels::kSelectorThreads>>>(
        probability.data(), round_reward, gain.data(), bandit ? estimate.data() : nullptr, K,
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
  SPOTSWEEP_CUDA_TRY(cudaMemcpy(run.final_probability.data(), probability.data(),
                                cells * sizeof(double), cudaMemcpyDeviceToHost));
  unsigned long long host_counters[2] = {0, 0};
  SPOTSWEEP_CUDA_TRY(
      cudaMemcpy(host_counters, counters.data(), sizeof host_counters, cudaMemcpyDeviceToHost));
  run.policy_slot_steps = static_cast<int64_t>(host_counters[0]);
  run.rewards_clamped = static_cast<int64_t>(host_counters[1]);
  run.device_peak_bytes = meter.peak;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

}  // namespace spotsweep

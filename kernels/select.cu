// The selector's CUDA backend: the same round as src/backend/cpu_select.cpp with the gains, the
// learner's scores, the play probabilities, the round's utilities and the feedback queue living
// on the device ([scenario][member] each), so the K×T utility matrix never exists and only S
// records a round cross to the host.
//   1. selector_weights: one block per scenario, log-sum-exp → probabilities, entropy, leader.
//   2. evaluate_round: one thread per (member, scenario), the sweep's per-job code.
//   3. cuBLAS: expected utilities Σ_k p_k u_k for all scenarios, one strided-batched GEMV.
//   4. selector_update: one block per scenario, inverse-CDF draw by block scans, gain update,
//      argmax of the gains, the baselines' utilities, the round queued.
//   5. selector_deliver: one block per scenario, the learner fed the rounds that have arrived.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <chrono>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "spotsweep/backend/cuda.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/mpi.hpp"
#include "spotsweep/detail/stop.hpp"

#include "detail/chc_select_kernels.cuh"
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
  const Learner learner = options.learner;
  const bool bandit = options.feedback() == Feedback::bandit;
  const bool own_scores = learner_has_own_scores(learner);
  const int32_t queue_rounds = feedback_queue_rounds(plan, options);
  DeviceMemoryMeter meter;

  const kernels::DeviceScenarioSet device_scenarios(plan.scenarios, meter);
  DeviceBuffer<JobSpec> job_specs(plan.jobs, meter);
  DeviceBuffer<UtilityRange> range_buffer(ranges, meter);
  const kernels::DevicePoolAxes axes(plan.pool, meter);
  const size_t cells = static_cast<size_t>(S) * static_cast<size_t>(K);
  const size_t window_cells = static_cast<size_t>(windows) * static_cast<size_t>(K);
  const size_t queue_cells = cells * static_cast<size_t>(queue_rounds);
  // The budget is checked before the K×S state is allocated, so that a pool too large for it
  // is an error naming the flag rather than a failed cudaMalloc.
  const std::size_t budget = kernels::device_budget_bytes(options.exec, device, meter);
  const std::size_t state_bytes =
      sizeof(double) * (cells * (3 + (own_scores ? 1 : 0) + (regimes > 1 ? 1 : 0)) + window_cells +
                        queue_cells + S) +
      sizeof(int32_t) * window_cells + sizeof(QueuedRound) * static_cast<size_t>(S) * queue_rounds +
      sizeof(LearnerState) * S + sizeof(SelectorRoundRecord) * S + 2 * sizeof(unsigned long long) +
      kCublasWorkspaceBytes;
  if (meter.current + state_bytes + kernels::kDeviceMemoryMargin > budget)
    throw input_error(
        "", "--max-device-mem", std::to_string(budget),
        "too small for the selector's state of " + std::to_string(K) + " members x " +
            std::to_string(S) + " scenarios (" + std::to_string(queue_rounds) +
            " rounds of feedback queued): it needs " +
            std::to_string(meter.current + state_bytes + kernels::kDeviceMemoryMargin) + " bytes");
  DeviceBuffer<double> gain(cells, meter), delivered(cells, meter), probability(cells, meter);
  DeviceBuffer<double> own_score(own_scores ? cells : 0, meter);
  double* score = own_scores ? own_score.data() : delivered.data();
  DeviceBuffer<double> utility(window_cells, meter);     // [window][member], USD
  DeviceBuffer<int32_t> job_slots(window_cells, meter);  // [window][member]
  DeviceBuffer<double> adversary_utility(regimes > 1 ? cells : 0,
                                         meter);  // the chosen regime's rows
  double* round_utility = regimes > 1 ? adversary_utility.data() : utility.data();
  DeviceBuffer<double> queued(queue_cells, meter);
  DeviceBuffer<QueuedRound> queue_entries(
      std::vector<QueuedRound>(static_cast<size_t>(S) * queue_rounds), meter);
  DeviceBuffer<LearnerState> states(std::vector<LearnerState>(static_cast<size_t>(S)), meter);
  DeviceBuffer<double> expected(S, meter);
  DeviceBuffer<SelectorRoundRecord> records(S, meter);
  DeviceBuffer<unsigned long long> counters(2, meter);  // policy-slot steps, clamped rewards
  DeviceBuffer<unsigned char> cublas_workspace(kCublasWorkspaceBytes, meter);
  SPOTSWEEP_CUDA_TRY(cudaMemset(gain.data(), 0, cells * sizeof(double)));
  SPOTSWEEP_CUDA_TRY(cudaMemset(delivered.data(), 0, cells * sizeof(double)));
  if (own_scores) SPOTSWEEP_CUDA_TRY(cudaMemset(own_score.data(), 0, cells * sizeof(double)));
  // Without an adversary no kernel writes a record's regime: it stays 0, as on the CPU.
  SPOTSWEEP_CUDA_TRY(cudaMemset(records.data(), 0, S * sizeof(SelectorRoundRecord)));
  SPOTSWEEP_CUDA_TRY(cudaMemset(counters.data(), 0, 2 * sizeof(unsigned long long)));
  const kernels::FeedbackQueueView queue{queue_entries.data(), queued.data(), queue_rounds};
  kernels::LearnerConfig config;
  config.learner = learner;
  config.eta = options.eta;
  config.members = K;
  config.horizon = T;

  const ScenarioBatchView scenarios = device_scenarios.view();
  const std::size_t scenario_bytes = device_scenarios.staged_bytes();
  const bool stage = scenario_bytes > 0;

  // CHC members run by planning key, in the blocks' working memory (kernels/detail/
  // chc_key_workspace.cuh). What is left of the budget goes to the per-thread working memory
  // of other families that need it: it bounds the members evaluated per launch.
  const kernels::ChcKeyPlanning chc =
      kernels::plan_chc_keys(plan, device, budget - meter.current - kernels::kDeviceMemoryMargin);
  DeviceBuffer<unsigned char> chc_workspace(
      static_cast<std::size_t>(chc.blocks) * chc.layout.bytes(), meter);
  const std::size_t scratch_bytes = max_scratch_bytes(plan, family_id<ChcFamily>);
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
  const double one = 1.0, zero = 0.0;
  const int k_int = static_cast<int>(K);

  for (int32_t r = 0; r < T; ++r) {
    throw_if_stop_requested();  // SIGINT/SIGTERM: stop between rounds
    kernels::selector_weights<<<S, kernels::kSelectorThreads>>>(score, config, states.data(),
                                                                probability.data(), records.data());
    SPOTSWEEP_CUDA_CHECK_LAST();
    for (std::size_t f = 0; f < plan.pool.families.size(); ++f) {
      const FamilyGrid& grid = plan.pool.families[f];
      const FamilyGridView grid_view = axes.grid(f);
      if (grid.family == family_id<ChcFamily>) {
        const ChcKeyLayout layout = chc_key_layout(grid_view);
        kernels::evaluate_chc_round<<<static_cast<unsigned>(
                                          std::min<int64_t>(chc.blocks, layout.keys * windows)),
                                      kernels::kChcKeyThreads>>>(
            grid_view, layout, grid.first_member, K, scenarios, job_specs.data(), T, r,
            plan.round_start[r], chc.widest_commit, S,
            learner_uses_range(learner) ? range_buffer.data() : nullptr,
            kernels::ChcKeyWorkspaceView{chc_workspace.data(), chc.layout}, utility.data(),
            job_slots.data(), counters.data());
        SPOTSWEEP_CUDA_CHECK_LAST();
        continue;
      }
      for (int64_t first = 0; first < grid.size; first += chunk_cap) {
        const int64_t n = std::min(chunk_cap, grid.size - first);
        const dim3 blocks(blocks_for(n, kernels::kMembersPerBlock), static_cast<unsigned>(windows));
        visit_family(grid.family, [&](auto family) {
          using Family = decltype(family);
          if constexpr (!std::is_same_v<Family, ChcFamily>)  // CHC went by key above
            kernels::evaluate_round<Family>
                <<<blocks, kernels::kMembersPerBlock, stage ? scenario_bytes : 0>>>(
                    grid_view, first, grid.first_member + first, n, K, scenarios, job_specs.data(),
                    T, r, plan.round_start[r], stage, S,
                    learner_uses_range(learner) ? range_buffer.data() : nullptr, scratch.data(),
                    scratch_bytes, utility.data(), job_slots.data(), counters.data());
        });
        SPOTSWEEP_CUDA_CHECK_LAST();
      }
    }
    if (regimes > 1) {
      kernels::adversary_choose<<<S, kernels::kSelectorThreads>>>(utility.data(), regimes, S, K,
                                                                  round_utility, records.data());
      SPOTSWEEP_CUDA_CHECK_LAST();
    }
    // expected[s] = utility_s · probability_s: a K×1 matrix transposed times a K-vector, batched.
    cublas_try(
        cublasDgemvStridedBatched(cublas, CUBLAS_OP_T, k_int, 1, &one, round_utility, k_int, K,
                                  probability.data(), 1, K, &zero, expected.data(), 1, 1, S),
        "cublasDgemvStridedBatched");
    kernels::selector_update<<<S, kernels::kSelectorThreads>>>(
        probability.data(), round_utility, job_slots.data(), S, gain.data(), delivered.data(), K,
        options.seed, r, plan.round_start[r], options.delay, bandit, queue, expected.data(),
        mpi::member_block(), records.data());
    SPOTSWEEP_CUDA_CHECK_LAST();
    kernels::selector_deliver<<<S, kernels::kSelectorThreads>>>(
        config, states.data(), score, delivered.data(), queue, range_buffer.data(), r,
        next_round_start(plan, r), records.data());
    SPOTSWEEP_CUDA_CHECK_LAST();
    SPOTSWEEP_CUDA_TRY(cudaMemcpy(run.records.data() + static_cast<size_t>(r) * S, records.data(),
                                  S * sizeof(SelectorRoundRecord), cudaMemcpyDeviceToHost));
    if (progress) progress(r + 1, T);
  }

  // The weights after the last update, as the CPU backend reports them.
  kernels::selector_weights<<<S, kernels::kSelectorThreads>>>(score, config, states.data(),
                                                              probability.data(), records.data());
  SPOTSWEEP_CUDA_CHECK_LAST();
  run.final_probability.resize(cells);
  run.member_begin = 0;
  run.member_end = K;
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

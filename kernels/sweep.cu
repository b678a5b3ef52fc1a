// The CUDA backend of the sweep: stages the plan once, then evaluates the pool chunk by
// chunk so that device memory stays under the budget; one block per (member, metric) selects
// the percentiles from the member's keys.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "spotsweep/backend/cuda.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/stop.hpp"

#include "detail/chc_sweep_kernels.cuh"
#include "detail/device_buffer.cuh"
#include "detail/sweep_kernels.cuh"

namespace spotsweep {

namespace {

using kernels::blocks_for;
using kernels::DeviceBuffer;
using kernels::DeviceMemoryMeter;

// The most device memory a chunk's percentile keys take: kPercentileMetrics · jobs floats a
// member, so a chunk holds fewer members when percentiles are on (docs/BENCHMARKS.md,
// "Percentiles without the sort"): some 10,000 at the bench's size, × 64 scenarios of threads,
// enough to fill the device. A chunk holds at least one member, and one CHC planning key's.
constexpr std::size_t kPercentileKeyBytes = std::size_t(768) << 20;

// Device bytes per member of a chunk.
std::size_t bytes_per_member(int32_t scenario_count, int64_t jobs, bool percentiles,
                             std::size_t scratch_bytes) {
  std::size_t b = (sizeof(OutcomeSums) + scratch_bytes) * static_cast<std::size_t>(scenario_count) +
                  sizeof(OutcomeSums);
  if (percentiles)
    b += sizeof(float) * kPercentileMetrics * static_cast<std::size_t>(jobs) +
         sizeof(float) * kPercentileMetrics * kPercentileCount;
  return b;
}

// The largest chunk whose buffers fit in the budget left after the plan, with its percentile
// keys within kPercentileKeyBytes (but at least min_members).
int64_t choose_chunk(std::size_t budget_left, int64_t pool_members, int32_t scenario_count,
                     int64_t jobs, bool percentiles, std::size_t scratch_bytes,
                     int64_t min_members) {
  const std::size_t per_member = bytes_per_member(scenario_count, jobs, percentiles, scratch_bytes);
  int64_t chunk = std::min<int64_t>(static_cast<int64_t>(budget_left / per_member), pool_members);
  if (percentiles) {
    const int64_t key_bytes = static_cast<int64_t>(sizeof(float)) * kPercentileMetrics * jobs;
    const int64_t key_cap = static_cast<int64_t>(kPercentileKeyBytes) / key_bytes;
    chunk = std::min(chunk, std::max<int64_t>({key_cap, min_members, 1}));
  }
  return chunk;
}

}  // namespace

SweepResult run_sweep_cuda(const SweepPlan& plan, const SweepOptions& options,
                           const ProgressCallback& progress) {
  check_trace_members(plan, options.trace_members);
  const DeviceInfo device = query_device();
  const auto t0 = std::chrono::steady_clock::now();
  int64_t begin = 0, end = 0;  // an MPI rank's share of the members, or the whole pool
  sweep_member_range(plan, options, &begin, &end);
  const int64_t jobs = plan.jobs_per_member();
  const int32_t S = plan.scenarios.count;
  DeviceMemoryMeter meter;

  // The plan, staged once and read by every chunk.
  const kernels::DeviceScenarioSet device_scenarios(plan.scenarios, meter);
  DeviceBuffer<JobSpec> job_specs(plan.jobs, meter);
  DeviceBuffer<int32_t> round_start(plan.round_start, meter);
  DeviceBuffer<int64_t> traced_ids(options.trace_members, meter);
  DeviceBuffer<Outcome> traced(options.trace_members.size() * jobs, meter);
  const kernels::DevicePoolAxes axes(plan.pool, meter);
  if (!options.trace_members.empty())
    SPOTSWEEP_CUDA_TRY(
        cudaMemset(traced.data(), 0, options.trace_members.size() * jobs * sizeof(Outcome)));

  const ScenarioBatchView scenarios = device_scenarios.view();
  const std::size_t scenario_bytes = device_scenarios.staged_bytes();
  const bool stage = scenario_bytes > 0;

  const std::size_t budget = kernels::device_budget_bytes(options.exec, device, meter);
  // A chunk lies inside one family, as each family has its own kernel instantiation.
  int64_t pool_cap = 0;
  for (const FamilyGrid& g : plan.pool.families)
    pool_cap = std::max(pool_cap, g.size);
  if (options.exec.max_chunk_members > 0)
    pool_cap = std::min(pool_cap, options.exec.max_chunk_members);
  // CHC members run by planning key, in the blocks' working memory; other families with
  // working memory get one slice per thread.
  const kernels::ChcKeyPlanning chc =
      kernels::plan_chc_keys(plan, device, budget - meter.current - kernels::kDeviceMemoryMargin);
  DeviceBuffer<unsigned char> chc_workspace(
      static_cast<std::size_t>(chc.blocks) * chc.layout.bytes(), meter);
  const std::size_t scratch_bytes = max_scratch_bytes(plan, family_id<ChcFamily>);
  int64_t chunk_cap = choose_chunk(budget - meter.current - kernels::kDeviceMemoryMargin, pool_cap,
                                   S, jobs, options.percentiles, scratch_bytes, chc.layout.members);
  if (chc.blocks > 0 && chunk_cap < chc.layout.members)
    throw input_error("", "--max-device-mem", std::to_string(budget),
                      "too small for the results of one CHC planning key's " +
                          std::to_string(chc.layout.members) + " members");
  if (chunk_cap < 1)
    throw input_error(
        "", "--max-device-mem", std::to_string(budget),
        "too small for one member: it needs " +
            std::to_string(bytes_per_member(S, jobs, options.percentiles, scratch_bytes)) +
            " bytes");
  DeviceBuffer<unsigned char> scratch(static_cast<std::size_t>(chunk_cap) * S * scratch_bytes,
                                      meter);

  DeviceBuffer<OutcomeSums> partial(static_cast<std::size_t>(chunk_cap) * S, meter);
  DeviceBuffer<OutcomeSums> sums(chunk_cap, meter);
  const std::size_t key_count =
      options.percentiles ? static_cast<std::size_t>(chunk_cap) * kPercentileMetrics * jobs : 0;
  DeviceBuffer<float> keys(key_count, meter);
  DeviceBuffer<float> percentiles(
      options.percentiles ? chunk_cap * kPercentileMetrics * kPercentileCount : 0, meter);

  SweepResult result;
  result.first_member = begin;
  result.members = end - begin;
  result.stats.assign(static_cast<std::size_t>(end - begin) * kStatCount,
                      std::numeric_limits<double>::quiet_NaN());
  result.traced_members = options.trace_members;
  result.backend = Backend::cuda;
  result.device = cuda_device_label(device);

  if (options.per_scenario)
    result.scenario_stats.assign(static_cast<std::size_t>(end - begin) * S * kScenarioStatCount,
                                 0.0);
  std::vector<OutcomeSums> host_sums(chunk_cap);
  std::vector<OutcomeSums> host_partial(
      options.per_scenario ? static_cast<std::size_t>(chunk_cap) * S : 0);
  std::vector<float> host_percentiles(
      options.percentiles ? chunk_cap * kPercentileMetrics * kPercentileCount : 0);
  const kernels::TracedView traced_view{
      traced_ids.data(), static_cast<int32_t>(options.trace_members.size()), traced.data()};
  int64_t done = 0;
  for (std::size_t f = 0; f < plan.pool.families.size(); ++f) {
    const FamilyGrid& grid = plan.pool.families[f];
    const FamilyGridView grid_view = axes.grid(f);
    // CHC chunks hold whole planning keys; a chunk's member slot i is then key i / per_key's
    // (i % per_key)-th member, elsewhere grid member first + i.
    const bool by_key = grid.family == family_id<ChcFamily>;
    const ChcKeyLayout key_layout = chc_key_layout(grid_view);
    const int64_t per_key = by_key ? key_layout.members_per_key : 1;
    const int64_t chunk_members = chunk_cap / per_key * per_key;
    // The grid's part of [begin, end): members alone run only those; CHC chunks hold whole keys,
    // and one that misses the range is skipped (a key's members rise with their index).
    const int64_t lo = std::max<int64_t>(0, begin - grid.first_member);
    const int64_t hi = std::min(grid.size, end - grid.first_member);
    if (lo >= hi) continue;
    for (int64_t first = by_key ? 0 : lo; first < (by_key ? grid.size : hi);
         first += chunk_members) {
      throw_if_stop_requested();  // SIGINT/SIGTERM: stop between chunks
      const int64_t n = std::min(chunk_members, (by_key ? grid.size : hi) - first);
      const auto member_of_slot = [&](int64_t i) {
        return grid.first_member +
               (by_key ? key_layout.member_local((first + i) / per_key, (first + i) % per_key)
                       : first + i);
      };
      const auto in_range = [&](int64_t i) {
        const int64_t m = member_of_slot(i);
        return m >= begin && m < end;
      };
      if (by_key) {
        bool any = false;
        for (int64_t i = 0; i < n && !any; i += per_key)  // a key's first and last members
          any = member_of_slot(i + per_key - 1) >= begin && member_of_slot(i) < end;
        if (!any) continue;
      }
      const PercentileKeys key_view{options.percentiles ? keys.data() : nullptr, n, jobs};
      visit_family(grid.family, [&](auto family) {
        using Family = decltype(family);
        if constexpr (std::is_same_v<Family, ChcFamily>) {
          const int64_t chunk_keys = n / per_key;
          kernels::evaluate_chc_keys<<<static_cast<unsigned>(
                                           std::min<int64_t>(chc.blocks, chunk_keys * S)),
                                       kernels::kChcKeyThreads>>>(
              grid_view, key_layout, first / per_key, chunk_keys, grid.first_member, scenarios,
              job_specs.data(), round_start.data(), plan.rounds, chc.widest_commit, key_view,
              traced_view, kernels::ChcKeyWorkspaceView{chc_workspace.data(), chc.layout},
              partial.data());
        } else {
          const dim3 blocks(blocks_for(n, kernels::kMembersPerBlock), static_cast<unsigned>(S));
          const std::size_t shared = stage ? scenario_bytes : 0;
          kernels::evaluate_members<Family><<<blocks, kernels::kMembersPerBlock, shared>>>(
              grid_view, first, grid.first_member + first, n, scenarios, job_specs.data(),
              round_start.data(), plan.rounds, stage, key_view, traced_view, scratch.data(),
              scratch_bytes, partial.data());
        }
      });
      SPOTSWEEP_CUDA_CHECK_LAST();
      kernels::sum_scenarios<<<blocks_for(n, 256), 256>>>(partial.data(), S, n, sums.data());
      SPOTSWEEP_CUDA_CHECK_LAST();
      if (options.percentiles) {
        kernels::select_percentiles<<<static_cast<unsigned>(n * kPercentileMetrics),
                                      kernels::kSelectThreads>>>(keys.data(), n, jobs,
                                                                 percentiles.data());
        SPOTSWEEP_CUDA_CHECK_LAST();
        SPOTSWEEP_CUDA_TRY(cudaMemcpy(host_percentiles.data(), percentiles.data(),
                                      n * kPercentileMetrics * kPercentileCount * sizeof(float),
                                      cudaMemcpyDeviceToHost));
      }
      SPOTSWEEP_CUDA_TRY(cudaMemcpy(host_sums.data(), sums.data(), n * sizeof(OutcomeSums),
                                    cudaMemcpyDeviceToHost));
      if (options.per_scenario) {
        SPOTSWEEP_CUDA_TRY(cudaMemcpy(host_partial.data(), partial.data(),
                                      n * S * sizeof(OutcomeSums), cudaMemcpyDeviceToHost));
        for (int64_t i = 0; i < n; ++i) {
          if (!in_range(i)) continue;
          double* rows =
              result.scenario_stats.data() +
              static_cast<std::size_t>(member_of_slot(i) - begin) * S * kScenarioStatCount;
          for (int32_t s = 0; s < S; ++s)
            finish_scenario_stats(host_partial[i * S + s], rows + s * kScenarioStatCount);
        }
      }
      int64_t stored = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (!in_range(i)) continue;
        ++stored;
        double* row =
            result.stats.data() + static_cast<std::size_t>(member_of_slot(i) - begin) * kStatCount;
        finish_member_stats(host_sums[i], row);
        result.policy_slot_steps += host_sums[i].slots;
        if (!options.percentiles) continue;
        for (int32_t m = 0; m < kPercentileMetrics; ++m)
          for (int32_t p = 0; p < kPercentileCount; ++p)
            row[static_cast<int32_t>(percentile_stat(static_cast<PercentileMetric>(m), p))] =
                host_percentiles[(i * kPercentileMetrics + m) * kPercentileCount + p];
      }
      done += stored;
      if (progress) progress(done, end - begin);
    }
  }
  result.traced.resize(options.trace_members.size() * jobs);
  if (!result.traced.empty())
    SPOTSWEEP_CUDA_TRY(cudaMemcpy(result.traced.data(), traced.data(),
                                  result.traced.size() * sizeof(Outcome), cudaMemcpyDeviceToHost));
  result.device_peak_bytes = meter.peak;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace spotsweep

#pragma once
// The working memory of the blocks that run CHC members by planning key (docs/chc.md, "Plan
// tables"), shared by the sweep's and the selector's kernels: one slice per block in flight,
// sized for the most demanding key of any CHC grid on any job, and how a block begins a key's
// members on a job in it.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "spotsweep/backend/device.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/engine/chc_tables.hpp"
#include "spotsweep/engine/evaluate.hpp"
#include "spotsweep/engine/families/chc.hpp"
#include "spotsweep/sweep/plan.hpp"

#include "chc_key_block.cuh"

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

// One block's slice: its key's member runs and sums, the members' own memory, each thread's
// memory for members that plan alone, and the shared plan's table.
struct ChcKeyBlockSlice {
  ChcMemberRun* runs;
  OutcomeSums* sums;
  unsigned char* own;
  unsigned char* alone;
  unsigned char* table;
  size_t own_stride;
  size_t alone_stride;
  bool plans_alone;
};

// What the kernels read: the blocks' working memory, `blocks` slices of layout.bytes().
struct ChcKeyWorkspaceView {
  unsigned char* memory = nullptr;
  ChcKeyBlockBytes layout;

  __device__ ChcKeyBlockSlice slice(int64_t block) const {
    unsigned char* base = memory + block * layout.bytes();
    return ChcKeyBlockSlice{reinterpret_cast<ChcMemberRun*>(base + layout.runs_offset()),
                            reinterpret_cast<OutcomeSums*>(base + layout.sums_offset()),
                            base + layout.own_offset(),
                            base + layout.alone_offset(),
                            base + layout.table_offset(),
                            align_up(layout.key.own, 16),
                            align_up(layout.key.alone, 16),
                            layout.key.alone > 0};
  }
};

// Begins key `key`'s members on `job` of scenario `scenario` at `start_slot` (thread t begins
// members j ≡ t), and returns the forecaster they share: the forecasts depend on keyed axes
// only. The caller synchronises before running them.
__device__ inline MemberForecaster begin_chc_key_job(const FamilyGridView& grid,
                                                     const ChcKeyLayout& layout, int64_t key,
                                                     const ScenarioBatchView& scenarios,
                                                     int32_t scenario, const JobSpec& job,
                                                     int32_t start_slot,
                                                     const ChcKeyBlockSlice& slice) {
  const int32_t count = static_cast<int32_t>(layout.members_per_key);
  for (int32_t j = threadIdx.x; j < count; j += blockDim.x) {
    double values[kMaxAxes];
    decode_member(grid, layout.member_local(key, j), values);
    const MemberContext context = scenarios.context(scenario, slice.own + slice.own_stride * j);
    ChcMemberRun& m = slice.runs[j];
    m = ChcMemberRun{};
    m.policy = ChcFamily::make(values, job, context);
    m.policy.solve_scratch =
        slice.plans_alone ? slice.alone + slice.alone_stride * threadIdx.x : nullptr;
    m.run.begin(job, context.market, start_slot);
  }
  double key_values[kMaxAxes];
  decode_member(grid, layout.member_local(key, 0), key_values);
  return ChcFamily::make(key_values, job, scenarios.context(scenario, nullptr)).forecaster;
}

// The plan parameters every member of key `key` shares: its first member's.
__device__ inline ChcParams chc_key_params(const FamilyGridView& grid, const ChcKeyLayout& layout,
                                           int64_t key) {
  double values[kMaxAxes];
  decode_member(grid, layout.member_local(key, 0), values);
  return ChcFamily::params(values);
}

// How the CHC key kernels run: each block's slice and the most slots any member commits to
// (the shared plans' stored slots), for every CHC grid of the plan.
struct ChcKeyPlanning {
  ChcKeyBlockBytes layout;
  int32_t widest_commit = 0;
  int64_t blocks = 0;
};

// Blocks: a few per multiprocessor, fewer when memory is short, and at most one per (key,
// scenario) unit; at most half the memory left, so that a chunk of results still fits.
inline ChcKeyPlanning plan_chc_keys(const SweepPlan& plan, const DeviceInfo& device,
                                    std::size_t budget_left) {
  ChcKeyPlanning p;
  int64_t units = 0;
  for (const FamilyGrid& g : plan.pool.families) {
    if (g.family != family_id<ChcFamily>) continue;
    const std::vector<double> values = g.flat_values();
    const ChcKeyLayout layout = chc_key_layout(g.view(values.data()));
    p.layout.members = std::max(p.layout.members, layout.members_per_key);
    units = std::max(units, layout.keys * plan.scenarios.count);
    // The largest window, commit and resolution, with each planner the grid uses.
    double largest[kMaxAxes] = {}, smallest[kMaxAxes] = {};
    for (std::size_t i = 0; i < g.axes.size(); ++i) {
      const auto range = std::minmax_element(g.axes[i].values.begin(), g.axes[i].values.end());
      smallest[i] = *range.first;
      largest[i] = *range.second;
    }
    ChcParams widest = ChcFamily::params(largest);
    p.widest_commit = std::max(p.widest_commit, widest.commit);
    for (const double planner :
         {smallest[ChcFamily::lagrange_iters], largest[ChcFamily::lagrange_iters]}) {
      widest.lagrange_iters = static_cast<int32_t>(planner);
      for (const JobSpec& job : plan.jobs)
        p.layout.key.widen(chc_key_bytes(job, plan.scenarios.tick_seconds, widest));
    }
  }
  if (units == 0) return p;
  const std::size_t slice = p.layout.bytes();
  p.blocks = std::min<int64_t>(units, 4 * std::max(device.multiprocessors, 1));
  p.blocks = std::min<int64_t>(p.blocks, static_cast<int64_t>(budget_left / 2 / slice));
  if (p.blocks < 1)
    throw input_error("", "--max-device-mem", std::to_string(budget_left),
                      "too small for one CHC planning key's run: it needs " +
                          std::to_string(2 * slice) + " bytes");
  return p;
}

}  // namespace kernels
}  // namespace spotsweep

// The checkpointed runner (docs/sweep.md, "Progress, checkpoints and --resume"): every chunk
// layout (the CPU's strided samples, CUDA's sub-grids) covers each member once and gives the
// bits of one whole-pool run; a run resumed from a checkpoint with chunks missing gives them too;
// OPT per point equals compute_opt_table; the work estimates rank CHC's planners by their size.
#include "spotsweep/sweep/grid_run.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "spotsweep/backend/cpu_sweep.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"
#include "spotsweep/sweep/work_estimate.hpp"

#include "../../support/sweep_fixture.hpp"

namespace spotsweep {
namespace {

namespace fs = std::filesystem;

const char* kChcPool = R"toml(
[pool.chc]
window = [4, 8]
commit = [1, 2]
eps = [0, 0.2]
growth = [0.5]
resolution = [1]
lagrange_iters = [1]
)toml";

fs::path scratch_dir(const std::string& name) {
  const char* base = std::getenv("SPOTSWEEP_TEST_TMP");
  fs::path dir = fs::path(base ? base : fs::temp_directory_path().string()) /
                 ("grid_run_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

SweepOptions sweep_options() {
  SweepOptions o;
  o.exec.backend = Backend::cpu;
  o.exec.threads = 2;
  o.trace_members = {1, 30, 35};
  o.per_scenario = true;
  return o;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

void expect_same(const SweepResult& whole, const SweepResult& chunked) {
  EXPECT_TRUE(same_bits(whole.stats, chunked.stats));
  EXPECT_TRUE(same_bits(whole.scenario_stats, chunked.scenario_stats));
  EXPECT_EQ(whole.policy_slot_steps, chunked.policy_slot_steps);
  ASSERT_EQ(whole.traced.size(), chunked.traced.size());
  for (size_t i = 0; i < whole.traced.size(); ++i)
    EXPECT_EQ(0, std::memcmp(&whole.traced[i], &chunked.traced[i], sizeof(Outcome))) << i;
}

TEST(GridRun, EveryLayoutCoversEachMemberOnceAndGivesTheWholeRunsBits) {
  SweepGrid grid = single_point_grid(testing::fixture_plan(kChcPool));
  const SweepResult whole = run_sweep_cpu(grid.front(), sweep_options());
  for (Backend layout : {Backend::cpu, Backend::cuda}) {
    const std::vector<SweepChunk> chunks = sweep_chunks(grid, layout);
    std::multiset<int64_t> seen;
    double work = 0.0;
    for (const SweepChunk& c : chunks) {
      work += c.work;
      for (int64_t i = 0; i < c.members; ++i)
        seen.insert(!c.member_list.empty()
                        ? c.member_list[static_cast<size_t>(i)]
                        : grid.front().pool.families[c.family_index].first_member + c.first_local +
                              i);
    }
    ASSERT_EQ(static_cast<int64_t>(seen.size()), grid.front().pool.size);
    for (int64_t m = 0; m < grid.front().pool.size; ++m)
      EXPECT_EQ(seen.count(m), 1u) << m;
    const WorkEstimate estimate(grid.front());
    double total = 0.0;
    for (const FamilyGrid& g : grid.front().pool.families)
      total += estimate.members(g, 0, g.size);
    EXPECT_NEAR(work, total, 1e-9 * total);

    if (layout == Backend::cpu) {
      // CHC members that share a planning key share a chunk: here local = (w·2 + commit)·2 + eps,
      // and the two commit levels of one (w, eps) share a key.
      const FamilyGrid& chc = grid.front().pool.families.back();
      for (const SweepChunk& c : chunks)
        for (int64_t m : c.member_list) {
          if (m < chc.first_member) continue;
          const int64_t partner = chc.first_member + ((m - chc.first_member) ^ 2);
          EXPECT_EQ(std::count(c.member_list.begin(), c.member_list.end(), partner), 1) << m;
        }
    }
    GridRunOptions options;
    options.sweep = sweep_options();
    options.opt_buckets = 0;
    options.chunk_layout = layout;
    const GridRunResult run = run_sweep_grid(grid, options);
    EXPECT_GT(run.chunks, 1);
    expect_same(whole, run.results.front());
  }
}

// A member list that splits planning keys (one commit level of a key without its partner) gives
// each listed member the bits of the whole run, in its row: a CHC member's outcomes do not depend
// on which members of its key share its plans.
TEST(GridRun, AnyMemberListGivesEachMemberTheWholeRunsBits) {
  const SweepPlan plan = testing::fixture_plan(kChcPool);
  const SweepResult whole = run_sweep_cpu(plan, sweep_options());
  SweepOptions options = sweep_options();
  for (int64_t m = 0; m < plan.pool.size; m += 3)
    options.members.push_back(m);
  const SweepResult part = run_sweep_cpu(plan, options);
  ASSERT_EQ(part.members, static_cast<int64_t>(options.members.size()));
  const size_t per_scenario = static_cast<size_t>(plan.scenarios.count) * kScenarioStatCount;
  int64_t chc_rows = 0;
  for (size_t row = 0; row < options.members.size(); ++row) {
    const size_t m = static_cast<size_t>(options.members[row]);
    chc_rows += plan.pool.families[plan.pool.locate(options.members[row]).family_index].family ==
                family_id<ChcFamily>;
    EXPECT_EQ(0, std::memcmp(whole.stats.data() + m * kStatCount,
                             part.stats.data() + row * kStatCount, kStatCount * sizeof(double)))
        << m;
    EXPECT_EQ(0, std::memcmp(whole.scenario_stats.data() + m * per_scenario,
                             part.scenario_stats.data() + row * per_scenario,
                             per_scenario * sizeof(double)))
        << m;
  }
  EXPECT_GE(chc_rows, 2);
  const int64_t jobs = plan.jobs_per_member();
  for (size_t k = 0; k < options.trace_members.size(); ++k) {
    if (options.trace_members[k] % 3 != 0) continue;  // not in the list
    EXPECT_EQ(0, std::memcmp(whole.traced.data() + k * jobs, part.traced.data() + k * jobs,
                             jobs * sizeof(Outcome)))
        << options.trace_members[k];
  }
}

TEST(GridRun, ResumesFromTheChunksLeftToTheSameBits) {
  SweepGrid grid = single_point_grid(testing::fixture_plan(kChcPool));
  const fs::path dir = scratch_dir("resume");
  GridRunOptions options;
  options.sweep = sweep_options();
  options.opt_buckets = 8;
  options.checkpoint_dir = (dir / "out.h5.checkpoint").string();
  options.fingerprint = "fixture";
  const GridRunResult full = run_sweep_grid(grid, options);
  // An interrupted run: every other chunk and OPT lost, one chunk file cut short.
  int removed = 0;
  for (int64_t i = 0; i < full.chunks; i += 2)
    removed += fs::remove(dir / "out.h5.checkpoint" / ("chunk-" + std::to_string(i) + ".bin"));
  fs::remove(dir / "out.h5.checkpoint" / "opt-0.bin");
  fs::resize_file(dir / "out.h5.checkpoint" / "chunk-1.bin", 40);
  // And one whose count of statistics says 2^39 (a damaged file): run again, never allocated.
  ASSERT_GT(full.chunks, 3);
  {
    std::fstream damaged(dir / "out.h5.checkpoint" / "chunk-3.bin",
                         std::ios::in | std::ios::out | std::ios::binary);
    const uint64_t huge = uint64_t(1) << 39;
    damaged.seekp(32);  // magic, version, hash, index, steps
    damaged.write(reinterpret_cast<const char*>(&huge), sizeof huge);
  }
  options.resume = true;
  const GridRunResult resumed = run_sweep_grid(grid, options);
  EXPECT_EQ(resumed.chunks_resumed, full.chunks - removed - 2);
  expect_same(full.results.front(), resumed.results.front());
  EXPECT_TRUE(same_bits(full.opt.front().utility_lower, resumed.opt.front().utility_lower));
  const OptTable direct = compute_opt_table(grid.front(), 8, 2);
  EXPECT_TRUE(same_bits(direct.utility_lower, full.opt.front().utility_lower));
  EXPECT_TRUE(same_bits(direct.utility_upper, full.opt.front().utility_upper));
  // Another run's checkpoint is refused; so is a resume without one.
  options.fingerprint = "another run";
  EXPECT_THROW(run_sweep_grid(grid, options), InputError);
  options.checkpoint_dir = (dir / "none").string();
  EXPECT_THROW(run_sweep_grid(grid, options), InputError);
}

// The host-memory check before a run counts the result tables of every point of the scenario
// axes, which are all held until the file is written (docs/reliability.md, "Memory"): a budget
// that one point fits refuses many.
TEST(GridRun, MemoryEstimateCountsEveryPointsTables) {
  SweepGrid grid = single_point_grid(testing::fixture_plan(kChcPool));
  GridRunOptions options;
  options.sweep = sweep_options();
  options.opt_buckets = 0;
  const double one = sweep_host_bytes(grid.front(), options.sweep);
  set_host_memory_budget(static_cast<std::size_t>(one) + 1);
  EXPECT_NO_THROW(check_sweep_grid_host_memory(grid, options));
  for (int i = 0; i < 7; ++i)
    grid.plans.push_back(grid.plans.front());
  try {
    check_sweep_grid_host_memory(grid, options);
    ADD_FAILURE() << "8 points fit the budget of one";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("x 8 points"), std::string::npos) << message;
    EXPECT_NE(message.find("scenario axes"), std::string::npos) << message;
  }
  set_host_memory_budget(0);  // back to 80 % of physical memory
}

TEST(WorkEstimate, ChcStepsCostWithThePlannersSize) {
  const SweepPlan plan = testing::fixture_plan(kChcPool);
  const WorkEstimate estimate(plan);
  const FamilyGrid& pf = plan.pool.families.front();
  const FamilyGrid& chc = plan.pool.families.back();
  ASSERT_EQ(chc.name, "chc");
  const double steps = expected_member_steps(plan);
  EXPECT_GT(steps, 0.0);
  EXPECT_EQ(estimate.member(pf, 0), steps);  // a rule's step costs 1
  // chc digits: window (4, 8) x commit (1, 2) x eps (2): local 0 = (4, 1), 4 = (8, 1), 6 = (8, 2).
  const double small = estimate.member(chc, 0), wide = estimate.member(chc, 4),
               committed = estimate.member(chc, 6);
  EXPECT_GT(small, steps);
  EXPECT_GT(wide, small);      // a longer window plans more states
  EXPECT_LT(committed, wide);  // committing two slots halves the plans
}

}  // namespace
}  // namespace spotsweep

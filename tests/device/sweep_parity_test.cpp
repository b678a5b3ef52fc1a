// CPU and CUDA backends on the same plan. Skips when no device is found.
//  - linear value shape (no exp/log on the path): every statistic and every traced outcome
//    bit-identical, with any chunking of the pool;
//  - exponential value shape: V(T) uses exp(), which CUDA and glibc round differently, so
//    means agree within a relative 1e-12 (plus 1e-9 USD absolute).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/sweep/sweep.hpp"

#include "../support/device_or_skip.hpp"
#include "../support/sweep_fixture.hpp"

namespace spotsweep {
namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

class SweepParity : public ::testing::Test {
 protected:
  void SetUp() override { SPOTSWEEP_SKIP_WITHOUT_DEVICE(); }

  static SweepResult run(const SweepPlan& plan, Backend backend, int64_t max_chunk = 0) {
    SweepOptions options;
    options.exec.backend = backend;
    options.exec.max_chunk_members = max_chunk;
    options.trace_members = {0, 5, 17, 26, 30};
    options.per_scenario = true;
    return run_sweep(plan, options);
  }
};

void expect_identical(const SweepPlan& plan, const SweepResult& cpu, const SweepResult& cuda) {
  ASSERT_EQ(cpu.stats.size(), cuda.stats.size());
  for (int64_t m = 0; m < plan.pool.size; ++m)
    for (int32_t s = 0; s < kStatCount; ++s)
      EXPECT_TRUE(same_bits(cpu.stat(m, static_cast<Stat>(s)), cuda.stat(m, static_cast<Stat>(s))))
          << "member " << m << " " << stat_name(static_cast<Stat>(s)) << ": cpu "
          << cpu.stat(m, static_cast<Stat>(s)) << " cuda " << cuda.stat(m, static_cast<Stat>(s));
  ASSERT_EQ(cpu.traced.size(), cuda.traced.size());
  for (size_t i = 0; i < cpu.traced.size(); ++i) {
    EXPECT_TRUE(same_bits(cpu.traced[i].utility, cuda.traced[i].utility)) << i;
    EXPECT_TRUE(same_bits(cpu.traced[i].finish_s, cuda.traced[i].finish_s)) << i;
    EXPECT_EQ(cpu.traced[i].reconfigs, cuda.traced[i].reconfigs) << i;
  }
  EXPECT_EQ(cpu.policy_slot_steps, cuda.policy_slot_steps);
  ASSERT_EQ(cpu.scenario_stats.size(), cuda.scenario_stats.size());
  EXPECT_EQ(std::memcmp(cpu.scenario_stats.data(), cuda.scenario_stats.data(),
                        cpu.scenario_stats.size() * sizeof(double)),
            0);
}

TEST_F(SweepParity, DeterministicFamiliesAreBitIdentical) {
  const SweepPlan plan = testing::fixture_plan();
  const SweepResult cpu = run(plan, Backend::cpu);
  const SweepResult cuda = run(plan, Backend::cuda);
  EXPECT_EQ(cuda.backend, Backend::cuda);
  EXPECT_GT(cuda.device_peak_bytes, 0u);
  expect_identical(plan, cpu, cuda);
}

TEST_F(SweepParity, ChunkingDoesNotChangeResults) {
  const SweepPlan plan = testing::fixture_plan();
  const SweepResult cpu = run(plan, Backend::cpu);
  // 7 members per chunk: several chunks per family, and a partial last one.
  const SweepResult cuda = run(plan, Backend::cuda, 7);
  expect_identical(plan, cpu, cuda);
}

// CHC members: the window planner and the Philox-keyed oracle with growth ½ (sqrt) use only
// correctly rounded operations, so they too are bit-identical; the planner's working memory is
// a per-thread slice of device memory.
TEST_F(SweepParity, ChcFamilyIsBitIdentical) {
  const SweepPlan plan = testing::fixture_plan(
      "\n[pool.chc]\nwindow = [4, 6]\ncommit = [1, 3]\neps = [0, 0.3]\ngrowth = [0.5]\n"
      "resolution = [1]\nreplan_deviation = [0, 0.2]\nmode = [0, 1]\nlagrange_iters = [0, 2]\n");
  const SweepResult cpu = run(plan, Backend::cpu);
  const SweepResult cuda = run(plan, Backend::cuda, 5);
  expect_identical(plan, cpu, cuda);
}

// Learned predictors (docs/predict.md, "In pools"): the device copy of the scenario set holds
// each learned model's tables, and members read them as on the CPU, with windows smaller than
// the table's, beside oracle members.
TEST_F(SweepParity, LearnedPredictorsAreBitIdentical) {
  const SweepPlan plan = testing::fixture_plan(
      "\n[pool.chc]\ncommit = [1, 2]\nresolution = [1]\nlagrange_iters = [0, 2]\n"
      "[pool.chc.oracle]\nwindow = [4]\neps = [0, 0.3]\ngrowth = [0.5]\n"
      "[pool.chc.learned]\nwindow = [3, 6]\n"
      "predictor = [\"last\", \"seasonal\", \"holt-winters\", \"ar\"]\n");
  ASSERT_FALSE(plan.scenarios.learned.price(3).empty());
  const SweepResult cpu = run(plan, Backend::cpu);
  const SweepResult cuda = run(plan, Backend::cuda, 5);
  expect_identical(plan, cpu, cuda);
}

TEST_F(SweepParity, MemoryBudgetTooSmallIsAnInputError) {
  const SweepPlan plan = testing::fixture_plan();
  SweepOptions options;
  options.exec.backend = Backend::cuda;
  options.exec.max_device_mem_bytes = 1024;
  EXPECT_THROW(run_sweep(plan, options), InputError);
}

TEST_F(SweepParity, ExpValueShapeWithinTolerance) {
  const SweepPlan plan =
      testing::fixture_plan("value_shape = \"exponential\"\nvalue_shape_param = 2\n");
  const SweepResult cpu = run(plan, Backend::cpu);
  const SweepResult cuda = run(plan, Backend::cuda);
  for (int64_t m = 0; m < plan.pool.size; ++m) {
    for (Stat s : {Stat::utility_mean, Stat::cost_mean, Stat::miss_rate, Stat::spot_share_mean}) {
      const double a = cpu.stat(m, s), b = cuda.stat(m, s);
      EXPECT_NEAR(a, b, 1e-12 * std::fabs(a) + 1e-9) << "member " << m << " " << stat_name(s);
    }
  }
}

TEST_F(SweepParity, ScenariosTooLargeForSharedMemoryReadThroughL2) {
  // A 10-day deadline makes each scenario window over 24 KiB: the kernel reads global memory.
  SweepConfig config = testing::fixture_config();
  config.job.fields[static_cast<int32_t>(JobField::deadline_h)].a = 240;
  config.job.base.soft_deadline_s = 240 * 3600.0;
  config.workload.scenario_stride = 100;
  const SweepPlan plan = make_plan(config, testing::fixture_trace(6000));
  ASSERT_GT(plan.scenarios.slots * 12, 24 * 1024);
  expect_identical(plan, run(plan, Backend::cpu), run(plan, Backend::cuda));
}

}  // namespace
}  // namespace spotsweep

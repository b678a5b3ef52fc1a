// The CHC family in a pool: the CPU sweep's members equal CHC simulated on its own, with the
// noisy oracle keyed by (workload seed, scenario), whatever the thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "spotsweep/backend/cpu_sweep.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/sweep/sweep.hpp"
#include "spotsweep/tools/simulate.hpp"

#include "../../support/sweep_fixture.hpp"

namespace spotsweep {
namespace {

constexpr const char* kChcPool = R"toml(
[pool.chc]
window = [4, 6]
commit = "[1:4:3]"
eps = [0, 0.3]
growth = [0.5]
resolution = [1]
replan_deviation = [0.2]
mode = [0, 1]
lagrange_iters = [0, 3]
)toml";

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(SweepChc, MembersEqualChcSimulatedAlone) {
  const SweepPlan plan = testing::fixture_plan(kChcPool);
  const FamilyGrid& chc = plan.pool.families.back();
  ASSERT_EQ(chc.family, family_id<ChcFamily>);
  ASSERT_EQ(chc.size, 2 * 2 * 2 * 2 * 2);
  SweepOptions options;
  options.exec.backend = Backend::cpu;
  options.exec.threads = 2;
  for (int64_t k = 0; k < chc.size; k += 3)
    options.trace_members.push_back(chc.first_member + k);
  const SweepResult result = run_sweep_cpu(plan, options);
  for (size_t k = 0; k < options.trace_members.size(); ++k) {
    const std::vector<double> p = plan.pool.parameters(options.trace_members[k]);
    const ChcParams params = ChcFamily::params(p.data());
    double utility = 0.0;
    for (int32_t s = 0; s < plan.scenarios.count; ++s) {
      const MarketView market = plan.scenarios.market(s);
      const OracleForecaster forecaster{
          market, make_noisy_oracle(plan.seed, s, p[2], p[3], plan.scenarios.capacity)};
      double scenario_utility = 0.0;
      for (int32_t r = 0; r < plan.rounds; ++r) {
        const Outcome want =
            simulate_chc(plan.job(s, r), market, plan.round_start[r], params, forecaster);
        const Outcome& got = result.traced[(k * plan.scenarios.count + s) * plan.rounds + r];
        EXPECT_TRUE(same_bits(got.utility, want.utility)) << "member " << options.trace_members[k];
        EXPECT_EQ(got.slots, want.slots);
        EXPECT_EQ(got.missed, 0);
        scenario_utility += want.utility;
      }
      utility += scenario_utility;
    }
    EXPECT_TRUE(same_bits(result.stat(options.trace_members[k], Stat::utility_mean),
                          utility / plan.jobs_per_member()));
  }
  options.exec.threads = 1;
  options.trace_members.clear();
  const SweepResult single = run_sweep_cpu(plan, options);
  for (int64_t m = chc.first_member; m < plan.pool.size; ++m)
    EXPECT_TRUE(same_bits(single.stat(m, Stat::utility_mean), result.stat(m, Stat::utility_mean)));
}

// Threads and device slices share one scratch size per pool: it must cover every member,
// though the exact planner (lagrange_iters = 0) needs far more than the Lagrangian one.
TEST(SweepChc, ScratchCoversEveryMember) {
  const SweepPlan plan = testing::fixture_plan(kChcPool);
  const FamilyGrid& chc = plan.pool.families.back();
  const size_t scratch = max_scratch_bytes(plan);
  size_t exact = 0, lagrangian = 0;
  for (int64_t m = chc.first_member; m < chc.first_member + chc.size; ++m) {
    const ChcParams params = ChcFamily::params(plan.pool.parameters(m).data());
    for (const JobSpec& job : plan.jobs) {
      const size_t bytes = chc_scratch_layout(job, plan.scenarios.tick_seconds, params).bytes;
      EXPECT_LE(bytes, scratch) << "member " << m;
      size_t& most = params.lagrange_iters == 0 ? exact : lagrangian;
      most = std::max(most, bytes);
    }
  }
  EXPECT_EQ(scratch, exact);
  EXPECT_LT(lagrangian * 4, exact) << "the Lagrangian planner keeps no progress dimension";
}

TEST(SweepChc, CommitAboveWindowIsAOneLineError) {
  try {
    testing::fixture_plan("\n[pool.chc]\nwindow = [4, 8]\ncommit = [6]\n");
    FAIL() << "commit 6 > window 4 accepted";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("commit"), std::string::npos) << what;
    EXPECT_NE(what.find("window"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace spotsweep

// The selector's CPU and CUDA backends on the same plans, for every learner, with and without
// delayed feedback. Skips when no device is found.
//  - Utilities come from the shared per-job code (bit-identical for linear values), and each
//    member's gain is their sum in round order on both sides: the best member and its
//    cumulative utility are bit-identical. So are the uniform mixture's and follow-the-leader's
//    utilities (sums per block of mpi::member_block() members, then the blocks in order, on
//    both backends), the slots at which
//    results arrive and the pending counts (integers), and the sampled utility.
//  - Probabilities, rates, mixability gaps and bounds go through exp/log and block-order sums
//    on the device: expected utilities, entropies, rates, bounds and final weights agree within
//    a relative 1e-9.
//  - The played member is the same unless a draw falls within rounding of a CDF boundary, and a
//    FlipFlop regime the same unless a switch test falls within rounding of its threshold,
//    which these seeds do not hit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/mpi.hpp"
#include "spotsweep/select/select.hpp"

#include "../support/device_or_skip.hpp"
#include "../support/sweep_fixture.hpp"

namespace spotsweep {
namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

class SelectParity : public ::testing::Test {
 protected:
  void SetUp() override { SPOTSWEEP_SKIP_WITHOUT_DEVICE(); }
};

void expect_parity(const SweepPlan& plan, SelectOptions options) {
  const std::vector<UtilityRange> ranges = selector_ranges(plan, options);
  options.exec.backend = Backend::cpu;
  const SelectorRun cpu = run_selector(plan, ranges, options);
  options.exec.backend = Backend::cuda;
  const SelectorRun cuda = run_selector(plan, ranges, options);
  ASSERT_EQ(cuda.backend, Backend::cuda);
  ASSERT_EQ(cpu.records.size(), cuda.records.size());
  EXPECT_EQ(cpu.policy_slot_steps, cuda.policy_slot_steps);
  EXPECT_EQ(cpu.rewards_clamped, cuda.rewards_clamped);
  for (size_t i = 0; i < cpu.records.size(); ++i) {
    const SelectorRoundRecord& a = cpu.records[i];
    const SelectorRoundRecord& b = cuda.records[i];
    EXPECT_EQ(a.best_member, b.best_member) << "record " << i;
    EXPECT_TRUE(same_bits(a.best_cumulative, b.best_cumulative)) << "record " << i;
    EXPECT_TRUE(same_bits(a.uniform_utility, b.uniform_utility)) << "record " << i;
    EXPECT_TRUE(same_bits(a.ftl_utility, b.ftl_utility)) << "record " << i;
    EXPECT_EQ(a.pending, b.pending) << "record " << i;
    EXPECT_EQ(a.leader, b.leader) << "record " << i;
    EXPECT_EQ(a.regime, b.regime) << "record " << i;
    EXPECT_EQ(a.sampled_member, b.sampled_member) << "record " << i;
    EXPECT_TRUE(same_bits(a.sampled_utility, b.sampled_utility)) << "record " << i;
    EXPECT_NEAR(a.expected_utility, b.expected_utility,
                1e-9 * std::fabs(a.expected_utility) + 1e-12);
    EXPECT_NEAR(a.entropy, b.entropy, 1e-9 * std::fabs(a.entropy) + 1e-12);
    EXPECT_NEAR(a.leader_probability, b.leader_probability, 1e-9);
    if (std::isinf(a.rate) || std::isinf(b.rate))
      EXPECT_EQ(a.rate, b.rate) << "record " << i;
    else
      EXPECT_NEAR(a.rate, b.rate, 1e-9 * std::fabs(a.rate)) << "record " << i;
    EXPECT_NEAR(a.regret_bound, b.regret_bound, 1e-9 * std::fabs(a.regret_bound) + 1e-9);
    EXPECT_NEAR(a.delay_cost, b.delay_cost, 1e-9 * std::fabs(a.delay_cost) + 1e-9);
  }
  ASSERT_EQ(cpu.final_probability.size(), cuda.final_probability.size());
  for (size_t i = 0; i < cpu.final_probability.size(); ++i)
    EXPECT_NEAR(cpu.final_probability[i], cuda.final_probability[i],
                1e-9 * cpu.final_probability[i] + 1e-15);
}

TEST_F(SelectParity, EveryLearnerWithAndWithoutDelay) {
  const SweepPlan plan = testing::fixture_plan();
  for (Learner learner :
       {Learner::adahedge, Learner::flipflop, Learner::hedge, Learner::exp3, Learner::exp3_ada})
    for (FeedbackDelay delay : {FeedbackDelay::finish, FeedbackDelay::none}) {
      SCOPED_TRACE(std::string(learner_name(learner)) + ", delay " + feedback_delay_name(delay));
      SelectOptions options;
      options.learner = learner;
      options.delay = delay;
      options.seed = 3;
      expect_parity(plan, options);
    }
}

TEST_F(SelectParity, HedgeAnytime) {
  const SweepPlan plan = testing::fixture_plan();
  SelectOptions options;
  options.learner = Learner::hedge;
  options.eta = EtaSchedule::anytime;
  options.seed = 8;
  expect_parity(plan, options);
}

// Many members in several member blocks, a long feedback queue: the block-order sums over more
// than one block and the queue's ring.
TEST_F(SelectParity, ManyMembersAndALongQueue) {
  const std::string many = R"toml(
[pool.only_spot]
n_gpus = "[1:8:1]"
[pool.pf]
theta = "[0.2:1:0.004]"
kappa = [0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
)toml";
  std::string toml = testing::fixture_sweep_toml();
  toml = toml.substr(toml.find("[workload]"));
  const SweepConfig config = parse_sweep_config(parse_toml_text(many + toml, "fixture.toml"));
  const SweepPlan plan = make_plan(config, testing::fixture_trace());
  ASSERT_GT(plan.pool.size, mpi::member_block());
  for (Learner learner : {Learner::adahedge, Learner::flipflop}) {
    SelectOptions options;
    options.learner = learner;
    options.seed = 6;
    expect_parity(plan, options);
  }
}

TEST_F(SelectParity, GivenRangeClampsTheSame) {
  const SweepPlan plan = testing::fixture_plan();
  SelectOptions options;
  options.learner = Learner::hedge;
  options.given_range = true;
  options.utility_range = UtilityRange{0.0, 60.0};
  expect_parity(plan, options);
}

TEST_F(SelectParity, AdaptiveAdversary) {
  const Trace calm = testing::fixture_trace();
  Trace storm = calm;
  for (size_t i = 0; i < storm.spot_avail.size(); ++i)
    storm.spot_avail[i] = (i / 3) % 2 ? 0 : storm.spot_avail[i];
  const SweepPlan plan = make_regime_plan(testing::fixture_config(), {calm, storm});
  SelectOptions options;
  options.regimes = 2;
  expect_parity(plan, options);
}

TEST_F(SelectParity, ChcMembersWithPlannerMemory) {
  const std::string chc = R"toml(
[pool.chc]
window = [4, 8]
commit = [1, 2]
eps = [0, 0.2]
growth = [0.5]
resolution = [1]
lagrange_iters = [0, 2]
)toml";
  const SweepConfig with_chc = parse_sweep_config(
      parse_toml_text(std::string(testing::fixture_sweep_toml()) + chc, "fixture.toml"));
  const SweepPlan plan = make_plan(with_chc, testing::fixture_trace());
  SelectOptions options;
  options.seed = 4;
  options.exec.max_chunk_members = 3;  // the 16 CHC members (and the others) in several launches
  expect_parity(plan, options);
}

// CHC members on learned predictors' tables (docs/predict.md, "In pools") beside oracle ones.
TEST_F(SelectParity, LearnedPredictorMembers) {
  const std::string chc = R"toml(
[pool.chc]
commit = [1, 2]
resolution = [1]
[pool.chc.oracle]
window = [4]
eps = [0, 0.2]
[pool.chc.learned]
window = [4, 8]
predictor = ["last", "seasonal", "holt-winters", "ar"]
)toml";
  const SweepConfig with_chc = parse_sweep_config(
      parse_toml_text(std::string(testing::fixture_sweep_toml()) + chc, "fixture.toml"));
  const SweepPlan plan = make_plan(with_chc, testing::fixture_trace());
  SelectOptions options;
  options.seed = 5;
  options.exec.max_chunk_members = 5;
  expect_parity(plan, options);
}

TEST_F(SelectParity, MemoryBudgetTooSmallIsAnInputError) {
  const SweepPlan plan = testing::fixture_plan();
  SelectOptions options;
  options.exec.backend = Backend::cuda;
  options.exec.max_device_mem_bytes = 40u << 20;  // under cuBLAS's workspace and the margin
  EXPECT_THROW(run_selector(plan, selector_ranges(plan, options), options), InputError);
}

}  // namespace
}  // namespace spotsweep

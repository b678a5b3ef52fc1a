// OPT against brute-force enumeration, its stated bound, and its dominance over policies.
#include "spotsweep/sweep/opt.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "spotsweep/model/planner.hpp"
#include "spotsweep/model/policies.hpp"
#include "spotsweep/model/simulator.hpp"

#include "../../support/instances.hpp"

using namespace spotsweep;
using spotsweep::testing::Instance;

namespace {

// Best utility over every allocation sequence, each replayed exactly (no lattice).
double brute_force(const Instance& in) {
  const JobSpec& job = in.job;
  const MarketView market = in.market();
  const AllocationSpace space = allocation_space(job);
  const int32_t horizon = horizon_slots(job, in.tick_s);
  const int32_t n_actions = space.size();
  std::vector<int32_t> digits(horizon, 0);
  std::vector<Allocation> schedule(horizon);
  double best = kInfeasibleValue;  // OPT must finish the job
  for (;;) {
    bool valid = true;
    for (int32_t k = 0; k < horizon && valid; ++k)
      valid =
          space.realise(digits[k], in.spot_avail[k], in.spot_price[k], in.od_price, &schedule[k]);
    if (valid) {
      SchedulePolicy policy{schedule.data(), horizon};
      const Outcome out = simulate<SafetyNet::off>(job, market, 0, policy);
      if (!out.missed) best = std::max(best, out.utility);
    }
    int32_t k = 0;
    while (k < horizon && ++digits[k] == n_actions)
      digits[k++] = 0;
    if (k == horizon) break;
  }
  return best;
}

int64_t brute_force_size(const Instance& in) {
  int64_t size = 1;
  for (int32_t k = 0; k < horizon_slots(in.job, in.tick_s); ++k)
    size *= allocation_space(in.job).size();
  return size;
}

constexpr double kTol = 1e-9;

}  // namespace

TEST(Opt, MatchesBruteForceWithinTheStatedBracket) {
  std::mt19937_64 rng(20261121);
  int tested = 0, composition = 0;
  double worst_gap = 0.0;
  int replay_exact = 0;
  while (tested < 240) {
    Instance in = spotsweep::testing::random_instance(rng, 8, 3);
    if (brute_force_size(in) > 300000) continue;  // keeps the test fast
    OptOptions options;
    options.progress_buckets = 512;
    const OptResult opt = solve_opt(in.job, in.market(), 0, options);
    const double exact = brute_force(in);
    const double scale = 1.0 + std::fabs(exact);
    EXPECT_LE(opt.utility_lower, exact + kTol * scale) << "instance " << tested;
    EXPECT_GE(opt.utility_upper, exact - kTol * scale) << "instance " << tested;
    EXPECT_GE(opt.utility, opt.utility_lower - kTol * scale) << "replay below its plan";
    EXPECT_LE(opt.utility, exact + kTol * scale) << "replay above the optimum";
    worst_gap = std::max(worst_gap, (opt.utility_upper - opt.utility_lower) / scale);
    replay_exact += (exact - opt.utility) <= 1e-9 * scale;
    composition += in.job.trigger == ReconfigTrigger::composition;
    ++tested;
  }
  EXPECT_GT(composition, 20);
  // At B = 512 the replayed down-rounded plan is the exact optimum on most instances; the
  // up-rounded bound can stay loose where V(T) or the deadline is a cliff.
  EXPECT_GE(replay_exact, tested * 9 / 10);
  printf("replayed plan exact on %d of %d instances; widest bracket %.3g (relative)\n",
         replay_exact, tested, worst_gap);
}

// The a-priori bound of docs/model.md: the down-rounded plan loses under q = L/B of work per
// slot, so it is at least as good as the exact optimum of the job with L + K·q work.
TEST(Opt, DownRoundedPlanBeatsExactOptimumOfSlightlyLargerJob) {
  std::mt19937_64 rng(7);
  int tested = 0;
  while (tested < 60) {
    Instance in = spotsweep::testing::random_instance(rng, 6, 2, false);
    if (brute_force_size(in) > 100000) continue;
    OptOptions options;
    options.progress_buckets = 16;  // coarse, so the bound is exercised
    const OptResult opt = solve_opt(in.job, in.market(), 0, options);
    Instance bigger = in;
    const int32_t horizon = horizon_slots(in.job, in.tick_s);
    bigger.job.work = in.job.work * (1.0 + static_cast<double>(horizon) / options.progress_buckets);
    if (!job_is_feasible(bigger.job)) continue;
    EXPECT_GE(opt.utility_lower, brute_force(bigger) - kTol * (1.0 + std::fabs(opt.utility_lower)));
    ++tested;
  }
}

TEST(Opt, BracketNarrowsAsBucketsGrow) {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 20; ++i) {
    Instance in = spotsweep::testing::random_instance(rng, 24, 4);
    double previous_gap = 1e300;
    for (int32_t buckets : {32, 256, 2048}) {
      OptOptions options;
      options.progress_buckets = buckets;
      const OptResult opt = solve_opt(in.job, in.market(), 0, options);
      const double gap = opt.utility_upper - opt.utility_lower;
      EXPECT_GE(gap, -1e-9);
      EXPECT_LE(gap, previous_gap + 1e-9);
      previous_gap = gap;
    }
  }
}

TEST(Opt, IsAtLeastEveryPolicysUtility) {
  std::mt19937_64 rng(314);
  for (int i = 0; i < 300; ++i) {
    Instance in = spotsweep::testing::random_instance(rng, i < 150 ? 8 : 40, i < 150 ? 3 : 6);
    const MarketView market = in.market();
    OptOptions options;
    options.progress_buckets = 256;
    options.replay = false;
    const OptResult opt = solve_opt(in.job, market, 0, options);
    const double bound = opt.utility_upper + 1e-9 * (1.0 + std::fabs(opt.utility_upper));
    OnDemandOnlyPolicy od;
    GreedyPolicy greedy;
    UniformProgressPolicy up;
    EXPECT_LE(simulate(in.job, market, 0, od).utility, bound);
    EXPECT_LE(simulate(in.job, market, 0, greedy).utility, bound);
    EXPECT_LE(simulate(in.job, market, 0, up).utility, bound);
    for (double theta : {0.3, 0.7, 1.0})
      for (double kappa : {0.6, 1.0}) {
        PredictionFreePolicy pf;
        pf.theta = theta;
        pf.kappa = kappa;
        EXPECT_LE(simulate(in.job, market, 0, pf).utility, bound);
      }
  }
}

// OPT's precision (docs/model.md §5 "Precision"): means, the bracket, and a policy that beats
// the achieved value reported as a failure, never as a ratio above 1.
TEST(Opt, PrecisionReportsTheBracketAndFlagsAPolicyAboveTheAchievedValue) {
  const double lower[] = {100.0, 50.0}, upper[] = {101.0, 50.0};
  const OptPrecision fine = opt_precision(lower, upper, 2, 74.0);
  EXPECT_DOUBLE_EQ(fine.lower_mean, 75.0);
  EXPECT_DOUBLE_EQ(fine.upper_mean, 75.5);
  EXPECT_DOUBLE_EQ(fine.width, 0.5);
  EXPECT_DOUBLE_EQ(fine.relative, 0.5 / 75.0);
  EXPECT_FALSE(fine.policy_beats_lower);
  const std::string text = describe_opt_precision(fine, opt_lattice_text(256, 0));
  EXPECT_NE(text.find("256 progress buckets"), std::string::npos) << text;
  EXPECT_NE(text.find("wider than the 0.5 % target"), std::string::npos) << text;
  EXPECT_EQ(text.find("FAILURE"), std::string::npos) << text;
  const OptPrecision failed = opt_precision(lower, upper, 2, 75.2);
  EXPECT_TRUE(failed.policy_beats_lower);
  EXPECT_NE(describe_opt_precision(failed, opt_lattice_text(0, 16)).find("PRECISION FAILURE"),
            std::string::npos);
  const OptPrecision none = opt_precision(lower, upper, 2, std::nan(""));
  EXPECT_FALSE(none.has_policy);
  EXPECT_FALSE(none.policy_beats_lower);
}

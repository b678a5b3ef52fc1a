// OPT against brute-force enumeration, its stated bound, and its dominance over policies.
#include "spotsweep/sweep/opt.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/model/planner.hpp"
#include "spotsweep/model/policies.hpp"
#include "spotsweep/model/simulator.hpp"

#include "../../support/instances.hpp"
#include "../../support/sweep_fixture.hpp"

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

// A job that one slot of N_max outruns by a factor of 1e10 on a 16-bucket lattice: each slot's
// shift was gain/q ≈ 1.9e10 steps cast to an int32 (16 − INT_MIN in the bucket arithmetic, a
// heap overflow). The shift is clamped at the lattice's end, where every landing is the same.
TEST(Opt, TinyJobOnACoarseLatticeCompletesInOneSlot) {
  JobSpec job;
  job.work = 1e-5;
  job.soft_deadline_s = 6 * 3600.0;
  job.hard_factor = 1.0;
  job.n_min = 1;
  job.n_max = 4;
  job.alpha = 1.0;
  job.value_max = 100.0;
  const int32_t slots = horizon_slots(job, 195.0);
  std::vector<double> price(slots, 0.9);
  std::vector<int32_t> avail(slots, 1);
  MarketView market;
  market.spot_price = price.data();
  market.spot_avail = avail.data();
  market.od_price = 3.06;
  market.tick_seconds = 195.0;
  market.n_slots = slots;
  for (const int32_t buckets : {1, 16, 256}) {
    OptOptions options;
    options.progress_buckets = buckets;
    check_opt_lattice(job, 195.0, options, "src", "--opt-buckets", std::to_string(buckets));
    const OptResult opt = solve_opt(job, market, 0, options);
    ASSERT_TRUE(std::isfinite(opt.utility_lower)) << buckets;
    EXPECT_LE(opt.utility_lower, opt.utility_upper + kTol) << buckets;
    // One spot GPU for one slot, billed in full: V̄ − 0.9 · 195 / 3600 (when does not matter:
    // V is flat up to the deadline, and ties go to idling first).
    EXPECT_NEAR(opt.utility, 100.0 - 0.9 * 195.0 / 3600.0, 1e-9) << buckets;
    EXPECT_EQ(opt.missed, 0) << buckets;
    EXPECT_GE(opt.finish_s, 0.0) << buckets;
  }
}

TEST(Opt, LatticeOverThePlannerLimitsIsAnInputError) {
  JobSpec job;
  job.work = 1e6;
  job.soft_deadline_s = 6 * 3600.0;
  job.n_max = 4;
  OptOptions options;
  options.resolution = 1000000000;
  try {
    check_opt_lattice(job, 195.0, options, "command line", "--opt-resolution", "1000000000");
    FAIL() << "1e9 steps per slot passed";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--opt-resolution = 1000000000: gives the planner"),
              std::string::npos)
        << e.what();
  }
  job.n_max = 100000;  // 100001 allocation states: more than the int16 choices hold
  options.resolution = 4;
  EXPECT_THROW(check_opt_lattice(job, 195.0, options, "s", "f", "v"), InputError);
}

// The shift itself: a slot that carries every state past the lattice moves exactly `buckets`
// steps (an int32 conversion of 1.9e10 steps was INT_MIN), whichever way the lattice rounds.
TEST(Opt, LatticeShiftIsClampedAtTheLatticeEnd) {
  JobSpec job;
  job.work = 1e-5;
  job.soft_deadline_s = 6 * 3600.0;
  job.n_max = 4;
  const PlanShape shape = plan_shape(job, 195.0, 111, 0.0, job.work / 16);
  ASSERT_EQ(shape.buckets, 16);
  for (const Rounding rounding : {Rounding::down, Rounding::up}) {
    PlanMove move;
    move.valid = true;
    move.rent.n_od = 4;
    move.rate = throughput(job, 4);
    const PlanMove moved = plan_move_at_since(job, shape, rounding, 195.0, move, 0);
    EXPECT_EQ(moved.shift, shape.buckets);
  }
}

// OPT split across ranks (docs/mpi.md, "OPT across ranks"): each rank's share of the jobs, put
// together in rank order, is compute_opt_table's table bit for bit, for any number of ranks
// (more than jobs too), with the bucket lattice and with --opt-resolution's.
TEST(Opt, SharesOfAnyRankCountPutTogetherAreTheWholeTableBitForBit) {
  const SweepPlan plan = spotsweep::testing::fixture_plan();
  const int64_t jobs = plan.jobs_per_member();
  ASSERT_GE(jobs, 4);
  for (const int32_t resolution : {0, 4}) {
    const OptTable whole = compute_opt_table(plan, 8, 2, {}, resolution);
    ASSERT_EQ(static_cast<int64_t>(whole.utility_lower.size()), jobs);
    for (const int ranks : {1, 2, 3, static_cast<int>(jobs) + 2}) {
      std::vector<double> lower, upper;
      int64_t next = 0, nonempty = 0;
      for (int r = 0; r < ranks; ++r) {
        const OptJobRange range = opt_job_range(plan, 8, resolution, r, ranks);
        EXPECT_EQ(range.begin, next) << r << " of " << ranks;
        next = range.end;
        nonempty += range.count() > 0;
        int64_t heard = 0;
        const OptTable share = compute_opt_share(
            plan, 8, 2, range, [&](int64_t done, int64_t) { heard = std::max(heard, done); },
            resolution);
        ASSERT_EQ(static_cast<int64_t>(share.utility_lower.size()), range.count());
        EXPECT_EQ(heard, range.count());
        EXPECT_EQ(share.progress_buckets, 8);
        EXPECT_EQ(share.resolution, resolution);
        lower.insert(lower.end(), share.utility_lower.begin(), share.utility_lower.end());
        upper.insert(upper.end(), share.utility_upper.begin(), share.utility_upper.end());
      }
      EXPECT_EQ(next, jobs);
      EXPECT_GE(nonempty, std::min<int64_t>(ranks, 2));  // a split, not one rank's
      ASSERT_EQ(lower.size(), whole.utility_lower.size());
      EXPECT_EQ(0, std::memcmp(lower.data(), whole.utility_lower.data(), jobs * sizeof(double)))
          << ranks << " ranks";
      EXPECT_EQ(0, std::memcmp(upper.data(), whole.utility_upper.data(), jobs * sizeof(double)))
          << ranks << " ranks";
    }
  }
}

// Split steps (docs/model.md §5, "Split steps"): each bound stays a bound on its own lattice, so
// the bracket still holds the brute-force optimum, with β > 0, β < 0 and β = 0 alike.
TEST(Opt, SplitStepsBracketHoldsTheBruteForceOptimum) {
  std::mt19937_64 rng(20260301);
  int tested = 0;
  while (tested < 120) {
    Instance in = spotsweep::testing::random_instance(rng, 8, 3);
    if (brute_force_size(in) > 300000) continue;
    OptOptions options;
    options.resolution = 8;
    options.split_steps = true;
    const OptResult opt = solve_opt(in.job, in.market(), 0, options);
    const double exact = brute_force(in);
    const double scale = 1.0 + std::fabs(exact);
    EXPECT_LE(opt.utility_lower, exact + kTol * scale) << "instance " << tested;
    EXPECT_GE(opt.utility_upper, exact - kTol * scale) << "instance " << tested;
    EXPECT_GE(opt.utility, opt.utility_lower - kTol * scale) << "replay below its plan";
    ++tested;
  }
}

// The steps of experiment (f)'s loose job (H(n) = 0.6406·n + 0.5667, 195 s ticks, m = 16): a
// full slot is 8·n + 7.077 steps of Δα/8 (down: 0.077 of a step lost per slot, against up to
// 0.98 with Δ·H(N_min)/16) and 9·n + 7.962 steps of Δα/9 (up: 0.038 over-credited); with β = 0
// both are the resolution step.
TEST(Opt, SplitStepsNearlyDivideEveryFullSlot) {
  JobSpec job;
  job.n_min = 1;
  job.n_max = 8;
  job.alpha = 0.6406;
  job.beta = 0.5667;
  const OptSplitSteps split = opt_split_steps(job, 195.0, 16);
  EXPECT_EQ(split.down_count, 8);
  EXPECT_EQ(split.up_count, 9);
  for (int32_t n = job.n_min; n <= job.n_max; ++n) {
    const double down = 195.0 * throughput(job, n) / split.down;
    const double up = 195.0 * throughput(job, n) / split.up;
    EXPECT_NEAR(down - std::floor(down), 0.0771, 1e-3) << n;
    EXPECT_NEAR(std::ceil(up) - up, 0.0382, 1e-3) << n;
  }
  EXPECT_NEAR(split.down_loss, 0.0771 * 195.0 * 0.6406 / 8, 1e-3);
  job.beta = 0.0;
  const OptSplitSteps exact = opt_split_steps(job, 195.0, 16);
  EXPECT_EQ(exact.down_count, 0);
  EXPECT_EQ(exact.down, 195.0 * throughput(job, job.n_min) / 16);
  EXPECT_EQ(exact.up, exact.down);
  EXPECT_EQ(exact.down_loss, 0.0);
  EXPECT_EQ(exact.up_gain, 0.0);
}

// On jobs with β > 0 and many slots, split steps narrow the bracket of the resolution lattice of
// the same m (experiment (f)'s loose job on the V100 trace: 1.87 % to 0.30 %, docs/model.md §5).
TEST(Opt, SplitStepsNarrowTheBracketWhenBetaIsPositive) {
  std::mt19937_64 rng(7);
  double plain_width = 0.0, split_width = 0.0;
  for (int i = 0; i < 20; ++i) {
    Instance in = spotsweep::testing::random_instance(rng, 48, 6);
    in.job.beta = std::fabs(in.job.beta) + 0.3 * in.job.alpha;
    if (!job_is_feasible(in.job)) continue;
    OptOptions options;
    options.resolution = 8;
    options.replay = false;
    const OptResult plain = solve_opt(in.job, in.market(), 0, options);
    options.split_steps = true;
    const OptResult split = solve_opt(in.job, in.market(), 0, options);
    EXPECT_LE(split.utility_lower,
              plain.utility_upper + kTol * (1.0 + std::fabs(plain.utility_upper)));
    EXPECT_LE(plain.utility_lower,
              split.utility_upper + kTol * (1.0 + std::fabs(split.utility_upper)));
    plain_width += plain.utility_upper - plain.utility_lower;
    split_width += split.utility_upper - split.utility_lower;
  }
  printf("bracket summed over the jobs: resolution lattice %.4g, split steps %.4g\n", plain_width,
         split_width);
  EXPECT_LT(split_width, 0.6 * plain_width);
}

// Split steps choose the down step by its loss per full slot, which ignores the work restarts
// lose; on a coarse lattice the resolution step can give the better schedule, and solve_opt keeps
// it (docs/model.md §5 "Split steps"): the split lower bound is never below the single step's,
// with and without the schedule's replay.
TEST(Opt, SplitStepsLowerBoundIsNeverBelowTheResolutionStep) {
  std::mt19937_64 rng(11);
  int better = 0;
  for (int i = 0; i < 40; ++i) {
    Instance in = spotsweep::testing::random_instance(rng, 48, 6);
    in.job.beta = std::fabs(in.job.beta) + 0.3 * in.job.alpha;
    if (!job_is_feasible(in.job)) continue;
    for (const int32_t resolution : {1, 2, 4}) {
      for (const bool replay : {false, true}) {
        OptOptions options;
        options.resolution = resolution;
        options.replay = replay;
        const OptResult plain = solve_opt(in.job, in.market(), 0, options);
        options.split_steps = true;
        const OptResult split = solve_opt(in.job, in.market(), 0, options);
        EXPECT_GE(split.utility_lower, plain.utility_lower - 1e-9)
            << "instance " << i << ", resolution " << resolution << ", replay " << replay;
        if (split.utility_lower > plain.utility_lower + 1e-9) ++better;
      }
    }
  }
  EXPECT_GT(better, 0) << "split steps should improve some lower bounds";
}

// CHC(w, v) and its window planner (docs/model.md §4.4, Algorithm 1).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "spotsweep/model/lagrangian_planner.hpp"
#include "spotsweep/model/policies.hpp"
#include "spotsweep/sweep/opt.hpp"
#include "spotsweep/tools/simulate.hpp"

#include "../../support/instances.hpp"

using namespace spotsweep;
using spotsweep::testing::Instance;

namespace {

OracleForecaster oracle(const MarketView& market, double eps, uint32_t scenario) {
  return OracleForecaster{market, make_noisy_oracle(2026, scenario, eps, 0.5, 64)};
}

// Exact value of one window schedule from `start` (independent of the planner's lattice).
double window_value(const JobSpec& job, const PlanMarket& m, const PlanStart& start,
                    const std::vector<Allocation>& schedule, const OnDemandTerminal& terminal) {
  return plan_window_value(job, m, start, schedule.data(), terminal);
}

// The window objective's optimum by brute force over every feasible window schedule.
double brute_force_window_optimum(const JobSpec& job, const PlanMarket& m, const PlanStart& start,
                                  const OnDemandTerminal& terminal) {
  const AllocationSpace space = allocation_space(job);
  const int32_t n = m.n_slots;
  std::vector<int32_t> digits(n, 0);
  std::vector<Allocation> schedule(n);
  double best = -1e300;
  for (;;) {
    bool valid = true;
    for (int32_t k = 0; k < n && valid; ++k)
      valid = space.realise(digits[k], m.spot_avail[k], m.spot_price[k], m.od_price, &schedule[k]);
    if (valid) best = std::max(best, window_value(job, m, start, schedule, terminal));
    int32_t k = 0;
    while (k < n && ++digits[k] == space.size())
      digits[k++] = 0;
    if (k == n) break;
  }
  return best;
}

// A random start state for a window of `in`: some work done, some allocation running, and its
// restart either just begun or a slot old.
PlanStart random_plan_start(const Instance& in, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const AllocationSpace space = allocation_space(in.job);
  PlanStart start;
  start.work_done = in.job.work * 0.3 * u(rng);
  start.prev = space.at(static_cast<int32_t>(u(rng) * space.size()) % space.size());
  start.overhead_s = start.prev.total() > 0
                         ? std::max(0.0, in.job.reconfig_s - in.tick_s * std::floor(2 * u(rng)))
                         : 0.0;
  return start;
}

// The instance's first n slots as a planner window.
PlanMarket plan_window(const Instance& in, int32_t n) {
  PlanMarket m;
  m.spot_price = in.spot_price.data();
  m.spot_avail = in.spot_avail.data();
  m.od_price = in.od_price;
  m.tick_s = in.tick_s;
  m.n_slots = n;
  return m;
}

}  // namespace

// The window planner solves its stated objective exactly, up to the lattice bracket.
TEST(ChcPlanner, MatchesBruteForceOnSmallWindows) {
  std::mt19937_64 rng(42);
  int tested = 0, close = 0;
  while (tested < 150) {
    Instance in = spotsweep::testing::random_instance(rng, 14, 3, tested % 3 == 0);
    const JobSpec& job = in.job;
    const int32_t horizon = horizon_slots(job, in.tick_s);
    const int32_t n = std::min<int32_t>(horizon, 5);
    const AllocationSpace space = allocation_space(job);
    int64_t combos = 1;
    for (int32_t k = 0; k < n; ++k)
      combos *= space.size();
    if (combos > 200000) continue;
    const PlanStart start = random_plan_start(in, rng);
    PlanMarket m = plan_window(in, n);
    const OnDemandTerminal terminal{job, in.od_price, n >= horizon};
    const PlanShape shape = plan_shape(job, in.tick_s, n, start.work_done, job.work / 2048);
    std::vector<double> va(shape.states()), vb(shape.states());
    std::vector<double> moves(plan_move_values(shape.buckets));
    const double down = solve_plan(job, m, start, shape, Rounding::down, terminal, va.data(),
                                   vb.data(), moves.data(), nullptr);
    const double up = solve_plan(job, m, start, shape, Rounding::up, terminal, va.data(), vb.data(),
                                 moves.data(), nullptr);
    const double best = brute_force_window_optimum(job, m, start, terminal);
    const double tol = 1e-9 * (1.0 + std::fabs(best));
    EXPECT_LE(down, best + tol) << "instance " << tested;
    EXPECT_GE(up, best - tol) << "instance " << tested;
    close += best - down <= 1e-2 * (1.0 + std::fabs(best));
    ++tested;
  }
  // Down-rounding loses < q of work a slot, which the terminal value prices and which can push
  // completion into the next fully billed slot: a fine lattice is usually, not always, within
  // 1 % of the optimum. The bracket above always holds.
  EXPECT_GE(close, tested * 9 / 10) << "the fine lattice should mostly come within 1 %";
}

// The Lagrangian planner's certificate is sound: on small random windows the plan's value is
// that of the schedule it writes, it never beats the brute-force optimum, and its bound never
// falls below it. More multipliers tighten the bound and never lose value.
TEST(ChcLagrangianPlanner, BoundsBruteForceOnSmallWindows) {
  std::mt19937_64 rng(4242);
  int tested = 0;
  int certified_close[3] = {0, 0, 0}, plan_close[3] = {0, 0, 0};
  const int32_t iteration_counts[3] = {1, 4, 12};
  while (tested < 200) {
    Instance in = spotsweep::testing::random_instance(rng, 14, 3, tested % 3 == 0);
    const JobSpec& job = in.job;
    const int32_t horizon = horizon_slots(job, in.tick_s);
    const int32_t n = std::min<int32_t>(horizon, 5);
    const AllocationSpace space = allocation_space(job);
    if (std::pow(space.size(), n) > 200000) continue;
    const PlanStart start = random_plan_start(in, rng);
    const PlanMarket m = plan_window(in, n);
    const OnDemandTerminal terminal{job, in.od_price, n >= horizon};
    const double best = brute_force_window_optimum(job, m, start, terminal);
    const double tol = 1e-9 * (1.0 + std::fabs(best));
    const int64_t states =
        lagrangian_states(space, plan_shape(job, in.tick_s, n, 0, job.work).restart_states);
    std::vector<double> va(states), vb(states);
    std::vector<int16_t> choice(states * n);
    std::vector<Allocation> candidate(n), plan(n);
    double last_value = -1e300, last_bound = 1e300;
    for (int32_t c = 0; c < 3; ++c) {
      const LagrangianPlan result =
          solve_lagrangian_plan(job, m, start, terminal, iteration_counts[c], va.data(), vb.data(),
                                choice.data(), candidate.data(), plan.data());
      int32_t length = 0;
      EXPECT_EQ(result.value, plan_window_value(job, m, start, plan.data(), terminal, &length));
      EXPECT_EQ(result.length, length);
      EXPECT_LE(result.value, best + tol) << "instance " << tested;
      EXPECT_GE(result.bound, best - tol)
          << "instance " << tested << " iterations " << iteration_counts[c];
      EXPECT_GE(result.value, last_value - tol) << "instance " << tested;
      EXPECT_LE(result.bound, last_bound + tol) << "instance " << tested;
      last_value = result.value;
      last_bound = result.bound;
      const double scale = 1e-2 * (1.0 + std::fabs(best));
      certified_close[c] += result.bound - result.value <= scale;
      plan_close[c] += best - result.value <= scale;
    }
    ++tested;
  }
  for (int32_t c = 0; c < 3; ++c)
    printf("iterations %2d: plan within 1 %% of the optimum on %d of %d, certified so on %d\n",
           iteration_counts[c], plan_close[c], tested, certified_close[c]);
  // Measured 2026-11-22: 143, 163 and 178 of 200. Not exact, but mostly close.
  EXPECT_GE(plan_close[0], tested * 6 / 10);
  EXPECT_GE(plan_close[2], tested * 85 / 100);
}

// The recorded choices are the plan: walked from the start state on the true window they earn at
// least the down-rounded value (the lattice never credits work not done). And a state from which
// no action reaches a feasible end records idle, whatever the choice buffer held before.
TEST(ChcPlanner, ChoicesRealiseThePlanAndDeadEndsRecordIdle) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int32_t tested = 0; tested < 150; ++tested) {
    Instance in = spotsweep::testing::random_instance(rng, 14, 3, tested % 3 == 0);
    const JobSpec& job = in.job;
    const int32_t n = std::min<int32_t>(horizon_slots(job, in.tick_s), 6);
    const AllocationSpace space = allocation_space(job);
    PlanStart start;
    start.work_done = job.work * 0.3 * u(rng);
    start.prev = space.at(static_cast<int32_t>(u(rng) * space.size()) % space.size());
    PlanMarket m = plan_window(in, n);
    const OnDemandTerminal terminal{job, in.od_price, false};
    const PlanShape shape = plan_shape(job, in.tick_s, n, start.work_done, job.work / 512);
    std::vector<double> va(shape.states()), vb(shape.states());
    std::vector<double> moves(plan_move_values(shape.buckets));
    std::vector<int16_t> choice(static_cast<size_t>(shape.states()) * n, 5);
    const double down = solve_plan(job, m, start, shape, Rounding::down, terminal, va.data(),
                                   vb.data(), moves.data(), choice.data());
    std::vector<Allocation> schedule(n);
    follow_plan(job, m, start, shape, choice.data(), n, schedule.data());
    const double realised = window_value(job, m, start, schedule, terminal);
    EXPECT_GE(realised, down - 1e-9 * (1.0 + std::fabs(down))) << "instance " << tested;

    // Two slots of a job that needs far more, with no value after the window: every state is a
    // dead end.
    const auto dead_end = [](double, double) { return kInfeasibleValue; };
    m.n_slots = 2;
    PlanStart fresh;
    const PlanShape short_shape = plan_shape(job, in.tick_s, 2, 0.0, job.work / 512);
    if (2 * in.tick_s * throughput(job, job.n_max) >= job.work) continue;
    std::fill(choice.begin(), choice.end(), 5);
    va.assign(short_shape.states(), 0.0);
    vb.assign(short_shape.states(), 0.0);
    moves.assign(plan_move_values(short_shape.buckets), 0.0);
    EXPECT_EQ(solve_plan(job, m, fresh, short_shape, Rounding::down, dead_end, va.data(), vb.data(),
                         moves.data(), choice.data()),
              kInfeasibleValue);
    for (int32_t k = 0; k < 2; ++k)
      for (int32_t a = 0; a < space.size(); ++a)
        for (int32_t since = 0; since < short_shape.restart_states; ++since)
          EXPECT_EQ(choice[k * short_shape.states() + short_shape.state_index(a, since, 0)], 0)
              << "instance " << tested << " slot " << k;
  }
}

// ε = 0, a window covering the rest of the job and v = 1: CHC is OPT within the bracket.
TEST(Chc, EqualsOptWithPerfectForecastsAndFullWindow) {
  std::mt19937_64 rng(1234);
  int tested = 0, within = 0;
  while (tested < 120) {
    Instance in = spotsweep::testing::random_instance(rng, 24, 3, false);
    const MarketView market = in.market();
    const int32_t horizon = horizon_slots(in.job, in.tick_s);
    ChcParams params;
    params.window = horizon;
    params.commit = 1;
    params.resolution = 64;
    OptOptions options;
    options.progress_step = chc_progress_step(in.job, in.tick_s, params);
    const OptResult opt = solve_opt(in.job, market, 0, options);
    const Outcome chc = simulate_chc(in.job, market, 0, params, oracle(market, 0.0, tested));
    const double tol = 1e-9 * (1.0 + std::fabs(opt.utility_upper));
    EXPECT_GE(chc.utility, opt.utility_lower - tol) << "instance " << tested;
    EXPECT_LE(chc.utility, opt.utility_upper + tol) << "instance " << tested;
    // Re-planning every slot from the realised work recovers what the lattice rounds away,
    // so CHC may beat OPT's replayed down-rounded plan, never fall below it.
    EXPECT_GE(chc.utility, opt.utility - tol) << "instance " << tested;
    within += std::fabs(chc.utility - opt.utility) <= 1e-6 * (1.0 + std::fabs(opt.utility));
    ++tested;
  }
  printf("CHC equals OPT's replayed schedule exactly on %d of %d instances\n", within, tested);
  // Measured 119 of 120 (the other beats the replay by the rounding it recovers).
  EXPECT_GE(within, tested * 95 / 100);
}

// CHC never misses a job that on-demand only would finish, at every ε, in every mode, with
// either planner.
TEST(Chc, NeverMissesAFeasibleJob) {
  std::mt19937_64 rng(77);
  for (int i = 0; i < 160; ++i) {
    Instance in = spotsweep::testing::random_instance(rng, 40, 4);
    const MarketView market = in.market();
    OnDemandOnlyPolicy od;
    ASSERT_EQ(simulate(in.job, market, 0, od).missed, 0);
    for (double eps : {0.0, 0.1, 0.2, 0.4, 1.0}) {
      ChcParams params;
      params.window = 8;
      params.commit = 1 + i % 8;
      params.resolution = 4;
      params.mode = i % 4 == 3 ? ChcMode::averaged : ChcMode::committed;
      params.replan_deviation = i % 5 == 4 ? 0.2 : 0.0;
      params.lagrange_iters = i % 3 == 2 ? 1 + i % 7 : 0;
      const Outcome out = simulate_chc(in.job, market, 0, params, oracle(market, eps, i));
      EXPECT_EQ(out.missed, 0) << "instance " << i << " eps " << eps;
    }
  }
}

TEST(Chc, CommitmentLevelSetsHowOftenItPlans) {
  std::mt19937_64 rng(3);
  const Instance in = spotsweep::testing::random_instance(rng, 40, 2, false);
  const MarketView market = in.market();
  ChcParams params;
  params.window = 12;
  params.resolution = 2;
  int32_t plans_v1 = 0, plans_v4 = 0, plans_dev = 0;
  params.commit = 1;
  const Outcome a = simulate_chc(in.job, market, 0, params, oracle(market, 0.3, 1), &plans_v1);
  params.commit = 4;
  const Outcome b = simulate_chc(in.job, market, 0, params, oracle(market, 0.3, 1), &plans_v4);
  params.replan_deviation = 0.01;  // nearly every noisy forecast deviates
  simulate_chc(in.job, market, 0, params, oracle(market, 0.3, 1), &plans_dev);
  EXPECT_EQ(plans_v1, a.slots);
  EXPECT_EQ(plans_v4, (b.slots + 3) / 4);
  EXPECT_GT(plans_dev, plans_v4);
}

TEST(Chc, AveragedModeIsDeterministicAndFeasible) {
  std::mt19937_64 rng(8);
  for (int i = 0; i < 30; ++i) {
    Instance in = spotsweep::testing::random_instance(rng, 30, 4);
    const MarketView market = in.market();
    ChcParams params;
    params.window = 6;
    params.commit = 3;
    params.resolution = 4;
    params.mode = ChcMode::averaged;
    const Outcome a = simulate_chc(in.job, market, 0, params, oracle(market, 0.2, i));
    const Outcome b = simulate_chc(in.job, market, 0, params, oracle(market, 0.2, i));
    EXPECT_EQ(a.utility, b.utility);
    EXPECT_EQ(a.missed, 0);
  }
}

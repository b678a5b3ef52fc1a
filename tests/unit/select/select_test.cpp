// The online selector (docs/select.md) on the CPU backend: every learner's regret within its
// valid bound at every round on real and synthetic markets, with and without delayed feedback;
// the baselines (uniform mixture, follow the leader) and the delays replayed from the sweep
// engine's own outcomes; learners that beat the uniform mixture where one member is clearly
// best; ranges that never read spot prices; adaptation to prediction quality; the HDF5 file.
#include "spotsweep/select/select.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <string>

#include "spotsweep/backend/cpu_sweep.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/h5.hpp"
#include "spotsweep/market/trace_io.hpp"
#include "spotsweep/select/select_h5.hpp"

#include "../../support/sweep_fixture.hpp"

namespace spotsweep {
namespace {

namespace fs = std::filesystem;

SweepPlan plan_from(const std::string& toml, const Trace& trace) {
  return make_plan(parse_sweep_config(parse_toml_text(toml, "select_test.toml")), trace);
}

SweepPlan synthetic_plan_from(const std::string& toml) {
  return make_plan(parse_sweep_config(parse_toml_text(toml, "select_test.toml")));
}

SelectResult select(const SweepPlan& plan, Learner learner, EtaSchedule eta = EtaSchedule::fixed,
                    uint64_t seed = 5, int32_t opt_buckets = 0,
                    FeedbackDelay delay = FeedbackDelay::finish) {
  SelectOptions options;
  options.exec.backend = Backend::cpu;
  options.learner = learner;
  options.eta = eta;
  options.delay = delay;
  options.seed = seed;
  options.top_k = 3;
  return run_selection(plan, options, opt_buckets, {});
}

constexpr Learner kLearners[] = {Learner::adahedge, Learner::flipflop, Learner::hedge,
                                 Learner::exp3, Learner::exp3_ada};
constexpr FeedbackDelay kDelays[] = {FeedbackDelay::finish, FeedbackDelay::none};

std::string describe(Learner learner, FeedbackDelay delay) {
  return std::string(learner_name(learner)) + ", delay " + feedback_delay_name(delay);
}

// Every member's outcome of every (window, round) job, from the sweep engine.
struct Outcomes {
  SweepResult sweep;
  int64_t jobs = 0;
  int32_t rounds = 0;
  const Outcome& at(int64_t member, int32_t window, int32_t round) const {
    return sweep
        .traced[static_cast<size_t>(member) * jobs + static_cast<size_t>(window) * rounds + round];
  }
};

Outcomes every_outcome(const SweepPlan& plan) {
  SweepOptions options;
  options.exec.backend = Backend::cpu;
  for (int64_t m = 0; m < plan.pool.size; ++m)
    options.trace_members.push_back(m);
  return Outcomes{run_sweep_cpu(plan, options), plan.jobs_per_member(), plan.rounds};
}

// A pool of every prediction-free family and a job that fits in a few hours.
constexpr const char* kMixedPool = R"toml(
[pool.pf]
theta = [0.3, 0.6, 0.9]
kappa = [0.7, 1.0]
[pool.greedy]
deadline_factor = [0.8, 1]
[pool.uniform_progress]
deadline_factor = [0.9, 1.0]
[pool.on_demand]
n_gpus = [0, 2, 4]
)toml";

constexpr const char* kJob = R"toml(
[job]
work = "uniform(2e6, 4e6)"
deadline_h = 4
gamma = 1.5
n_min = 1
n_max = 4
alpha = 100
beta = 0
value = "uniform(40, 80)"
miss_penalty = 20
reconfig_s = 300
)toml";

// The bound can equal the regret exactly (follow-the-leader rounds, whose regret is their
// mixability gap; rounds all still pending), so it is checked to rounding. The bandit learners'
// bounds hold for the expected regret only (BanditBoundsHoldOnAverage).
void expect_regret_within_bound(const SelectResult& r, const std::string& what) {
  if (r.feedback() == Feedback::bandit) return;
  for (int32_t s = 0; s < r.scenarios; ++s)
    for (int32_t t = 0; t < r.rounds; ++t) {
      const double bound = r.at(r.regret_bound, s, t);
      ASSERT_LE(r.at(r.regret, s, t), bound + 1e-9 * (1.0 + std::fabs(bound)))
          << what << ": scenario " << s << " round " << t + 1;
      // The curves agree with each other.
      ASSERT_NEAR(r.at(r.regret, s, t),
                  r.at(r.best_cumulative, s, t) - r.at(r.selector_cumulative, s, t),
                  1e-6 * (1 + std::fabs(r.at(r.best_cumulative, s, t))));
    }
}

// Every learner, with and without delayed feedback, on the real V100 trace: the regret stays
// within the learner's valid bound at every round, and the uniform mixture's regret the file
// reports is the one replayed from the sweep engine's outcomes.
TEST(Select, RegretWithinBoundOnRealTrace) {
  const Trace trace = load_trace(std::string(SPOTSWEEP_SOURCE_DIR) + "/data/v100_us-east-1a.h5");
  const std::string toml = std::string(kMixedPool) + R"toml(
[workload]
trace = "unused.h5"
scenarios = 3
scenario_stride = 1500
rounds = 40
round_stride = 6
seed = 11
)toml" + kJob;
  const SweepPlan plan = plan_from(toml, trace);
  const Outcomes outcomes = every_outcome(plan);
  for (Learner learner : kLearners)
    for (FeedbackDelay delay : kDelays) {
      const std::string what = "real trace, " + describe(learner, delay);
      const SelectResult r = select(plan, learner, EtaSchedule::fixed, 5, 0, delay);
      expect_regret_within_bound(r, what);
      for (int32_t sc = 0; sc < r.scenarios; ++sc) {
        double mixture = 0.0;  // the uniform mixture's cumulative utility
        for (int32_t t = 0; t < plan.rounds; ++t) {
          for (int64_t m = 0; m < plan.pool.size; ++m)
            mixture += outcomes.at(m, sc, t).utility / static_cast<double>(plan.pool.size);
          ASSERT_NEAR(r.at(r.uniform_regret, sc, t), r.at(r.best_cumulative, sc, t) - mixture,
                      1e-9 * (1.0 + std::fabs(mixture)))
              << what << " scenario " << sc << " round " << t + 1;
        }
      }
    }
  for (FeedbackDelay delay : kDelays) {
    const SelectResult r = select(plan, Learner::hedge, EtaSchedule::anytime, 5, 0, delay);
    expect_regret_within_bound(
        r, "real trace, hedge anytime, delay " + std::string(feedback_delay_name(delay)));
  }
}

TEST(Select, RegretWithinBoundOnSyntheticMarkets) {
  for (const char* model : {"birth_death", "markov_modulated"}) {
    const std::string toml = std::string(kMixedPool) + R"toml(
[workload]
synthetic = true
scenarios = 3
rounds = 30
round_stride = 8
seed = 3
[synthetic]
n_slots = 1000
capacity = 8
availability_model = ")toml" +
                             model + "\"\n" + kJob;
    const SweepPlan plan = synthetic_plan_from(toml);
    for (Learner learner : kLearners)
      for (FeedbackDelay delay : kDelays)
        expect_regret_within_bound(select(plan, learner, EtaSchedule::fixed, 5, 0, delay),
                                   std::string(model) + ", " + describe(learner, delay));
  }
}

TEST(Select, FixedEtaBoundMeetsTheTextbookFormAtTheHorizon) {
  const int64_t K = 1000;
  const int32_t T = 500;
  EXPECT_NEAR(hedge_regret_bound(EtaSchedule::fixed, K, T, T), sqrt_half_r_log_k(K, T), 1e-9);
  for (int32_t r = 1; r < T; r += 37)
    EXPECT_GE(hedge_regret_bound(EtaSchedule::fixed, K, T, r), sqrt_half_r_log_k(K, r));
  EXPECT_NEAR(hedge_eta(EtaSchedule::fixed, K, T, 3), std::sqrt(8 * std::log(1000.0) / 500), 1e-15);
  EXPECT_NEAR(hedge_eta(EtaSchedule::anytime, K, T, 3), std::sqrt(8 * std::log(1000.0) / 3), 1e-15);
}

// Fixed-η Hedge with delayed feedback against the a-priori form of docs/select.md ("The
// bound"): regret after round r ≤ (high − low)·(ln K/η + η·r/8 + η·D_r/2 + m_{r+1}), D_r the
// results pending summed over the rounds played so far, m_{r+1} those pending after round r.
TEST(Select, DelayedHedgeMeetsItsAPrioriBound) {
  const Trace trace = load_trace(std::string(SPOTSWEEP_SOURCE_DIR) + "/data/v100_us-east-1a.h5");
  const std::string toml = std::string(kMixedPool) + R"toml(
[workload]
trace = "unused.h5"
scenarios = 2
scenario_stride = 1500
rounds = 60
round_stride = 3
seed = 4
)toml" + kJob;
  const SweepPlan plan = plan_from(toml, trace);
  const SelectResult r = select(plan, Learner::hedge);
  const int64_t K = plan.pool.size;
  const double eta = hedge_eta(EtaSchedule::fixed, K, plan.rounds, 1);
  int64_t most_pending = 0;
  for (int32_t s = 0; s < r.scenarios; ++s) {
    double delays = 0.0;
    for (int32_t t = 0; t + 1 < r.rounds; ++t) {
      delays += r.at(r.pending, s, t);
      most_pending = std::max<int64_t>(most_pending, r.at(r.pending, s, t));
      const double a_priori =
          r.ranges[s].width() * (std::log(static_cast<double>(K)) / eta + eta * (t + 1) / 8.0 +
                                 eta * delays / 2.0 + r.at(r.pending, s, t + 1));
      EXPECT_LE(r.at(r.regret, s, t), a_priori) << "scenario " << s << " round " << t + 1;
      EXPECT_LE(r.at(r.regret_bound, s, t), a_priori + 1e-9 * a_priori)
          << "the computed bound is the tighter one";
    }
  }
  EXPECT_GT(most_pending, 5) << "the jobs outlast several round strides";
}

// The selector's numbers against the sweep engine's own outcomes of every member: round 1
// plays the uniform mixture, the best member's cumulative utility is its utilities' sum, and
// follow-the-leader's utility is the mean over the members with the largest fed-back sum.
TEST(Select, AgreesWithTheSweepEngine) {
  const SweepPlan plan = testing::fixture_plan();
  const int64_t K = plan.pool.size;
  const Outcomes outcomes = every_outcome(plan);
  const SelectResult r =
      select(plan, Learner::hedge, EtaSchedule::fixed, 5, 0, FeedbackDelay::none);
  auto utility = [&](int64_t m, int32_t s, int32_t t) { return outcomes.at(m, s, t).utility; };
  for (int32_t s = 0; s < plan.scenarios.count; ++s) {
    double mean = 0.0;
    for (int64_t m = 0; m < K; ++m)
      mean += utility(m, s, 0);
    EXPECT_NEAR(r.at(r.expected_utility, s, 0), mean / K, 1e-9) << "scenario " << s;
    EXPECT_NEAR(r.at(r.entropy, s, 0), std::log(static_cast<double>(K)), 1e-12);
    double ftl_sum = 0.0;
    for (int32_t t = 0; t < plan.rounds; ++t) {
      const int64_t best = r.best_member[static_cast<size_t>(s) * plan.rounds + t];
      double best_sum = 0.0, other_best = -1e300, top_before = -1e300;
      std::vector<double> before(static_cast<size_t>(K), 0.0);  // summed in round order
      for (int64_t m = 0; m < K; ++m) {
        double sum = 0.0;
        for (int32_t u = 0; u < t; ++u)
          sum += utility(m, s, u);
        before[m] = sum;
        sum += utility(m, s, t);
        top_before = std::max(top_before, before[m]);
        if (m == best) best_sum = sum;
        other_best = std::max(other_best, sum);
      }
      double leaders = 0.0, leader_sum = 0.0;
      for (int64_t m = 0; m < K; ++m)
        if (before[m] == top_before) {
          leaders += 1.0;
          leader_sum += utility(m, s, t);
        }
      ftl_sum += leader_sum / leaders;
      EXPECT_NEAR(r.at(r.ftl_regret, s, t), best_sum - ftl_sum, 1e-6) << "round " << t + 1;
      EXPECT_NEAR(r.at(r.best_cumulative, s, t), best_sum, 1e-6);
      EXPECT_NEAR(best_sum, other_best, 1e-6) << "the reported best is the best in hindsight";
      const int64_t played = r.sampled_member[static_cast<size_t>(s) * plan.rounds + t];
      EXPECT_NEAR(r.at(r.sampled_utility, s, t), utility(played, s, t), 1e-9);
      EXPECT_EQ(r.at(r.pending, s, t), 0) << "no delay";
    }
  }
}

// With delayed feedback a round's results reach the learner when its last member's job ends
// (full feedback) or the played member's (bandit): the pending counts the file reports are
// those replayed from the sweep engine's slot counts.
TEST(Select, PendingResultsFollowTheJobsEnds) {
  const SweepPlan plan = testing::fixture_plan(
      "");  // 5 rounds 20 slots apart: a 4 h job (24 slots) runs past the next start
  const Outcomes outcomes = every_outcome(plan);
  const int64_t K = plan.pool.size;
  for (Learner learner : {Learner::adahedge, Learner::exp3_ada}) {
    const SelectResult r = select(plan, learner);
    const bool bandit = learner_feedback(learner) == Feedback::bandit;
    int64_t pending_seen = 0;
    for (int32_t s = 0; s < r.scenarios; ++s) {
      std::vector<int32_t> arrival(static_cast<size_t>(plan.rounds));
      for (int32_t t = 0; t < plan.rounds; ++t) {
        int32_t ran = 0;
        if (bandit) {
          ran = outcomes.at(r.sampled_member[static_cast<size_t>(s) * plan.rounds + t], s, t).slots;
        } else {
          for (int64_t m = 0; m < K; ++m)
            ran = std::max(ran, outcomes.at(m, s, t).slots);
        }
        arrival[t] = plan.round_start[t] + ran;
        int32_t pending = 0;  // rounds before t not yet arrived when t starts
        for (int32_t j = 0; j < t; ++j)
          pending += arrival[j] > plan.round_start[t] ? 1 : 0;
        EXPECT_EQ(r.at(r.pending, s, t), pending)
            << learner_name(learner) << " scenario " << s << " round " << t + 1;
        pending_seen += pending;
      }
    }
    EXPECT_GT(pending_seen, 0) << "the fixture's jobs outlast the round stride";
  }
}

// A stationary market where one member clearly wins every round: cheap spot is always there,
// so the greedy member beats every on-demand member by a wide margin.
SweepPlan clear_best_plan() {
  Trace trace;
  trace.name = "stationary";
  trace.tick_seconds = 600;
  trace.od_price = 3.0;
  trace.capacity = 8;
  for (int32_t i = 0; i < 3000; ++i) {
    trace.spot_price.push_back(0.9 + 0.1 * (i % 3));
    trace.spot_avail.push_back(8);
  }
  const std::string toml = R"toml(
[pool.greedy]
deadline_factor = [1]
[pool.on_demand]
n_gpus = [0, 1, 2, 4]
[workload]
trace = "unused.h5"
scenarios = 2
scenario_stride = 300
rounds = 200
round_stride = 5
seed = 1
)toml" + std::string(kJob);
  return plan_from(toml, trace);
}

TEST(Select, ConvergesToAClearlyBestMember) {
  const SweepPlan plan = clear_best_plan();
  for (Learner learner : {Learner::adahedge, Learner::flipflop, Learner::hedge}) {
    const SelectResult r = select(plan, learner);
    for (int32_t s = 0; s < plan.scenarios.count; ++s) {
      EXPECT_EQ(r.top_member[static_cast<size_t>(s) * r.top_k], 0) << "greedy is member 0";
      EXPECT_GT(r.top_weight[static_cast<size_t>(s) * r.top_k], 0.9)
          << learner_name(learner) << " scenario " << s;
      EXPECT_EQ(r.best_member[static_cast<size_t>(s) * plan.rounds + plan.rounds - 1], 0);
      EXPECT_LT(r.at(r.entropy, s, plan.rounds - 1), r.at(r.entropy, s, 0));
    }
  }
}

// The bound check that can fail: where one member's mean utility per job beats every other
// member's by at least 5 %, a learner must end with at most half the uniform mixture's regret
// (the never-learning selector's), and that mixture must fail the learner's own bound.
constexpr double kBeatUniformBy = 0.5;  // selector regret ≤ this × the uniform mixture's

TEST(Select, LearnersBeatTheUniformMixtureWhereOneMemberIsClearlyBest) {
  const SweepPlan plan = clear_best_plan();
  const Outcomes outcomes = every_outcome(plan);
  const int64_t K = plan.pool.size;
  for (int32_t s = 0; s < plan.scenarios.count; ++s) {
    std::vector<double> mean(static_cast<size_t>(K), 0.0);
    for (int64_t m = 0; m < K; ++m)
      for (int32_t t = 0; t < plan.rounds; ++t)
        mean[m] += outcomes.at(m, s, t).utility / plan.rounds;
    const int64_t best = std::max_element(mean.begin(), mean.end()) - mean.begin();
    for (int64_t m = 0; m < K; ++m)
      if (m != best) {
        ASSERT_GE(mean[best], 1.05 * mean[m]) << "member " << m << " is close";
      }
  }
  for (Learner learner : {Learner::adahedge, Learner::flipflop, Learner::hedge})
    for (FeedbackDelay delay : kDelays) {
      const SelectResult r = select(plan, learner, EtaSchedule::fixed, 5, 0, delay);
      for (int32_t s = 0; s < r.scenarios; ++s) {
        const int32_t last = r.rounds - 1;
        const double regret = r.at(r.regret, s, last);
        const double uniform = r.at(r.uniform_regret, s, last);
        std::printf("%-24s scenario %d: regret %8.2f, uniform mixture's %8.2f, bound %8.2f\n",
                    describe(learner, delay).c_str(), s, regret, uniform,
                    r.at(r.regret_bound, s, last));
        EXPECT_LE(regret, kBeatUniformBy * uniform) << describe(learner, delay) << " " << s;
        if (learner != Learner::hedge) {  // Hedge's worst-case bound stays loose here
          EXPECT_GT(r.at(r.uniform_tightness, s, last), 1.0)
              << describe(learner, delay) << ": a never-learning selector would pass the bound";
        }
      }
    }
}

// The ranges that scale rewards come from each job and the on-demand price only: redrawing
// every spot price and availability of the market leaves them as they were.
TEST(Select, RangesNeverReadSpotPrices) {
  const SweepPlan plan = testing::fixture_plan();
  SweepPlan other = plan;
  for (size_t i = 0; i < other.scenarios.spot_price.size(); ++i) {
    other.scenarios.spot_price[i] = 10.0 + static_cast<double>(i % 7);
    other.scenarios.spot_avail[i] = static_cast<int32_t>(i % 3);
  }
  const std::vector<UtilityRange> a = selector_utility_ranges(plan);
  const std::vector<UtilityRange> b = selector_utility_ranges(other);
  ASSERT_EQ(a.size(), b.size());
  for (size_t s = 0; s < a.size(); ++s) {
    EXPECT_EQ(a[s].low, b[s].low);
    EXPECT_EQ(a[s].high, b[s].high);
  }
}

// "Adaptively selects the best policy under varying prediction quality": one pool of
// prediction-based (CHC) and prediction-free (PF) members on a stormy synthetic market, with
// the forecasts CHC receives either exact (the market itself, ε = 0) or badly wrong: read
// from a decoy that always shows every GPU up at the window's lowest price (the calm story
// told through the storms), with noise ε = 1 on top.
struct FamilyMass {
  double chc = 0.0;
  double pf = 0.0;
};

FamilyMass final_family_weight(bool poisoned) {
  const std::string toml = R"toml(
[pool.chc]
window = [12, 24]
commit = [2]
eps = [)toml" + std::string(poisoned ? "1" : "0") +
                           R"toml(]
growth = [0]
resolution = [1]
[pool.pf]
theta = [0.6, 0.8]
kappa = [0.8]
[workload]
synthetic = true
scenarios = 2
rounds = 300
round_stride = 12
seed = 42
[synthetic]
n_slots = 3700
capacity = 8
volatility_per_sqrt_hour = 0.5
mean_reversion_per_hour = 0.5
availability_model = "markov_modulated"
storm_enter_prob = 0.02
storm_exit_prob = 0.05
[job]
work = "uniform(3e6, 6e6)"
deadline_h = 5
gamma = 1.2
n_min = 1
n_max = 4
alpha = 100
beta = 0
value = "uniform(60, 120)"
miss_penalty = 40
reconfig_s = 300
)toml";
  SweepPlan plan = synthetic_plan_from(toml);
  if (poisoned) {
    ScenarioSet& set = plan.scenarios;
    set.forecast_spot_price = set.spot_price;
    set.forecast_spot_avail = set.spot_avail;
    for (int32_t s = 0; s < set.count; ++s) {
      double* price = set.forecast_spot_price.data() + static_cast<size_t>(s) * set.slots;
      int32_t* avail = set.forecast_spot_avail.data() + static_cast<size_t>(s) * set.slots;
      const double low = *std::min_element(price, price + set.slots);
      for (int32_t t = 0; t < set.slots; ++t) {
        price[t] = low;
        avail[t] = set.capacity;
      }
    }
  }
  const SelectResult r = select(plan, SelectOptions{}.learner);
  FamilyMass mass;
  for (int32_t s = 0; s < r.scenarios; ++s) {
    mass.chc += r.family_weight[static_cast<size_t>(s) * 2 + 0] / r.scenarios;
    mass.pf += r.family_weight[static_cast<size_t>(s) * 2 + 1] / r.scenarios;
  }
  return mass;
}

TEST(Select, WeightFollowsPredictionQuality) {
  const FamilyMass accurate = final_family_weight(false);
  const FamilyMass poisoned = final_family_weight(true);
  std::printf("final weight mass: accurate forecasts CHC %.3f PF %.3f; poisoned CHC %.3f PF %.3f\n",
              accurate.chc, accurate.pf, poisoned.chc, poisoned.pf);
  EXPECT_GT(accurate.chc, 0.5) << "accurate forecasts: the weight should sit on CHC";
  EXPECT_GT(poisoned.pf, 0.5) << "badly wrong forecasts: the weight should sit on PF";
  EXPECT_GT(accurate.chc - poisoned.chc, 0.2) << "the mass moves with prediction quality";
}

// Both bandit learners find the better of two members on a stationary market, playing both.
TEST(Select, BanditLearnersLearnAndStayWithinTheirBounds) {
  Trace trace;
  trace.name = "stationary";
  trace.tick_seconds = 600;
  trace.od_price = 3.0;
  trace.capacity = 8;
  for (int32_t i = 0; i < 4000; ++i) {
    trace.spot_price.push_back(0.9);
    trace.spot_avail.push_back(8);
  }
  const std::string toml = R"toml(
[pool.greedy]
deadline_factor = [1]
[pool.on_demand]
n_gpus = [4]
[workload]
trace = "unused.h5"
scenarios = 2
scenario_stride = 100
rounds = 600
round_stride = 5
seed = 1
)toml" + std::string(kJob);
  const SweepPlan plan = plan_from(toml, trace);
  for (Learner learner : {Learner::exp3, Learner::exp3_ada}) {
    const SelectResult r = select(plan, learner, EtaSchedule::fixed, 9);
    for (int32_t s = 0; s < r.scenarios; ++s) {
      EXPECT_EQ(r.top_member[static_cast<size_t>(s) * r.top_k], 0) << learner_name(learner);
      EXPECT_GT(r.top_weight[static_cast<size_t>(s) * r.top_k], 0.8) << learner_name(learner);
      // Both members get played (exploration), the better one far more often.
      int64_t greedy_plays = 0;
      for (int32_t t = 0; t < r.rounds; ++t)
        greedy_plays += r.sampled_member[static_cast<size_t>(s) * r.rounds + t] == 0;
      EXPECT_GT(greedy_plays, r.rounds / 2) << learner_name(learner);
      EXPECT_LT(greedy_plays, r.rounds) << learner_name(learner);
    }
  }
}

// The bandit learners bound the expected regret: over many draws of the played members the mean
// regret stays under the mean bound at every round (on the real trace, with delays).
TEST(Select, BanditBoundsHoldOnAverage) {
  const Trace trace = load_trace(std::string(SPOTSWEEP_SOURCE_DIR) + "/data/v100_us-east-1a.h5");
  const std::string toml = std::string(kMixedPool) + R"toml(
[workload]
trace = "unused.h5"
scenarios = 1
rounds = 40
round_stride = 6
seed = 11
)toml" + kJob;
  const SweepPlan plan = plan_from(toml, trace);
  for (Learner learner : {Learner::exp3, Learner::exp3_ada}) {
    std::vector<double> regret(static_cast<size_t>(plan.rounds), 0.0), bound(regret);
    const int32_t draws = 40;
    for (uint64_t seed = 0; seed < static_cast<uint64_t>(draws); ++seed) {
      const SelectResult r = select(plan, learner, EtaSchedule::fixed, seed);
      for (int32_t t = 0; t < plan.rounds; ++t) {
        regret[t] += r.at(r.regret, 0, t) / draws;
        bound[t] += r.at(r.regret_bound, 0, t) / draws;
      }
    }
    for (int32_t t = 0; t < plan.rounds; ++t)
      EXPECT_LE(regret[t], bound[t] + 1e-9 * bound[t])
          << learner_name(learner) << " round " << t + 1;
  }
}

// The adaptive adversary plays, per scenario and round, the regime in which the member with
// the most weight trails the round's best member by the most: checked against the sweep
// engine's outcomes of every member in both regimes.
TEST(Select, AdaptiveAdversaryPlaysTheRegimeThatHurtsTheLeader) {
  const Trace calm = testing::fixture_trace();
  Trace storm = calm;
  for (size_t i = 0; i < storm.spot_avail.size(); ++i) {
    if ((i / 3) % 2) storm.spot_avail[i] = 0;
    storm.spot_price[i] *= 1.5;
  }
  const SweepPlan plan = make_regime_plan(testing::fixture_config(), {calm, storm});
  const int32_t S = plan.scenarios.count / 2;
  SelectOptions options;
  options.exec.backend = Backend::cpu;
  options.regimes = 2;
  const SelectResult r = run_selection(plan, options, 32, {});
  const std::vector<UtilityRange>& ranges = r.ranges;
  ASSERT_EQ(static_cast<int32_t>(ranges.size()), S);

  SweepOptions sweep_options;
  sweep_options.exec.backend = Backend::cpu;
  for (int64_t m = 0; m < plan.pool.size; ++m)
    sweep_options.trace_members.push_back(m);
  const SweepResult sweep = run_sweep_cpu(plan, sweep_options);
  const int64_t jobs = plan.jobs_per_member();
  auto reward = [&](int64_t m, int32_t window, int32_t t) {
    const double u =
        sweep.traced[static_cast<size_t>(m) * jobs + static_cast<size_t>(window) * plan.rounds + t]
            .utility;
    return normalised_reward(u, ranges[window % S]);
  };
  int64_t storms = 0;
  for (int32_t s = 0; s < S; ++s)
    for (int32_t t = 0; t < plan.rounds; ++t) {
      const size_t i = static_cast<size_t>(s) * plan.rounds + t;
      double gap[2];
      for (int32_t c = 0; c < 2; ++c) {
        double best = 0.0;
        for (int64_t m = 0; m < plan.pool.size; ++m)
          best = std::max(best, reward(m, c * S + s, t));
        gap[c] = best - reward(r.leader[i], c * S + s, t);
      }
      EXPECT_EQ(r.regime[i], gap[1] > gap[0] ? 1 : 0) << "scenario " << s << " round " << t;
      storms += r.regime[i];
      EXPECT_LE(r.at(r.regret, s, t), r.at(r.regret_bound, s, t));
    }
  EXPECT_GT(storms, 0);
}

// A utility range given in [select] (Hedge): rewards outside it are clamped and counted
// exactly, and a tighter range learns faster. (The bound then holds for the clamped rewards,
// not for the utilities, so it is not checked here.)
TEST(Select, GivenUtilityRangeClampsAndCounts) {
  const SweepPlan plan = testing::fixture_plan();
  SelectOptions options;
  options.exec.backend = Backend::cpu;
  options.delay = FeedbackDelay::none;
  read_select_options(
      parse_toml_text("[select]\nlearner = \"hedge\"\nutility_range = [0, 60]\n", "s.toml"),
      options);
  ASSERT_TRUE(options.given_range);
  const SelectResult given = run_selection(plan, options, 0, {});
  ASSERT_EQ(given.ranges.size(), static_cast<size_t>(plan.scenarios.count));
  EXPECT_EQ(given.ranges[0].low, 0.0);
  EXPECT_EQ(given.ranges[0].high, 60.0);

  SweepOptions sweep_options;
  sweep_options.exec.backend = Backend::cpu;
  for (int64_t m = 0; m < plan.pool.size; ++m)
    sweep_options.trace_members.push_back(m);
  const SweepResult sweep = run_sweep_cpu(plan, sweep_options);
  int64_t outside = 0;
  for (const Outcome& o : sweep.traced)
    outside += (o.utility < 0.0 || o.utility > 60.0) ? 1 : 0;
  EXPECT_GT(outside, 0) << "the fixture has utilities outside [0, 60]";
  EXPECT_EQ(given.run.rewards_clamped, outside);

  const SelectResult derived =
      select(plan, Learner::hedge, EtaSchedule::fixed, options.seed, 0, FeedbackDelay::none);
  for (int32_t s = 0; s < given.scenarios; ++s) {
    EXPECT_LT(given.at(given.entropy, s, given.rounds - 1),
              derived.at(derived.entropy, s, derived.rounds - 1))
        << "a tighter range concentrates the weights sooner";
  }
  EXPECT_THROW(
      read_select_options(parse_toml_text("[select]\nutility_range = [5, 5]\n", "s.toml"), options),
      InputError);
  EXPECT_THROW(
      read_select_options(parse_toml_text("[select]\nutility_range = [1]\n", "s.toml"), options),
      InputError);
}

TEST(Select, RewardBoundsHoldForEveryOutcome) {
  const SweepPlan plan = testing::fixture_plan();
  const std::vector<UtilityRange> ranges = selector_utility_ranges(plan);
  SweepOptions options;
  options.exec.backend = Backend::cpu;
  for (int64_t m = 0; m < plan.pool.size; ++m)
    options.trace_members.push_back(m);
  const SweepResult sweep = run_sweep_cpu(plan, options);
  const int64_t jobs = plan.jobs_per_member();
  for (int64_t m = 0; m < plan.pool.size; ++m)
    for (int64_t j = 0; j < jobs; ++j) {
      const int32_t s = static_cast<int32_t>(j / plan.rounds);
      const double u = sweep.traced[static_cast<size_t>(m) * jobs + j].utility;
      EXPECT_GE(u, ranges[s].low);
      EXPECT_LE(u, ranges[s].high);
    }
}

TEST(Select, SampledMembersFollowTheWeights) {
  // With uniform weights (round 1 of every scenario) the draws spread over the pool.
  const SweepPlan plan = testing::fixture_plan();
  std::vector<int64_t> counts(static_cast<size_t>(plan.pool.size), 0);
  for (uint64_t seed = 0; seed < 400; ++seed) {
    const double u = selector_draw(seed, 0, 0);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    counts[static_cast<size_t>(u * plan.pool.size)]++;
  }
  EXPECT_GT(std::count_if(counts.begin(), counts.end(), [](int64_t c) { return c > 0; }),
            plan.pool.size / 2);
  EXPECT_NE(selector_draw(1, 0, 0), selector_draw(1, 1, 0)) << "keyed by scenario";
  EXPECT_NE(selector_draw(1, 0, 0), selector_draw(1, 0, 1)) << "keyed by round";
  // The selector plays the inverse CDF of its weights: in round 1 (uniform weights) member
  // floor(u·K) of the draw u, on every scenario and for any seed.
  for (uint64_t seed : {5u, 17u, 123u}) {
    const SelectResult r = select(plan, SelectOptions{}.learner, EtaSchedule::fixed, seed);
    for (int32_t sc = 0; sc < r.scenarios; ++sc) {
      const double u = selector_draw(seed, static_cast<uint32_t>(sc), 0);
      EXPECT_EQ(r.sampled_member[static_cast<size_t>(sc) * r.rounds],
                static_cast<int64_t>(u * static_cast<double>(plan.pool.size)))
          << "seed " << seed << " scenario " << sc;
    }
  }
}

TEST(Select, BadOptionsAreOneLineErrors) {
  SelectOptions options;
  const auto read = [&](const std::string& text) {
    read_select_options(parse_toml_text(text, "s.toml"), options);
  };
  EXPECT_THROW(read("[select]\nfeedback = \"partial\"\n"), InputError);
  EXPECT_THROW(read("[select]\neta = \"decaying\"\n"), InputError);
  EXPECT_THROW(read("[select]\ntop_k = 0\n"), InputError);
  EXPECT_THROW(read("[select]\nlearning_rate = 0.1\n"), InputError);
  EXPECT_THROW(read("[select]\nlearner = \"squint\"\n"), InputError);
  EXPECT_THROW(read("[select]\nfeedback_delay = \"later\"\n"), InputError);
  EXPECT_THROW(read("[select]\nlearner = \"adahedge\"\nfeedback = \"bandit\"\n"), InputError)
      << "AdaHedge takes full feedback";
  {
    SelectOptions anytime;
    anytime.learner = Learner::flipflop;
    anytime.eta = EtaSchedule::anytime;
    EXPECT_THROW(check_select_options(anytime), InputError) << "eta applies to Hedge only";
    SelectOptions cli;
    EXPECT_THROW(apply_select_overrides(cli, "flipflop", "bandit", "", ""), InputError);
    EXPECT_THROW(apply_select_overrides(cli, "", "", "sometimes", ""), InputError);
    apply_select_overrides(cli, "", "bandit", "none", "");
    EXPECT_EQ(cli.learner, default_learner(Feedback::bandit));
    EXPECT_EQ(cli.delay, FeedbackDelay::none);
  }
  try {
    read("[select]\nfeedback = \"partial\"\n");
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos);
    EXPECT_NE(what.find("select.feedback"), std::string::npos);
    EXPECT_NE(what.find("partial"), std::string::npos);
  }
  read("[select]\nfeedback = \"bandit\"\neta = \"anytime\"\ntop_k = 5\nseed = 3\n");
  EXPECT_EQ(options.feedback(), Feedback::bandit);
  EXPECT_EQ(options.learner, default_learner(Feedback::bandit)) << "a feedback picks its learner";
  EXPECT_EQ(options.eta, EtaSchedule::anytime);
  EXPECT_EQ(options.top_k, 5);
  EXPECT_EQ(options.seed, 3u);
}

// The [select] table stored with a run's config reads back to the options the run used.
TEST(Select, OptionsRoundTripThroughToml) {
  const auto round_trip = [](const SelectOptions& options) {
    SelectOptions back;
    read_select_options(parse_toml_text(select_options_to_toml(options), "s.toml"), back);
    EXPECT_EQ(back.learner, options.learner);
    EXPECT_EQ(back.delay, options.delay);
    EXPECT_EQ(back.eta, options.eta);
    EXPECT_EQ(back.top_k, options.top_k);
    EXPECT_EQ(back.seed, options.seed);
    EXPECT_EQ(back.given_range, options.given_range);
    if (options.given_range) {
      EXPECT_EQ(back.utility_range.low, options.utility_range.low);
      EXPECT_EQ(back.utility_range.high, options.utility_range.high);
    }
  };
  round_trip(SelectOptions{});
  SelectOptions options;
  options.learner = Learner::exp3;
  options.delay = FeedbackDelay::none;
  options.eta = EtaSchedule::anytime;
  options.top_k = 1000;
  options.seed = 9007199254740993ull;
  options.given_range = true;
  options.utility_range = UtilityRange{-1.0 / 3.0 - 120.0, 0.1};
  round_trip(options);
  // A default table would change the run: every option is written, defaults included.
  const std::string text = select_options_to_toml(SelectOptions{});
  for (const char* key : {"learner = \"", "feedback = \"full\"", "feedback_delay = \"finish\"",
                          "eta = \"fixed\"", "top_k = 10", "seed = 0"})
    EXPECT_NE(text.find(key), std::string::npos) << key;
  EXPECT_EQ(text.find("utility_range"), std::string::npos);
}

TEST(Select, Hdf5RoundTrip) {
  const SweepPlan plan = testing::fixture_plan();
  const SelectResult r = select(plan, SelectOptions{}.learner, EtaSchedule::fixed, 5, 32);
  const char* base = std::getenv("SPOTSWEEP_TEST_TMP");
  const fs::path dir = fs::path(base ? base : fs::temp_directory_path().string()) / "select_h5";
  fs::create_directories(dir);
  const std::string path = (dir / "select.h5").string();
  write_select_h5(path, plan, r);
  EXPECT_FALSE(fs::exists(path + ".partial-" + std::to_string(::getpid())));
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  auto read = [&](const char* name) {
    return h5::read_dataset<double>(file, name, H5T_NATIVE_DOUBLE, H5T_FLOAT, "float64", path);
  };
  EXPECT_EQ(read("/selector/regret"), r.regret);
  EXPECT_EQ(read("/selector/regret_bound"), r.regret_bound);
  EXPECT_EQ(read("/selector/uniform_regret"), r.uniform_regret);
  EXPECT_EQ(read("/selector/ftl_regret"), r.ftl_regret);
  EXPECT_EQ(read("/selector/tightness"), r.tightness);
  EXPECT_EQ(read("/selector/delay_cost"), r.delay_cost);
  EXPECT_EQ(read("/selector/opt_utility"), r.opt_utility);
  EXPECT_EQ(read("/final/top_weight"), r.top_weight);
  EXPECT_EQ(read("/final/family_weight"), r.family_weight);
  EXPECT_EQ(read("/selector/regret").size(),
            static_cast<size_t>(plan.scenarios.count) * plan.rounds);
  // The stored config holds the [select] options used, and reads back to them.
  const hid_t attr = H5Aopen(file, "config", H5P_DEFAULT);
  ASSERT_GE(attr, 0);
  const hid_t type = H5Aget_type(attr);
  char* text = nullptr;
  ASSERT_GE(H5Aread(attr, type, &text), 0);
  const std::string config(text);
  H5free_memory(text);
  H5Tclose(type);
  H5Aclose(attr);
  H5Fclose(file);
  EXPECT_EQ(config.rfind(plan.config_toml, 0), 0u);
  const TomlDocument stored = parse_toml_text(config, "stored.toml");
  const std::string reparsed = config_to_toml(parse_sweep_config(stored));
  EXPECT_EQ(reparsed.substr(reparsed.find('\n')),
            plan.config_toml.substr(plan.config_toml.find('\n')));
  SelectOptions back;
  read_select_options(stored, back);
  EXPECT_EQ(back.learner, r.learner);
  EXPECT_EQ(back.delay, r.delay);
  EXPECT_EQ(back.eta, r.eta);
  EXPECT_EQ(back.seed, r.seed);
  EXPECT_EQ(back.top_k, 3);
  // The competitive ratios exist where OPT's cumulative utility is positive.
  EXPECT_FALSE(std::isnan(r.at(r.selector_ratio, 0, plan.rounds - 1)));
  EXPECT_LE(r.at(r.best_ratio, 0, plan.rounds - 1), 1.0 + 1e-9);
}

}  // namespace
}  // namespace spotsweep

// spotsweep stress (docs/stress.md): against every adversary of the suite the selector's regret
// stays within its bound, and every adversary hurts more than the stationary market on the same
// pool (a larger max regret/bound). Also the suite's parsing and the HDF5 file.
#include "spotsweep/select/stress.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "spotsweep/config/toml.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/h5.hpp"
#include "spotsweep/select/stress_h5.hpp"

#include "../../support/trace_test_support.hpp"

namespace spotsweep {
namespace {

namespace fs = std::filesystem;

// experiments/stress/test.toml's pool and workload: CHC (for the poisoned forecasts), PF,
// Greedy, Uniform Progress and on-demand members on 4-hour jobs that need most of their slack.
constexpr const char* kSuite = R"toml(
[pool.chc]
window = [6]
commit = [1, 3]
eps = [0]
growth = [0]
resolution = [1]
[pool.pf]
theta = [0.4, 0.95]
kappa = [0.8, 1.0]
[pool.greedy]
deadline_factor = [1.0]
[pool.uniform_progress]
deadline_factor = [1.0]
[pool.on_demand]
n_gpus = [0, 4]
[workload]
scenarios = 2
rounds = 60
round_stride = 40
seed = 3
[job]
work = "uniform(6e6, 9e6)"
deadline_h = 4
gamma = 1.5
n_min = 1
n_max = 8
alpha = 100
beta = 0
value = 200
miss_penalty = 50
reconfig_s = 300
[select]
learner = "hedge"
eta = "fixed"
[stress]
adversaries = ["regime_flip", "deadline_trap", "poisoning", "adaptive"]
seeds = [1]
opt_buckets = 0
[stress.regime_flip]
period_slots = [40, 160]
storm.mean_spot_fraction = 0.9
storm.volatility_per_sqrt_hour = 0.1
[stress.poisoning]
storm.mean_spot_fraction = 0.9
storm.volatility_per_sqrt_hour = 0.1
[stress.adaptive]
storm.mean_spot_fraction = 0.9
storm.volatility_per_sqrt_hour = 0.1
)toml";

struct SuiteRun {
  std::vector<StressRun> runs;
  std::vector<StressRecord> records;
  StressSuite suite;
  SweepConfig config;
};

// The suite run by fixed-η Hedge (the [select] table: the paper's worst-case bound, against
// which the adversaries' damage shows as regret/bound), or by the default learner.
SuiteRun run_suite(bool default_learner) {
  SuiteRun out;
  const TomlDocument doc = parse_toml_text(kSuite, "stress_test.toml");
  out.config = parse_stress_sweep_config(doc);
  read_stress_suite(doc, out.suite);
  out.runs = expand_stress_runs(out.suite);
  SelectOptions options;
  options.exec.backend = Backend::cpu;
  options.seed = out.config.seed;
  read_select_options(doc, options);
  if (default_learner) options.learner = SelectOptions{}.learner;
  out.records = run_stress(out.config, out.runs, out.suite, options);
  return out;
}

const SuiteRun& suite_run() {
  static const SuiteRun run = run_suite(false);
  return run;
}

TEST(Stress, SuiteExpandsStationaryFirstThenEverySweptValue) {
  const SuiteRun& s = suite_run();
  ASSERT_EQ(s.runs.size(), 6u);  // stationary, 2 regime flips, trap, poisoning, adaptive
  EXPECT_EQ(s.runs[0].kind, AdversaryKind::stationary);
  EXPECT_EQ(s.runs[1].label(),
            "regime_flip period_slots=40 storm.mean_spot_fraction=0.9 "
            "storm.volatility_per_sqrt_hour=0.1");
  EXPECT_EQ(s.runs[2].settings[0].second, "160");
  EXPECT_EQ(s.runs[5].kind, AdversaryKind::adaptive);
  EXPECT_EQ(s.records.size(), s.runs.size());
}

TEST(Stress, RegretNeverExceedsTheBoundAgainstAnyAdversary) {
  for (const StressRecord& r : suite_run().records) {
    const SelectResult& res = r.result;
    const std::string what = suite_run().runs[r.summary.run].label();
    for (int32_t s = 0; s < res.scenarios; ++s)
      for (int32_t t = 0; t < res.rounds; ++t)
        ASSERT_LE(res.at(res.regret, s, t), res.at(res.regret_bound, s, t) * (1.0 + 1e-12))
            << what << " scenario " << s << " round " << t + 1;
    EXPECT_LE(r.summary.max_ratio, 1.0 + 1e-12) << what;
    EXPECT_GT(r.summary.worst_regret, 0.0) << what;
  }
}

// "An adversary that does not hurt is not an adversary": each one's largest regret/bound over
// its settings beats the stationary market's on the same pool, jobs and seed.
TEST(Stress, EveryAdversaryHurtsMoreThanTheStationaryMarket) {
  const SuiteRun& s = suite_run();
  std::map<AdversaryKind, double> worst;
  for (const StressRecord& r : s.records) {
    double& w = worst[s.runs[r.summary.run].kind];
    w = std::max(w, r.summary.max_ratio);
  }
  const double stationary = worst.at(AdversaryKind::stationary);
  EXPECT_GT(stationary, 0.0);
  for (AdversaryKind kind : all_adversaries()) {
    ASSERT_TRUE(worst.count(kind)) << adversary_name(kind);
    std::printf("%-14s max regret/bound %.4f (stationary %.4f)\n", adversary_name(kind),
                worst.at(kind), stationary);
    EXPECT_GT(worst.at(kind), 1.1 * stationary) << adversary_name(kind);
  }
}

// The default learner, with delayed feedback, against every adversary: its regret stays within
// its bound at every round and ends below half the uniform mixture's (a never-learning
// selector's) in every market.
TEST(Stress, DefaultLearnerBeatsTheUniformMixtureAgainstEveryAdversary) {
  const SuiteRun s = run_suite(true);
  for (const StressRecord& r : s.records) {
    const SelectResult& res = r.result;
    const std::string what = s.runs[r.summary.run].label();
    ASSERT_EQ(res.learner, SelectOptions{}.learner);
    for (int32_t sc = 0; sc < res.scenarios; ++sc)
      for (int32_t t = 0; t < res.rounds; ++t)
        ASSERT_LE(res.at(res.regret, sc, t), res.at(res.regret_bound, sc, t) * (1.0 + 1e-12))
            << what << " scenario " << sc << " round " << t + 1;
    std::printf("%-60s regret at T %8.2f, uniform %8.2f, follow the leader %8.2f\n", what.c_str(),
                r.summary.final_regret, r.summary.final_uniform_regret, r.summary.final_ftl_regret);
    EXPECT_LT(r.summary.final_regret, 0.5 * r.summary.final_uniform_regret) << what;
  }
}

TEST(Stress, AdversariesDoWhatTheySay) {
  const SuiteRun& s = suite_run();
  for (const StressRecord& r : s.records) {
    const AdversaryKind kind = s.runs[r.summary.run].kind;
    if (kind == AdversaryKind::stationary) {
      EXPECT_EQ(r.summary.storm_share, 0.0);
    }
    if (kind == AdversaryKind::regime_flip) {
      EXPECT_NEAR(r.summary.storm_share, 0.5, 0.05);
    }
    if (kind == AdversaryKind::deadline_trap) {
      EXPECT_GT(r.summary.storm_share, 0.1);
    }
    if (kind == AdversaryKind::adaptive) {
      // It plays both regimes, choosing by the weights.
      EXPECT_GT(r.summary.storm_share, 0.05);
      EXPECT_LT(r.summary.storm_share, 0.95);
    }
  }
  // The poisoned plan's forecasters read the decoy, which differs from the market in storms.
  StressRun poisoning;
  poisoning.kind = AdversaryKind::poisoning;
  const StressMarket m = make_stress_market(s.config, poisoning, 1);
  ASSERT_EQ(m.plan.scenarios.forecast_spot_price.size(), m.plan.scenarios.spot_price.size());
  EXPECT_NE(m.plan.scenarios.forecast_spot_price, m.plan.scenarios.spot_price);
  EXPECT_GT(m.storm_share, 0.05);
}

TEST(Stress, BadSuitesAreOneLineErrors) {
  StressSuite suite;
  auto read = [&](const std::string& text) {
    read_stress_suite(parse_toml_text(text, "s.toml"), suite);
  };
  using testing::expect_input_error;
  expect_input_error([&] { read("[stress]\nadversaries = [\"earthquake\"]\n"); },
                     {"s.toml", "stress.adversaries", "earthquake"});
  expect_input_error([&] { read("[stress.regime_flip]\nperiod_slots = [40, -1]\n"); },
                     {"s.toml:2", "period_slots", "-1"});
  expect_input_error([&] { read("[stress.deadline_trap]\nround_stride_slots = 3\n"); },
                     {"round_stride_slots", "[workload]"});
  expect_input_error([&] { read("[stress.adaptive]\nperiod_slots = 3\n"); },
                     {"stress.adaptive.period_slots"});
  expect_input_error([&] { read("[stress.volcano]\nx = 1\n"); }, {"volcano"});
  expect_input_error([&] { set_stress_parameter(suite, "poisoning.storm_enter_prob"); },
                     {"--param"});
  expect_input_error([&] { set_stress_parameter(suite, "poisoning.storm_enter_prob=0.1,x"); },
                     {"storm_enter_prob", "x"});
  expect_input_error(
      [&] {
        parse_stress_sweep_config(parse_toml_text("[workload]\ntrace = \"x.h5\"\n", "w.toml"));
      },
      {"w.toml", "workload.trace"});
  set_stress_parameter(suite, "regime_flip.period_slots=10,20,30");
  read("[stress]\nseeds = [4, 5]\n");
  EXPECT_EQ(suite.seeds, (std::vector<uint64_t>{4, 5}));
  suite.adversaries = {AdversaryKind::regime_flip};
  EXPECT_EQ(expand_stress_runs(suite).size(), 4u);
}

TEST(Stress, Hdf5HoldsTheSummaryAndEveryRunsCurves) {
  const SuiteRun& s = suite_run();
  const char* base = std::getenv("SPOTSWEEP_TEST_TMP");
  const fs::path dir = fs::path(base ? base : fs::temp_directory_path().string()) / "stress_h5";
  fs::create_directories(dir);
  const std::string path = (dir / "stress.h5").string();
  write_stress_h5(path, s.config, s.suite, s.runs, s.records);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  auto read = [&](const std::string& name) {
    return h5::read_dataset<double>(file, name, H5T_NATIVE_DOUBLE, H5T_FLOAT, "float64", path);
  };
  const std::vector<double> max_ratio = read("/summary/max_ratio");
  ASSERT_EQ(max_ratio.size(), s.records.size());
  for (size_t i = 0; i < s.records.size(); ++i)
    EXPECT_EQ(max_ratio[i], s.records[i].summary.max_ratio);
  EXPECT_EQ(read("/runs/000_stationary/regret"), s.records[0].result.regret);
  EXPECT_EQ(read("/runs/005_adaptive/regret_bound"), s.records[5].result.regret_bound);
  H5Fclose(file);
}

}  // namespace
}  // namespace spotsweep

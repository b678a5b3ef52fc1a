// Learned predictors as CHC's pool axis (docs/predict.md, "In pools"): a member with
// predictor = k plans on the scenario's table of learned model k − 1, made from the whole
// trace's history, so that it reproduces `spotsweep simulate --predictor NAME` on its window;
// different predictors plan differently, and a planning key never mixes them.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "spotsweep/backend/cpu_sweep.hpp"
#include "spotsweep/config/sweep_config.hpp"
#include "spotsweep/market/learned_predictor.hpp"
#include "spotsweep/market/trace_io.hpp"
#include "spotsweep/sweep/plan.hpp"
#include "spotsweep/tools/simulate.hpp"

namespace spotsweep {
namespace {

const std::string kData = std::string(SPOTSWEEP_SOURCE_DIR) + "/data/";
const std::string kTrace = kData + "v100_us-east-2b.h5";

// Three windows of the V100 trace, from slot 1500 on (so every table has learned from at least
// 1,500 slots of history), two rounds each, and a CHC grid of `chc`.
SweepConfig config_with(const std::string& chc) {
  const std::string text = "[pool.chc]\nresolution = [1]\n" + chc + "\n[workload]\ntrace = \"" +
                           kTrace +
                           "\"\nfirst_slot = 1500\nscenarios = 3\nscenario_stride = 4000\n"
                           "rounds = 2\nround_stride = 50\nseed = 11\n"
                           "[job]\nwork = \"uniform(3e6, 6e6)\"\ndeadline_h = 6\ngamma = 1.5\n"
                           "n_min = 1\nn_max = 4\nalpha = 100\nbeta = 0\n"
                           "value = \"uniform(60, 120)\"\nmiss_penalty = 40\n"
                           "reconfig_s = 300\n";
  return parse_sweep_config(parse_toml_text(text, "learned.toml"));
}

SweepResult sweep_traced(const SweepPlan& plan) {
  SweepOptions options;
  options.percentiles = false;
  for (int64_t m = 0; m < plan.pool.size; ++m)
    options.trace_members.push_back(m);
  return run_sweep_cpu(plan, options);
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_outcome(const Outcome& a, const Outcome& b) {
  return same_bits(a.utility, b.utility) && same_bits(a.cost, b.cost) &&
         same_bits(a.finish_s, b.finish_s) && a.reconfigs == b.reconfigs && a.slots == b.slots &&
         a.missed == b.missed;
}

TEST(SweepLearned, MemberEqualsSimulateWithThePredictor) {
  const SweepPlan plan =
      make_plan(config_with("window = [6, 12]\ncommit = [1, 3]\npredictor = [1, 2, 3, 4]\n"));
  ASSERT_EQ(plan.pool.size, 16);
  const SweepResult result = sweep_traced(plan);
  const int64_t jobs = plan.jobs_per_member();
  int compared = 0;
  for (int64_t m = 0; m < plan.pool.size; ++m) {
    const std::vector<double> p = plan.pool.parameters(m);
    const auto model = static_cast<LearnedModel>(static_cast<int32_t>(p[ChcFamily::predictor]) - 1);
    for (int32_t s = 0; s < plan.scenarios.count; ++s)
      for (int32_t r = 0; r < plan.rounds; ++r) {
        // Holt-Winters fits its parameters on the history before the table's first slot, over
        // the table's window: simulate's table starts at the job and has the member's window,
        // so the two agree on a window's first round at the table's window (docs/predict.md).
        if (model == LearnedModel::holt_winters && (r > 0 || p[ChcFamily::window] != 12)) continue;
        SimulateRequest rq;
        rq.trace_path = kTrace;
        rq.start_slot = static_cast<int32_t>(plan.scenarios.source_slot[s]) + plan.round_start[r];
        rq.job = plan.job(s, r);
        rq.policy = "chc";
        rq.params = {{"window", p[ChcFamily::window]},
                     {"commit", p[ChcFamily::commit]},
                     {"resolution", p[ChcFamily::resolution]}};
        rq.predictor = learned_model_name(model);
        rq.seed = plan.seed;
        rq.scenario = s;
        rq.with_opt = false;
        const SimulateReport alone = run_simulate(rq);
        const Outcome& swept = result.traced[static_cast<size_t>(m * jobs + s * plan.rounds + r)];
        EXPECT_TRUE(same_outcome(alone.policy, swept))
            << plan.pool.describe_member(m) << " scenario " << s << " round " << r << ": simulate "
            << alone.policy.utility << ", sweep " << swept.utility;
        ++compared;
      }
  }
  EXPECT_EQ(compared, 3 * 4 * 2 * 3 + 2 * 3);  // 3 models x 4 members x 6 jobs, HW: 2 x 3
}

TEST(SweepLearned, PredictorsDifferAndPlanningKeysKeepThemApart) {
  const SweepPlan plan =
      make_plan(config_with("window = [12]\ncommit = [1, 3]\npredictor = [0, 1, 2, 3, 4]\n"));
  ASSERT_EQ(plan.pool.size, 10);
  const SweepResult together = sweep_traced(plan);
  const int64_t jobs = plan.jobs_per_member();
  // Different predictors plan differently on this trace: the oracle (eps = 0, the truth), and
  // seasonal-naive, differ from persistence; persistence and AR differ on some job.
  std::set<double> means;
  for (int64_t m = 0; m < plan.pool.size; m += 2)  // commit = 1
    means.insert(together.stat(m, Stat::utility_mean));
  EXPECT_GE(means.size(), 3u);
  const auto mean_of = [&](int32_t predictor) {
    return together.stat(2 * predictor, Stat::utility_mean);
  };
  EXPECT_NE(mean_of(0), mean_of(1));
  EXPECT_NE(mean_of(2), mean_of(1));
  // Members of one planning key share plans: each must equal itself swept alone, in a pool of
  // its own predictor and commit only.
  for (int64_t m = 0; m < plan.pool.size; ++m) {
    const std::vector<double> p = plan.pool.parameters(m);
    SweepConfig alone_config =
        config_with("window = [12]\ncommit = [" + std::to_string(int(p[ChcFamily::commit])) +
                    "]\npredictor = [" + std::to_string(int(p[ChcFamily::predictor])) + "]\n");
    const SweepPlan alone_plan = make_plan(alone_config);
    const SweepResult alone = sweep_traced(alone_plan);
    for (int64_t j = 0; j < jobs; ++j)
      EXPECT_TRUE(same_outcome(alone.traced[static_cast<size_t>(j)],
                               together.traced[static_cast<size_t>(m * jobs + j)]))
          << plan.pool.describe_member(m) << " job " << j;
  }
}

// The tables hold, for each scenario, make_forecast_table's forecasts on the whole trace from the
// window's first slot (planning slot 0 of the window is the trace's source slot); with a
// forecast trace, on that trace's history instead.
TEST(SweepLearned, TablesComeFromTheTraceForecastersRead) {
  SweepPlan plan = make_plan(config_with("window = [4, 8]\npredictor = [\"seasonal\", \"ar\"]\n"));
  const ScenarioSet& set = plan.scenarios;
  EXPECT_EQ(set.learned.window(static_cast<int32_t>(LearnedModel::seasonal_naive)), 8);
  EXPECT_EQ(set.learned.window(static_cast<int32_t>(LearnedModel::autoregressive)), 8);
  EXPECT_TRUE(set.learned.price(static_cast<int32_t>(LearnedModel::last_value)).empty());
  const auto expect_tables_of = [&](const Trace& trace) {
    LearnedPredictorOptions options;
    options.avail_max = set.capacity;
    for (LearnedModel model : {LearnedModel::seasonal_naive, LearnedModel::autoregressive})
      for (int32_t s = 0; s < set.count; ++s) {
        const ForecastTable table = make_forecast_table(
            trace.view(), static_cast<int32_t>(set.source_slot[s]), set.slots, 8, model, options);
        const ForecastTableView view =
            set.view().context(s, nullptr).learned_tables[static_cast<int32_t>(model)];
        ASSERT_EQ(view.window, 8);
        ASSERT_EQ(view.first_slot, 0);
        for (int32_t t : {0, 1, set.slots / 2, set.slots - 1})
          for (int32_t k : {0, 7}) {
            EXPECT_EQ(view.spot_price(t, k), table.price[static_cast<size_t>(t) * 8 + k]);
            EXPECT_EQ(view.spot_avail(t, k), table.avail[static_cast<size_t>(t) * 8 + k]);
          }
      }
  };
  expect_tables_of(load_trace(kTrace));
  const std::vector<double> before = set.learned.price(3);
  const Trace poisoned = load_trace(kData + "v100_us-east-1a.h5");
  set_forecast_market(plan, poisoned, "poisoned.h5");
  expect_tables_of(poisoned);
  EXPECT_NE(before, set.learned.price(3));
}

// A member's context carries one pointer to its scenario's views (MemberContext::
// learned_tables), which point into the set's own tables: in a copy, into the copy's, and after
// regimes are appended (LearnedTables::append), into the grown tables.
TEST(SweepLearned, ViewsPointIntoTheirOwnSetsTables) {
  const auto expect_views_into = [](const ScenarioSet& set) {
    ASSERT_EQ(set.learned.views().size(), static_cast<size_t>(set.count) * kLearnedModels);
    const ScenarioBatchView batch = set.view();
    // A context points at its scenario's row of the views (only the learned tables are
    // appended below, so later scenarios have no market window to build a whole context from).
    EXPECT_EQ(batch.context(0, nullptr).learned_tables, batch.learned_tables);
    for (int32_t s = 0; s < set.count; ++s)
      for (int32_t m = 0; m < kLearnedModels; ++m) {
        const ForecastTableView t = batch.learned_tables[s * kLearnedModels + m];
        if (set.learned.window(m) == 0) {
          EXPECT_EQ(t.price, nullptr);
          continue;
        }
        const size_t first = static_cast<size_t>(s) * set.slots * set.learned.window(m);
        EXPECT_EQ(t.price, set.learned.price(m).data() + first);
        EXPECT_EQ(t.avail, set.learned.avail(m).data() + first);
        EXPECT_EQ(t.window, set.learned.window(m));
        EXPECT_EQ(t.n_planning_slots, set.slots);
      }
  };
  std::unique_ptr<SweepPlan> plan =
      std::make_unique<SweepPlan>(make_plan(config_with("window = [4, 6]\npredictor = [1, 3]\n")));
  expect_views_into(plan->scenarios);
  ScenarioSet copy = plan->scenarios;
  ScenarioSet assigned;
  assigned = plan->scenarios;
  const std::vector<double> prices = plan->scenarios.learned.price(0);
  plan.reset();  // the copies must not read the original's tables
  expect_views_into(copy);
  expect_views_into(assigned);
  EXPECT_EQ(copy.learned.price(0), prices);
  const int32_t count = copy.count;
  copy.learned.append(assigned.learned);
  copy.count += assigned.count;
  expect_views_into(copy);
  EXPECT_EQ(copy.learned.views().size(), static_cast<size_t>(2 * count) * kLearnedModels);
  // A pool without learned members has no views, and its contexts a null pointer.
  const SweepPlan oracle = make_plan(config_with("window = 4\n"));
  EXPECT_TRUE(oracle.scenarios.learned.empty());
  EXPECT_EQ(oracle.scenarios.view().context(0, nullptr).learned_tables, nullptr);
}

}  // namespace
}  // namespace spotsweep

// The CPU backend against direct simulate() calls: per-member means and percentiles, traced
// members' full outcomes, determinism across thread counts, job draws and window checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "spotsweep/backend/cpu_sweep.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/market/trace_io.hpp"
#include "spotsweep/sweep/sweep.hpp"

#include "../../support/sweep_fixture.hpp"

namespace spotsweep {
namespace {

using testing::fixture_config;
using testing::fixture_plan;
using testing::fixture_trace;

// The member's outcome on job (s, r), simulated directly with a fresh policy.
Outcome simulate_member(const SweepPlan& plan, int64_t member, int32_t s, int32_t r) {
  const std::vector<double> params = plan.pool.parameters(member);
  const FamilyId family = plan.pool.families[plan.pool.locate(member).family_index].family;
  std::vector<unsigned char> scratch(max_scratch_bytes(plan));
  const MemberContext context = plan.scenarios.view().context(s, scratch.data());
  return visit_family(family, [&](auto traits) {
    auto policy = decltype(traits)::make(params.data(), plan.job(s, r), context);
    return simulate(plan.job(s, r), context.market, plan.round_start[r], policy);
  });
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(SweepCpu, MeansAndPercentilesEqualDirectSimulation) {
  const SweepPlan plan = fixture_plan();
  ASSERT_EQ(plan.pool.size, 24 + 2 + 2 + 3);
  SweepOptions options;
  options.exec.backend = Backend::cpu;
  options.exec.threads = 2;
  options.per_scenario = true;
  const SweepResult result = run_sweep_cpu(plan, options);
  const int64_t jobs = plan.jobs_per_member();
  const int32_t S = plan.scenarios.count;
  ASSERT_EQ(result.scenario_stats.size(),
            static_cast<size_t>(plan.pool.size) * S * kScenarioStatCount);
  int64_t steps = 0;
  for (int64_t member = 0; member < plan.pool.size; ++member) {
    double utility = 0.0, cost = 0.0;
    int64_t missed = 0;
    std::vector<float> utilities;
    for (int32_t s = 0; s < plan.scenarios.count; ++s) {
      double scenario_utility = 0.0, scenario_cost = 0.0;  // the backends' two-level order
      for (int32_t r = 0; r < plan.rounds; ++r) {
        const Outcome o = simulate_member(plan, member, s, r);
        scenario_utility += o.utility;
        scenario_cost += o.cost;
        missed += o.missed;
        steps += o.slots;
        utilities.push_back(static_cast<float>(o.utility));
      }
      utility += scenario_utility;
      cost += scenario_cost;
      const double* row = result.scenario_stats.data() + (member * S + s) * kScenarioStatCount;
      EXPECT_TRUE(same_bits(row[static_cast<int32_t>(ScenarioStat::utility_mean)],
                            scenario_utility / plan.rounds));
      EXPECT_TRUE(same_bits(row[static_cast<int32_t>(ScenarioStat::cost_mean)],
                            scenario_cost / plan.rounds));
    }
    EXPECT_TRUE(same_bits(result.stat(member, Stat::utility_mean), utility / jobs)) << member;
    EXPECT_TRUE(same_bits(result.stat(member, Stat::cost_mean), cost / jobs)) << member;
    EXPECT_EQ(result.stat(member, Stat::miss_rate), static_cast<double>(missed) / jobs);
    std::sort(utilities.begin(), utilities.end());
    // Nearest rank: the ceil(p·n/100)-th smallest value.
    EXPECT_EQ(result.stat(member, Stat::utility_p5),
              utilities[static_cast<size_t>(std::ceil(0.05 * jobs)) - 1]);
    EXPECT_EQ(result.stat(member, Stat::utility_p50),
              utilities[static_cast<size_t>(std::ceil(0.50 * jobs)) - 1]);
    EXPECT_EQ(result.stat(member, Stat::utility_p95),
              utilities[static_cast<size_t>(std::ceil(0.95 * jobs)) - 1]);
    EXPECT_LE(result.stat(member, Stat::cost_p5), result.stat(member, Stat::cost_p95));
  }
  EXPECT_EQ(result.policy_slot_steps, steps);
}

TEST(SweepCpu, TracedMembersEqualSimulate) {
  const SweepPlan plan = fixture_plan();
  SweepOptions options;
  options.trace_members = {0, 5, 17, 25, 30};
  const SweepResult result = run_sweep_cpu(plan, options);
  ASSERT_EQ(result.traced.size(), options.trace_members.size() * plan.jobs_per_member());
  for (size_t k = 0; k < options.trace_members.size(); ++k) {
    for (int32_t s = 0; s < plan.scenarios.count; ++s) {
      for (int32_t r = 0; r < plan.rounds; ++r) {
        const Outcome want = simulate_member(plan, options.trace_members[k], s, r);
        const Outcome& got = result.traced[(k * plan.scenarios.count + s) * plan.rounds + r];
        EXPECT_TRUE(same_bits(got.utility, want.utility));
        EXPECT_TRUE(same_bits(got.cost, want.cost));
        EXPECT_TRUE(same_bits(got.finish_s, want.finish_s));
        EXPECT_EQ(got.missed, want.missed);
        EXPECT_EQ(got.reconfigs, want.reconfigs);
        EXPECT_EQ(got.slots, want.slots);
      }
    }
  }
  options.trace_members = {plan.pool.size};
  EXPECT_THROW(run_sweep_cpu(plan, options), InputError);
}

TEST(SweepCpu, SameBitsForAnyThreadCount) {
  const SweepPlan plan = fixture_plan();
  SweepOptions one, two;
  one.exec.threads = 1;
  two.exec.threads = 2;
  const SweepResult a = run_sweep_cpu(plan, one);
  const SweepResult b = run_sweep_cpu(plan, two);
  ASSERT_EQ(a.stats.size(), b.stats.size());
  EXPECT_EQ(std::memcmp(a.stats.data(), b.stats.data(), a.stats.size() * sizeof(double)), 0);
}

TEST(SweepCpu, MemoryEstimateCountsTheWrittenFile) {
  // The output is built in memory by HDF5 and copied into the image that is written, beside
  // the result tables: three copies at once, which the estimate must count before the run.
  const SweepPlan plan = fixture_plan();
  SweepOptions options;
  options.exec.threads = 1;
  options.percentiles = false;
  const double tables = static_cast<double>(plan.pool.size) * kStatCount * sizeof(double);
  ASSERT_EQ(max_scratch_bytes(plan), 0u);  // else the running phase could hide the writing one
  EXPECT_EQ(sweep_host_bytes(plan, options), 3.0 * tables);
}

TEST(SweepCpu, SpreadOfOutcomes) {
  // The fixture must exercise the interesting cases, or the equality tests prove little.
  const SweepPlan plan = fixture_plan();
  const SweepResult result = run_sweep_cpu(plan, SweepOptions{});
  double min_share = 1, max_share = 0, max_miss = 0;
  for (int64_t m = 0; m < plan.pool.size; ++m) {
    min_share = std::min(min_share, result.stat(m, Stat::spot_share_mean));
    max_share = std::max(max_share, result.stat(m, Stat::spot_share_mean));
    max_miss = std::max(max_miss, result.stat(m, Stat::miss_rate));
  }
  EXPECT_EQ(min_share, 0.0);  // on-demand members
  EXPECT_GT(max_share, 0.3);
  EXPECT_LE(max_miss, 1.0);
}

TEST(SweepCpu, PercentileIndexIsNearestRank) {
  EXPECT_EQ(percentile_index(5, 100), 4);
  EXPECT_EQ(percentile_index(50, 100), 49);
  EXPECT_EQ(percentile_index(95, 20), 18);
  EXPECT_EQ(percentile_index(50, 1), 0);
  EXPECT_EQ(percentile_index(5, 1), 0);
  EXPECT_EQ(percentile_key(-0.0), percentile_key(0.0));
  EXPECT_FALSE(std::signbit(percentile_key(-0.0)));
}

// The CUDA backend's percentiles come from an exact radix select (select_key_of_rank is its
// one-thread form), the CPU's from std::sort: the same bits at every rank, whatever the keys:
// ties, both zeros, infinities, negatives, values one bit apart, one key.
TEST(SweepCpu, RadixSelectEqualsSortingAtEveryRank) {
  std::vector<std::vector<float>> cases;
  cases.push_back({3.0f});
  cases.push_back({percentile_key(-0.0), percentile_key(0.0), -1.0f, 1.0f, 0.0f});
  cases.push_back({INFINITY, -INFINITY, 2.5f, INFINITY, -7.0f, 2.5f});
  cases.push_back({1.0f, std::nextafter(1.0f, 2.0f), std::nextafter(1.0f, 0.0f), 1.0f,
                   -std::nextafter(1.0f, 2.0f), -1.0f, 1e-38f, -1e-38f, 1e-45f, -1e-45f});
  uint64_t state = 12345;
  const auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  for (int32_t n : {2, 7, 100, 1000, 6400}) {
    std::vector<float> keys;
    for (int32_t i = 0; i < n; ++i) {
      switch (next() % 4) {
        case 0: keys.push_back(static_cast<float>(next() % 5) - 2.0f); break;  // many ties
        case 1: keys.push_back(percentile_key((static_cast<double>(next()) - 2e9) * 1e-3)); break;
        case 2: keys.push_back(i % 3 == 0 ? INFINITY : 1e6f); break;
        default: keys.push_back(percentile_key(-static_cast<double>(next() % 1000) * 0.1)); break;
      }
    }
    cases.push_back(keys);
  }
  for (const std::vector<float>& keys : cases) {
    std::vector<float> sorted = keys;
    std::sort(sorted.begin(), sorted.end());
    const int64_t n = static_cast<int64_t>(keys.size());
    for (int64_t k = 0; k < n; k += (n > 200 ? 37 : 1)) {
      const float got = select_key_of_rank(keys.data(), n, k);
      EXPECT_EQ(std::memcmp(&got, &sorted[k], sizeof got), 0)
          << "n " << n << " rank " << k << ": " << got << " vs " << sorted[k];
    }
    for (int32_t p = 0; p < kPercentileCount; ++p) {
      const int64_t k = percentile_index(percentile_percent(p), n);
      const float got = select_key_of_rank(keys.data(), n, k);
      EXPECT_EQ(std::memcmp(&got, &sorted[k], sizeof got), 0) << "n " << n << " rank " << k;
    }
  }
}

TEST(SweepPlan, JobDrawsAreKeyedNotSequential) {
  const SweepConfig config = fixture_config();
  const JobSpec a = draw_job(config.job, 7, 2, 3);
  EXPECT_EQ(draw_job(config.job, 7, 2, 3).work, a.work);
  EXPECT_NE(draw_job(config.job, 8, 2, 3).work, a.work);
  EXPECT_NE(draw_job(config.job, 7, 3, 2).work, a.work);
  EXPECT_NE(a.work, a.value_max);
  for (int32_t r = 0; r < 50; ++r) {
    const JobSpec j = draw_job(config.job, 7, 0, r);
    EXPECT_GE(j.work, 2e6);
    EXPECT_LT(j.work, 5e6);
    EXPECT_GE(j.value_max, 40);
    EXPECT_EQ(j.soft_deadline_s, 4 * 3600.0);
  }
  const SweepPlan plan = fixture_plan();
  EXPECT_EQ(plan.job(2, 3).work, a.work);
  EXPECT_EQ(plan.round_start[4], 80);
  EXPECT_EQ(plan.scenarios.source_slot[3], 600);
}

std::string plan_error(const SweepConfig& config, const Trace& trace) {
  try {
    make_plan(config, trace);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(SweepPlan, RoundsMustFitTheirWindows) {
  const std::string msg = plan_error(fixture_config(), fixture_trace(700));
  EXPECT_EQ(msg.find('\n'), std::string::npos);
  EXPECT_NE(msg.find("fixture.toml: workload.scenarios = 4: scenario 3 needs slots [600, 716)"),
            std::string::npos)
      << msg;
  SweepConfig too_much = fixture_config();
  too_much.job.fields[static_cast<int32_t>(JobField::work)] = {FieldDistribution::Kind::uniform,
                                                               9e9, 1e10};
  const std::string infeasible = plan_error(too_much, fixture_trace());
  EXPECT_NE(infeasible.find("cannot finish"), std::string::npos) << infeasible;
}

TEST(SweepPlan, SyntheticScenariosAreDraws) {
  const SweepConfig config = parse_sweep_config(parse_toml_text(
      "[pool.greedy]\n[workload]\nsynthetic = true\nscenarios = 3\nrounds = 2\nround_stride = 6\n"
      "seed = 5\n[synthetic]\nn_slots = 200\ncapacity = 8\n[job]\nwork = 3e6\ndeadline_h = 4\n",
      "syn.toml"));
  const SweepPlan plan = make_plan(config);
  ASSERT_EQ(plan.scenarios.count, 3);
  const Trace draw = generate_synthetic(config.workload.synthetic_spec, 5, 2);
  const MarketView m = plan.scenarios.market(2);
  for (int32_t i = 0; i < plan.scenarios.slots; ++i) {
    EXPECT_EQ(m.spot_price[i], draw.spot_price[i]);
    EXPECT_EQ(m.spot_avail[i], draw.spot_avail[i]);
  }
  EXPECT_NE(plan.config_toml.find("synthetic = true"), std::string::npos);
  const SweepResult result = run_sweep_cpu(plan, SweepOptions{});
  EXPECT_EQ(result.members, 1);
}

TEST(SweepPlan, ConfigErrorsAreOneLine) {
  auto error_of = [](const std::string& text) -> std::string {
    try {
      parse_sweep_config(parse_toml_text(text, "s.toml"));
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  const std::string pool = "[pool.greedy]\n[workload]\ntrace = \"t.h5\"\n";
  EXPECT_NE(error_of(pool + "rounds = 0\n").find("s.toml:4: workload.rounds = 0: must be in"),
            std::string::npos);
  EXPECT_NE(error_of(pool + "color = 3\n").find("workload.color = 3: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of(pool + "[job]\nwork = \"normal(1, 2)\"\n").find("unknown distribution"),
            std::string::npos);
  EXPECT_NE(error_of(pool + "[job]\nbilling = \"hourly\"\n").find("job.billing = hourly"),
            std::string::npos);
  EXPECT_NE(error_of("[pool.greedy]\n").find("workload.trace: missing"), std::string::npos);
  EXPECT_NE(error_of("[pool.greedy]\n[workload]\nsynthetic = true\n[synthetic]\ncapacity = 0\n")
                .find("s.toml:5: synthetic.capacity = 0: must be in [1, 1024]"),
            std::string::npos);
  const SweepConfig ok = parse_sweep_config(parse_toml_text(pool, "dir/s.toml"));
  // Relative to the sweep file, made absolute.
  EXPECT_EQ(ok.workload.trace_path, (std::filesystem::current_path() / "dir/t.h5").string());
  // The resolved configuration reads back to the same thing.
  const SweepConfig config = fixture_config();
  const SweepConfig again =
      parse_sweep_config(parse_toml_text(config_to_toml(config), "again.toml"));
  EXPECT_EQ(config_to_toml(again).substr(config_to_toml(again).find('\n')),
            config_to_toml(config).substr(config_to_toml(config).find('\n')));
}

// The resolved configuration names its traces by absolute, normal paths, so the text saved
// anywhere and read from any other folder runs the same plan.
TEST(SweepPlan, ResolvedConfigWorksFromAnotherFolder) {
  namespace fs = std::filesystem;
  const char* env = std::getenv("SPOTSWEEP_TEST_TMP");
  const fs::path root =
      fs::path(env && *env ? env : "/tmp") / ("sweep_paths_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "data");
  fs::create_directories(root / "first" / "rel");
  fs::create_directories(root / "second" / "rel");
  write_trace_h5(fixture_trace(), (root / "data" / "fixture.h5").string());
  std::string text = testing::fixture_sweep_toml();
  text.replace(text.find("trace = \"fixture.h5\""), std::string("trace = \"fixture.h5\"").size(),
               "trace = \"../../data/fixture.h5\"\nforecast_trace = \"../../data/./fixture.h5\"");
  std::ofstream(root / "first" / "rel" / "pf.toml") << text;

  const fs::path was = fs::current_path();
  fs::current_path(root / "first");
  const SweepConfig config = load_sweep_config("rel/pf.toml");
  const std::string resolved = config_to_toml(config);
  const std::string trace = (root / "data" / "fixture.h5").lexically_normal().string();
  EXPECT_EQ(config.workload.trace_path, trace);
  EXPECT_EQ(config.workload.forecast_trace_path, trace);
  EXPECT_NE(resolved.find("\ntrace = \"" + trace + "\"\n"), std::string::npos) << resolved;
  EXPECT_NE(resolved.find("\nforecast_trace = \"" + trace + "\"\n"), std::string::npos) << resolved;
  const SweepPlan plan = make_plan(config);

  // Saved as rel/cfg.toml from another folder, the text reads back to the same run.
  fs::current_path(root / "second");
  std::ofstream("rel/cfg.toml") << resolved;
  const SweepConfig again = load_sweep_config("rel/cfg.toml");
  const SweepPlan replay = make_plan(again);
  fs::current_path(was);
  EXPECT_EQ(again.workload.trace_path, trace);
  EXPECT_EQ(again.workload.forecast_trace_path, trace);
  EXPECT_EQ(replay.config_toml.substr(replay.config_toml.find('\n')),
            plan.config_toml.substr(plan.config_toml.find('\n')));
  EXPECT_EQ(replay.scenarios.spot_price, plan.scenarios.spot_price);
  EXPECT_EQ(replay.scenarios.spot_avail, plan.scenarios.spot_avail);
  EXPECT_EQ(replay.scenarios.forecast_spot_price, plan.scenarios.forecast_spot_price);
  ASSERT_EQ(replay.jobs.size(), plan.jobs.size());
  for (size_t i = 0; i < plan.jobs.size(); ++i)
    EXPECT_EQ(replay.jobs[i].work, plan.jobs[i].work);
  fs::remove_all(root);
}

}  // namespace
}  // namespace spotsweep

// `spotsweep simulate` goes through the family registry: the policy it runs is the one member
// of a one-member pool, so it must give the bits a sweep gives that member on the same job.
#include "spotsweep/tools/simulate.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "spotsweep/backend/cpu_sweep.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/market/trace_io.hpp"
#include "spotsweep/sweep/plan.hpp"

namespace spotsweep {
namespace {

// Up to 16 spot GPUs, so that forecast noise changes CHC's plans.
const std::string kTrace = std::string(SPOTSWEEP_SOURCE_DIR) + "/data/synthetic_mm16_s42_c0.h5";

SimulateRequest request(const std::string& policy, std::map<std::string, double> params) {
  SimulateRequest rq;
  rq.trace_path = kTrace;
  rq.start_slot = 0;  // a sweep keys forecast noise by the slot in its window, which starts here
  rq.job.work = 1e5;
  rq.job.alpha = 2;
  rq.job.soft_deadline_s = 8 * 3600.0;
  rq.job.hard_factor = 1.3;
  rq.job.n_max = 8;
  rq.job.value_max = 100;
  rq.job.reconfig_s = 300;
  rq.policy = policy;
  rq.params = std::move(params);
  rq.seed = 17;
  rq.with_opt = false;
  return rq;
}

// The same member as a one-member pool swept over one scenario and round on the same window.
Outcome swept_alone(const SimulateRequest& rq, const std::vector<double>& params) {
  const FamilyInfo* family = find_family(rq.policy);
  SweepConfig config;
  config.file = "simulate_test";
  FamilyGrid grid;
  grid.family = family->id;
  grid.name = family->name;
  for (size_t i = 0; i < params.size(); ++i)
    grid.axes.push_back({family->axes[i].name, {params[i]}});
  grid.size = 1;
  config.pool.families.push_back(grid);
  config.pool.size = 1;
  config.workload.trace_path = kTrace;
  config.workload.first_slot = rq.start_slot;
  config.seed = rq.seed;
  config.job.base = rq.job;
  for (int32_t f = 0; f < kJobFieldCount; ++f)
    config.job.fields[f].a = job_field_value(rq.job, static_cast<JobField>(f));
  const SweepPlan plan = make_plan(config);
  SweepOptions options;
  options.trace_members = {0};
  options.percentiles = false;
  return run_sweep_cpu(plan, options).traced.at(0);
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(Simulate, EveryFamilyEqualsItsOneMemberPool) {
  const std::vector<std::pair<std::string, std::map<std::string, double>>> members = {
      {"on-demand", {{"n_gpus", 3}}},
      {"greedy", {{"deadline_factor", 0.9}}},
      {"uniform_progress", {}},
      {"pf", {{"theta", 0.5}, {"kappa", 0.8}, {"rho", 2}, {"hysteresis", 0.05}}},
      {"only_spot", {{"n_gpus", 4}}},
      {"chc", {{"window", 8}, {"commit", 2}, {"eps", 0.3}, {"growth", 0.5}, {"resolution", 2}}},
      {"chc", {{"window", 6}, {"commit", 3}, {"mode", 1}, {"lagrange_iters", 2}}},
  };
  for (const auto& [policy, params] : members) {
    const SimulateRequest rq = request(policy, params);
    const SimulateReport report = run_simulate(rq);
    const Outcome swept = swept_alone(rq, report.params);
    EXPECT_TRUE(same_bits(report.policy.utility, swept.utility)) << policy;
    EXPECT_TRUE(same_bits(report.policy.cost, swept.cost)) << policy;
    EXPECT_TRUE(same_bits(report.policy.finish_s, swept.finish_s)) << policy;
    EXPECT_EQ(report.policy.reconfigs, swept.reconfigs) << policy;
    EXPECT_EQ(report.policy.slots, swept.slots) << policy;
  }
}

void expect_error(const SimulateRequest& rq, const std::vector<std::string>& needles) {
  try {
    run_simulate(rq);
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    for (const std::string& n : needles)
      EXPECT_NE(what.find(n), std::string::npos) << what;
  }
}

TEST(Simulate, ParametersFollowThePoolRules) {
  expect_error(request("chc", {{"window", 4}, {"commit", 6}}),
               {"--commit = 6", "exceeds --window = 4"});
  expect_error(request("greedy", {{"theta", 0.5}}),
               {"--theta = 0.5", "not an option of policy greedy", "--deadline-factor"});
  expect_error(request("pf", {{"hysteresis", 2}}), {"--hysteresis = 2", "out of range [0, 1]"});
  expect_error(request("chc", {{"window", 2.5}}), {"--window = 2.5", "integer"});
  expect_error(request("spotty", {}), {"--policy = spotty", "on_demand, greedy"});
  SimulateRequest learned = request("pf", {});
  learned.predictor = "holt-winters";
  expect_error(learned, {"--predictor = holt-winters", "only chc"});
  SimulateRequest noisy = request("chc", {{"eps", 0.1}});
  noisy.predictor = "ar";
  expect_error(noisy, {"--eps = 0.1", "--predictor ar", "does not use it"});
}

}  // namespace
}  // namespace spotsweep

// The ranges the model's arithmetic holds for (model/limits.hpp, docs/reliability.md): each
// limit refused one past it with a one-line error naming the field, accepted at it.
#include "spotsweep/config/validation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/model/limits.hpp"
#include "spotsweep/model/simulator.hpp"

using namespace spotsweep;

namespace {

// A 6 h job on up to 4 GPUs of 1 sample/s each, 1e4 samples.
JobSpec job() {
  JobSpec j;
  j.work = 1e4;
  j.soft_deadline_s = 6 * 3600.0;
  j.hard_factor = 1.5;
  j.n_min = 1;
  j.n_max = 4;
  j.alpha = 1.0;
  j.value_max = 100.0;
  j.miss_penalty = 10.0;
  j.reconfig_s = 300.0;
  return j;
}

// The one-line message of `action`'s InputError, or "" when it passes.
template <class Action>
std::string error_of(Action action) {
  try {
    action();
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
  return "";
}

void expect_job_error(const JobSpec& j, const std::string& field, const std::string& reason) {
  const std::string message = error_of([&] { validate_job(j, "src"); });
  EXPECT_NE(message.find("src: " + field + " = "), std::string::npos) << message;
  EXPECT_NE(message.find(reason), std::string::npos) << message;
}

}  // namespace

TEST(Limits, GpuCountsComeFirstAndStayInRange) {
  JobSpec j = job();
  j.n_max = -1;
  j.work = 0.0;  // what --work-hours made of n_max = -1: the count is named, not the work
  expect_job_error(j, "n_max", "must be at least 1");
  j = job();
  j.n_max = kMaxGpus + 1;
  expect_job_error(j, "n_max", "at most 1048576");
  j.n_max = kMaxGpus;
  EXPECT_EQ(error_of([&] { validate_job(j, "src"); }), "");
}

TEST(Limits, HardDeadlineWithinTwoToThe32Seconds) {
  JobSpec j = job();
  j.hard_factor = 1e308;
  expect_job_error(j, "gamma", "2^32 s");
  j = job();
  j.hard_factor = 1.0;
  j.soft_deadline_s = 1e12 * 3600.0;
  expect_job_error(j, "deadline_h", "2^32 s");
  j.soft_deadline_s = kMaxSeconds;
  EXPECT_EQ(error_of([&] { validate_job(j, "src"); }), "");
  j.soft_deadline_s = std::nextafter(kMaxSeconds, 1e300);
  expect_job_error(j, "deadline_h", "2^32 s");
}

TEST(Limits, WorkAndMoneyStayFinite) {
  JobSpec j = job();
  j.alpha = 1e308;
  expect_job_error(j, "alpha", "over the limit of 1e300");
  j = job();
  j.beta = 1e308;
  expect_job_error(j, "beta", "over the limit of 1e300");
  j = job();
  j.alpha = 1e20;  // large but finite work: fine
  EXPECT_EQ(error_of([&] { validate_job(j, "src"); }), "");
  j = job();
  j.value_max = 1e38;
  expect_job_error(j, "value", "1e37");
  j = job();
  j.miss_penalty = 1e38;
  expect_job_error(j, "miss_penalty", "1e37");
  // The largest cost: N_max at the dearest price over the horizon.
  j = job();
  EXPECT_EQ(error_of([&] { validate_job_cost(j, 600.0, 1e30, "src", "t.h5"); }), "");
  const std::string message = error_of([&] { validate_job_cost(j, 600.0, 1e36, "src", "t.h5"); });
  EXPECT_NE(message.find("t.h5: price = 1e+36 USD per GPU-hour"), std::string::npos) << message;
}

TEST(Limits, HorizonIsCheckedBeforeItBecomesAnInt32) {
  JobSpec j = job();
  EXPECT_EQ(checked_horizon_slots(j, 195.0, "src"), horizon_slots(j, 195.0));
  // 9 h of 1 ms ticks is 3.24e7 slots: fine; at 1e-6 s it would be 3.24e10.
  EXPECT_EQ(checked_horizon_slots(j, 1e-3, "src"), 32400000);
  const std::string message = error_of([&] { checked_horizon_slots(j, 1e-6, "src"); });
  EXPECT_NE(message.find("src: gamma = 1.5: the hard deadline of 9 h spans 32399999999 ticks"),
            std::string::npos)
      << message;
  // The window check counts in double: a horizon that wraps an int32 is "too short", not 0.
  std::vector<double> price(100, 1.0);
  std::vector<int32_t> avail(100, 1);
  MarketView market;
  market.spot_price = price.data();
  market.spot_avail = avail.data();
  market.tick_seconds = 1e-6;
  market.n_slots = 100;
  const std::string window = error_of([&] { validate_job_window(j, market, 0, "t.h5"); });
  EXPECT_NE(window.find("t.h5: ticks = 100: too short: the job needs 32399999999 ticks"),
            std::string::npos)
      << window;
}

TEST(Limits, PlannerLatticesFitTheirIndexTypes) {
  JobSpec j = job();
  EXPECT_EQ(planner_allocation_states(j), 5.0);
  j.trigger = ReconfigTrigger::composition;
  EXPECT_EQ(planner_allocation_states(j), 1.0 + 2 + 3 + 4 + 5);
  j.n_max = 300;
  const std::string allocations =
      error_of([&] { validate_planner_lattice(j, 10, "src", "--opt-buckets", "10"); });
  EXPECT_NE(allocations.find("n_max = 300: gives the planner 45451 allocation states"),
            std::string::npos)
      << allocations;
  j = job();
  j.n_max = 32766;  // 32767 allocation states under trigger = total: the most int16 holds
  EXPECT_EQ(error_of([&] { validate_planner_lattice(j, 10, "src", "f", "v"); }), "");
  j.n_max = 32767;
  EXPECT_NE(error_of([&] { validate_planner_lattice(j, 10, "src", "f", "v"); }), "");
  j = job();
  EXPECT_EQ(error_of([&] { validate_planner_lattice(j, kMaxPlannerBuckets, "s", "f", "v"); }), "");
  const std::string buckets =
      error_of([&] { validate_planner_lattice(j, kMaxPlannerBuckets + 1.0, "s", "f", "v"); });
  EXPECT_NE(buckets.find("s: f = v: gives the planner 1073741825 progress states"),
            std::string::npos)
      << buckets;
  // CHC: w·m·H(N_max)/H(N_min) buckets; with 64 × 1024 × 32000 too many.
  j.n_max = 32000;
  EXPECT_NE(error_of([&] {
              check_chc_planner(j, 600.0, 64, 1024, true, "s", "--resolution", "1024");
            }).find("progress states"),
            std::string::npos);
  // The Lagrangian planner has one bucket: only the allocation states count.
  EXPECT_EQ(
      error_of([&] { check_chc_planner(j, 600.0, 64, 1024, false, "s", "--resolution", "1024"); }),
      "");
}

// CHC's exact planner plans on the job's absolute lattice ⌈L/q⌉, q = tick·H(N_min)/m, whatever
// its window reaches (docs/chc.md, "Plan tables"): a long job on a short window must fit the
// progress-state limit too, and a planning key's shared plan, which stores `commit` slots of
// choices over that lattice, is counted in the bytes.
TEST(Limits, ChcExactPlannerLatticeIsTheWholeJob) {
  JobSpec j = job();
  const double step = 600.0 * throughput(j, j.n_min) / 4;
  j.work = step * (kMaxPlannerBuckets - 1.0);
  EXPECT_EQ(error_of([&] { check_chc_planner(j, 600.0, 2, 4, true, "s", "--resolution", "4"); }),
            "");
  j.work = step * (kMaxPlannerBuckets + 10.0);
  const std::string lattice =
      error_of([&] { check_chc_planner(j, 600.0, 2, 4, true, "s", "--resolution", "4"); });
  EXPECT_NE(lattice.find("s: --resolution = 4: gives the planner"), std::string::npos) << lattice;
  EXPECT_NE(lattice.find("progress states"), std::string::npos) << lattice;
  EXPECT_EQ(error_of([&] { check_chc_planner(j, 600.0, 2, 4, false, "s", "--resolution", "4"); }),
            "");
  j.work = step * 1000;
  const double one = check_chc_planner(j, 600.0, 2, 4, true, "s", "f", "v", 1);
  const double eight = check_chc_planner(j, 600.0, 2, 4, true, "s", "f", "v", 8);
  // 1000 lattice states × 5 allocations × 2 restart states × 7 more slots of int16 choices.
  EXPECT_EQ(eight - one, 1000.0 * 5 * 2 * 7 * sizeof(int16_t));
}

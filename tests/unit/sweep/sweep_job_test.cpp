// The workload-estimate error of a sweep's jobs: policies see L̂ = L·(1 + ε_L).
#include <gtest/gtest.h>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/sweep/sweep.hpp"

#include "../../support/sweep_fixture.hpp"

namespace spotsweep {
namespace {

TEST(SweepJobs, WorkErrorScalesTheEstimatePoliciesSee) {
  const SweepPlan fixed = testing::fixture_plan("work_error = 0.1\n");
  for (const JobSpec& job : fixed.jobs)
    EXPECT_DOUBLE_EQ(job.work_estimate, job.work * 1.1);
  const SweepPlan drawn = testing::fixture_plan("work_error = \"uniform(-0.2, 0.2)\"\n");
  double lowest = 1.0, highest = -1.0;
  for (const JobSpec& job : drawn.jobs) {
    const double eps = job.work_estimate / job.work - 1.0;
    EXPECT_GE(eps, -0.2 - 1e-12);
    EXPECT_LE(eps, 0.2 + 1e-12);
    lowest = std::min(lowest, eps);
    highest = std::max(highest, eps);
  }
  EXPECT_LT(lowest, 0.0);
  EXPECT_GT(highest, 0.0);
  for (const JobSpec& job : testing::fixture_plan().jobs)
    EXPECT_EQ(job.work_estimate, 0.0);
  EXPECT_THROW(testing::fixture_plan("work_error = -1\n"), InputError);
}

}  // namespace
}  // namespace spotsweep

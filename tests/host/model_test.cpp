#include <gtest/gtest.h>

#include "spotsweep/model.hpp"

using namespace spotsweep;

TEST(Model, ThroughputIsLinear) {
  JobSpec job;
  job.alpha = 2.0;
  job.beta = 0.5;
  EXPECT_DOUBLE_EQ(throughput(job, 0), 0.0);
  EXPECT_DOUBLE_EQ(throughput(job, 3), 6.5);
}

// docs/chc.md's claim: with fixed seeds over ≥ 200 synthetic scenarios, mean CHC utility does not
// rise with the forecast noise ε. Paired by scenario (common random numbers); the tolerance is
// two standard errors of the paired mean difference. Prints the table docs/chc.md reports.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "spotsweep/market/synthetic.hpp"
#include "spotsweep/tools/simulate.hpp"

using namespace spotsweep;

TEST(ChcNoise, MeanUtilityIsNonIncreasingInEpsilon) {
  const std::vector<double> levels = {0.0, 0.1, 0.2, 0.4, 0.8};  // ≥ 4 levels
  const int32_t scenarios = 200;
  JobSpec job;
  job.n_min = 1;
  job.n_max = 4;
  job.alpha = 1.0;
  job.beta = 0.2;
  job.soft_deadline_s = 36 * 3600.0;
  job.hard_factor = 1.3;
  job.work = 20 * 3600.0 * throughput(job, 4) * 0.6;
  job.reconfig_s = 600.0;
  job.value_max = 4 * 3.06 * 36;  // a day and a half of N_max on demand
  job.miss_penalty = job.value_max;

  SyntheticMarketSpec spec;
  spec.capacity = 4;
  spec.tick_seconds = 600.0;
  spec.n_slots = horizon_slots(job, spec.tick_seconds) + 1;
  spec.volatility_per_sqrt_hour = 0.3;
  spec.availability_model = AvailabilityModel::markov_modulated;

  ChcParams params;
  params.window = 8;
  params.commit = 4;
  params.resolution = 2;

  std::vector<std::vector<double>> utility(levels.size(), std::vector<double>(scenarios));
  for (int32_t s = 0; s < scenarios; ++s) {
    const Trace market = generate_synthetic(spec, 17, s);
    for (size_t e = 0; e < levels.size(); ++e) {
      const OracleForecaster forecaster{market.view(),
                                        make_noisy_oracle(99, s, levels[e], 0.5, spec.capacity)};
      const Outcome out = simulate_chc(job, market.view(), 0, params, forecaster);
      ASSERT_EQ(out.missed, 0);
      utility[e][s] = out.utility;
    }
  }
  printf("| eps | mean utility | paired diff vs previous | 2·SE |\n|---|---|---|---|\n");
  for (size_t e = 0; e < levels.size(); ++e) {
    double mean = 0.0;
    for (double u : utility[e])
      mean += u;
    mean /= scenarios;
    if (e == 0) {
      printf("| %.2f | %.3f | | |\n", levels[e], mean);
    } else {
      double diff = 0.0, sq = 0.0;
      for (int32_t s = 0; s < scenarios; ++s)
        diff += utility[e][s] - utility[e - 1][s];
      diff /= scenarios;
      for (int32_t s = 0; s < scenarios; ++s) {
        const double d = utility[e][s] - utility[e - 1][s] - diff;
        sq += d * d;
      }
      const double two_se = 2.0 * std::sqrt(sq / (scenarios - 1) / scenarios);
      printf("| %.2f | %.3f | %+.3f | %.3f |\n", levels[e], mean, diff, two_se);
      EXPECT_LE(diff, two_se) << "mean utility rose from eps " << levels[e - 1] << " to "
                              << levels[e];
    }
  }
}

// Calibration: the fitted generator reproduces real traces' availability fraction and mean
// availability-run length (within 10 %), and a fit of a long synthetic trace recovers the
// parameters that made it.
#include "spotsweep/market/market_fit.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "spotsweep/market/trace_io.hpp"

#include "../../support/trace_test_support.hpp"

namespace spotsweep {
namespace {

// Availability statistics pooled over `seeds` draws of the fitted spec, each `slots` long.
AvailabilityStats pooled_stats(SyntheticMarketSpec spec, int32_t slots, int seeds) {
  spec.n_slots = slots;
  int64_t up = 0, up_runs = 0, total = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    const AvailabilityStats s = availability_stats(generate_synthetic(spec, 100 + seed, 0));
    up += std::llround(s.avail_fraction * s.n_slots);
    up_runs += s.avail_runs;
    total += s.n_slots;
  }
  AvailabilityStats pooled;
  pooled.avail_fraction = static_cast<double>(up) / total;
  pooled.mean_avail_run_slots = static_cast<double>(up) / up_runs;
  return pooled;
}

class RealTraceFit : public ::testing::TestWithParam<std::tuple<const char*, AvailabilityModel>> {};

TEST_P(RealTraceFit, ReproducesAvailabilityFractionAndRunLength) {
  const std::string path = testing::repo_data(std::get<0>(GetParam()));
  const Trace real = load_trace(path);
  const MarketFit fit = fit_synthetic_market(real, std::get<1>(GetParam()), path);
  const AvailabilityStats& observed = fit.observed;
  // Ten draws of ten times the real length: ~2,000–25,000 runs, sampling error ≈ 2 %.
  const AvailabilityStats model = pooled_stats(fit.spec, 10 * real.n_slots(), 10);
  EXPECT_NEAR(model.avail_fraction, observed.avail_fraction, 0.1 * observed.avail_fraction);
  EXPECT_NEAR(model.mean_avail_run_slots, observed.mean_avail_run_slots,
              0.1 * observed.mean_avail_run_slots);
  // The fit's own check draw says the same.
  EXPECT_NEAR(fit.model.avail_fraction, observed.avail_fraction, 0.1 * observed.avail_fraction);
  // Price level and spread: mean within 10 %, log-price spread within a factor of 2.
  const Trace draw = [&] {
    SyntheticMarketSpec spec = fit.spec;
    spec.n_slots = 10 * real.n_slots();
    return generate_synthetic(spec, 7, 0);
  }();
  const PriceStats price = price_stats(draw);
  EXPECT_NEAR(price.mean, fit.observed_price.mean, 0.1 * fit.observed_price.mean);
  EXPECT_GT(price.log_sd, 0.5 * fit.observed_price.log_sd);
  EXPECT_LT(price.log_sd, 2.0 * fit.observed_price.log_sd);
}

INSTANTIATE_TEST_SUITE_P(
    ShippedV100, RealTraceFit,
    ::testing::Combine(::testing::Values("v100_us-east-1a.h5", "v100_us-east-2b.h5"),
                       ::testing::Values(AvailabilityModel::birth_death,
                                         AvailabilityModel::markov_modulated)));

TEST(MarketFit, StatsFollowTheDefinitions) {
  Trace t;
  t.tick_seconds = 60.0;
  t.od_price = 2.0;
  t.capacity = 4;
  t.spot_avail = {0, 2, 4, 1, 0, 0, 3, 3};  // available runs of 3 and 2, unavailable 1 and 2
  t.spot_price.assign(t.spot_avail.size(), 1.0);
  const AvailabilityStats s = availability_stats(t);
  EXPECT_DOUBLE_EQ(s.avail_fraction, 5.0 / 8.0);
  EXPECT_DOUBLE_EQ(s.mean_avail_share, 13.0 / 32.0);
  EXPECT_EQ(s.avail_runs, 2);
  EXPECT_EQ(s.unavail_runs, 2);
  EXPECT_DOUBLE_EQ(s.mean_avail_run_slots, 2.5);
  EXPECT_DOUBLE_EQ(s.mean_unavail_run_slots, 1.5);
}

TEST(MarketFit, RecoversBirthDeathParameters) {
  SyntheticMarketSpec truth;
  truth.n_slots = 100000;
  truth.capacity = 4;
  truth.birth_rate_per_gpu_hour = 0.6;
  truth.death_rate_per_gpu_hour = 0.3;
  truth.mean_spot_fraction = 0.4;
  truth.mean_reversion_per_hour = 0.5;
  truth.volatility_per_sqrt_hour = 0.2;
  truth.daily_season_amplitude = 0.15;
  truth.daily_season_shift_hours = 3.0;
  truth.regime_enter_prob = 0.0;
  const Trace trace = generate_synthetic(truth, 11, 0);
  const MarketFit fit = fit_synthetic_market(trace, AvailabilityModel::birth_death, "truth");
  const SyntheticMarketSpec& s = fit.spec;
  // Stated tolerances: 5 % on rates and level, 10 % on price dynamics, 0.3 h on the phase.
  EXPECT_NEAR(s.birth_rate_per_gpu_hour, 0.6, 0.05 * 0.6);
  EXPECT_NEAR(s.death_rate_per_gpu_hour, 0.3, 0.05 * 0.3);
  EXPECT_NEAR(s.mean_spot_fraction, 0.4, 0.05 * 0.4);
  EXPECT_NEAR(s.mean_reversion_per_hour, 0.5, 0.1 * 0.5);
  EXPECT_NEAR(s.volatility_per_sqrt_hour, 0.2, 0.1 * 0.2);
  EXPECT_NEAR(s.daily_season_amplitude, 0.15, 0.1 * 0.15);
  EXPECT_NEAR(s.daily_season_shift_hours, 3.0, 0.3);
  EXPECT_EQ(s.capacity, 4);
  EXPECT_EQ(s.n_slots, 100000);
}

TEST(MarketFit, RecoversCalmAndStormStates) {
  SyntheticMarketSpec truth;
  truth.n_slots = 200000;
  truth.capacity = 1;
  truth.availability_model = AvailabilityModel::markov_modulated;
  truth.birth_rate_per_gpu_hour = 2.0;
  truth.death_rate_per_gpu_hour = 0.5;
  truth.storm_enter_prob = 0.005;
  truth.storm_exit_prob = 0.02;
  truth.storm_birth_multiplier = 0.1;
  truth.storm_death_multiplier = 8.0;
  const Trace trace = generate_synthetic(truth, 3, 0);
  const MarketFit fit = fit_synthetic_market(trace, AvailabilityModel::markov_modulated, "truth");
  const SyntheticMarketSpec& s = fit.spec;
  // Hidden states are harder: 15 % on calm rates and switching, 30 % on the storm factors.
  EXPECT_NEAR(s.birth_rate_per_gpu_hour, 2.0, 0.15 * 2.0);
  EXPECT_NEAR(s.death_rate_per_gpu_hour, 0.5, 0.15 * 0.5);
  EXPECT_NEAR(s.storm_enter_prob, 0.005, 0.15 * 0.005);
  EXPECT_NEAR(s.storm_exit_prob, 0.02, 0.15 * 0.02);
  EXPECT_NEAR(s.storm_birth_multiplier, 0.1, 0.3 * 0.1);
  EXPECT_NEAR(s.storm_death_multiplier, 8.0, 0.3 * 8.0);
}

TEST(MarketFit, RefusesWhatItCannotFit) {
  Trace t;
  t.tick_seconds = 60.0;
  t.od_price = 2.0;
  t.capacity = 1;
  t.spot_avail.assign(5, 1);
  t.spot_price.assign(5, 1.0);
  testing::expect_input_error(
      [&] { fit_synthetic_market(t, AvailabilityModel::birth_death, "t.h5"); },
      {"t.h5", "n_slots", "5"});
  t.spot_avail.assign(50, 1);
  t.spot_price.assign(50, 1.0);
  testing::expect_input_error(
      [&] { fit_synthetic_market(t, AvailabilityModel::markov_modulated, "t.h5"); },
      {"t.h5", "spot_avail", "birth_death"});
  t.od_price = 0.0;
  testing::expect_input_error(
      [&] { fit_synthetic_market(t, AvailabilityModel::birth_death, "t.h5"); },
      {"t.h5", "od_price", "0"});
}

}  // namespace
}  // namespace spotsweep

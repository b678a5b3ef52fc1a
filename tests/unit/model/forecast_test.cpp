// The noisy oracle and the workload estimate: pinned generator output, determinism, and the
// shape of the noise.
#include "spotsweep/model/forecast.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "spotsweep/market/trace.hpp"

namespace spotsweep {
namespace {

constexpr uint64_t kSeed = 0x0123456789abcdefull;

// A small market: price 1.5 + 0.01·m, availability m mod 5.
Trace small_market(int32_t n) {
  Trace t;
  t.tick_seconds = 195.0;
  t.od_price = 3.06;
  for (int32_t m = 0; m < n; ++m) {
    t.spot_price.push_back(1.5 + 0.01 * m);
    t.spot_avail.push_back(m % 5);
  }
  return t;
}

// Random123's published known-answer vectors for Philox4x32-10 (kat_vectors).
TEST(Forecast, PhiloxMatchesPublishedKnownAnswers) {
  r123::Philox4x32 philox;
  const auto zero = philox({{0, 0, 0, 0}}, {{0, 0}});
  EXPECT_EQ(zero[0], 0x6627e8d5u);
  EXPECT_EQ(zero[1], 0xe169c58du);
  EXPECT_EQ(zero[2], 0xbc57ac4cu);
  EXPECT_EQ(zero[3], 0x9b00dbd8u);
  const auto pi =
      philox({{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}}, {{0xa4093822, 0x299f31d0}});
  EXPECT_EQ(pi[0], 0xd16cfe09u);
  EXPECT_EQ(pi[1], 0x94fdccebu);
  EXPECT_EQ(pi[2], 0x5001e420u);
  EXPECT_EQ(pi[3], 0x24126ea1u);
}

// Pins the oracle's keying and its noise transform: any change to either changes these bits.
TEST(Forecast, GeneratorKnownAnswer) {
  const auto block = forecast_philox_block(kSeed, 7, 1000, 3, ForecastQuantity::spot_price);
  EXPECT_EQ(block[0], 0xbbddc509u);
  EXPECT_EQ(block[1], 0x975b30feu);
  EXPECT_EQ(block[2], 0xe00817edu);
  EXPECT_EQ(block[3], 0x73c0dc5du);
  EXPECT_EQ(forecast_noise(kSeed, 7, 1000, 3, ForecastQuantity::spot_price), 0x1.9ec40c06b2104p-1);
  EXPECT_EQ(forecast_noise(kSeed, 7, 1000, 3, ForecastQuantity::spot_avail), -0x1.f3ef7fb98bb86p-2);
  EXPECT_EQ(forecast_noise(kSeed, 7, 1000, 3, ForecastQuantity::workload), 0x1.99775bc015edap-4);

  const Trace market = small_market(40);
  const NoisyOracle oracle = make_noisy_oracle(kSeed, 7, 0.1, 0.5, 4);
  const double expected_price[8] = {1.6097543304769903, 1.692426795244145,  1.8616434980412013,
                                    1.8694938087034731, 1.8913371818182958, 1.7940579536942616,
                                    2.2200840047055674, 1.2526505406524018};
  const int32_t expected_avail[8] = {0, 1, 3, 4, 4, 0, 1, 1};
  for (int32_t k = 0; k < 8; ++k) {
    EXPECT_EQ(oracle.forecast_spot_price(market.view(), 10, k), expected_price[k]) << "k=" << k;
    EXPECT_EQ(oracle.forecast_avail(market.view(), 10, k), expected_avail[k]) << "k=" << k;
  }
  EXPECT_EQ(workload_estimate(1e6, 0.2, WorkloadError::random, kSeed, 7, 3), 656577.99085654982);
}

TEST(Forecast, UniformNoiseIsSymmetricWithUnitVariance) {
  EXPECT_EQ(unit_uniform_noise(0), -unit_uniform_noise(0xffffffffu));
  EXPECT_LT(unit_uniform_noise(0xffffffffu), std::sqrt(3.0));
  double sum = 0.0, sum_sq = 0.0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double z =
        forecast_noise(kSeed, 0, static_cast<uint32_t>(i), 0, ForecastQuantity::spot_price);
    sum += z;
    sum_sq += z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sum_sq / n, 1.0, 0.01);
}

TEST(Forecast, ZeroNoiseGivesTheTruth) {
  const Trace market = small_market(100);
  const NoisyOracle oracle = make_noisy_oracle(kSeed, 3, 0.0, 1.0, 4);
  for (int32_t t = 0; t + 24 <= 100; ++t)
    for (int32_t k = 0; k < 24; ++k) {
      EXPECT_EQ(oracle.forecast_spot_price(market.view(), t, k), market.spot_price[t + k]);
      EXPECT_EQ(oracle.forecast_avail(market.view(), t, k), market.spot_avail[t + k]);
    }
}

TEST(Forecast, NoiseLevelTableFollowsGrowth) {
  const NoisyOracle flat = make_noisy_oracle(kSeed, 0, 0.2, 0.0, 1);
  const NoisyOracle linear = make_noisy_oracle(kSeed, 0, 0.2, 1.0, 1);
  for (int32_t k = 0; k < 16; ++k) {
    EXPECT_EQ(flat.noise_level(k), 0.2);
    EXPECT_DOUBLE_EQ(linear.noise_level(k), 0.2 * (k + 1));
  }
}

TEST(Forecast, NoiseGrowsWithLookahead) {
  const Trace market = small_market(5000);
  const NoisyOracle oracle = make_noisy_oracle(kSeed, 1, 0.02, 1.0, 4);
  double rel_error[10] = {};
  const int32_t n_planning = 5000 - 10;
  for (int32_t t = 0; t < n_planning; ++t)
    for (int32_t k = 0; k < 10; ++k)
      rel_error[k] += std::fabs(
          oracle.forecast_spot_price(market.view(), t, k) / market.spot_price[t + k] - 1.0);
  // E|z| = √3/2 for z uniform on [−√3, √3].
  for (int32_t k = 0; k < 10; ++k)
    EXPECT_NEAR(rel_error[k] / n_planning, 0.02 * (k + 1) * std::sqrt(3.0) / 2.0,
                0.05 * 0.02 * (k + 1))
        << "k=" << k;
}

TEST(Forecast, DeterministicAndKeyedByWhatIsDrawn) {
  const Trace market = small_market(64);
  // ε·√3 < 1, so no forecast is floored at 0 and any two different draws give different prices.
  const NoisyOracle a = make_noisy_oracle(kSeed, 2, 0.3, 0.0, 4);
  const NoisyOracle b = make_noisy_oracle(kSeed, 2, 0.3, 0.0, 4);
  const NoisyOracle other_seed = make_noisy_oracle(kSeed + 1, 2, 0.3, 0.0, 4);
  const NoisyOracle other_scenario = make_noisy_oracle(kSeed, 3, 0.3, 0.0, 4);
  int differ_seed = 0, differ_scenario = 0;
  for (int32_t t = 0; t < 50; ++t)
    for (int32_t k = 0; k < 8; ++k) {
      const double p = a.forecast_spot_price(market.view(), t, k);
      EXPECT_EQ(p, b.forecast_spot_price(market.view(), t, k));
      EXPECT_EQ(a.forecast_avail(market.view(), t, k), b.forecast_avail(market.view(), t, k));
      differ_seed += p != other_seed.forecast_spot_price(market.view(), t, k);
      differ_scenario += p != other_scenario.forecast_spot_price(market.view(), t, k);
    }
  EXPECT_EQ(differ_seed, 400);
  EXPECT_EQ(differ_scenario, 400);
  // The same target slot forecast from two planning slots gets independent noise.
  EXPECT_NE(a.forecast_spot_price(market.view(), 10, 2),
            a.forecast_spot_price(market.view(), 11, 1));
}

// A forecast is a function of what its draw is for and of nothing else (docs/model.md §6):
// visited in reverse order, each noise is the Philox block of its key (seed; scenario, planning
// slot, lookahead, domain | quantity), so no state a call order could change is involved, and
// the quantity is part of the key (the test above covers seed, scenario and planning slot).
TEST(Forecast, NoiseIsThePhiloxBlockOfItsKey) {
  const Trace market = small_market(64);
  const NoisyOracle oracle = make_noisy_oracle(kSeed, 5, 0.25, 0.5, 4);
  int same_quantity = 0;
  for (int32_t t = 49; t >= 0; --t)
    for (int32_t k = 7; k >= 0; --k) {
      const uint32_t word =
          philox_block(kSeed, 5, static_cast<uint32_t>(t), static_cast<uint32_t>(k),
                       kForecastDomain | static_cast<uint32_t>(ForecastQuantity::spot_price))[0];
      const double want = std::max(
          0.0, market.spot_price[t + k] * (1.0 + oracle.noise_level(k) * unit_uniform_noise(word)));
      ASSERT_EQ(oracle.forecast_spot_price(market.view(), t, k), want) << t << ", " << k;
      same_quantity += forecast_noise(kSeed, 5, t, k, ForecastQuantity::spot_price) ==
                       forecast_noise(kSeed, 5, t, k, ForecastQuantity::spot_avail);
    }
  EXPECT_EQ(same_quantity, 0);
}

TEST(Forecast, AvailabilityRoundedAndClamped) {
  const Trace market = small_market(2000);
  for (AvailNoise mode : {AvailNoise::multiplicative, AvailNoise::capacity_scaled}) {
    const NoisyOracle oracle = make_noisy_oracle(kSeed, 0, 0.5, 1.0, 4, mode);
    int above_truth = 0, zero_forecast_positive = 0, at_cap = 0;
    for (int32_t t = 0; t + 8 <= 2000; ++t)
      for (int32_t k = 0; k < 8; ++k) {
        const int32_t a = oracle.forecast_avail(market.view(), t, k);
        ASSERT_GE(a, 0);
        ASSERT_LE(a, 4);
        above_truth += a > market.spot_avail[t + k];
        at_cap += a == 4;
        zero_forecast_positive += market.spot_avail[t + k] == 0 && a > 0;
      }
    EXPECT_GT(above_truth, 0);
    EXPECT_GT(at_cap, 0);
    // Multiplicative noise keeps a = 0 exact; capacity-scaled noise does not.
    if (mode == AvailNoise::multiplicative)
      EXPECT_EQ(zero_forecast_positive, 0);
    else
      EXPECT_GT(zero_forecast_positive, 0);
  }
  // Clamped to a_max even when the truth exceeds it.
  const NoisyOracle tight = make_noisy_oracle(kSeed, 0, 0.0, 0.0, 2);
  EXPECT_EQ(tight.forecast_avail(market.view(), 4, 0), 2);  // a[4] = 4
}

// The oracle errs both ways with capacity-scaled noise (docs/model.md §6, docs/pool.md
// `avail_noise`): on a 0/1 market like the V100 traces (a_max = 1), at ε = 0.3 with growth ½
// over a 24-slot window, the share of zero-availability slots forecast exactly is 1/24 Σ_k
// P(ε_k·z < ½) = 0.669 (z uniform on [−√3, √3]), within the ≤ 80 % target; it also misses
// spot that is there. Multiplicative noise forecasts every zero exactly, whatever ε.
TEST(Forecast, CapacityScaledNoiseErrsBothWaysOnZeroOneMarkets) {
  Trace market;
  market.tick_seconds = 195.0;
  market.od_price = 3.06;
  for (int32_t m = 0; m < 4000; ++m) {
    market.spot_price.push_back(1.0);
    market.spot_avail.push_back((m / 7) % 3 == 0 ? 1 : 0);  // runs, 1/3 of the slots up
  }
  const int32_t window = 24;
  for (AvailNoise mode : {AvailNoise::multiplicative, AvailNoise::capacity_scaled}) {
    const NoisyOracle oracle = make_noisy_oracle(kSeed, 3, 0.3, 0.5, 1, mode);
    int64_t zeros = 0, zeros_exact = 0, ones = 0, ones_missed = 0;
    for (int32_t t = 0; t + window <= 4000; ++t)
      for (int32_t k = 0; k < window; ++k) {
        const int32_t a = market.spot_avail[t + k];
        const int32_t forecast = oracle.forecast_avail(market.view(), t, k);
        if (a == 0) {
          ++zeros;
          zeros_exact += forecast == 0;
        } else {
          ++ones;
          ones_missed += forecast == 0;
        }
      }
    const double exact_share = static_cast<double>(zeros_exact) / zeros;
    const double missed_share = static_cast<double>(ones_missed) / ones;
    if (mode == AvailNoise::multiplicative) {
      EXPECT_EQ(exact_share, 1.0);
    } else {
      EXPECT_NEAR(exact_share, 0.669, 0.01);
      EXPECT_LE(exact_share, 0.80);
      EXPECT_GT(missed_share, 0.2);  // a forecast of no spot where one GPU is up
    }
  }
}

TEST(Forecast, PriceFloorsAtZero) {
  const Trace market = small_market(400);
  const NoisyOracle oracle = make_noisy_oracle(kSeed, 0, 1.0, 0.0, 4);
  int floored = 0;
  for (int32_t t = 0; t < 390; ++t)
    for (int32_t k = 0; k < 4; ++k) {
      const double p = oracle.forecast_spot_price(market.view(), t, k);
      ASSERT_GE(p, 0.0);
      floored += p == 0.0;
    }
  EXPECT_GT(floored, 0);  // ε = 1 makes 1 + z negative for z < −1
}

TEST(Forecast, WorkloadEstimate) {
  EXPECT_EQ(workload_estimate(1000.0, 0.3, WorkloadError::none, kSeed, 0, 0), 1000.0);
  EXPECT_EQ(workload_estimate(1000.0, -0.25, WorkloadError::bias, kSeed, 0, 0), 750.0);
  double sum = 0.0;
  const int rounds = 20000;
  for (int r = 0; r < rounds; ++r) {
    const double l =
        workload_estimate(1000.0, 0.2, WorkloadError::random, kSeed, 4, static_cast<uint32_t>(r));
    EXPECT_EQ(l, workload_estimate(1000.0, 0.2, WorkloadError::random, kSeed, 4,
                                   static_cast<uint32_t>(r)));
    ASSERT_GE(l, 1000.0 * (1.0 - 0.2 * std::sqrt(3.0)));
    ASSERT_LE(l, 1000.0 * (1.0 + 0.2 * std::sqrt(3.0)));
    sum += l;
  }
  EXPECT_NEAR(sum / rounds, 1000.0, 6.0);  // 4 standard errors
  EXPECT_NE(workload_estimate(1000.0, 0.2, WorkloadError::random, kSeed, 4, 0),
            workload_estimate(1000.0, 0.2, WorkloadError::random, kSeed, 4, 1));
}

}  // namespace
}  // namespace spotsweep

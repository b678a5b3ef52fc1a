// Synthetic markets: counter-based determinism, bounds, and long-run statistics that match
// the spec's parameters.
#include "spotsweep/market/synthetic.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <numeric>

#include "spotsweep/market/trace_io.hpp"

#include "../../support/trace_test_support.hpp"

namespace spotsweep {
namespace {

using testing::expect_input_error;

double mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}
double mean(const std::vector<int32_t>& v) {
  return static_cast<double>(std::accumulate(v.begin(), v.end(), int64_t{0})) /
         static_cast<double>(v.size());
}

TEST(Synthetic, SameInputsGiveIdenticalTraces) {
  SyntheticMarketSpec spec;
  spec.availability_model = AvailabilityModel::markov_modulated;
  const Trace a = generate_synthetic(spec, 42, 7);
  const Trace b = generate_synthetic(spec, 42, 7);
  EXPECT_EQ(a.spot_price, b.spot_price);  // exact, not approximately
  EXPECT_EQ(a.spot_avail, b.spot_avail);
  EXPECT_EQ(a.name, "synthetic-s42-c7");
  EXPECT_NE(a.source.find("seed=42; scenario=7"), std::string::npos);

  const Trace other_scenario = generate_synthetic(spec, 42, 8);
  const Trace other_seed = generate_synthetic(spec, 43, 7);
  const Trace high_scenario = generate_synthetic(spec, 42, 7 + (uint64_t{1} << 32));
  EXPECT_NE(a.spot_price, other_scenario.spot_price);
  EXPECT_NE(a.spot_avail, other_scenario.spot_avail);
  EXPECT_NE(a.spot_price, other_seed.spot_price);
  EXPECT_NE(a.spot_price, high_scenario.spot_price);  // the scenario's high word counts too
}

TEST(Synthetic, DrawsAreKeyedBySlotNotBySequence) {
  // A longer horizon extends the same path: slot t's draws do not depend on how many slots
  // are generated.
  SyntheticMarketSpec spec;
  spec.n_slots = 300;
  const Trace short_run = generate_synthetic(spec, 5, 1);
  spec.n_slots = 900;
  const Trace long_run = generate_synthetic(spec, 5, 1);
  for (int32_t i = 0; i < 300; ++i) {
    ASSERT_EQ(short_run.spot_price[i], long_run.spot_price[i]) << i;
    ASSERT_EQ(short_run.spot_avail[i], long_run.spot_avail[i]) << i;
  }
}

TEST(Synthetic, StaysInBounds) {
  SyntheticMarketSpec spec;
  spec.n_slots = 20000;
  spec.volatility_per_sqrt_hour = 3.0;  // wild prices, to reach the floor
  spec.availability_model = AvailabilityModel::markov_modulated;
  spec.storm_death_multiplier = 50.0;
  const Trace t = generate_synthetic(spec, 1, 2);
  const double floor_price = spec.price_floor_fraction * spec.od_price;
  int at_floor = 0, empty = 0, full = 0;
  for (int32_t i = 0; i < t.n_slots(); ++i) {
    ASSERT_GE(t.spot_price[i], floor_price);
    ASSERT_TRUE(std::isfinite(t.spot_price[i]));
    ASSERT_GE(t.spot_avail[i], 0);
    ASSERT_LE(t.spot_avail[i], spec.capacity);
    at_floor += t.spot_price[i] == floor_price;
    empty += t.spot_avail[i] == 0;
    full += t.spot_avail[i] == spec.capacity;
  }
  EXPECT_GT(at_floor, 0);
  EXPECT_GT(empty, 0);
  EXPECT_GT(full, 0);
}

TEST(Synthetic, LongRunMeansMatchTheSpec) {
  SyntheticMarketSpec spec;
  spec.n_slots = 200000;  // ~3.8 years of 10-minute slots
  spec.regime_enter_prob = 0.0;
  const Trace t = generate_synthetic(spec, 2024, 0);
  // exp(x − s²/2) has mean 1 and the season averages out over whole days.
  const double target_price = spec.mean_spot_fraction * spec.od_price;
  EXPECT_NEAR(mean(t.spot_price), target_price, 0.02 * target_price);
  const double up_share =
      spec.birth_rate_per_gpu_hour / (spec.birth_rate_per_gpu_hour + spec.death_rate_per_gpu_hour);
  EXPECT_NEAR(mean(t.spot_avail), spec.capacity * up_share, 0.02 * spec.capacity);

  // The daily season shows: season(t) = 1 + A·sin(2π·h/24) peaks 6 h into each day (slot 36
  // of 144) and bottoms at 18 h (slot 108), 2·A·p̄ apart on average.
  double peak = 0.0, trough = 0.0;
  int n = 0;
  for (int32_t i = 0; i < t.n_slots(); ++i) {
    const int slot_of_day = i % 144;
    if (slot_of_day == 36) peak += t.spot_price[i], ++n;
    if (slot_of_day == 108) trough += t.spot_price[i];
  }
  EXPECT_NEAR((peak - trough) / n, 2.0 * spec.daily_season_amplitude * target_price,
              0.3 * 2.0 * spec.daily_season_amplitude * target_price);
}

TEST(Synthetic, RegimesAndStormsMoveTheMeans) {
  SyntheticMarketSpec calm;
  calm.n_slots = 100000;
  calm.regime_enter_prob = 0.0;
  SyntheticMarketSpec regimes = calm;
  regimes.regime_enter_prob = 0.02;
  regimes.regime_exit_prob = 0.02;  // half the time at the multiplier
  const double calm_price = mean(generate_synthetic(calm, 9, 0).spot_price);
  const double regime_price = mean(generate_synthetic(regimes, 9, 0).spot_price);
  EXPECT_NEAR(regime_price / calm_price, (1.0 + calm.regime_multiplier) / 2.0, 0.1);

  SyntheticMarketSpec storms = calm;
  storms.availability_model = AvailabilityModel::markov_modulated;
  storms.storm_enter_prob = 0.01;
  storms.storm_exit_prob = 0.01;
  EXPECT_LT(mean(generate_synthetic(storms, 9, 0).spot_avail),
            0.8 * mean(generate_synthetic(calm, 9, 0).spot_avail));
}

TEST(Synthetic, SpikesMultiplyThePriceAndLeaveEverythingElse) {
  SyntheticMarketSpec plain;
  plain.n_slots = 50000;
  plain.regime_enter_prob = 0.0;
  SyntheticMarketSpec spiky = plain;
  spiky.spike_rate_per_hour = 0.05;
  spiky.spike_size = 3.0;
  spiky.spike_mean_duration_hours = 2.0;
  const Trace a = generate_synthetic(plain, 8, 0);
  const Trace b = generate_synthetic(spiky, 8, 0);
  EXPECT_EQ(a.spot_avail, b.spot_avail);  // spikes draw on their own quantity ids
  int spiking = 0, onsets = 0;
  for (int32_t i = 0; i < b.n_slots(); ++i) {
    const double ratio = b.spot_price[i] / a.spot_price[i];
    const bool on = std::fabs(ratio - 4.0) < 1e-9;
    ASSERT_TRUE(on || ratio == 1.0) << i << " " << ratio;
    spiking += on;
    onsets += on && (i == 0 || b.spot_price[i - 1] == a.spot_price[i - 1]);
  }
  // Stationary share rate·duration / (1 + rate·duration) ≈ 0.091; mean length 2 h = 12 slots.
  EXPECT_NEAR(static_cast<double>(spiking) / b.n_slots(), 0.1 / 1.1, 0.02);
  EXPECT_NEAR(static_cast<double>(spiking) / onsets, 12.0, 2.0);
  EXPECT_NE(b.source.find("spike_rate_per_hour=0.05"), std::string::npos);
  EXPECT_EQ(a.source.find("spike"), std::string::npos);
}

TEST(Synthetic, StreamsAreIndependentAndStreamZeroIsThePlainGenerator) {
  SyntheticMarketSpec spec;
  spec.n_slots = 200;
  const Trace plain = generate_synthetic(spec, 3, 1);
  EXPECT_EQ(generate_synthetic(spec, 3, 1, 0).spot_price, plain.spot_price);
  const Trace other = generate_synthetic(spec, 3, 1, 1);
  EXPECT_NE(other.spot_price, plain.spot_price);
  EXPECT_EQ(other.name, "synthetic-s3-c1-r1");
  EXPECT_NE(other.source.find("stream=1"), std::string::npos);
}

TEST(Synthetic, ParametersByNameRoundTripThroughToml) {
  SyntheticMarketSpec spec;
  set_synthetic_parameter(spec, "capacity", "4", "t");
  set_synthetic_parameter(spec, "availability_model", "markov_modulated", "t");
  set_synthetic_parameter(spec, "spike_size", "0.5", "t");
  EXPECT_EQ(spec.capacity, 4);
  EXPECT_EQ(spec.availability_model, AvailabilityModel::markov_modulated);
  EXPECT_EQ(spec.spike_size, 0.5);
  const std::string toml = synthetic_spec_to_toml(spec);
  for (const std::string& name : synthetic_parameter_names())
    EXPECT_NE(toml.find("\n" + name + " = "), std::string::npos) << name;
  expect_input_error([&] { set_synthetic_parameter(spec, "spike_sise", "1", "t"); },
                     {"t", "spike_sise"});
  expect_input_error([&] { set_synthetic_parameter(spec, "capacity", "4.5", "t"); },
                     {"t", "capacity", "4.5"});
}

TEST(Synthetic, InvalidSpecsAreInputErrors) {
  SyntheticMarketSpec spec;
  spec.capacity = 0;
  expect_input_error([&] { generate_synthetic(spec, 1, 1); }, {"synthetic", "capacity", "0"});
  spec = SyntheticMarketSpec();
  spec.mean_reversion_per_hour = 0.0;
  expect_input_error([&] { generate_synthetic(spec, 1, 1); }, {"mean_reversion_per_hour"});
  spec = SyntheticMarketSpec();
  spec.regime_exit_prob = 1.5;
  expect_input_error([&] { generate_synthetic(spec, 1, 1); }, {"regime_exit_prob", "1.5"});
  spec = SyntheticMarketSpec();
  spec.birth_rate_per_gpu_hour = 0.0;
  spec.death_rate_per_gpu_hour = 0.0;
  expect_input_error([&] { generate_synthetic(spec, 1, 1); }, {"birth_rate_per_gpu_hour"});
  spec = SyntheticMarketSpec();
  spec.spike_mean_duration_hours = 0.0;
  expect_input_error([&] { generate_synthetic(spec, 1, 1); }, {"spike_mean_duration_hours", "0"});
  spec = SyntheticMarketSpec();
  spec.daily_season_shift_hours = 24.0;
  expect_input_error([&] { generate_synthetic(spec, 1, 1); }, {"daily_season_shift_hours", "24"});
}

// The spec of data/synthetic_mm16_s42_c0.h5 (documented in data/README.md).
SyntheticMarketSpec shipped_spec() {
  SyntheticMarketSpec spec;  // the defaults: 4032 slots of 600 s, capacity 16, p_o 3.06
  spec.availability_model = AvailabilityModel::markov_modulated;
  return spec;
}

// SPOTSWEEP_WRITE_DATA=1 rewrites the shipped file. Availability is compared exactly;
// prices within 1e-12 relative, since exp/log/sin may differ in the last bit between libms.
TEST(ShippedData, SyntheticTraceRegenerates) {
  const Trace generated = generate_synthetic(shipped_spec(), 42, 0);
  const std::string shipped = testing::repo_data("synthetic_mm16_s42_c0.h5");
  const char* write = std::getenv("SPOTSWEEP_WRITE_DATA");
  if (write && std::string(write) == "1") write_trace_h5(generated, shipped);
  const Trace stored = load_trace(shipped);
  EXPECT_EQ(stored.source, generated.source);
  EXPECT_EQ(stored.spot_avail, generated.spot_avail);
  ASSERT_EQ(stored.spot_price.size(), generated.spot_price.size());
  for (size_t i = 0; i < stored.spot_price.size(); ++i)
    ASSERT_NEAR(stored.spot_price[i], generated.spot_price[i], 1e-12 * generated.spot_price[i]);
}

}  // namespace
}  // namespace spotsweep

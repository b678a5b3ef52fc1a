// Learned predictors: exactness where the answer is known, accuracy on a seasonal series,
// no look-ahead, and the cost of a whole table.
#include "spotsweep/market/learned_predictor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "spotsweep/model/forecast.hpp"

namespace spotsweep {
namespace {

constexpr LearnedModel kAllModels[] = {LearnedModel::last_value, LearnedModel::seasonal_naive,
                                       LearnedModel::holt_winters, LearnedModel::autoregressive};

struct Series {
  std::vector<double> price;
  std::vector<int32_t> avail;
  double tick_seconds = 3600.0;
  MarketView view() const {
    MarketView v;
    v.spot_price = price.data();
    v.spot_avail = avail.data();
    v.n_slots = static_cast<int32_t>(price.size());
    v.tick_seconds = tick_seconds;
    v.od_price = 3.0;
    return v;
  }
};

// Daily-seasonal price and availability (hourly ticks, so S = 24), plus noise of sd `noise`
// (uniform, from the oracle's generator so that the series is fixed).
Series seasonal_series(int32_t n, double noise) {
  Series s;
  const double pi = 3.14159265358979323846;
  for (int32_t m = 0; m < n; ++m) {
    const double phase = 2.0 * pi * (m % 24) / 24.0;
    const double z =
        forecast_noise(99, 0, static_cast<uint32_t>(m), 0, ForecastQuantity::spot_price);
    s.price.push_back(1.5 + 0.3 * std::sin(phase) + noise * z);
    s.avail.push_back(static_cast<int32_t>(std::lround(2.0 + 2.0 * std::cos(phase))));
  }
  return s;
}

double mean_abs_price_error(const Series& s, const ForecastTable& table) {
  double sum = 0.0;
  int64_t n = 0;
  const ForecastTableView v = table.view();
  for (int32_t i = 0; i < table.n_planning_slots; ++i) {
    const int32_t t = table.first_slot + i;
    for (int32_t k = 0; k < table.window && t + k < static_cast<int32_t>(s.price.size()); ++k) {
      sum += std::fabs(v.spot_price(t, k) - s.price[t + k]);
      ++n;
    }
  }
  return sum / static_cast<double>(n);
}

TEST(LearnedPredictor, ModelNamesRoundTrip) {
  for (LearnedModel m : kAllModels) {
    LearnedModel parsed = LearnedModel::last_value;
    ASSERT_TRUE(parse_learned_model(learned_model_name(m), &parsed));
    EXPECT_EQ(parsed, m);
  }
  LearnedModel unused;
  EXPECT_FALSE(parse_learned_model("arima", &unused));
}

TEST(LearnedPredictor, SeasonFromTick) {
  Series s = seasonal_series(10, 0.0);
  s.tick_seconds = 195.0;
  EXPECT_EQ(season_slots_for(s.view(), {}), 443);  // 86400 / 195 = 443.08
  LearnedPredictorOptions options;
  options.season_slots = 7;
  EXPECT_EQ(season_slots_for(s.view(), options), 7);
}

TEST(LearnedPredictor, SeasonalNaiveIsExactOnAPeriodicSeries) {
  const Series s = seasonal_series(24 * 6, 0.0);
  LearnedPredictorOptions options;
  options.avail_max = 4;
  const ForecastTable table =
      make_forecast_table(s.view(), 24, 24 * 4, 30, LearnedModel::seasonal_naive, options);
  const ForecastTableView v = table.view();
  for (int32_t t = 24; t < 24 * 5; ++t)
    for (int32_t k = 0; k < 30; ++k) {
      EXPECT_EQ(v.spot_price(t, k), s.price[(t + k) % 24]);
      EXPECT_EQ(v.spot_avail(t, k), s.avail[(t + k) % 24]);
    }
}

TEST(LearnedPredictor, SeasonalNaiveFallsBackToLastValue) {
  const Series s = seasonal_series(100, 0.0);
  const ForecastTable table =
      make_forecast_table(s.view(), 10, 1, 24, LearnedModel::seasonal_naive, {});
  for (int32_t k = 0; k < 24; ++k) {
    // Slot 10 + k has a same-phase slot in the history only from k = 14 on.
    const double expected = k < 14 ? s.price[9] : s.price[k - 14];
    EXPECT_EQ(table.view().spot_price(10, k), expected) << "k=" << k;
  }
}

TEST(LearnedPredictor, NoHistoryMeansOnDemandPriceAndNoAvailability) {
  const Series s = seasonal_series(50, 0.0);
  for (LearnedModel m : kAllModels) {
    const ForecastTable table = make_forecast_table(s.view(), 0, 2, 4, m, {});
    for (int32_t k = 0; k < 4; ++k) {
      EXPECT_EQ(table.view().spot_price(0, k), 3.0) << learned_model_name(m);
      EXPECT_EQ(table.view().spot_avail(0, k), 0) << learned_model_name(m);
    }
  }
}

TEST(LearnedPredictor, FittedModelsBeatSeasonalNaiveOnANoisySeasonalSeries) {
  const Series s = seasonal_series(24 * 30, 0.05);
  LearnedPredictorOptions options;
  options.avail_max = 4;
  options.ar_order = 4;
  options.ar_history_slots = 24 * 10;
  const int32_t first = 24 * 5;
  const int32_t n = 24 * 30 - first;
  const double naive = mean_abs_price_error(
      s, make_forecast_table(s.view(), first, n, 12, LearnedModel::seasonal_naive, options));
  const ForecastTable hw =
      make_forecast_table(s.view(), first, n, 12, LearnedModel::holt_winters, options);
  const double holt_winters = mean_abs_price_error(s, hw);
  const double ar = mean_abs_price_error(
      s, make_forecast_table(s.view(), first, n, 12, LearnedModel::autoregressive, options));
  // Seasonal-naive carries the noise of two slots (√2·σ); a smoother carries about one.
  EXPECT_LT(holt_winters, 0.85 * naive);
  EXPECT_LT(ar, 0.95 * naive);
  EXPECT_GT(hw.price_params.gamma, 0.0);  // the fit found the season
}

TEST(LearnedPredictor, NoLookAheadLeakage) {
  const Series original = seasonal_series(24 * 8, 0.05);
  const int32_t first = 24 * 3;
  const int32_t n = 24 * 4;
  const int32_t cut = first + 40;
  Series altered = original;
  for (size_t m = cut; m < altered.price.size(); ++m) {
    altered.price[m] = 9.0 - altered.price[m];
    altered.avail[m] = 4 - altered.avail[m];
  }
  LearnedPredictorOptions options;
  options.avail_max = 4;
  for (LearnedModel m : kAllModels) {
    const ForecastTable a = make_forecast_table(original.view(), first, n, 24, m, options);
    const ForecastTable b = make_forecast_table(altered.view(), first, n, 24, m, options);
    // Rows planned at t ≤ cut see only slots < cut, so they must agree bit for bit.
    const size_t same = static_cast<size_t>(cut - first + 1) * 24;
    EXPECT_TRUE(std::equal(a.price.begin(), a.price.begin() + same, b.price.begin()))
        << learned_model_name(m);
    EXPECT_TRUE(std::equal(a.avail.begin(), a.avail.begin() + same, b.avail.begin()))
        << learned_model_name(m);
    EXPECT_FALSE(std::equal(a.price.begin(), a.price.end(), b.price.begin()))
        << learned_model_name(m);
  }
}

TEST(LearnedPredictor, AvailabilityForecastsAreClamped) {
  Series s = seasonal_series(24 * 10, 0.0);
  for (size_t m = 0; m < s.avail.size(); ++m)
    s.avail[m] = static_cast<int32_t>(m / 24) % 2 * 4;
  LearnedPredictorOptions options;
  options.avail_max = 3;
  for (LearnedModel m : kAllModels) {
    const ForecastTable table = make_forecast_table(s.view(), 30, 24 * 8, 24, m, options);
    for (int32_t a : table.avail) {
      ASSERT_GE(a, 0) << learned_model_name(m);
      ASSERT_LE(a, 3) << learned_model_name(m);
    }
  }
}

// A table over a 20,000-slot trace at the V100 trace's tick must take well under a second.
TEST(LearnedPredictor, WholeTraceTableIsFast) {
  Series s = seasonal_series(20000, 0.05);
  s.tick_seconds = 195.0;
  for (LearnedModel m : {LearnedModel::holt_winters, LearnedModel::autoregressive}) {
    const auto start = std::chrono::steady_clock::now();
    const ForecastTable table = make_forecast_table(s.view(), 886, 20000 - 886, 24, m, {});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(table.price.size(), static_cast<size_t>(20000 - 886) * 24);
#ifndef SPOTSWEEP_SANITIZED  // ASan and UBSan make it several times slower: no figure then
    EXPECT_LT(seconds, 1.0) << learned_model_name(m);
#else
    (void)seconds;
#endif
  }
}

}  // namespace
}  // namespace spotsweep

#pragma once
// Learned predictors (docs/model.md §6): forecasts of spot price and availability made from history
// alone, computed once per (scenario, planning slot) into a table that every policy using them
// shares. The table is built on the host; kernels read it through ForecastTableView.
#include <cstdint>
#include <string>
#include <vector>

#include "spotsweep/model/forecast.hpp"
#include "spotsweep/model/market.hpp"

namespace spotsweep {

enum class LearnedModel : int32_t {
  last_value = 0,      // persistence: ŷ[t+k] = y[t−1]
  seasonal_naive = 1,  // ŷ[t+k] = the value one (or more) whole seasons before t+k
  holt_winters = 2,    // additive Holt-Winters with a daily season, fitted by grid search
  autoregressive = 3,  // AR(p) + seasonal lag, least squares on a sliding history window
};
// A pool's CHC members name a model by predictor = model + 1 (docs/pool.md).
static_assert(kLearnedModels == static_cast<int32_t>(LearnedModel::autoregressive) + 1,
              "kLearnedModels (model/forecast.hpp) counts the models");

// "last", "seasonal", "holt-winters", "ar".
const char* learned_model_name(LearnedModel model);
// Inverse of learned_model_name; returns false for an unknown name.
bool parse_learned_model(const std::string& name, LearnedModel* model);

// Smoothing weights of level (α), trend (β) and season (γ), each in [0, 1].
struct HoltWintersParams {
  double alpha = 0.5;
  double beta = 0.0;
  double gamma = 0.1;
};

struct LearnedPredictorOptions {
  int32_t season_slots = 0;  // S; 0 means one day: round(86400 s / tick)
  int32_t avail_max = 1;     // availability forecasts are clamped to [0, avail_max]
  // Holt-Winters: fit (α, β, γ) by grid search on the slots before the table's first slot
  // when it holds at least one season, else use the fixed parameters below. The fit minimises
  // the squared error of the table entries over lookaheads k < fit_lookaheads (0: the window).
  bool fit_holt_winters = true;
  int32_t fit_lookaheads = 0;
  HoltWintersParams price_params;
  HoltWintersParams avail_params;
  // AR(p): order p, whether y[t−S] is a regressor too, history window in slots (0 means two
  // seasons), ridge weight per row on the lag coefficients (keeps the fit defined on windows
  // where the series is constant).
  int32_t ar_order = 8;
  bool ar_seasonal_lag = true;
  int32_t ar_history_slots = 0;
  double ar_ridge = 1e-6;
};

// Host owner of the forecasts for planning slots first_slot … first_slot + n_planning_slots − 1.
struct ForecastTable {
  LearnedModel model = LearnedModel::last_value;
  int32_t first_slot = 0;
  int32_t n_planning_slots = 0;
  int32_t window = 0;
  std::vector<double> price;   // p̂, floored at 0
  std::vector<int32_t> avail;  // â, rounded half up and clamped to [0, avail_max]
  // The Holt-Winters parameters used (fitted or fixed); meaningful for holt_winters only.
  HoltWintersParams price_params;
  HoltWintersParams avail_params;

  ForecastTableView view() const {
    ForecastTableView v;
    v.price = price.data();
    v.avail = avail.data();
    v.first_slot = first_slot;
    v.n_planning_slots = n_planning_slots;
    v.window = window;
    return v;
  }
};

// Forecasts made at each planning slot t from slots < t only, for lookaheads k = 0 … window−1
// (slot t + k, so k = 0 is one step ahead). Each model's state is updated once per slot, so
// the cost is O(n_slots + n_planning_slots·window) (AR: times p²). With no history at all the
// forecast is the on-demand price and no availability. Needs 0 ≤ first_slot,
// first_slot + n_planning_slots ≤ market.n_slots, window ≥ 1.
ForecastTable make_forecast_table(const MarketView& market, int32_t first_slot,
                                  int32_t n_planning_slots, int32_t window, LearnedModel model,
                                  const LearnedPredictorOptions& options = {});

// S in slots for a tick: the option when set, else round(86400 / tick), at least 1.
int32_t season_slots_for(const MarketView& market, const LearnedPredictorOptions& options);

}  // namespace spotsweep

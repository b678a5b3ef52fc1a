#pragma once
// How well the predictors forecast a trace: MAE, RMSE and MAPE per lookahead, for spot price
// and availability, over the planning slots after a warm-up. Backs `spotsweep predict`.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/market/learned_predictor.hpp"
#include "spotsweep/model/forecast.hpp"
#include "spotsweep/model/market.hpp"

namespace spotsweep {

// One predictor to evaluate: a learned model, or the noisy oracle of the evaluation's options.
struct PredictorChoice {
  bool is_oracle = false;
  LearnedModel model = LearnedModel::last_value;
};

// Accepts the learned model names ("last", "seasonal", "holt-winters", "ar") and "oracle".
bool parse_predictor(const std::string& name, PredictorChoice* choice);

struct PredictEvalOptions {
  int32_t window = 24;       // w: lookaheads k = 0 … w−1
  double warmup_days = 2.0;  // history before the first planning slot that is scored
  std::vector<PredictorChoice> predictors;
  int32_t avail_max = 1;  // a_max, the trace's capacity
  // The oracle: ε, h, seed, and how availability is perturbed; scenario 0.
  double oracle_eps = 0.1;
  double oracle_growth = 0.0;
  uint64_t oracle_seed = 0;
  AvailNoise oracle_avail_noise = AvailNoise::multiplicative;
  LearnedPredictorOptions learned;  // avail_max is taken from above
};

// Errors of one quantity at one lookahead. MAPE is in percent and skips slots whose actual
// value is 0 (their count is mape_skipped), so on a 0/1 availability trace it is the share of
// available slots forecast as unavailable.
struct ErrorStats {
  int64_t n = 0;
  double mae = 0.0;
  double rmse = 0.0;
  double mape_percent = 0.0;
  int64_t mape_skipped = 0;
};

struct PredictorErrors {
  std::string name;               // "holt-winters", "oracle(eps=0.1,h=0)", …
  std::string detail;             // fitted parameters, when there are any
  std::vector<ErrorStats> price;  // [k]
  std::vector<ErrorStats> avail;  // [k]
};

struct PredictEvaluation {
  int32_t first_slot = 0;  // first scored planning slot (the warm-up in slots)
  int32_t n_planning_slots = 0;
  int32_t window = 0;
  int32_t season_slots = 0;
  std::vector<PredictorErrors> predictors;
};

// Scores every chosen predictor on planning slots t = warm-up … n_slots − w, so that every
// target slot t + k exists. Throws InputError for options the trace cannot satisfy.
PredictEvaluation evaluate_predictors(const MarketView& market, const PredictEvalOptions& options);

// A table per predictor: k, then MAE / RMSE / MAPE of price and of availability.
void print_predict_table(const PredictEvaluation& evaluation, std::ostream& out);

// CSV, one row per (predictor, quantity, lookahead); written to a temporary name and renamed.
void write_predict_csv(const PredictEvaluation& evaluation, const std::string& path);
// The same into an output reserved when the command started (detail/atomic_file.hpp).
void write_predict_csv(const PredictEvaluation& evaluation, OutputFile& output);

}  // namespace spotsweep

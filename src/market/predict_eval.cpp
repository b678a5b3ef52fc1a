// Scoring predictors against the trace they forecast. Sums run in a fixed order (planning slot
// ascending) in double, so the numbers are reproducible.
#include "spotsweep/market/predict_eval.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"

namespace spotsweep {

namespace {

// Running sums for one quantity at one lookahead.
struct ErrorSums {
  int64_t n = 0;
  double abs_error = 0.0;
  double sq_error = 0.0;
  double abs_pct_error = 0.0;
  int64_t n_pct = 0;

  void add(double forecast, double actual) {
    const double e = forecast - actual;
    ++n;
    abs_error += std::fabs(e);
    sq_error += e * e;
    if (actual != 0.0) {
      abs_pct_error += std::fabs(e / actual);
      ++n_pct;
    }
  }

  ErrorStats stats() const {
    ErrorStats s;
    s.n = n;
    if (n == 0) return s;
    s.mae = abs_error / static_cast<double>(n);
    s.rmse = std::sqrt(sq_error / static_cast<double>(n));
    s.mape_percent = n_pct > 0 ? 100.0 * abs_pct_error / static_cast<double>(n_pct) : 0.0;
    s.mape_skipped = n - n_pct;
    return s;
  }
};

// Scores forecasts given as price_at(t, k), avail_at(t, k).
template <class PriceAt, class AvailAt>
PredictorErrors score(const MarketView& market, const PredictEvaluation& frame, PriceAt price_at,
                      AvailAt avail_at) {
  std::vector<ErrorSums> price(static_cast<size_t>(frame.window));
  std::vector<ErrorSums> avail(static_cast<size_t>(frame.window));
  for (int32_t i = 0; i < frame.n_planning_slots; ++i) {
    const int32_t t = frame.first_slot + i;
    for (int32_t k = 0; k < frame.window; ++k) {
      price[k].add(price_at(t, k), market.spot_price_at(t + k));
      avail[k].add(static_cast<double>(avail_at(t, k)),
                   static_cast<double>(market.avail_at(t + k)));
    }
  }
  PredictorErrors errors;
  for (int32_t k = 0; k < frame.window; ++k) {
    errors.price.push_back(price[k].stats());
    errors.avail.push_back(avail[k].stats());
  }
  return errors;
}

std::string format_params(const HoltWintersParams& p) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "alpha=%g beta=%g gamma=%g", p.alpha, p.beta, p.gamma);
  return buf;
}

}  // namespace

bool parse_predictor(const std::string& name, PredictorChoice* choice) {
  if (name == "oracle") {
    *choice = PredictorChoice{true, LearnedModel::last_value};
    return true;
  }
  LearnedModel model;
  if (!parse_learned_model(name, &model)) return false;
  *choice = PredictorChoice{false, model};
  return true;
}

PredictEvaluation evaluate_predictors(const MarketView& market, const PredictEvalOptions& options) {
  if (options.window < 1 || options.window > kMaxForecastWindow)
    throw input_error("", "--window", std::to_string(options.window),
                      "must be in 1.." + std::to_string(kMaxForecastWindow));
  if (!(options.warmup_days >= 0.0))
    throw input_error("", "--warmup-days", format_number(options.warmup_days), "must be >= 0");
  if (!(options.oracle_eps >= 0.0))
    throw input_error("", "--eps", format_number(options.oracle_eps), "must be >= 0");
  if (!(market.tick_seconds > 0.0))
    throw input_error("", "tick_seconds", format_number(market.tick_seconds), "must be > 0");

  PredictEvaluation frame;
  frame.window = options.window;
  const double warmup_slots = std::ceil(options.warmup_days * 86400.0 / market.tick_seconds);
  frame.first_slot = static_cast<int32_t>(std::min(warmup_slots, double(market.n_slots)));
  frame.n_planning_slots = market.n_slots - options.window + 1 - frame.first_slot;
  if (frame.n_planning_slots < 1)
    throw input_error("", "--warmup-days", format_number(options.warmup_days),
                      "leaves no slot to score: the trace has " + std::to_string(market.n_slots) +
                          " slots and the window needs " + std::to_string(options.window));
  LearnedPredictorOptions learned = options.learned;
  learned.avail_max = options.avail_max;
  frame.season_slots = season_slots_for(market, learned);

  for (const PredictorChoice& choice : options.predictors) {
    PredictorErrors errors;
    if (choice.is_oracle) {
      const NoisyOracle oracle =
          make_noisy_oracle(options.oracle_seed, 0, options.oracle_eps, options.oracle_growth,
                            options.avail_max, options.oracle_avail_noise);
      errors = score(
          market, frame,
          [&](int32_t t, int32_t k) { return oracle.forecast_spot_price(market, t, k); },
          [&](int32_t t, int32_t k) { return oracle.forecast_avail(market, t, k); });
      std::ostringstream name;
      name << "oracle(eps=" << options.oracle_eps << ",h=" << options.oracle_growth << ")";
      errors.name = name.str();
    } else {
      const ForecastTable table = make_forecast_table(
          market, frame.first_slot, frame.n_planning_slots, options.window, choice.model, learned);
      const ForecastTableView view = table.view();
      errors = score(
          market, frame, [&](int32_t t, int32_t k) { return view.spot_price(t, k); },
          [&](int32_t t, int32_t k) { return view.spot_avail(t, k); });
      errors.name = learned_model_name(choice.model);
      if (choice.model == LearnedModel::holt_winters)
        errors.detail = "price " + format_params(table.price_params) + "; availability " +
                        format_params(table.avail_params);
    }
    frame.predictors.push_back(std::move(errors));
  }
  return frame;
}

void print_predict_table(const PredictEvaluation& evaluation, std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line,
                "scored planning slots %d..%d (%d), window %d, season %d slots\n",
                evaluation.first_slot, evaluation.first_slot + evaluation.n_planning_slots - 1,
                evaluation.n_planning_slots, evaluation.window, evaluation.season_slots);
  out << line;
  if (!evaluation.predictors.empty() && !evaluation.predictors[0].avail.empty())
    out << "availability MAPE skips slots whose actual availability is 0 ("
        << evaluation.predictors[0].avail[0].mape_skipped << " of "
        << evaluation.predictors[0].avail[0].n << " at k=0)\n";
  for (const PredictorErrors& p : evaluation.predictors) {
    out << "\n" << p.name;
    if (!p.detail.empty()) out << "  [" << p.detail << "]";
    out << "\n";
    std::snprintf(line, sizeof line, "%4s  %10s %10s %8s  |  %10s %10s %8s\n", "k", "price MAE",
                  "RMSE", "MAPE%", "avail MAE", "RMSE", "MAPE%");
    out << line;
    for (size_t k = 0; k < p.price.size(); ++k) {
      std::snprintf(line, sizeof line, "%4zu  %10.5f %10.5f %8.3f  |  %10.5f %10.5f %8.3f\n", k,
                    p.price[k].mae, p.price[k].rmse, p.price[k].mape_percent, p.avail[k].mae,
                    p.avail[k].rmse, p.avail[k].mape_percent);
      out << line;
    }
  }
}

void write_predict_csv(const PredictEvaluation& evaluation, const std::string& path) {
  OutputFile output(path, "--output");
  write_predict_csv(evaluation, output);
}

void write_predict_csv(const PredictEvaluation& evaluation, OutputFile& output) {
  AtomicTextFile file(output);
  std::ostream& f = file.stream();
  f << "predictor,quantity,lookahead,n,mae,rmse,mape_percent,mape_skipped\n";
  f.precision(17);
  for (const PredictorErrors& p : evaluation.predictors) {
    for (int pass = 0; pass < 2; ++pass) {
      const std::vector<ErrorStats>& rows = pass == 0 ? p.price : p.avail;
      for (size_t k = 0; k < rows.size(); ++k)
        f << '"' << p.name << "\"," << (pass == 0 ? "price" : "avail") << ',' << k << ','
          << rows[k].n << ',' << rows[k].mae << ',' << rows[k].rmse << ',' << rows[k].mape_percent
          << ',' << rows[k].mape_skipped << '\n';
    }
  }
  file.commit();
}

}  // namespace spotsweep

// Learned predictors: each model is a small state machine that observes one slot at a time and
// forecasts the next `window` slots from what it has seen, so leaking the future is impossible
// by construction and a whole table costs one pass over the trace.
#include "spotsweep/market/learned_predictor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/names.hpp"

namespace spotsweep {

namespace {

// Persistence: the last value seen.
class LastValue {
 public:
  explicit LastValue(double no_history) : last_(no_history) {}
  void observe(double y) { last_ = y; }
  void forecast(int32_t window, double* out) const { std::fill(out, out + window, last_); }

 private:
  double last_;
};

// ŷ[t+k] = y[t+k − S·(⌊k/S⌋+1)], the latest slot of the same phase seen so far; the last value
// while less than a season has been seen.
class SeasonalNaive {
 public:
  SeasonalNaive(int32_t season, double no_history) : season_(season), no_history_(no_history) {}
  void observe(double y) { history_.push_back(y); }
  void forecast(int32_t window, double* out) const {
    const int64_t t = static_cast<int64_t>(history_.size());
    for (int32_t k = 0; k < window; ++k) {
      const int64_t same_phase = t + k - static_cast<int64_t>(season_) * (k / season_ + 1);
      out[k] = same_phase >= 0 ? history_[same_phase] : t > 0 ? history_.back() : no_history_;
    }
  }

 private:
  int32_t season_;
  double no_history_;
  std::vector<double> history_;
};

// Additive Holt-Winters (level ℓ, trend b, season s of period S), started from ℓ = y[0],
// b = 0, s = 0 so that it needs no look-ahead to initialise:
//   ℓ ← α(y − s[φ]) + (1−α)(ℓ + b),  b ← β(ℓ − ℓ_prev) + (1−β)b,  s[φ] ← γ(y − ℓ) + (1−γ)s[φ]
//   ŷ[t+k] = ℓ + (k+1)·b + s[(t+k) mod S]
class HoltWinters {
 public:
  HoltWinters(int32_t season, HoltWintersParams params, double no_history)
      : params_(params), season_(static_cast<size_t>(season), 0.0), no_history_(no_history) {}

  void observe(double y) {
    const size_t phase = static_cast<size_t>(n_seen_ % static_cast<int64_t>(season_.size()));
    if (n_seen_ == 0) {
      level_ = y;
    } else {
      const double prev_level = level_;
      level_ = params_.alpha * (y - season_[phase]) + (1.0 - params_.alpha) * (level_ + trend_);
      trend_ = params_.beta * (level_ - prev_level) + (1.0 - params_.beta) * trend_;
      season_[phase] = params_.gamma * (y - level_) + (1.0 - params_.gamma) * season_[phase];
    }
    ++n_seen_;
  }

  void forecast(int32_t window, double* out) const {
    const int64_t period = static_cast<int64_t>(season_.size());
    for (int32_t k = 0; k < window; ++k)
      out[k] =
          n_seen_ == 0 ? no_history_ : level_ + (k + 1) * trend_ + season_[(n_seen_ + k) % period];
  }

 private:
  HoltWintersParams params_;
  std::vector<double> season_;
  double no_history_;
  double level_ = 0.0;
  double trend_ = 0.0;
  int64_t n_seen_ = 0;
};

// AR(p) with intercept and, optionally, the same-phase value one season back:
//   y[j] = c + Σ_{i=1..p} φ_i·y[j−i] + ψ·y[j−S]
// fitted by ridge least squares (ridge on φ, ψ only) on the rows whose target lies in the last
// H slots. The normal equations are kept as sliding sums, so each slot adds one row and drops
// one in O(p²) and the solve is O(p³); forecasts iterate the recursion. Until there are as many
// rows as unknowns it forecasts the last value.
class Autoregressive {
 public:
  Autoregressive(int32_t order, int32_t season_lag, int32_t history_slots, double ridge,
                 double no_history)
      : order_(order),
        season_lag_(season_lag),
        dim_(order + 1 + (season_lag > 0 ? 1 : 0)),
        history_slots_(history_slots),
        ridge_(ridge),
        no_history_(no_history),
        gram_(dim_ * dim_, 0.0),
        moment_(dim_, 0.0),
        row_(dim_, 0.0) {}

  void observe(double y) {
    history_.push_back(y);
    const int64_t newest = static_cast<int64_t>(history_.size()) - 1;
    const int64_t first_row = std::max(order_, season_lag_);
    if (newest >= first_row) add_row(newest, 1.0);
    const int64_t oldest = newest - history_slots_;
    if (oldest >= first_row) add_row(oldest, -1.0);
  }

  void forecast(int32_t window, double* out) const {
    if (history_.empty()) {
      std::fill(out, out + window, no_history_);
      return;
    }
    if (n_rows_ < static_cast<int64_t>(dim_)) {
      std::fill(out, out + window, history_.back());
      return;
    }
    const std::vector<double> coef = solve();
    const int64_t t = static_cast<int64_t>(history_.size());
    // y[m] for m < t + k: observed, or forecast earlier in this window.
    auto value = [&](int64_t m) { return m < t ? history_[static_cast<size_t>(m)] : out[m - t]; };
    for (int32_t k = 0; k < window; ++k) {
      double y = coef[0];
      for (int32_t i = 1; i <= order_; ++i)
        y += coef[static_cast<size_t>(i)] * value(t + k - i);
      if (season_lag_ > 0) y += coef[dim_ - 1] * value(t + k - season_lag_);
      out[k] = y;
    }
  }

 private:
  // Row j: x = (1, y[j−1], …, y[j−p] [, y[j−S]]), target y[j]; sign +1 adds it, −1 removes it.
  void add_row(int64_t j, double sign) {
    const size_t target = static_cast<size_t>(j);
    row_[0] = 1.0;
    for (int32_t i = 1; i <= order_; ++i)
      row_[static_cast<size_t>(i)] = history_[target - i];
    if (season_lag_ > 0) row_[dim_ - 1] = history_[target - static_cast<size_t>(season_lag_)];
    for (size_t a = 0; a < dim_; ++a) {
      for (size_t b = 0; b < dim_; ++b)
        gram_[a * dim_ + b] += sign * row_[a] * row_[b];
      moment_[a] += sign * row_[a] * history_[target];
    }
    n_rows_ += sign > 0 ? 1 : -1;
  }

  // (XᵀX + λ·n·I) β = Xᵀy, the intercept unpenalised, by Gaussian elimination with partial
  // pivoting.
  std::vector<double> solve() const {
    const size_t dim = dim_;
    std::vector<double> a(gram_);
    std::vector<double> b(moment_);
    for (size_t i = 1; i < dim; ++i)
      a[i * dim + i] += ridge_ * static_cast<double>(n_rows_);
    for (size_t col = 0; col < dim; ++col) {
      size_t pivot = col;
      for (size_t r = col + 1; r < dim; ++r)
        if (std::fabs(a[r * dim + col]) > std::fabs(a[pivot * dim + col])) pivot = r;
      if (pivot != col) {
        for (size_t c = 0; c < dim; ++c)
          std::swap(a[col * dim + c], a[pivot * dim + c]);
        std::swap(b[col], b[pivot]);
      }
      const double diag = a[col * dim + col];
      if (diag == 0.0) continue;  // cannot happen with λ > 0 and a non-empty window
      for (size_t r = col + 1; r < dim; ++r) {
        const double f = a[r * dim + col] / diag;
        for (size_t c = col; c < dim; ++c)
          a[r * dim + c] -= f * a[col * dim + c];
        b[r] -= f * b[col];
      }
    }
    std::vector<double> x(dim, 0.0);
    for (size_t i = dim; i-- > 0;) {
      double s = b[i];
      for (size_t c = i + 1; c < dim; ++c)
        s -= a[i * dim + c] * x[c];
      x[i] = a[i * dim + i] != 0.0 ? s / a[i * dim + i] : 0.0;
    }
    return x;
  }

  int32_t order_;
  int32_t season_lag_;  // S, or 0 for a plain AR(p)
  size_t dim_;          // unknowns: intercept, p lags, the seasonal lag
  int32_t history_slots_;
  double ridge_;
  double no_history_;
  std::vector<double> history_;
  std::vector<double> gram_;    // XᵀX over the window, row-major dim²
  std::vector<double> moment_;  // Xᵀy
  std::vector<double> row_;
  int64_t n_rows_ = 0;
};

// Feeds slots [0, first_slot) to the model, then alternates "forecast at t, observe y[t]".
template <class Model>
void forecast_rows(Model model, const std::vector<double>& series, int32_t first_slot,
                   int32_t n_planning_slots, int32_t window, std::vector<double>* out) {
  out->assign(static_cast<size_t>(n_planning_slots) * window, 0.0);
  for (int32_t s = 0; s < first_slot; ++s)
    model.observe(series[s]);
  for (int32_t i = 0; i < n_planning_slots; ++i) {
    model.forecast(window, out->data() + static_cast<size_t>(i) * window);
    if (i + 1 < n_planning_slots) model.observe(series[first_slot + i]);
  }
}

// How a raw forecast becomes a table entry: floored at 0 and, for counts, rounded half up and
// clamped to the capacity.
struct EntryRule {
  bool is_count = false;
  double cap = 0.0;
  double operator()(double raw) const {
    const double floored = std::max(0.0, raw);
    return is_count ? std::min(cap, std::floor(floored + 0.5)) : floored;
  }
};

// Mean squared error of Holt-Winters table entries over every lookahead < window whose target
// lies in [1, n_fit): the criterion the grid search minimises. It scores the entries as the
// table stores them, so that availability is fitted after rounding.
double holt_winters_fit_error(const std::vector<double>& series, int32_t n_fit, int32_t season,
                              int32_t window, const EntryRule& rule, HoltWintersParams params) {
  HoltWinters model(season, params, 0.0);
  std::vector<double> fc(static_cast<size_t>(window));
  double sum_sq = 0.0;
  int64_t count = 0;
  model.observe(series[0]);
  for (int32_t t = 1; t < n_fit; ++t) {
    model.forecast(window, fc.data());
    for (int32_t k = 0; k < window && t + k < n_fit; ++k) {
      const double e = rule(fc[static_cast<size_t>(k)]) - series[static_cast<size_t>(t + k)];
      sum_sq += e * e;
      ++count;
    }
    model.observe(series[static_cast<size_t>(t)]);
  }
  return count > 0 ? sum_sq / static_cast<double>(count) : 0.0;
}

// Grid search over (α, β, γ) on slots [0, n_fit), scoring lookaheads < window; the first
// minimum in grid order wins.
HoltWintersParams fit_holt_winters(const std::vector<double>& series, int32_t n_fit, int32_t season,
                                   int32_t window, const EntryRule& rule) {
  static const double kAlpha[] = {0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0};
  static const double kBeta[] = {0.0, 0.01, 0.05};
  static const double kGamma[] = {0.0, 0.05, 0.1, 0.2, 0.4};
  HoltWintersParams best;
  double best_error = std::numeric_limits<double>::infinity();
  for (double alpha : kAlpha)
    for (double beta : kBeta)
      for (double gamma : kGamma) {
        const HoltWintersParams p{alpha, beta, gamma};
        const double e = holt_winters_fit_error(series, n_fit, season, window, rule, p);
        if (e < best_error) {
          best_error = e;
          best = p;
        }
      }
  return best;
}

// Table entries for one series, with the Holt-Winters parameters used written to *hw_params.
void forecast_series(const std::vector<double>& series, double no_history, const EntryRule& rule,
                     int32_t first_slot, int32_t n_planning_slots, int32_t window,
                     LearnedModel model, const LearnedPredictorOptions& options, int32_t season,
                     HoltWintersParams* hw_params, std::vector<double>* out) {
  switch (model) {
    case LearnedModel::last_value:
      forecast_rows(LastValue(no_history), series, first_slot, n_planning_slots, window, out);
      break;
    case LearnedModel::seasonal_naive:
      forecast_rows(SeasonalNaive(season, no_history), series, first_slot, n_planning_slots, window,
                    out);
      break;
    case LearnedModel::holt_winters:
      if (options.fit_holt_winters && first_slot >= season)
        *hw_params = fit_holt_winters(
            series, first_slot, season,
            options.fit_lookaheads > 0 ? std::min(options.fit_lookaheads, window) : window, rule);
      forecast_rows(HoltWinters(season, *hw_params, no_history), series, first_slot,
                    n_planning_slots, window, out);
      break;
    case LearnedModel::autoregressive: {
      const int32_t history = options.ar_history_slots > 0 ? options.ar_history_slots : 2 * season;
      const int32_t season_lag = options.ar_seasonal_lag ? season : 0;
      forecast_rows(
          Autoregressive(options.ar_order, season_lag, history, options.ar_ridge, no_history),
          series, first_slot, n_planning_slots, window, out);
      break;
    }
  }
  for (double& entry : *out)
    entry = rule(entry);
}

}  // namespace

namespace {
constexpr NamedValue<LearnedModel> kLearnedModelNames[] = {
    {"last", LearnedModel::last_value},
    {"seasonal", LearnedModel::seasonal_naive},
    {"holt-winters", LearnedModel::holt_winters},
    {"ar", LearnedModel::autoregressive}};
}  // namespace

const char* learned_model_name(LearnedModel model) { return name_of(kLearnedModelNames, model); }

bool parse_learned_model(const std::string& name, LearnedModel* model) {
  return find_named(kLearnedModelNames, name, model);
}

int32_t season_slots_for(const MarketView& market, const LearnedPredictorOptions& options) {
  if (options.season_slots > 0) return options.season_slots;
  if (!(market.tick_seconds > 0.0)) return 1;
  return std::max<int32_t>(1, static_cast<int32_t>(std::lround(86400.0 / market.tick_seconds)));
}

ForecastTable make_forecast_table(const MarketView& market, int32_t first_slot,
                                  int32_t n_planning_slots, int32_t window, LearnedModel model,
                                  const LearnedPredictorOptions& options) {
  SPOTSWEEP_EXPECTS(
      first_slot >= 0 && n_planning_slots >= 0 && first_slot + n_planning_slots <= market.n_slots,
      "planning slots outside the market");
  SPOTSWEEP_EXPECTS(window >= 1, "window must be at least one slot");
  SPOTSWEEP_EXPECTS(options.ar_order >= 1 && options.ar_ridge > 0.0, "bad AR options");
  const int32_t season = season_slots_for(market, options);

  ForecastTable table;
  table.model = model;
  table.first_slot = first_slot;
  table.n_planning_slots = n_planning_slots;
  table.window = window;
  table.price_params = options.price_params;
  table.avail_params = options.avail_params;

  const std::vector<double> price(market.spot_price, market.spot_price + market.n_slots);
  forecast_series(price, market.od_price, EntryRule{false, 0.0}, first_slot, n_planning_slots,
                  window, model, options, season, &table.price_params, &table.price);

  const std::vector<double> avail(market.spot_avail, market.spot_avail + market.n_slots);
  std::vector<double> avail_entries;
  forecast_series(avail, 0.0, EntryRule{true, static_cast<double>(options.avail_max)}, first_slot,
                  n_planning_slots, window, model, options, season, &table.avail_params,
                  &avail_entries);
  table.avail.assign(avail_entries.begin(), avail_entries.end());  // whole numbers already
  return table;
}

}  // namespace spotsweep

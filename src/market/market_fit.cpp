// Calibration of the synthetic market to a real trace (docs/synthetic.md, "Fitting").
#include "spotsweep/market/market_fit.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "spotsweep/detail/error.hpp"

namespace spotsweep {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMinProb = 1e-12;  // keeps log(p) and log(1 − p) finite in the EM
constexpr int32_t kMaxStates = 2;

double clamp_prob(double p) { return std::clamp(p, kMinProb, 1.0 - kMinProb); }

// Per-GPU flip probabilities of one hidden state, and their logs.
struct FlipProbs {
  double birth = 0.5, death = 0.5;
};

// EM for the per-GPU birth–death chain, optionally switched by a hidden two-state Markov
// chain. Births b and deaths d in a slot are not seen, only a' = a + b − d; the E-step sums
// over the b that are consistent with (a, a').
class AvailabilityEm {
 public:
  AvailabilityEm(const std::vector<int32_t>& avail, int32_t capacity, int32_t states)
      : avail_(avail), capacity_(capacity), states_(states) {
    log_factorial_.resize(static_cast<size_t>(capacity) + 1, 0.0);
    for (int32_t k = 1; k <= capacity; ++k)
      log_factorial_[k] = log_factorial_[k - 1] + std::log(static_cast<double>(k));
  }

  // Runs EM from the given start until the log-likelihood per transition changes by less than
  // `tolerance`, or `max_iterations`.
  void run(std::array<FlipProbs, kMaxStates> start, double enter, double exit,
           int32_t max_iterations, double tolerance) {
    flips_ = start;
    enter_ = enter;
    exit_ = exit;
    double previous = -INFINITY;
    for (iterations_ = 1; iterations_ <= max_iterations; ++iterations_) {
      log_likelihood_ = step();
      if (std::fabs(log_likelihood_ - previous) < tolerance) break;
      previous = log_likelihood_;
    }
    iterations_ = std::min(iterations_, max_iterations);
  }

  const FlipProbs& flips(int32_t state) const { return flips_[state]; }
  double enter() const { return enter_; }
  double exit() const { return exit_; }
  int32_t iterations() const { return iterations_; }
  double log_likelihood() const { return log_likelihood_; }  // per transition

 private:
  double log_binomial(int32_t n, int32_t k, double log_p, double log_q) const {
    return log_factorial_[n] - log_factorial_[k] - log_factorial_[n - k] + k * log_p +
           (n - k) * log_q;
  }

  // P(a' | a) and E[births | a, a'] under `f`.
  void emission(int32_t a, int32_t next, const FlipProbs& f, double& prob, double& births) const {
    const double lb = std::log(f.birth), lnb = std::log1p(-f.birth);
    const double ld = std::log(f.death), lnd = std::log1p(-f.death);
    const int32_t down = capacity_ - a;
    double total = 0.0, weighted = 0.0;
    for (int32_t b = std::max(0, next - a); b <= std::min(down, next); ++b) {
      const int32_t d = a + b - next;
      const double term = std::exp(log_binomial(down, b, lb, lnb) + log_binomial(a, d, ld, lnd));
      total += term;
      weighted += term * b;
    }
    prob = total;
    births = total > 0.0 ? weighted / total : 0.0;
  }

  // One E-step (scaled forward-backward) and M-step; returns the log-likelihood per
  // transition under the parameters before the update.
  double step() {
    const size_t n = avail_.size() - 1;  // transitions
    const int32_t K = states_;
    std::vector<double> prob(n * K), births(n * K), alpha(n * K), beta(n * K), scale(n);
    for (size_t t = 0; t < n; ++t)
      for (int32_t k = 0; k < K; ++k)
        emission(avail_[t], avail_[t + 1], flips_[k], prob[t * K + k], births[t * K + k]);
    const double trans[2][2] = {{1.0 - enter_, enter_}, {exit_, 1.0 - exit_}};
    const double storm_share = enter_ + exit_ > 0.0 ? enter_ / (enter_ + exit_) : 0.0;
    const double start[2] = {K == 1 ? 1.0 : 1.0 - storm_share, storm_share};

    double log_likelihood = 0.0;
    for (size_t t = 0; t < n; ++t) {
      double sum = 0.0;
      for (int32_t k = 0; k < K; ++k) {
        double prior = 0.0;
        if (t == 0)
          prior = start[k];
        else
          for (int32_t j = 0; j < K; ++j)
            prior += alpha[(t - 1) * K + j] * trans[j][k];
        alpha[t * K + k] = prior * prob[t * K + k];
        sum += alpha[t * K + k];
      }
      // A transition impossible under every state (only with probabilities at the clamp).
      if (!(sum > 0.0)) sum = 1e-300;
      scale[t] = sum;
      log_likelihood += std::log(sum);
      for (int32_t k = 0; k < K; ++k)
        alpha[t * K + k] /= sum;
    }
    for (int32_t k = 0; k < K; ++k)
      beta[(n - 1) * K + k] = 1.0;
    for (size_t t = n - 1; t-- > 0;)
      for (int32_t j = 0; j < K; ++j) {
        double v = 0.0;
        for (int32_t k = 0; k < K; ++k)
          v += trans[j][k] * prob[(t + 1) * K + k] * beta[(t + 1) * K + k];
        beta[t * K + j] = v / scale[t + 1];
      }

    double birth_num[2] = {}, birth_den[2] = {}, death_num[2] = {}, death_den[2] = {};
    double moves[2][2] = {}, stays[2] = {};
    for (size_t t = 0; t < n; ++t) {
      const int32_t a = avail_[t], next = avail_[t + 1];
      for (int32_t k = 0; k < K; ++k) {
        const double g = alpha[t * K + k] * beta[t * K + k];
        const double b = births[t * K + k];
        birth_num[k] += g * b;
        birth_den[k] += g * (capacity_ - a);
        death_num[k] += g * (a + b - next);
        death_den[k] += g * a;
        if (t + 1 < n) {
          stays[k] += g;
          for (int32_t m = 0; m < K; ++m)
            moves[k][m] += alpha[t * K + k] * trans[k][m] * prob[(t + 1) * K + m] *
                           beta[(t + 1) * K + m] / scale[t + 1];
        }
      }
    }
    for (int32_t k = 0; k < K; ++k) {
      // A state that never saw a GPU down (or up) learns nothing about births (or deaths).
      if (birth_den[k] > 0.0) flips_[k].birth = clamp_prob(birth_num[k] / birth_den[k]);
      if (death_den[k] > 0.0) flips_[k].death = clamp_prob(death_num[k] / death_den[k]);
    }
    if (K == 2) {
      if (stays[0] > 0.0) enter_ = std::clamp(moves[0][1] / stays[0], 0.0, 1.0);
      if (stays[1] > 0.0) exit_ = std::clamp(moves[1][0] / stays[1], 0.0, 1.0);
    }
    return log_likelihood / static_cast<double>(n);
  }

  const std::vector<int32_t>& avail_;
  int32_t capacity_;
  int32_t states_;
  std::vector<double> log_factorial_;
  std::array<FlipProbs, kMaxStates> flips_{};
  double enter_ = 0.0, exit_ = 0.0;
  int32_t iterations_ = 0;
  double log_likelihood_ = 0.0;
};

double rate_per_hour(double flip_prob, double slot_hours) {
  return -std::log1p(-flip_prob) / slot_hours;
}

double up_share(const FlipProbs& f) { return f.birth / (f.birth + f.death); }

void fit_availability(const Trace& trace, AvailabilityModel model, MarketFit& fit) {
  SyntheticMarketSpec& spec = fit.spec;
  const double slot_hours = trace.tick_seconds / 3600.0;
  spec.availability_model = model;

  AvailabilityEm single(trace.spot_avail, trace.capacity, 1);
  single.run({FlipProbs{}, FlipProbs{}}, 0.0, 0.0, 2000, 1e-12);
  FlipProbs calm = single.flips(0);
  if (model == AvailabilityModel::markov_modulated) {
    // Start from the one-state fit, split into a better and a worse state.
    const FlipProbs better{clamp_prob(calm.birth * 1.5), clamp_prob(calm.death * 0.5)};
    const FlipProbs worse{clamp_prob(calm.birth * 0.3), clamp_prob(calm.death * 3.0)};
    AvailabilityEm two(trace.spot_avail, trace.capacity, 2);
    two.run({better, worse}, 0.01, 0.05, 2000, 1e-10);
    FlipProbs state[2] = {two.flips(0), two.flips(1)};
    double enter = two.enter(), exit = two.exit();
    if (up_share(state[1]) > up_share(state[0])) {  // calm is the state with more spot
      std::swap(state[0], state[1]);
      std::swap(enter, exit);
    }
    calm = state[0];
    spec.storm_enter_prob = enter;
    spec.storm_exit_prob = exit;
    spec.storm_birth_multiplier =
        rate_per_hour(state[1].birth, slot_hours) / rate_per_hour(calm.birth, slot_hours);
    spec.storm_death_multiplier =
        rate_per_hour(state[1].death, slot_hours) / rate_per_hour(calm.death, slot_hours);
    fit.em_iterations = two.iterations();
    fit.log_likelihood = two.log_likelihood();
  } else {
    fit.em_iterations = single.iterations();
    fit.log_likelihood = single.log_likelihood();
  }
  spec.birth_rate_per_gpu_hour = rate_per_hour(calm.birth, slot_hours);
  spec.death_rate_per_gpu_hour = rate_per_hour(calm.death, slot_hours);
}

// Solves the 3×3 system m·x = v by Gaussian elimination with partial pivoting; false when
// singular.
bool solve3(double m[3][3], double v[3], double x[3]) {
  for (int c = 0; c < 3; ++c) {
    int pivot = c;
    for (int r = c + 1; r < 3; ++r)
      if (std::fabs(m[r][c]) > std::fabs(m[pivot][c])) pivot = r;
    if (std::fabs(m[pivot][c]) < 1e-12) return false;
    std::swap(m[c], m[pivot]);
    std::swap(v[c], v[pivot]);
    for (int r = c + 1; r < 3; ++r) {
      const double f = m[r][c] / m[c][c];
      for (int k = c; k < 3; ++k)
        m[r][k] -= f * m[c][k];
      v[r] -= f * v[c];
    }
  }
  for (int r = 2; r >= 0; --r) {
    double s = v[r];
    for (int k = r + 1; k < 3; ++k)
      s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return true;
}

void fit_price(const Trace& trace, const std::string& file, MarketFit& fit) {
  SyntheticMarketSpec& spec = fit.spec;
  if (!(trace.od_price > 0.0))
    throw input_error(file, "od_price", format_number(trace.od_price),
                      "must be positive: the synthetic model prices spot as a fraction of it");
  const double slot_hours = trace.tick_seconds / 3600.0;
  const double omega = 2.0 * kPi / 24.0;
  const int32_t n = trace.n_slots();
  double min_price = INFINITY;
  for (double p : trace.spot_price)
    if (p > 0.0) min_price = std::min(min_price, p);
  if (!std::isfinite(min_price))
    throw input_error(file, "spot_price", "0", "no positive spot price to fit");

  // Daily season: log p = c + bs·sin(ωh) + bc·cos(ωh) by least squares, when the trace spans
  // two days or more; A·sin(ω(h − shift)) is the first-order match of log(season).
  spec.daily_season_amplitude = 0.0;
  spec.daily_season_shift_hours = 0.0;
  if (n * slot_hours >= 48.0) {
    double m[3][3] = {}, v[3] = {}, x[3] = {};
    for (int32_t t = 0; t < n; ++t) {
      const double p = trace.spot_price[t];
      if (!(p > 0.0)) continue;
      const double h = t * slot_hours;
      const double row[3] = {1.0, std::sin(omega * h), std::cos(omega * h)};
      for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j)
          m[i][j] += row[i] * row[j];
        v[i] += row[i] * std::log(p);
      }
    }
    if (solve3(m, v, x)) {
      spec.daily_season_amplitude = std::min(std::hypot(x[1], x[2]), 0.9);
      if (spec.daily_season_amplitude > 0.0) {
        double shift = -std::atan2(x[2], x[1]) / omega;
        shift = std::fmod(shift, 24.0);
        if (shift < 0.0) shift += 24.0;
        spec.daily_season_shift_hours = shift >= 24.0 ? 0.0 : shift;
      }
    }
  }
  auto season = [&](int32_t t) {
    return 1.0 + spec.daily_season_amplitude *
                     std::sin(omega * (t * slot_hours - spec.daily_season_shift_hours));
  };

  // Level: the model's p / season has mean p̄ (exp(x − s²/2) has mean 1).
  std::vector<double> deseasoned(static_cast<size_t>(n), NAN);
  double level = 0.0, log_mean = 0.0;
  int32_t count = 0;
  for (int32_t t = 0; t < n; ++t) {
    const double p = trace.spot_price[t];
    if (!(p > 0.0)) continue;
    level += p / season(t);
    deseasoned[t] = std::log(p / season(t));
    log_mean += deseasoned[t];
    ++count;
  }
  level /= count;
  log_mean /= count;
  double var = 0.0;
  for (int32_t t = 0; t < n; ++t)
    if (!std::isnan(deseasoned[t])) var += (deseasoned[t] - log_mean) * (deseasoned[t] - log_mean);
  var /= count;
  spec.mean_spot_fraction = level / trace.od_price;
  spec.price_floor_fraction = std::min(0.01, 0.5 * min_price / trace.od_price);
  spec.regime_enter_prob = 0.0;
  spec.spike_rate_per_hour = 0.0;
  // OU sampled every `lag` slots is AR(1) with φ = exp(−θ·lag·Δ); the variogram gives
  // φ = 1 − E[(x[t+lag] − x[t])²] / (2 s²), and s² = σ²/(2θ). Real prices move in rare steps,
  // so φ at one slot is 1 to rounding: the lag doubles while φ > 0.9, up to a day (or a tenth
  // of the trace). A flat price says nothing about θ: keep the default, with σ = 0.
  auto lag_correlation = [&](int32_t lag) {
    double sum = 0.0;
    int64_t pairs = 0;
    for (int32_t t = lag; t < n; ++t) {
      if (std::isnan(deseasoned[t]) || std::isnan(deseasoned[t - lag])) continue;
      const double d = deseasoned[t] - deseasoned[t - lag];
      sum += d * d;
      ++pairs;
    }
    return pairs ? 1.0 - sum / pairs / (2.0 * var) : 1.0;
  };
  const int32_t max_lag = std::max(1, std::min(static_cast<int32_t>(24.0 / slot_hours), n / 10));
  if (var > 0.0) {
    int32_t lag = 1;
    double phi = lag_correlation(lag);
    while (phi > 0.9 && 2 * lag <= max_lag) {
      lag *= 2;
      phi = lag_correlation(lag);
    }
    phi = std::clamp(phi, 1e-3, 1.0 - 1e-9);
    fit.price_lag_slots = lag;
    fit.price_lag_correlation = phi;
    spec.mean_reversion_per_hour = -std::log(phi) / (lag * slot_hours);
    spec.volatility_per_sqrt_hour = std::sqrt(2.0 * spec.mean_reversion_per_hour * var);
  } else {
    fit.price_lag_slots = 0;
    fit.price_lag_correlation = 1.0;
    spec.volatility_per_sqrt_hour = 0.0;
  }
}

}  // namespace

AvailabilityStats availability_stats(const Trace& trace) {
  AvailabilityStats s;
  const TraceSummary summary = summarize(trace);
  s.n_slots = summary.n_slots;
  if (s.n_slots == 0) return s;
  s.avail_fraction = summary.avail_fraction;
  s.mean_avail_share = summary.mean_avail / trace.capacity;
  int64_t up_run_slots = 0, down_run_slots = 0;
  for (int32_t t = 0; t < s.n_slots; ++t) {
    const bool up = trace.spot_avail[t] >= 1;
    if (t == 0 || up != (trace.spot_avail[t - 1] >= 1)) (up ? s.avail_runs : s.unavail_runs)++;
    (up ? up_run_slots : down_run_slots)++;
  }
  s.mean_avail_run_slots = s.avail_runs ? static_cast<double>(up_run_slots) / s.avail_runs : 0.0;
  s.mean_unavail_run_slots =
      s.unavail_runs ? static_cast<double>(down_run_slots) / s.unavail_runs : 0.0;
  return s;
}

PriceStats price_stats(const Trace& trace) {
  PriceStats s;
  const TraceSummary summary = summarize(trace);
  s.mean = summary.spot_price_mean;
  s.changes = summary.price_changes;
  // The log statistics are the fit's own: summarize has none, and they skip p ≤ 0.
  double log_sum = 0.0, log_sq = 0.0;
  int32_t positive = 0;
  for (const double p : trace.spot_price) {
    if (p > 0.0) {
      log_sum += std::log(p);
      log_sq += std::log(p) * std::log(p);
      ++positive;
    }
  }
  if (positive > 0) {
    const double m = log_sum / positive;
    s.log_sd = std::sqrt(std::max(0.0, log_sq / positive - m * m));
  }
  return s;
}

MarketFit fit_synthetic_market(const Trace& trace, AvailabilityModel model,
                               const std::string& file) {
  validate_trace(trace, file);
  if (trace.n_slots() < 10)
    throw input_error(file, "n_slots", std::to_string(trace.n_slots()),
                      "a fit needs at least 10 slots");
  if (trace.capacity > 1024)
    throw input_error(file, "capacity", std::to_string(trace.capacity),
                      "the synthetic model allows at most 1024");
  MarketFit fit;
  fit.observed = availability_stats(trace);
  fit.observed_price = price_stats(trace);
  if (model == AvailabilityModel::markov_modulated &&
      (fit.observed.avail_runs + fit.observed.unavail_runs < 3))
    throw input_error(file, "spot_avail", "",
                      "too few availability changes for a calm/storm fit; use --model birth_death");
  SyntheticMarketSpec& spec = fit.spec;
  spec.n_slots = trace.n_slots();
  spec.tick_seconds = trace.tick_seconds;
  spec.capacity = trace.capacity;
  spec.od_price = trace.od_price;
  fit_price(trace, file, fit);
  fit_availability(trace, model, fit);
  validate_synthetic_spec(spec);

  SyntheticMarketSpec check = spec;
  check.n_slots =
      static_cast<int32_t>(std::clamp<int64_t>(int64_t{50} * trace.n_slots(), 200000, 2000000));
  fit.model_check_slots = check.n_slots;
  fit.model = availability_stats(generate_synthetic(check, 1, 0));
  return fit;
}

}  // namespace spotsweep

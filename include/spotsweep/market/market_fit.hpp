#pragma once
// Calibration of the synthetic market (synthetic.hpp) to a real trace: `spotsweep traces fit`.
// Definitions, estimators and their limits are in docs/synthetic.md. Host-only.
#include <cstdint>
#include <string>

#include "spotsweep/market/synthetic.hpp"
#include "spotsweep/market/trace.hpp"

namespace spotsweep {

// The availability statistics the fit reproduces. A slot is "available" when a[t] ≥ 1 (at
// least one spot GPU can be had); a run is a maximal stretch of consecutive available (or
// unavailable) slots. Runs cut by either end of the trace count as they are.
struct AvailabilityStats {
  int32_t n_slots = 0;
  double avail_fraction = 0.0;    // share of slots with a[t] ≥ 1
  double mean_avail_share = 0.0;  // mean of a[t] / capacity
  int32_t avail_runs = 0, unavail_runs = 0;
  double mean_avail_run_slots = 0.0;  // 0 when there is no such run
  double mean_unavail_run_slots = 0.0;
};
AvailabilityStats availability_stats(const Trace& trace);

// The price statistics the fit reproduces, on log p (slots with p ≤ 0 are skipped).
struct PriceStats {
  double mean = 0.0;    // mean p, USD per GPU-hour
  double log_sd = 0.0;  // standard deviation of log p
  int32_t changes = 0;  // slots where p differs from the previous slot
};
PriceStats price_stats(const Trace& trace);

struct MarketFit {
  SyntheticMarketSpec spec;  // n_slots, tick, capacity and p_o copied from the trace
  AvailabilityStats observed;
  PriceStats observed_price;
  // The same statistics of the fitted model, measured on one long draw of it
  // (generate_synthetic(spec with model_check_slots slots, seed 1, scenario 0)).
  int32_t model_check_slots = 0;
  AvailabilityStats model;
  // The expectation-maximisation of the availability model.
  int32_t em_iterations = 0;
  double log_likelihood = 0.0;  // per transition, natural log
  // Price fit: the lag (slots) at which the OU reversion was read, and the deseasoned log
  // price's correlation at that lag.
  int32_t price_lag_slots = 0;
  double price_lag_correlation = 0.0;
};

// Fits `model` to `trace` (validated). Availability: maximum likelihood of the per-GPU
// birth–death chain (one hidden state, or two for markov_modulated: calm and storm) by EM
// over the unseen births and deaths. Price: daily season by least squares on log p, OU
// reversion from the deseasoned log price's variogram, volatility from its variance, level
// from its mean; price regimes and spikes are not fitted (left off). Throws InputError naming
// `file` when the trace cannot support a fit (too short, never or always available for the
// markov_modulated model).
MarketFit fit_synthetic_market(const Trace& trace, AvailabilityModel model,
                               const std::string& file);

}  // namespace spotsweep

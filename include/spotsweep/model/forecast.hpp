#pragma once
// The noisy oracle (docs/model.md §6): the true future perturbed by multiplicative noise whose
// level grows with lookahead, and the policy-visible workload estimate L̂ (docs/model.md §2).
// Shared by the CPU backend and the CUDA kernels, and bit-identical on both: every draw is a
// Philox4x32-10 output keyed by what it is for (seed; scenario, planning slot, lookahead,
// quantity), never by thread, and turned into noise with + − × ÷ only, which both sides round
// the same way.
#include <cmath>
#include <cstdint>

#include "spotsweep/model/macros.hpp"
#include "spotsweep/model/market.hpp"
#include "spotsweep/model/random.hpp"
#include "spotsweep/model/slot.hpp"

namespace spotsweep {

// Longest forecast window the oracle holds noise levels for.
constexpr int32_t kMaxForecastWindow = 64;

// How many learned predictors there are (LearnedModel, market/learned_predictor.hpp): a pool
// member's context holds one forecast table per model (docs/predict.md, "In pools").
constexpr int32_t kLearnedModels = 4;

// Tag in the high 24 bits of the last counter word, so the oracle's draws never share a
// counter with another Philox user in spotsweep that is given the same seed.
constexpr uint32_t kForecastDomain = 0x464f5200u;  // "FOR"

// What a draw is for; the low byte of the last counter word.
enum class ForecastQuantity : uint32_t {
  spot_price = 0,
  spot_avail = 1,
  workload = 2,
};

// The raw Philox4x32-10 block for one draw. Key = the 64-bit seed; counter = (a, b, c,
// domain | quantity).
SPOTSWEEP_HD_INLINE PhiloxBlock forecast_philox_block(uint64_t seed, uint32_t a, uint32_t b,
                                                      uint32_t c, ForecastQuantity quantity) {
  return philox_block(seed, a, b, c, kForecastDomain | static_cast<uint32_t>(quantity));
}

// A zero-mean, unit-variance draw: uniform on [−√3, √3] from the block's first 32-bit word.
// Uniform rather than Gaussian because Box–Muller needs log and cos, which CPU and GPU do not
// round alike; here u = (x + ½)/2³² is exact and z = √3·(2u − 1) has a single rounding.
SPOTSWEEP_HD_INLINE double unit_uniform_noise(uint32_t word) {
  const double sqrt3 = 1.7320508075688772;  // √3 rounded to double
  const double u = open_uniform_from_32_bits(word);
  return (2.0 * u - 1.0) * sqrt3;
}

SPOTSWEEP_HD_INLINE double forecast_noise(uint64_t seed, uint32_t a, uint32_t b, uint32_t c,
                                          ForecastQuantity quantity) {
  return unit_uniform_noise(forecast_philox_block(seed, a, b, c, quantity)[0]);
}

// How availability is perturbed.
enum class AvailNoise : int32_t {
  // â = a·(1 + ε_k·z), as prices (docs/model.md §6). A slot with a = 0 is forecast exactly, so on
  // 0/1 traces the oracle only errs by forecasting an available slot as unavailable.
  multiplicative = 0,
  // â = a + a_max·ε_k·z: noise relative to the capacity, so on 0/1 traces both kinds of error
  // occur. [ours]
  capacity_scaled = 1,
};

// (k+1)^h for the noise growth. For h = 0, ½ and whole h up to 8 it uses only sqrt and ×,
// which CPU and GPU round alike, so the oracle is bit-identical there; other h go through pow,
// which neither side rounds exactly (results then match within a tolerance).
SPOTSWEEP_HD_INLINE double noise_growth(int32_t k, double h) {
  const double x = static_cast<double>(k + 1);
  if (h == 0.0) return 1.0;
  if (h == 0.5) return sqrt(x);
  if (h == floor(h) && h >= 1.0 && h <= 8.0) {
    double r = x;
    for (int32_t i = 1; i < static_cast<int32_t>(h); ++i)
      r *= x;
    return r;
  }
  return pow(x, h);
}

// Forecasts of slot planning_slot + k made at planning_slot, k = 0 … window−1. Small and
// trivially copyable: a kernel builds one per policy.
struct NoisyOracle {
  uint64_t seed = 0;
  uint32_t scenario = 0;
  double eps = 0.0;       // ε, the noise level at lookahead 0
  double growth = 0.0;    // h in ε_k = ε·(k+1)^h
  int32_t avail_max = 1;  // a_max: availability forecasts are clamped to [0, a_max]
  AvailNoise avail_noise = AvailNoise::multiplicative;

  SPOTSWEEP_HD_INLINE double noise_level(int32_t k) const { return eps * noise_growth(k, growth); }

  // p̂ = max(0, p·(1 + ε_k·z)), z drawn for (scenario, planning_slot, k, spot_price).
  // Needs 0 ≤ k < window and planning_slot + k < market.n_slots.
  SPOTSWEEP_HD_INLINE double forecast_spot_price(const MarketView& market, int32_t planning_slot,
                                                 int32_t k) const {
    const double z = forecast_noise(seed, scenario, static_cast<uint32_t>(planning_slot),
                                    static_cast<uint32_t>(k), ForecastQuantity::spot_price);
    return max_d(0.0, market.spot_price_at(planning_slot + k) * (1.0 + noise_level(k) * z));
  }

  // â rounded half up and clamped to [0, a_max], z drawn for (…, spot_avail).
  SPOTSWEEP_HD_INLINE int32_t forecast_avail(const MarketView& market, int32_t planning_slot,
                                             int32_t k) const {
    const double z = forecast_noise(seed, scenario, static_cast<uint32_t>(planning_slot),
                                    static_cast<uint32_t>(k), ForecastQuantity::spot_avail);
    const double a = static_cast<double>(market.avail_at(planning_slot + k));
    const double eps_k = noise_level(k);
    const double noisy = avail_noise == AvailNoise::capacity_scaled
                             ? a + static_cast<double>(avail_max) * eps_k * z
                             : a * (1.0 + eps_k * z);
    const double rounded = floor(max_d(0.0, noisy) + 0.5);
    return static_cast<int32_t>(min_d(rounded, static_cast<double>(avail_max)));
  }
};

// The oracle of a scenario (the caller has checked ε ≥ 0 and the window against
// kMaxForecastWindow, as the pool's axis table and `predict` do).
SPOTSWEEP_HD_INLINE NoisyOracle
make_noisy_oracle(uint64_t seed, uint32_t scenario, double eps, double growth, int32_t avail_max,
                  AvailNoise avail_noise = AvailNoise::multiplicative) {
  NoisyOracle oracle;
  oracle.seed = seed;
  oracle.scenario = scenario;
  oracle.eps = eps;
  oracle.growth = growth;
  oracle.avail_max = avail_max;
  oracle.avail_noise = avail_noise;
  return oracle;
}

// Non-owning view for kernels: forecasts of slot t + k made at planning slot t.
struct ForecastTableView {
  const double* price = nullptr;   // [n_planning_slots][window]
  const int32_t* avail = nullptr;  // [n_planning_slots][window]
  int32_t first_slot = 0;
  int32_t n_planning_slots = 0;
  int32_t window = 0;

  SPOTSWEEP_HD_INLINE double spot_price(int32_t planning_slot, int32_t k) const {
    return price[static_cast<int64_t>(planning_slot - first_slot) * window + k];
  }
  SPOTSWEEP_HD_INLINE int32_t spot_avail(int32_t planning_slot, int32_t k) const {
    return avail[static_cast<int64_t>(planning_slot - first_slot) * window + k];
  }
};

// How the policy-visible workload estimate L̂ departs from the true work L (docs/model.md §2).
enum class WorkloadError : int32_t {
  none = 0,  // L̂ = L
  bias = 1,  // L̂ = L·(1 + ε_L): every job mis-estimated by the same signed fraction
  random = 2,  // L̂ = max(0, L·(1 + ε_L·z)), z uniform on [−√3, √3] drawn per (scenario, round)
};

// L̂ for job `round` of `scenario`; the draw uses counter (scenario, round, 0, workload).
SPOTSWEEP_HD_INLINE double workload_estimate(double work, double eps_l, WorkloadError mode,
                                             uint64_t seed, uint32_t scenario, uint32_t round) {
  switch (mode) {
    case WorkloadError::bias: return work * (1.0 + eps_l);
    case WorkloadError::random:
      return max_d(0.0, work * (1.0 + eps_l * forecast_noise(seed, scenario, round, 0u,
                                                             ForecastQuantity::workload)));
    case WorkloadError::none:
    default: return work;
  }
}

}  // namespace spotsweep

#pragma once
// Online policy selection (docs/model.md §8, docs/select.md): the per-element arithmetic of Hedge
// and EXP3 that both selector backends run, so that the CPU loop and the CUDA kernels differ
// only in the order of their sums. Rewards are utilities mapped to [0,1] by per-scenario
// bounds; weights are exp(η·G) kept as log-weights in double precision. CUDA-free.
#include <cmath>
#include <cstdint>

#include "spotsweep/model/macros.hpp"
#include "spotsweep/model/random.hpp"

namespace spotsweep {

// How the learning rate moves with the round.
enum class EtaSchedule : int32_t {
  fixed = 0,    // η = sqrt(8 ln K / T), tuned to the horizon T
  anytime = 1,  // η_r = sqrt(8 ln K / r) in round r (1-based), no horizon needed
};

// What the selector observes after each round.
enum class Feedback : int32_t {
  full = 0,    // every member's utility (counterfactual replay): Hedge
  bandit = 1,  // only the played member's utility: EXP3
};

// Utility bounds of one scenario: every job of it has utility in [low, high].
struct UtilityRange {
  double low = 0.0;
  double high = 1.0;
  SPOTSWEEP_HD_INLINE double width() const { return high - low; }
};

// The reward of a utility: (u − low)/(high − low), clamped against rounding at the ends.
SPOTSWEEP_HD_INLINE double normalised_reward(double utility, const UtilityRange& range) {
  const double x = (utility - range.low) / range.width();
  return x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x);
}

// Whether a utility falls outside the bounds (its reward is then clamped): never with the
// derived bounds, possible with bounds a user gives.
SPOTSWEEP_HD_INLINE bool reward_is_clamped(double utility, const UtilityRange& range) {
  return utility < range.low || utility > range.high;
}

// Hedge's learning rate in round r (1-based) of T with K members.
SPOTSWEEP_HD_INLINE double hedge_eta(EtaSchedule schedule, int64_t members, int32_t horizon,
                                     int32_t round) {
  const double log_k = log(static_cast<double>(members));
  const double r = static_cast<double>(schedule == EtaSchedule::fixed ? horizon : round);
  return sqrt(8.0 * log_k / r);
}

// Hedge's regret bound after r rounds, in reward units ([0,1] per round). Fixed η:
// ln K/η + η·r/8 (Cesa-Bianchi & Lugosi, Thm 2.2, at any r ≤ T), which equals sqrt((T/2) ln K)
// at r = T. Anytime: 2·sqrt((r/2) ln K) + sqrt(ln K / 8) (Thm 2.3). K = 1 has no regret.
SPOTSWEEP_HD_INLINE double hedge_regret_bound(EtaSchedule schedule, int64_t members,
                                              int32_t horizon, int32_t round) {
  if (members <= 1) return 0.0;
  const double log_k = log(static_cast<double>(members));
  const double r = static_cast<double>(round);
  if (schedule == EtaSchedule::anytime) return 2.0 * sqrt(0.5 * r * log_k) + sqrt(log_k / 8.0);
  const double eta = hedge_eta(schedule, members, horizon, round);
  return log_k / eta + eta * r / 8.0;
}

// sqrt((r/2) ln K): the textbook horizon-T form evaluated at r, which the fixed-η bound meets
// at r = T and exceeds before it. Reported beside the bound; it is not a guarantee for r < T.
SPOTSWEEP_HD_INLINE double sqrt_half_r_log_k(int64_t members, int32_t round) {
  return members <= 1 ? 0.0
                      : sqrt(0.5 * static_cast<double>(round) * log(static_cast<double>(members)));
}

// EXP3 (Auer, Cesa-Bianchi, Freund, Schapire 2002): exploration γ = min(1, sqrt(K ln K /
// ((e−1)·T))), weights ∝ exp(γ/K · Ĝ), played with p = (1−γ)·w/Σw + γ/K.
SPOTSWEEP_HD_INLINE double exp3_gamma(int64_t members, int32_t horizon) {
  if (members <= 1) return 0.0;
  const double k = static_cast<double>(members);
  const double g = sqrt(k * log(k) / ((2.718281828459045 - 1.0) * static_cast<double>(horizon)));
  return g < 1.0 ? g : 1.0;
}

// EXP3's bound on the expected regret after r rounds against any fixed member, in reward
// units: (e−1)·γ·r + K ln K / γ (Auer et al., Thm 3.1 with G_max ≤ r).
SPOTSWEEP_HD_INLINE double exp3_regret_bound(int64_t members, int32_t horizon, int32_t round) {
  if (members <= 1) return 0.0;
  const double k = static_cast<double>(members);
  const double gamma = exp3_gamma(members, horizon);
  return (2.718281828459045 - 1.0) * gamma * static_cast<double>(round) + k * log(k) / gamma;
}

// The log-weight scale in round r: η for Hedge, γ/K for EXP3.
SPOTSWEEP_HD_INLINE double selector_log_weight_scale(Feedback feedback, EtaSchedule schedule,
                                                     int64_t members, int32_t horizon,
                                                     int32_t round) {
  if (feedback == Feedback::bandit)
    return exp3_gamma(members, horizon) / static_cast<double>(members);
  return hedge_eta(schedule, members, horizon, round);
}

// A member's play probability from its log-weight ℓ = scale·G, the maximum m of the ℓ and
// Z = Σ exp(ℓ − m) (log-sum-exp, so no weight overflows); EXP3 mixes in γ/K.
SPOTSWEEP_HD_INLINE double selector_probability(double log_weight, double max_log_weight,
                                                double partition, double explore, int64_t members) {
  const double hedge = exp(log_weight - max_log_weight) / partition;
  if (explore <= 0.0) return hedge;
  return (1.0 - explore) * hedge + explore / static_cast<double>(members);
}

// Tag in the high 24 bits of the selector's Philox counter, apart from the forecast's.
constexpr uint32_t kSelectorDomain = 0x53454c00u;  // "SEL"

// The uniform in [0, 1) that picks the member played in (scenario, round): Philox4x32-10 keyed
// by the selector seed, counter (scenario, round, 0, domain). The same on every backend.
SPOTSWEEP_HD_INLINE double selector_draw(uint64_t seed, uint32_t scenario, uint32_t round) {
  return uniform_from_32_bits(philox_block(seed, scenario, round, 0u, kSelectorDomain)[0]);
}

}  // namespace spotsweep

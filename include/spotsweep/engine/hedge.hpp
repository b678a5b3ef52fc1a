#pragma once
// Online policy selection (docs/model.md §8, docs/select.md): the per-element arithmetic of the
// selector's learners (Hedge, AdaHedge, FlipFlop, EXP3 and EXP3 with AdaHedge's rate) that both
// selector backends run, so that the CPU loop and the CUDA kernels differ only in the order of
// their sums. Every learner keeps, per member, a cumulative score G and plays
// p_k ∝ exp(η·G_k) (log-sum-exp in double precision); η = +∞ plays the uniform mixture of the
// members with the largest G (follow the leader). CUDA-free.
#include <cmath>
#include <cstdint>
#include <limits>

#include "spotsweep/model/macros.hpp"
#include "spotsweep/model/random.hpp"

namespace spotsweep {

// How Hedge's learning rate moves with the results fed back (docs/select.md, "Learners").
enum class EtaSchedule : int32_t {
  fixed = 0,    // η = sqrt(8 ln K / T), tuned to the horizon T
  anytime = 1,  // η_n = sqrt(8 ln K / n) for the n-th result fed back, no horizon needed
};

// What the selector observes of a round.
enum class Feedback : int32_t {
  full = 0,    // every member's utility (counterfactual replay)
  bandit = 1,  // only the played member's utility
};

// The learner that turns fed-back utilities into play probabilities (docs/select.md).
enum class Learner : int32_t {
  hedge = 0,     // exponential weights on rewards scaled by the a-priori range; η fixed or anytime
  exp3 = 1,      // EXP3 (bandit): γ fixed by the horizon, importance-weighted reward estimates
  adahedge = 2,  // AdaHedge: η = ln K / Δ, Δ the cumulative mixability gap; scale-free
  flipflop = 3,  // FlipFlop: follow the leader or AdaHedge, by their mixability gaps; scale-free
  exp3_ada = 4,  // EXP3 on importance-weighted losses with AdaHedge's rate (bandit)
};

// When a round's results reach the learner.
enum class FeedbackDelay : int32_t {
  finish = 0,  // when the round's job ends: the last member's (full) or the played member's
  none = 1,    // before the next round starts, however long the jobs run
};

SPOTSWEEP_HD_INLINE Feedback learner_feedback(Learner learner) {
  return learner == Learner::exp3 || learner == Learner::exp3_ada ? Feedback::bandit
                                                                  : Feedback::full;
}

// Learners that scale utilities into [0, 1] by the a-priori range (docs/select.md, "Ranges").
// AdaHedge and FlipFlop are invariant to the scale and origin of the utilities and read them in
// USD.
SPOTSWEEP_HD_INLINE bool learner_uses_range(Learner learner) {
  return learner == Learner::hedge || learner == Learner::exp3 || learner == Learner::exp3_ada;
}

// Learners whose score G is not the fed-back cumulative utility in USD, so that they keep it in
// an array of their own: Hedge's sum of scaled rewards, EXP3's reward estimates, EXP3-ada's
// negated loss estimates.
SPOTSWEEP_HD_INLINE bool learner_has_own_scores(Learner learner) {
  return learner_uses_range(learner);
}

// Utility bounds of one scenario: every job of it has utility in [low, high].
struct UtilityRange {
  double low = 0.0;
  double high = 1.0;
  SPOTSWEEP_HD_INLINE double width() const { return high - low; }
};

// The reward of a utility: (u − low)/(high − low), clamped at the ends.
SPOTSWEEP_HD_INLINE double normalised_reward(double utility, const UtilityRange& range) {
  const double x = (utility - range.low) / range.width();
  return x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x);
}

// Whether a utility falls outside the bounds (its reward is then clamped).
SPOTSWEEP_HD_INLINE bool reward_is_clamped(double utility, const UtilityRange& range) {
  return utility < range.low || utility > range.high;
}

// Hedge's learning rate for the n-th result fed back (1-based) of T with K members.
SPOTSWEEP_HD_INLINE double hedge_eta(EtaSchedule schedule, int64_t members, int32_t horizon,
                                     int64_t index) {
  const double log_k = log(static_cast<double>(members));
  const double n = static_cast<double>(schedule == EtaSchedule::fixed ? horizon : index);
  return sqrt(8.0 * log_k / n);
}

// Hedge's regret bound after n results, in reward units ([0,1] per round). Fixed η:
// ln K/η + η·n/8 (Cesa-Bianchi & Lugosi, Thm 2.2, at any n ≤ T), which equals sqrt((T/2) ln K)
// at n = T. Anytime: 2·sqrt((n/2) ln K) + sqrt(ln K / 8) (Thm 2.3). K = 1 has no regret.
SPOTSWEEP_HD_INLINE double hedge_regret_bound(EtaSchedule schedule, int64_t members,
                                              int32_t horizon, int64_t n) {
  if (members <= 1) return 0.0;
  const double log_k = log(static_cast<double>(members));
  const double r = static_cast<double>(n);
  if (schedule == EtaSchedule::anytime) return 2.0 * sqrt(0.5 * r * log_k) + sqrt(log_k / 8.0);
  const double eta = hedge_eta(schedule, members, horizon, n);
  return log_k / eta + eta * r / 8.0;
}

// sqrt((r/2) ln K): the textbook horizon-T form evaluated at r. Reported beside the bound; it is
// not a guarantee for r < T.
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

// EXP3's bound on the expected regret after n rounds against any fixed member, in reward
// units: (e−1)·γ·n + K ln K / γ (Auer et al., Thm 3.1 with G_max ≤ n).
SPOTSWEEP_HD_INLINE double exp3_regret_bound(int64_t members, int32_t horizon, int64_t n) {
  if (members <= 1) return 0.0;
  const double k = static_cast<double>(members);
  const double gamma = exp3_gamma(members, horizon);
  return (2.718281828459045 - 1.0) * gamma * static_cast<double>(n) + k * log(k) / gamma;
}

// FlipFlop's parameters (de Rooij, van Erven, Grünwald, Koolen 2014, "Follow the leader if you
// can, hedge if you must", JMLR 15, Section 3): it leaves follow-the-leader when FTL's
// cumulative mixability gap exceeds φ/α times AdaHedge's, and AdaHedge when AdaHedge's exceeds
// α times FTL's. These are the paper's recommended values.
constexpr double kFlipFlopPhi = 2.37;
constexpr double kFlipFlopAlpha = 1.243;

// One scenario's learner between rounds (docs/select.md, "Learners" and "The bound").
struct LearnerState {
  double gap = 0.0;           // Δ: AdaHedge's and EXP3-ada's mixability gap; FlipFlop's Δ^ah
  double ftl_gap = 0.0;       // FlipFlop's Δ^ftl: the gap of its follow-the-leader rounds
  double rise_cost = 0.0;     // Σ over deliveries after which η rose of the last delivery's term
  double last_term = 0.0;     // (ln K − ln Z)/η of the last delivery (0 when η = +∞)
  double last_rate = 0.0;     // η of the last delivery
  double drift = 0.0;         // Σ over delivered rounds of (q − p)·u, USD (stale weights' cost)
  double pending_cost = 0.0;  // Σ over rounds not yet fed back of (best utility − p·u), USD
  int64_t delivered = 0;      // results fed back so far
  int32_t regime = 0;         // FlipFlop: 0 follow the leader, 1 AdaHedge
  int32_t pending = 0;        // rounds played whose results have not been fed back
};

constexpr double kInfiniteRate = std::numeric_limits<double>::infinity();

// The learning rate of the next play or delivery. +∞: follow the leader (uniform over the
// members with the largest score). AdaHedge's rate is ln K / Δ, +∞ while Δ = 0.
SPOTSWEEP_HD_INLINE double learner_rate(Learner learner, EtaSchedule schedule,
                                        const LearnerState& state, int64_t members,
                                        int32_t horizon) {
  const double log_k = log(static_cast<double>(members));
  switch (learner) {
    case Learner::hedge: return hedge_eta(schedule, members, horizon, state.delivered + 1);
    case Learner::exp3: return exp3_gamma(members, horizon) / static_cast<double>(members);
    case Learner::flipflop:
      if (state.regime == 0) return kInfiniteRate;
      return state.gap > 0.0 ? log_k / state.gap : kInfiniteRate;
    default:  // AdaHedge, EXP3-ada
      return state.gap > 0.0 ? log_k / state.gap : kInfiniteRate;
  }
}

SPOTSWEEP_HD_INLINE bool rate_is_infinite(double rate) { return !(rate < kInfiniteRate); }

// EXP3's uniform exploration γ; 0 for every other learner.
SPOTSWEEP_HD_INLINE double learner_explore(Learner learner, int64_t members, int32_t horizon) {
  return learner == Learner::exp3 ? exp3_gamma(members, horizon) : 0.0;
}

// A member's play probability from its score G at a finite rate η: exp(η·G − m)/Z with
// m = η·max G and Z = Σ exp(η·G − m) (log-sum-exp, so no weight overflows); EXP3 mixes in γ/K.
SPOTSWEEP_HD_INLINE double selector_probability(double log_weight, double max_log_weight,
                                                double partition, double explore, int64_t members) {
  const double hedge = exp(log_weight - max_log_weight) / partition;
  if (explore <= 0.0) return hedge;
  return (1.0 - explore) * hedge + explore / static_cast<double>(members);
}

// The mixability gap of one delivery in gain form (de Rooij et al. 2014, Section 2.1): with
// weights q ∝ exp(η·G) the learner's gain is h = q·u and its mix gain is
// m = (1/η) ln Σ q_k exp(η u_k) = (max G′ − max G) + (ln Z′ − ln Z)/η, G′ = G + u, Z and Z′
// the partitions relative to each maximum; δ = m − h ≥ 0 (Jensen), clamped against rounding.
// With η = +∞ (follow the leader) m = max G′ − max G.
SPOTSWEEP_HD_INLINE double mixability_gap(double rate, double learner_gain, double max_before,
                                          double max_after, double log_partition_before,
                                          double log_partition_after) {
  double mix = max_after - max_before;
  if (!rate_is_infinite(rate)) mix += (log_partition_after - log_partition_before) / rate;
  const double gap = mix - learner_gain;
  return gap > 0.0 ? gap : 0.0;
}

// EXP3-ada's gap when only member I's score moves, by −ℓ̂ (its importance-weighted loss):
// h = −q_I·ℓ̂ and m = (1/η) ln(1 − q_I + q_I·exp(−η ℓ̂)), computed with log1p/expm1.
SPOTSWEEP_HD_INLINE double single_loss_gap(double rate, double q_played, double loss_estimate) {
  const double mix = log1p(q_played * expm1(-rate * loss_estimate)) / rate;
  const double gap = mix + q_played * loss_estimate;
  return gap > 0.0 ? gap : 0.0;
}

// The term (ln K − ln Z′)/η of a delivery at rate η, Z′ = Σ exp(η (G′ − max G′)) after it: how
// far the learner's soft maximum of the scores lies below their maximum (0 when η = +∞).
SPOTSWEEP_HD_INLINE double soft_max_shortfall(double rate, int64_t members,
                                              double log_partition_after) {
  if (rate_is_infinite(rate)) return 0.0;
  const double term = (log(static_cast<double>(members)) - log_partition_after) / rate;
  return term > 0.0 ? term : 0.0;
}

// Books one delivery's gap δ at rate η into the state: AdaHedge and EXP3-ada add it to Δ;
// FlipFlop to the gap of the regime that played it, then switches regime when that gap
// outgrows the other's (kFlipFlopPhi, kFlipFlopAlpha). When η rose since the last delivery
// (FlipFlop back to follow the leader) the last delivery's shortfall is kept in rise_cost, the
// term the bound pays for it (docs/select.md, "The bound").
SPOTSWEEP_HD_INLINE void book_delivery(Learner learner, LearnerState& state, double rate,
                                       double gap, double shortfall) {
  if (state.delivered > 0 && rate > state.last_rate) state.rise_cost += state.last_term;
  if (learner == Learner::flipflop) {
    if (state.regime == 0) {
      state.ftl_gap += gap;
      if (state.ftl_gap > (kFlipFlopPhi / kFlipFlopAlpha) * state.gap) state.regime = 1;
    } else {
      state.gap += gap;
      if (state.gap > kFlipFlopAlpha * state.ftl_gap) state.regime = 0;
    }
  } else {
    state.gap += gap;
  }
  state.last_term = shortfall;
  state.last_rate = rate;
  state.delivered += 1;
}

// The learner's own guarantee on the results fed back so far, in USD (docs/select.md, "The
// bound"): its regret on the delivered sequence, in delivery order, is at most this. Hedge and
// EXP3: their closed forms × the range's width. AdaHedge, FlipFlop: Δ (+ Δ^ftl) + the rises'
// costs + the last shortfall, a bound computed from the run. EXP3-ada: the same on its loss
// estimates × the width, a bound on the expected regret. K = 1 has no regret.
SPOTSWEEP_HD_INLINE double learner_bound(Learner learner, EtaSchedule schedule,
                                         const LearnerState& state, int64_t members,
                                         int32_t horizon, double width) {
  if (members <= 1) return 0.0;
  switch (learner) {
    case Learner::hedge:
      return width * hedge_regret_bound(schedule, members, horizon, state.delivered);
    case Learner::exp3: return width * exp3_regret_bound(members, horizon, state.delivered);
    case Learner::exp3_ada: return width * (state.gap + state.rise_cost + state.last_term);
    default:  // AdaHedge, FlipFlop: scores in USD
      return state.gap + state.ftl_gap + state.rise_cost + state.last_term;
  }
}

// The valid bound on the selector's regret after a round, USD: the learner's guarantee on what
// it was fed, plus what playing stale weights cost on the delivered rounds (drift) and the
// regret of the rounds still pending against their own best member (docs/select.md).
SPOTSWEEP_HD_INLINE double selector_bound(Learner learner, EtaSchedule schedule,
                                          const LearnerState& state, int64_t members,
                                          int32_t horizon, double width) {
  return learner_bound(learner, schedule, state, members, horizon, width) + state.drift +
         state.pending_cost;
}

// The score EXP3-ada subtracts from the played member: its loss 1 − x (x the reward scaled by
// the range) over the probability it was played with.
SPOTSWEEP_HD_INLINE double exp3_ada_loss_estimate(double utility, const UtilityRange& range,
                                                  double probability) {
  return (1.0 - normalised_reward(utility, range)) / probability;
}

// Lanes of the fixed-order sums (the uniform mixture's and follow-the-leader's utilities):
// lane j adds the terms k ≡ j (mod lanes) in order of k, then lanes are added pairwise in a
// halving tree. The CUDA kernels run one lane per thread, so both backends add in the same
// order and these sums are bit-identical.
constexpr int32_t kFixedSumLanes = 512;

// A round waiting for its results (docs/select.md, "Delayed feedback"): what the learner and
// the bound need of it; its utilities sit beside it in the backend's queue.
struct QueuedRound {
  int32_t round = -1;
  int32_t arrival = 0;    // slot at which its results reach the learner
  int32_t delivered = 1;  // 1 once fed back (an empty slot counts as fed back)
  int64_t played = 0;     // the member drawn in it
  double played_probability = 0.0;
  double expected = 0.0;  // p·u when it was played, USD
  double best = 0.0;      // max_k u, USD
};

// Which slot a round's results reach the learner: the delay's finish slot (start + the slots
// the job ran), or, without delay, the round's own start (fed back before the next round).
SPOTSWEEP_HD_INLINE int32_t arrival_slot(FeedbackDelay delay, int32_t start_slot,
                                         int32_t job_slots) {
  return delay == FeedbackDelay::none ? start_slot : start_slot + job_slots;
}

// Tag in the high 24 bits of the selector's Philox counter, apart from the forecast's.
constexpr uint32_t kSelectorDomain = 0x53454c00u;  // "SEL"

// The uniform in [0, 1) that picks the member played in (scenario, round): Philox4x32-10 keyed
// by the selector seed, counter (scenario, round, 0, domain). The same on every backend.
SPOTSWEEP_HD_INLINE double selector_draw(uint64_t seed, uint32_t scenario, uint32_t round) {
  return uniform_from_32_bits(philox_block(seed, scenario, round, 0u, kSelectorDomain)[0]);
}

}  // namespace spotsweep

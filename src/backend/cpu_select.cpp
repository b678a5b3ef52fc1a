// The selector's CPU backend (OpenMP). Each round: play probabilities from the learner's scores
// (log-sum-exp, or the leaders' uniform mixture at η = +∞), every (window, member) job simulated
// through the sweep's per-job code, then per scenario the expected utility, the Philox-drawn
// played member, the true gains and the best member so far, the baselines' utilities (uniform
// mixture, follow the leader), the round queued until its results arrive, and the learner fed
// every queued round whose results have arrived (docs/select.md, "Delayed feedback").
#include "spotsweep/backend/cpu_select.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "spotsweep/backend/cpu_chc_key.hpp"
#include "spotsweep/backend/device.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/stop.hpp"
#include "spotsweep/model/slot.hpp"

namespace spotsweep {

namespace {

// The adaptive adversary's regime for one scenario: the one in which the leader trails the
// round's best member by the most (the first on ties). utility holds regimes rows of K,
// `stride` apart.
int32_t adversary_regime(const double* utility, size_t stride, int32_t regimes, int64_t members,
                         int64_t leader) {
  int32_t chosen = 0;
  double widest = -1.0;
  for (int32_t c = 0; c < regimes; ++c) {
    const double* u = utility + c * stride;
    const double gap = *std::max_element(u, u + members) - u[leader];
    if (gap > widest) {
      widest = gap;
      chosen = c;
    }
  }
  return chosen;
}

// Σ_k term(k) in the order the CUDA kernels add (kFixedSumLanes): lane j adds k ≡ j in order,
// then the lanes are added pairwise in a halving tree.
template <class Term>
double fixed_order_sum(int64_t n, const Term& term) {
  double lane[kFixedSumLanes];
  for (int32_t j = 0; j < kFixedSumLanes; ++j) {
    double sum = 0.0;
    for (int64_t k = j; k < n; k += kFixedSumLanes)
      sum += term(k);
    lane[j] = sum;
  }
  for (int32_t stride = kFixedSumLanes / 2; stride > 0; stride /= 2)
    for (int32_t j = 0; j < stride; ++j)
      lane[j] += lane[j + stride];
  return lane[0];
}

// One scenario's play probabilities p from its scores at rate η (log-sum-exp, members in
// order; η = +∞: uniform over the members with the largest score), with their entropy and
// leader written to rec.
void play_probabilities(const double* score, int64_t members, double rate, double explore,
                        double* p, SelectorRoundRecord& rec) {
  if (rate_is_infinite(rate)) {
    const double top = *std::max_element(score, score + members);
    int64_t leaders = 0;
    for (int64_t k = 0; k < members; ++k)
      leaders += score[k] == top ? 1 : 0;
    for (int64_t k = 0; k < members; ++k)
      p[k] = score[k] == top ? 1.0 / static_cast<double>(leaders) : 0.0;
  } else {
    double max_log_weight = -std::numeric_limits<double>::infinity(), partition = 0.0;
    for (int64_t k = 0; k < members; ++k)
      max_log_weight = std::max(max_log_weight, rate * score[k]);
    for (int64_t k = 0; k < members; ++k)
      partition += std::exp(rate * score[k] - max_log_weight);
    for (int64_t k = 0; k < members; ++k)
      p[k] = selector_probability(rate * score[k], max_log_weight, partition, explore, members);
  }
  rec.entropy = 0.0;
  rec.leader_probability = -1.0;
  for (int64_t k = 0; k < members; ++k) {
    if (p[k] > 0.0) rec.entropy -= p[k] * std::log(p[k]);
    if (p[k] > rec.leader_probability) {
      rec.leader_probability = p[k];
      rec.leader = k;
    }
  }
}

// What a thread evaluates at a time: members [first, last) of grid `grid`, or every member of
// CHC planning key `key` (key ≥ 0).
struct MemberUnit {
  int32_t grid = 0;
  int64_t key = -1;
  int64_t first = 0;
  int64_t last = 0;
};

// What the learner's current weights q make of a delivered round: the maximum score, ln Z
// (relative to it), q·u and q of the played member.
struct Weighing {
  double max_score = 0.0;
  double log_partition = 0.0;
  double gain = 0.0;  // q·u, USD
  double played_weight = 0.0;
  int64_t leaders = 0;
};

Weighing weigh(const double* score, int64_t members, double rate, double explore,
               const double* utility, int64_t played) {
  Weighing w;
  w.max_score = *std::max_element(score, score + members);
  if (rate_is_infinite(rate)) {
    double sum = 0.0;
    for (int64_t k = 0; k < members; ++k)
      if (score[k] == w.max_score) {
        sum += utility[k];
        ++w.leaders;
      }
    w.gain = sum / static_cast<double>(w.leaders);
    w.played_weight = score[played] == w.max_score ? 1.0 / static_cast<double>(w.leaders) : 0.0;
    return w;
  }
  double partition = 0.0, weighted = 0.0, plain = 0.0;
  for (int64_t k = 0; k < members; ++k) {
    const double e = std::exp(rate * (score[k] - w.max_score));
    partition += e;
    weighted += e * utility[k];
    plain += utility[k];
  }
  w.log_partition = std::log(partition);
  const double hedge_played = std::exp(rate * (score[played] - w.max_score)) / partition;
  w.gain = weighted / partition;
  w.played_weight = hedge_played;
  if (explore > 0.0) {
    w.gain = (1.0 - explore) * w.gain + explore * plain / static_cast<double>(members);
    w.played_weight = (1.0 - explore) * hedge_played + explore / static_cast<double>(members);
  }
  return w;
}

// ln Σ exp(η (G − max G)) and max G of scores after an update (0 for ln Z when η = +∞).
void post_update_partition(const double* score, int64_t members, double rate, double* max_score,
                           double* log_partition) {
  *max_score = *std::max_element(score, score + members);
  *log_partition = 0.0;
  if (rate_is_infinite(rate)) return;
  double partition = 0.0;
  for (int64_t k = 0; k < members; ++k)
    partition += std::exp(rate * (score[k] - *max_score));
  *log_partition = std::log(partition);
}

// The learner's side of one scenario: its scores, the fed-back utilities, its state and queue.
struct ScenarioLearner {
  double* score;      // the learner's scores (the fed-back utilities for AdaHedge, FlipFlop)
  double* delivered;  // Σ of the fed-back utilities, USD: follow-the-leader's scores
  LearnerState* state;
  QueuedRound* queue;  // [queue rounds]
  double* queued;      // [queue rounds][member] utilities
  UtilityRange range;
};

// Feeds one round's utilities u to the learner (docs/select.md, "Learners").
void deliver(Learner learner, EtaSchedule eta, int64_t K, int32_t T, const ScenarioLearner& s,
             const QueuedRound& q, const double* u) {
  LearnerState& state = *s.state;
  const double rate = learner_rate(learner, eta, state, K, T);
  const double explore = learner_explore(learner, K, T);
  const Weighing w = weigh(s.score, K, rate, explore, u, q.played);
  state.drift += w.gain - q.expected;
  double gap = 0.0, shortfall = 0.0;
  switch (learner) {
    case Learner::adahedge:
    case Learner::flipflop: {
      for (int64_t k = 0; k < K; ++k)
        s.delivered[k] += u[k];  // s.score is s.delivered
      double max_after = 0.0, log_partition_after = 0.0;
      post_update_partition(s.score, K, rate, &max_after, &log_partition_after);
      gap = mixability_gap(rate, w.gain, w.max_score, max_after, w.log_partition,
                           log_partition_after);
      shortfall = soft_max_shortfall(rate, K, log_partition_after);
      break;
    }
    case Learner::hedge:
      for (int64_t k = 0; k < K; ++k) {
        s.score[k] += normalised_reward(u[k], s.range);
        s.delivered[k] += u[k];
      }
      break;
    case Learner::exp3:
      s.score[q.played] += normalised_reward(u[q.played], s.range) / q.played_probability;
      for (int64_t k = 0; k < K; ++k)
        s.delivered[k] += u[k];
      break;
    case Learner::exp3_ada: {
      const double loss = exp3_ada_loss_estimate(u[q.played], s.range, q.played_probability);
      const bool was_leader = s.score[q.played] == w.max_score;
      s.score[q.played] -= loss;
      for (int64_t k = 0; k < K; ++k)
        s.delivered[k] += u[k];
      double max_after = 0.0, log_partition_after = 0.0;
      post_update_partition(s.score, K, rate, &max_after, &log_partition_after);
      if (rate_is_infinite(rate)) {
        const double leader_gain = was_leader ? -loss / static_cast<double>(w.leaders) : 0.0;
        gap = mixability_gap(rate, leader_gain, w.max_score, max_after, 0.0, 0.0);
      } else {
        gap = single_loss_gap(rate, w.played_weight, loss);
      }
      shortfall = soft_max_shortfall(rate, K, log_partition_after);
      break;
    }
  }
  book_delivery(learner, state, rate, gap, shortfall);
}

}  // namespace

SelectorRun run_selector_cpu(const SweepPlan& plan, const std::vector<UtilityRange>& ranges,
                             const SelectOptions& options, const RoundProgress& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t K = plan.pool.size;
  const int32_t S = selector_scenarios(plan, options);
  const int32_t windows = plan.scenarios.count;  // S × regimes
  const int32_t T = plan.rounds;
  SPOTSWEEP_EXPECTS(static_cast<int32_t>(ranges.size()) == S, "one utility range per scenario");
  const ScenarioBatchView batch = plan.scenarios.view();
  const int threads = options.exec.cpu_threads();
  const size_t scratch_bytes = max_scratch_bytes(plan, family_id<ChcFamily>);  // CHC: by key
  const Learner learner = options.learner;
  const bool bandit = options.feedback() == Feedback::bandit;
  const bool count_clamped = learner_uses_range(learner);
  const double explore = learner_explore(learner, K, T);
  const int32_t regimes = options.regimes;
  const int32_t queue_rounds = feedback_queue_rounds(plan, options);

  std::vector<std::vector<double>> family_values;
  for (const FamilyGrid& g : plan.pool.families)
    family_values.push_back(g.flat_values());

  const size_t cells = static_cast<size_t>(S) * static_cast<size_t>(K);
  std::vector<double> gain(cells, 0.0);       // true cumulative utility, every round at once
  std::vector<double> delivered(cells, 0.0);  // cumulative fed-back utility
  std::vector<double> own_score(learner_has_own_scores(learner) ? cells : 0, 0.0);
  double* score = learner_has_own_scores(learner) ? own_score.data() : delivered.data();
  std::vector<double> utility(static_cast<size_t>(windows) * K);  // [window][member], USD
  std::vector<int32_t> job_slots(static_cast<size_t>(windows) * K);
  std::vector<double> probability(cells);
  std::vector<LearnerState> states(static_cast<size_t>(S));
  std::vector<QueuedRound> queue(static_cast<size_t>(S) * queue_rounds);
  std::vector<double> queued(static_cast<size_t>(S) * queue_rounds * K);
  auto learner_of = [&](int32_t s) {
    const size_t row = static_cast<size_t>(s) * K;
    return ScenarioLearner{score + row,
                           delivered.data() + row,
                           &states[s],
                           queue.data() + static_cast<size_t>(s) * queue_rounds,
                           queued.data() + static_cast<size_t>(s) * queue_rounds * K,
                           ranges[s]};
  };

  // Small pools do not pay for a parallel region per pass (threads would mostly wait).
  const bool parallel_members = static_cast<int64_t>(windows) * K >= 256 && K > 1;
  const bool parallel_scenarios = static_cast<int64_t>(S) * K >= (int64_t(1) << 14);

  // What a thread takes at a time: every member of one CHC planning key, or a run of 16
  // members of another family.
  std::vector<MemberUnit> units;
  for (size_t f = 0; f < plan.pool.families.size(); ++f) {
    const FamilyGrid& g = plan.pool.families[f];
    if (g.family == family_id<ChcFamily>) {
      const ChcKeyLayout layout = chc_key_layout(g.view(family_values[f].data()));
      for (int64_t key = 0; key < layout.keys; ++key)
        units.push_back(MemberUnit{static_cast<int32_t>(f), key, 0, 0});
      continue;
    }
    for (int64_t k = g.first_member; k < g.first_member + g.size; k += 16)
      units.push_back(
          MemberUnit{static_cast<int32_t>(f), -1, k, std::min(k + 16, g.first_member + g.size)});
  }
  const int64_t n_units = static_cast<int64_t>(units.size());

  SelectorRun run;
  run.records.resize(static_cast<size_t>(T) * S);
  run.backend = Backend::cpu;
  run.device = cpu_device_label(threads);
  int64_t steps = 0, clamped = 0;

  for (int32_t r = 0; r < T; ++r) {
    throw_if_stop_requested();  // SIGINT/SIGTERM: stop between rounds
    SelectorRoundRecord* records = run.records.data() + static_cast<size_t>(r) * S;
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel_scenarios)
    for (int32_t s = 0; s < S; ++s) {
      const double rate = learner_rate(learner, options.eta, states[s], K, T);
      play_probabilities(score + static_cast<size_t>(s) * K, K, rate, explore,
                         probability.data() + static_cast<size_t>(s) * K, records[s]);
      records[s].rate = rate;
      records[s].pending = states[s].pending;
    }

    // Every (window, member) job of the round, through the sweep's per-job code: a member's
    // parameters are decoded once for all its windows, and a CHC planning key's members run
    // together, sharing their plans (docs/chc.md, "Plan tables").
#pragma omp parallel num_threads(threads) reduction(+ : steps, clamped) if (parallel_members)
    {
      std::vector<unsigned char> scratch(scratch_bytes);
      double params[kMaxAxes];
      const auto record = [&](int32_t w, int64_t k, const Outcome& o) {
        utility[static_cast<size_t>(w) * K + k] = o.utility;
        job_slots[static_cast<size_t>(w) * K + k] = o.slots;
        steps += o.slots;
        if (count_clamped) clamped += reward_is_clamped(o.utility, ranges[w % S]) ? 1 : 0;
      };
#pragma omp for schedule(dynamic, 1)
      for (int64_t u = 0; u < n_units; ++u) {
        if (stop_requested()) continue;  // the round is dropped: the check below throws
        const MemberUnit& unit = units[u];
        const FamilyGrid& grid = plan.pool.families[unit.grid];
        const FamilyGridView view = grid.view(family_values[unit.grid].data());
        if (unit.key >= 0) {
          CpuChcKey chc(view, chc_key_layout(view), unit.key, {}, plan.jobs, batch.tick_seconds);
          for (int32_t w = 0; w < windows; ++w)
            chc.run(batch, w, plan.job(w, r), plan.round_start[r],
                    [&](int32_t j, const Outcome& o) {
                      record(w, grid.first_member + chc.member_local(j), o);
                    });
          continue;
        }
        for (int64_t k = unit.first; k < unit.last; ++k) {
          decode_member(view, k - grid.first_member, params);
          visit_family(grid.family, [&](auto family) {
            for (int32_t w = 0; w < windows; ++w)
              record(w, k,
                     evaluate_member_job<decltype(family)>(params, batch.context(w, scratch.data()),
                                                           plan.job(w, r), plan.round_start[r]));
          });
        }
      }
    }
    throw_if_stop_requested();  // a dropped round never reaches the learner

    const int32_t start = plan.round_start[r];
    const int32_t cutoff = next_round_start(plan, r);
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel_scenarios)
    for (int32_t s = 0; s < S; ++s) {
      const size_t row = static_cast<size_t>(s) * K;
      const double* p = probability.data() + row;
      SelectorRoundRecord& rec = records[s];
      rec.regime = regimes > 1 ? adversary_regime(utility.data() + row, static_cast<size_t>(S) * K,
                                                  regimes, K, rec.leader)
                               : 0;
      const size_t window_row = (static_cast<size_t>(rec.regime) * S + s) * K;
      const double* u = utility.data() + window_row;
      const int32_t* slots = job_slots.data() + window_row;
      double expected = 0.0, total = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        expected += p[k] * u[k];
        total += p[k];
      }
      rec.expected_utility = expected;
      // Inverse CDF: the first member whose running sum passes the draw; the last member with
      // weight when the draw meets the rounded total.
      const double target =
          selector_draw(options.seed, static_cast<uint32_t>(s), static_cast<uint32_t>(r)) * total;
      int64_t played = -1, last_weighted = 0;
      double running = 0.0;
      for (int64_t k = 0; k < K && played < 0; ++k) {
        running += p[k];
        if (running > target) played = k;
      }
      if (played < 0) {
        for (int64_t k = 0; k < K; ++k)
          if (p[k] > 0.0) last_weighted = k;
        played = last_weighted;
      }
      rec.sampled_member = played;
      rec.sampled_utility = u[played];

      double* g = gain.data() + row;
      rec.best_member = 0;
      for (int64_t k = 0; k < K; ++k) {
        g[k] += u[k];
        if (g[k] > g[rec.best_member]) rec.best_member = k;
      }
      rec.best_cumulative = g[rec.best_member];
      // The baselines on the same round: the uniform mixture, and follow the leader on the same
      // fed-back utilities as the learner (uniform over the largest sums).
      rec.uniform_utility =
          fixed_order_sum(K, [u](int64_t k) { return u[k]; }) / static_cast<double>(K);
      const double* fed = delivered.data() + row;
      const double top = *std::max_element(fed, fed + K);
      int64_t leaders = 0;
      for (int64_t k = 0; k < K; ++k)
        leaders += fed[k] == top ? 1 : 0;
      rec.ftl_utility =
          fixed_order_sum(K, [u, fed, top](int64_t k) { return fed[k] == top ? u[k] : 0.0; }) /
          static_cast<double>(leaders);

      // Queue the round until its results arrive: when its last member's job ends (full
      // feedback) or the played member's (bandit).
      const ScenarioLearner L = learner_of(s);
      // feedback_queue_rounds leaves room for every round still pending (no job runs past its
      // horizon), so the slot's previous round has been fed back.
      QueuedRound& q = L.queue[r % queue_rounds];
      q.round = r;
      q.delivered = 0;
      q.played = played;
      q.played_probability = p[played];
      q.expected = expected;
      q.best = *std::max_element(u, u + K);
      const int32_t ran = bandit ? slots[played] : *std::max_element(slots, slots + K);
      q.arrival = arrival_slot(options.delay, start, ran);
      std::copy(u, u + K, L.queued + static_cast<size_t>(r % queue_rounds) * K);

      // Feed back, oldest first, every queued round whose results have arrived by the next
      // round's start; then the pending rounds' share of the bound.
      LearnerState& state = states[s];
      for (int32_t j = std::max(0, r - queue_rounds + 1); j <= r; ++j) {
        QueuedRound& e = L.queue[j % queue_rounds];
        if (e.delivered || e.arrival > cutoff) continue;
        deliver(learner, options.eta, K, T, L, e,
                L.queued + static_cast<size_t>(j % queue_rounds) * K);
        e.delivered = 1;
      }
      state.pending = 0;
      state.pending_cost = 0.0;
      for (int32_t j = std::max(0, r - queue_rounds + 1); j <= r; ++j) {
        const QueuedRound& e = L.queue[j % queue_rounds];
        if (e.delivered) continue;
        state.pending += 1;
        state.pending_cost += e.best - e.expected;
      }
      rec.regret_bound = selector_bound(learner, options.eta, state, K, T, ranges[s].width());
      rec.delay_cost = state.drift + state.pending_cost;
    }
    if (progress) progress(r + 1, T);
  }

  throw_if_stop_requested();
  // The weights after the last update: what the selector would play next.
  run.final_probability.resize(cells);
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel_scenarios)
  for (int32_t s = 0; s < S; ++s) {
    SelectorRoundRecord unused;
    play_probabilities(score + static_cast<size_t>(s) * K, K,
                       learner_rate(learner, options.eta, states[s], K, T), explore,
                       run.final_probability.data() + static_cast<size_t>(s) * K, unused);
  }
  run.policy_slot_steps = steps;
  run.rewards_clamped = clamped;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

}  // namespace spotsweep

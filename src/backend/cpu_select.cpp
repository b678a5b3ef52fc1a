// The selector's CPU backend (OpenMP), for one rank's members under MPI (docs/mpi.md, "select
// and stress"). Each round: play probabilities from the learner's scores (log-sum-exp, or the
// leaders' uniform mixture at η = +∞), every (window, member) job of the rank's members
// simulated through the sweep's per-job code, then per scenario the expected utility, the
// Philox-drawn played member, the true gains and the best member so far, the baselines' utilities
// (uniform mixture, follow the leader), the round queued until its results arrive, and the
// learner fed every queued round whose results have arrived (docs/select.md, "Delayed
// feedback"). Every sum, maximum and draw across members runs per fixed block of members
// (mpi::member_block()) in member order, and the blocks' partials are combined in block order
// on every rank, so that no result depends on how many ranks share the pool.
#include "spotsweep/backend/cpu_select.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

#include "spotsweep/backend/cpu_chc_key.hpp"
#include "spotsweep/backend/device.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/mpi.hpp"
#include "spotsweep/detail/stop.hpp"
#include "spotsweep/model/slot.hpp"

namespace spotsweep {

namespace {

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

// What a thread evaluates at a time: members [first, last) of grid `grid`, or the members of CHC
// planning key `key` (key ≥ 0) at places `within` of the key: those of this rank's share (a key
// cut by a rank boundary runs its own members on each rank, docs/mpi.md).
struct MemberUnit {
  int32_t grid = 0;
  int64_t key = -1;
  int64_t first = 0;
  int64_t last = 0;
  std::vector<int64_t> within;
};

// This rank's members as whole blocks of the pool's member blocks, and the all-gather that puts
// every block's partials, in block order, on every rank.
struct BlockLayout {
  int64_t members = 0;  // K, the pool
  int64_t block = 1;    // members per block
  int64_t blocks = 0;   // the pool's blocks
  int64_t begin = 0;    // this rank's members [begin, end)
  int64_t end = 0;
  int64_t first_block = 0;
  int64_t local_blocks = 0;
  int64_t gathered_bytes = 0;  // what the gathers brought to this rank, in all

  BlockLayout(int64_t pool_members, const mpi::MemberRange& range)
      : members(pool_members), block(mpi::member_block()), begin(range.begin), end(range.end) {
    blocks = (members + block - 1) / block;
    first_block = begin / block;
    local_blocks = (end - begin + block - 1) / block;
  }
  int64_t local() const { return end - begin; }
  // Local member indices [lo, hi) of local block j.
  int64_t lo(int64_t j) const { return (first_block + j) * block - begin; }
  int64_t hi(int64_t j) const { return std::min(end, (first_block + j + 1) * block) - begin; }

  // local: [local block][fields] doubles → [block][fields] of every rank, in block order.
  std::vector<double> gather(const std::vector<double>& local) {
    if (mpi::size() == 1) return local;
    const std::vector<unsigned char> bytes =
        mpi::all_gather_varying(local.data(), local.size() * sizeof(double));
    std::vector<double> all(bytes.size() / sizeof(double));
    if (!all.empty()) std::memcpy(all.data(), bytes.data(), bytes.size());
    gathered_bytes += static_cast<int64_t>(bytes.size());
    return all;
  }
};

// A log-sum-exp's per-block partial and its combination in block order: per block the largest
// x, then Σ exp(x − that largest) in member order; combined, M = max over blocks and
// Z = Σ_b Z_b · exp(m_b − M) in block order.
struct LogSumExp {
  double max = kMinusInfinity;
  double sum = 0.0;
};
void combine_log_sum_exp(const double* max_b, const double* sum_b, int64_t blocks, size_t stride,
                         LogSumExp* out) {
  out->max = kMinusInfinity;
  for (int64_t b = 0; b < blocks; ++b)
    out->max = std::max(out->max, max_b[b * stride]);
  out->sum = 0.0;
  for (int64_t b = 0; b < blocks; ++b)
    out->sum += sum_b[b * stride] * std::exp(max_b[b * stride] - out->max);
}

// The play probabilities of every scenario from the scores at the given rates: per block the
// largest score (η = +∞: and how many have it) or the largest log-weight and the sum of shifted
// exponentials, gathered, combined in block order; then each rank's p. With record given, the
// entropy and the leader (the first member with the largest p) too, by a second gather.
void play_probabilities(BlockLayout& layout, const double* score, int32_t S, const double* rates,
                        double explore, double* p, SelectorRoundRecord* records, int threads,
                        bool parallel) {
  const int64_t L = layout.local(), K = layout.members;
  std::vector<double> part(static_cast<size_t>(layout.local_blocks) * S * 2);
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel)
  for (int64_t item = 0; item < layout.local_blocks * S; ++item) {
    const int64_t j = item / S;
    const int32_t s = static_cast<int32_t>(item % S);
    const double* g = score + static_cast<size_t>(s) * L;
    const double rate = rates[s];
    double top = kMinusInfinity, sum = 0.0;
    if (rate_is_infinite(rate)) {
      for (int64_t k = layout.lo(j); k < layout.hi(j); ++k)
        top = std::max(top, g[k]);
      for (int64_t k = layout.lo(j); k < layout.hi(j); ++k)
        sum += g[k] == top ? 1.0 : 0.0;
    } else {
      for (int64_t k = layout.lo(j); k < layout.hi(j); ++k)
        top = std::max(top, rate * g[k]);
      for (int64_t k = layout.lo(j); k < layout.hi(j); ++k)
        sum += std::exp(rate * g[k] - top);
    }
    part[item * 2] = top;
    part[item * 2 + 1] = sum;
  }
  const std::vector<double> all = layout.gather(part);
  const size_t stride = static_cast<size_t>(S) * 2;
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel)
  for (int32_t s = 0; s < S; ++s) {
    const double rate = rates[s];
    const double* g = score + static_cast<size_t>(s) * L;
    double* ps = p + static_cast<size_t>(s) * L;
    if (rate_is_infinite(rate)) {
      double top = kMinusInfinity, leaders = 0.0;
      for (int64_t b = 0; b < layout.blocks; ++b)
        top = std::max(top, all[b * stride + s * 2]);
      for (int64_t b = 0; b < layout.blocks; ++b)
        leaders += all[b * stride + s * 2] == top ? all[b * stride + s * 2 + 1] : 0.0;
      for (int64_t k = 0; k < L; ++k)
        ps[k] = g[k] == top ? 1.0 / leaders : 0.0;
    } else {
      LogSumExp z;
      combine_log_sum_exp(all.data() + s * 2, all.data() + s * 2 + 1, layout.blocks, stride, &z);
      for (int64_t k = 0; k < L; ++k)
        ps[k] = selector_probability(rate * g[k], z.max, z.sum, explore, K);
    }
  }
  if (records == nullptr) return;
  // Entropy (−Σ p ln p per block in member order) and each block's first member with the
  // largest p; combined in block order (the first block's on ties).
  std::vector<double> rec(static_cast<size_t>(layout.local_blocks) * S * 3);
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel)
  for (int64_t item = 0; item < layout.local_blocks * S; ++item) {
    const int64_t j = item / S;
    const int32_t s = static_cast<int32_t>(item % S);
    const double* ps = p + static_cast<size_t>(s) * L;
    double entropy = 0.0, top = -1.0, leader = 0.0;
    for (int64_t k = layout.lo(j); k < layout.hi(j); ++k) {
      if (ps[k] > 0.0) entropy -= ps[k] * std::log(ps[k]);
      if (ps[k] > top) {
        top = ps[k];
        leader = static_cast<double>(layout.begin + k);
      }
    }
    rec[item * 3] = entropy;
    rec[item * 3 + 1] = top;
    rec[item * 3 + 2] = leader;
  }
  const std::vector<double> rec_all = layout.gather(rec);
  for (int32_t s = 0; s < S; ++s) {
    SelectorRoundRecord& r = records[s];
    r.entropy = 0.0;
    r.leader_probability = -1.0;
    for (int64_t b = 0; b < layout.blocks; ++b) {
      const double* x = rec_all.data() + (b * S + s) * 3;
      r.entropy += x[0];
      if (x[1] > r.leader_probability) {
        r.leader_probability = x[1];
        r.leader = static_cast<int64_t>(x[2]);
      }
    }
  }
}

// The learner's side of one scenario on this rank: its scores, the fed-back utilities, its state
// and queue (the metadata of every queued round is the whole pool's; the utilities this rank's).
struct ScenarioLearner {
  double* score;      // the learner's scores (the fed-back utilities for AdaHedge, FlipFlop)
  double* delivered;  // Σ of the fed-back utilities, USD: follow-the-leader's scores
  LearnerState* state;
  QueuedRound* queue;  // [queue rounds]
  double* queued;      // [queue rounds][local member] utilities
  UtilityRange range;
};

// One delivery in progress: a scenario and the queued round it feeds back.
struct Delivery {
  int32_t scenario = 0;
  int32_t slot = 0;  // in the scenario's queue
  double rate = 0.0;
};

// Feeds one batch of rounds (at most one per scenario) to the learners (docs/select.md,
// "Learners"): what the current weights make of each round (the maximum score, ln Z, q·u, q of
// the played member: per block, gathered, combined in block order), the update, and for the
// adaptive learners ln Z after it (a second gather), then the gap and the bound's terms.
void deliver_batch(BlockLayout& layout, Learner learner, int64_t K,
                   const std::vector<Delivery>& batch, const std::vector<ScenarioLearner>& learners,
                   double explore, int threads, bool parallel) {
  const int64_t L = layout.local();
  const int64_t n = static_cast<int64_t>(batch.size());
  constexpr int kFields = 6;  // max, partition, weighted, plain, played score, played utility
  std::vector<double> part(static_cast<size_t>(layout.local_blocks) * n * kFields);
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel)
  for (int64_t item = 0; item < layout.local_blocks * n; ++item) {
    const int64_t j = item / n;
    const Delivery& d = batch[item % n];
    const ScenarioLearner& s = learners[d.scenario];
    const QueuedRound& q = s.queue[d.slot];
    const double* u = s.queued + static_cast<size_t>(d.slot) * L;
    const double* g = s.score;
    double top = kMinusInfinity, partition = 0.0, weighted = 0.0, plain = 0.0;
    double played_score = kMinusInfinity, played_utility = kMinusInfinity;
    for (int64_t k = layout.lo(j); k < layout.hi(j); ++k)
      top = std::max(top, g[k]);
    if (rate_is_infinite(d.rate)) {
      for (int64_t k = layout.lo(j); k < layout.hi(j); ++k)
        if (g[k] == top) {
          partition += 1.0;
          weighted += u[k];
        }
    } else {
      for (int64_t k = layout.lo(j); k < layout.hi(j); ++k) {
        const double e = std::exp(d.rate * (g[k] - top));
        partition += e;
        weighted += e * u[k];
        plain += u[k];
      }
    }
    const int64_t played = q.played - layout.begin;
    if (played >= layout.lo(j) && played < layout.hi(j)) {
      played_score = g[played];
      played_utility = u[played];
    }
    double* x = part.data() + item * kFields;
    x[0] = top;
    x[1] = partition;
    x[2] = weighted;
    x[3] = plain;
    x[4] = played_score;
    x[5] = played_utility;
  }
  const std::vector<double> all = layout.gather(part);
  const size_t stride = static_cast<size_t>(n) * kFields;
  const bool adaptive =
      learner == Learner::adahedge || learner == Learner::flipflop || learner == Learner::exp3_ada;

  struct Weighing {
    double max_score = kMinusInfinity, log_partition = 0.0, gain = 0.0, played_weight = 0.0;
    double leaders = 0.0, played_score = kMinusInfinity, played_utility = kMinusInfinity;
    double loss = 0.0;
  };
  std::vector<Weighing> weighed(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const Delivery& d = batch[i];
    const double* x0 = all.data() + i * kFields;
    Weighing& w = weighed[i];
    for (int64_t b = 0; b < layout.blocks; ++b) {
      w.max_score = std::max(w.max_score, x0[b * stride]);
      w.played_score = std::max(w.played_score, x0[b * stride + 4]);
      w.played_utility = std::max(w.played_utility, x0[b * stride + 5]);
    }
    if (rate_is_infinite(d.rate)) {
      double sum = 0.0;
      for (int64_t b = 0; b < layout.blocks; ++b)
        if (x0[b * stride] == w.max_score) {
          w.leaders += x0[b * stride + 1];
          sum += x0[b * stride + 2];
        }
      w.gain = sum / w.leaders;
      w.played_weight = w.played_score == w.max_score ? 1.0 / w.leaders : 0.0;
      continue;
    }
    double partition = 0.0, weighted = 0.0, plain = 0.0;
    for (int64_t b = 0; b < layout.blocks; ++b) {
      const double scale = std::exp(d.rate * (x0[b * stride] - w.max_score));
      partition += x0[b * stride + 1] * scale;
      weighted += x0[b * stride + 2] * scale;
      plain += x0[b * stride + 3];
    }
    w.log_partition = std::log(partition);
    const double hedge_played = std::exp(d.rate * (w.played_score - w.max_score)) / partition;
    w.gain = weighted / partition;
    w.played_weight = hedge_played;
    if (explore > 0.0) {
      w.gain = (1.0 - explore) * w.gain + explore * plain / static_cast<double>(K);
      w.played_weight = (1.0 - explore) * hedge_played + explore / static_cast<double>(K);
    }
  }

  // The update, on this rank's members (the played member's score by its owner); one scenario
  // per delivery of the batch.
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel)
  for (int64_t i = 0; i < n; ++i) {
    const Delivery& d = batch[i];
    const ScenarioLearner& s = learners[d.scenario];
    const QueuedRound& q = s.queue[d.slot];
    const double* u = s.queued + static_cast<size_t>(d.slot) * L;
    Weighing& w = weighed[i];
    const int64_t played = q.played - layout.begin;
    const bool own_played = played >= 0 && played < L;
    switch (learner) {
      case Learner::adahedge:
      case Learner::flipflop:
        for (int64_t k = 0; k < L; ++k)
          s.delivered[k] += u[k];  // s.score is s.delivered
        break;
      case Learner::hedge:
        for (int64_t k = 0; k < L; ++k) {
          s.score[k] += normalised_reward(u[k], s.range);
          s.delivered[k] += u[k];
        }
        break;
      case Learner::exp3:
        if (own_played)
          s.score[played] += normalised_reward(u[played], s.range) / q.played_probability;
        for (int64_t k = 0; k < L; ++k)
          s.delivered[k] += u[k];
        break;
      case Learner::exp3_ada:
        w.loss = exp3_ada_loss_estimate(w.played_utility, s.range, q.played_probability);
        if (own_played) s.score[played] -= w.loss;
        for (int64_t k = 0; k < L; ++k)
          s.delivered[k] += u[k];
        break;
    }
  }

  // ln Z′ and max G′ after the update, for the adaptive learners' gaps.
  std::vector<LogSumExp> after(static_cast<size_t>(n));
  if (adaptive) {
    std::vector<double> part_after(static_cast<size_t>(layout.local_blocks) * n * 2);
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel)
    for (int64_t item = 0; item < layout.local_blocks * n; ++item) {
      const int64_t j = item / n;
      const Delivery& d = batch[item % n];
      const double* g = learners[d.scenario].score;
      double top = kMinusInfinity, sum = 0.0;
      for (int64_t k = layout.lo(j); k < layout.hi(j); ++k)
        top = std::max(top, g[k]);
      if (!rate_is_infinite(d.rate))
        for (int64_t k = layout.lo(j); k < layout.hi(j); ++k)
          sum += std::exp(d.rate * (g[k] - top));
      part_after[item * 2] = top;
      part_after[item * 2 + 1] = sum;
    }
    const std::vector<double> all_after = layout.gather(part_after);
    for (int64_t i = 0; i < n; ++i) {
      LogSumExp& z = after[i];
      const double rate = batch[i].rate;
      if (rate_is_infinite(rate)) {
        for (int64_t b = 0; b < layout.blocks; ++b)
          z.max = std::max(z.max, all_after[b * n * 2 + i * 2]);
        z.sum = 0.0;  // ln Z′ = 0 when η = +∞
      } else {
        // exp(η (G − m_b)) per block, rescaled by exp(η (m_b − M)).
        z.max = kMinusInfinity;
        for (int64_t b = 0; b < layout.blocks; ++b)
          z.max = std::max(z.max, all_after[b * n * 2 + i * 2]);
        double sum = 0.0;
        for (int64_t b = 0; b < layout.blocks; ++b)
          sum += all_after[b * n * 2 + i * 2 + 1] *
                 std::exp(rate * (all_after[b * n * 2 + i * 2] - z.max));
        z.sum = std::log(sum);
      }
    }
  }

  for (int64_t i = 0; i < n; ++i) {
    const Delivery& d = batch[i];
    const ScenarioLearner& s = learners[d.scenario];
    QueuedRound& q = s.queue[d.slot];
    LearnerState& state = *s.state;
    const Weighing& w = weighed[i];
    const double rate = d.rate;
    state.drift += w.gain - q.expected;
    double gap = 0.0, shortfall = 0.0;
    if (learner == Learner::adahedge || learner == Learner::flipflop) {
      gap = mixability_gap(rate, w.gain, w.max_score, after[i].max, w.log_partition, after[i].sum);
      shortfall = soft_max_shortfall(rate, K, after[i].sum);
    } else if (learner == Learner::exp3_ada) {
      if (rate_is_infinite(rate)) {
        const bool was_leader = w.played_score == w.max_score;
        const double leader_gain = was_leader ? -w.loss / w.leaders : 0.0;
        gap = mixability_gap(rate, leader_gain, w.max_score, after[i].max, 0.0, 0.0);
      } else {
        gap = single_loss_gap(rate, w.played_weight, w.loss);
      }
      shortfall = soft_max_shortfall(rate, K, after[i].sum);
    }
    book_delivery(learner, state, rate, gap, shortfall);
    q.delivered = 1;
  }
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
  BlockLayout layout(K, mpi::own_range(K));
  const int64_t L = layout.local();  // this rank's members
  const int64_t lb = layout.local_blocks;
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

  const size_t cells = static_cast<size_t>(S) * static_cast<size_t>(L);
  std::vector<double> gain(cells, 0.0);       // true cumulative utility, every round at once
  std::vector<double> delivered(cells, 0.0);  // cumulative fed-back utility
  std::vector<double> own_score(learner_has_own_scores(learner) ? cells : 0, 0.0);
  double* score = learner_has_own_scores(learner) ? own_score.data() : delivered.data();
  std::vector<double> utility(static_cast<size_t>(windows) * L);  // [window][local member], USD
  std::vector<int32_t> job_slots(static_cast<size_t>(windows) * L);
  std::vector<double> probability(cells);
  std::vector<LearnerState> states(static_cast<size_t>(S));
  std::vector<QueuedRound> queue(static_cast<size_t>(S) * queue_rounds);
  std::vector<double> queued(static_cast<size_t>(S) * queue_rounds * L);
  std::vector<ScenarioLearner> learners;
  for (int32_t s = 0; s < S; ++s) {
    const size_t row = static_cast<size_t>(s) * L;
    learners.push_back(ScenarioLearner{score + row, delivered.data() + row, &states[s],
                                       queue.data() + static_cast<size_t>(s) * queue_rounds,
                                       queued.data() + static_cast<size_t>(s) * queue_rounds * L,
                                       ranges[s]});
  }

  // Small shares do not pay for a parallel region per pass (threads would mostly wait).
  const bool parallel_members = static_cast<int64_t>(windows) * L >= 256 && L > 1;
  const bool parallel_blocks = static_cast<int64_t>(S) * L >= (int64_t(1) << 14);

  // What a thread takes at a time: this rank's members of one CHC planning key, or a run of 16
  // members of another family.
  std::vector<MemberUnit> units;
  for (size_t f = 0; f < plan.pool.families.size(); ++f) {
    const FamilyGrid& g = plan.pool.families[f];
    const int64_t lo = std::max(layout.begin, g.first_member);
    const int64_t hi = std::min(layout.end, g.first_member + g.size);
    if (lo >= hi) continue;
    if (g.family == family_id<ChcFamily>) {
      const ChcKeyLayout keys = chc_key_layout(g.view(family_values[f].data()));
      for (int64_t key = 0; key < keys.keys; ++key) {
        MemberUnit unit{static_cast<int32_t>(f), key, 0, 0, {}};
        for (int64_t j = 0; j < keys.members_per_key; ++j) {
          const int64_t m = g.first_member + keys.member_local(key, j);
          if (m >= lo && m < hi) unit.within.push_back(j);
        }
        if (!unit.within.empty()) units.push_back(std::move(unit));
      }
      continue;
    }
    for (int64_t k = lo; k < hi; k += 16)
      units.push_back(MemberUnit{static_cast<int32_t>(f), -1, k, std::min(k + 16, hi), {}});
  }
  const int64_t n_units = static_cast<int64_t>(units.size());

  SelectorRun run;
  run.records.resize(static_cast<size_t>(T) * S);
  run.backend = Backend::cpu;
  run.device = cpu_device_label(threads);
  run.member_begin = layout.begin;
  run.member_end = layout.end;
  int64_t steps = 0, clamped = 0;
  std::vector<double> rates(static_cast<size_t>(S));

  for (int32_t r = 0; r < T; ++r) {
    mpi::throw_if_stop_requested_by_any_rank();  // SIGINT/SIGTERM: stop between rounds
    SelectorRoundRecord* records = run.records.data() + static_cast<size_t>(r) * S;
    for (int32_t s = 0; s < S; ++s) {
      rates[s] = learner_rate(learner, options.eta, states[s], K, T);
      records[s].rate = rates[s];
      records[s].pending = states[s].pending;
    }
    play_probabilities(layout, score, S, rates.data(), explore, probability.data(), records,
                       threads, parallel_blocks);

    // Every (window, member) job of the round for this rank's members, through the sweep's
    // per-job code: a member's parameters are decoded once for all its windows, and a CHC
    // planning key's members run together, sharing their plans (docs/chc.md, "Plan tables").
#pragma omp parallel num_threads(threads) reduction(+ : steps, clamped) if (parallel_members)
    {
      std::vector<unsigned char> scratch(scratch_bytes);
      double params[kMaxAxes];
      // k: the member's index in this rank's share.
      const auto record = [&](int32_t w, int64_t k, const Outcome& o) {
        utility[static_cast<size_t>(w) * L + k] = o.utility;
        job_slots[static_cast<size_t>(w) * L + k] = o.slots;
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
          CpuChcKey chc(view, chc_key_layout(view), unit.key, unit.within, plan.jobs,
                        batch.tick_seconds);
          for (int32_t w = 0; w < windows; ++w)
            chc.run(batch, w, plan.job(w, r), plan.round_start[r],
                    [&](int32_t j, const Outcome& o) {
                      record(w, grid.first_member + chc.member_local(j) - layout.begin, o);
                    });
          continue;
        }
        for (int64_t k = unit.first; k < unit.last; ++k) {
          decode_member(view, k - grid.first_member, params);
          visit_family(grid.family, [&](auto family) {
            for (int32_t w = 0; w < windows; ++w)
              record(w, k - layout.begin,
                     evaluate_member_job<decltype(family)>(params, batch.context(w, scratch.data()),
                                                           plan.job(w, r), plan.round_start[r]));
          });
        }
      }
    }
    // The tests' failure point (docs/mpi.md, "Failure"), agreed by every rank.
    if (r == T / 2) mpi::agreed([] { mpi::test_failure_point("evaluate"); });
    mpi::throw_if_stop_requested_by_any_rank();  // a dropped round never reaches the learner

    // The adaptive adversary: per scenario and regime the round's best utility and the leader's,
    // per block (the leader's from the block that holds it), the largest gap wins (the first
    // regime on ties).
    if (regimes > 1) {
      std::vector<double> part(static_cast<size_t>(lb) * S * regimes * 2);
      for (int64_t item = 0; item < lb * S; ++item) {
        const int64_t j = item / S;
        const int32_t s = static_cast<int32_t>(item % S);
        const int64_t leader = records[s].leader - layout.begin;
        for (int32_t c = 0; c < regimes; ++c) {
          const double* u = utility.data() + (static_cast<size_t>(c) * S + s) * L;
          double top = kMinusInfinity;
          for (int64_t k = layout.lo(j); k < layout.hi(j); ++k)
            top = std::max(top, u[k]);
          const bool holds = leader >= layout.lo(j) && leader < layout.hi(j);
          part[(item * regimes + c) * 2] = top;
          part[(item * regimes + c) * 2 + 1] = holds ? u[leader] : kMinusInfinity;
        }
      }
      const std::vector<double> all = layout.gather(part);
      for (int32_t s = 0; s < S; ++s) {
        double widest = -1.0;
        records[s].regime = 0;
        for (int32_t c = 0; c < regimes; ++c) {
          double top = kMinusInfinity, of_leader = kMinusInfinity;
          for (int64_t b = 0; b < layout.blocks; ++b) {
            const double* x = all.data() + ((b * S + s) * regimes + c) * 2;
            top = std::max(top, x[0]);
            of_leader = std::max(of_leader, x[1]);
          }
          if (top - of_leader > widest) {
            widest = top - of_leader;
            records[s].regime = c;
          }
        }
      }
    }

    // The round's sums and maxima per (block, scenario), in member order inside the block:
    // Σ p·u, Σ p (the draw's block totals), the last member with weight, max u, the longest job,
    // the best cumulative utility (first on ties), Σ u (the uniform mixture), and
    // follow-the-leader's largest fed-back sum, Σ u over the members that have it, and their
    // count.
    constexpr int kFields = 11;
    std::vector<double> part(static_cast<size_t>(lb) * S * kFields);
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel_blocks)
    for (int64_t item = 0; item < lb * S; ++item) {
      const int64_t j = item / S;
      const int32_t s = static_cast<int32_t>(item % S);
      const size_t row = static_cast<size_t>(s) * L;
      const size_t window_row = (static_cast<size_t>(records[s].regime) * S + s) * L;
      const double* p = probability.data() + row;
      const double* u = utility.data() + window_row;
      const int32_t* slots = job_slots.data() + window_row;
      double* g = gain.data() + row;
      const double* fed = delivered.data() + row;
      double expected = 0.0, total = 0.0, last_weighted = -1.0, top_u = kMinusInfinity;
      double longest = 0.0, best = kMinusInfinity, best_member = 0.0, plain = 0.0;
      double top_fed = kMinusInfinity, ftl = 0.0, leaders = 0.0;
      for (int64_t k = layout.lo(j); k < layout.hi(j); ++k) {
        expected += p[k] * u[k];
        total += p[k];
        if (p[k] > 0.0) last_weighted = static_cast<double>(layout.begin + k);
        top_u = std::max(top_u, u[k]);
        longest = std::max(longest, static_cast<double>(slots[k]));
        g[k] += u[k];
        if (g[k] > best) {
          best = g[k];
          best_member = static_cast<double>(layout.begin + k);
        }
        plain += u[k];
        top_fed = std::max(top_fed, fed[k]);
      }
      for (int64_t k = layout.lo(j); k < layout.hi(j); ++k)
        if (fed[k] == top_fed) {
          ftl += u[k];
          leaders += 1.0;
        }
      double* x = part.data() + item * kFields;
      x[0] = expected;
      x[1] = total;
      x[2] = last_weighted;
      x[3] = top_u;
      x[4] = longest;
      x[5] = best;
      x[6] = best_member;
      x[7] = plain;
      x[8] = top_fed;
      x[9] = ftl;
      x[10] = leaders;
    }
    const std::vector<double> all = layout.gather(part);

    // The played member by inverse CDF: the first block, in block order, whose running total
    // passes draw·Σp, then inside it the first member whose running sum (from that block's
    // start, added to the blocks before it) passes it; its owner reports it to every rank.
    // Without such a block (the draw meets the rounded total): the last member with weight.
    constexpr int kPlayedFields = 5;  // found here, member, p, u, slots
    std::vector<double> played_here(static_cast<size_t>(S) * kPlayedFields, 0.0);
    std::vector<double> target(static_cast<size_t>(S)), carry(static_cast<size_t>(S));
    std::vector<int64_t> chosen_block(static_cast<size_t>(S), -1);
    for (int32_t s = 0; s < S; ++s) {
      SelectorRoundRecord& rec = records[s];
      double expected = 0.0, total = 0.0, last_weighted = -1.0, top_u = kMinusInfinity;
      double longest = 0.0, best = kMinusInfinity, plain = 0.0, top_fed = kMinusInfinity;
      double ftl = 0.0, leaders = 0.0;
      int64_t best_member = 0;
      for (int64_t b = 0; b < layout.blocks; ++b) {
        const double* x = all.data() + (b * S + s) * kFields;
        expected += x[0];
        total += x[1];
        last_weighted = std::max(last_weighted, x[2]);
        top_u = std::max(top_u, x[3]);
        longest = std::max(longest, x[4]);
        if (x[5] > best) {
          best = x[5];
          best_member = static_cast<int64_t>(x[6]);
        }
        plain += x[7];
        top_fed = std::max(top_fed, x[8]);
      }
      for (int64_t b = 0; b < layout.blocks; ++b) {
        const double* x = all.data() + (b * S + s) * kFields;
        if (x[8] == top_fed) {
          ftl += x[9];
          leaders += x[10];
        }
      }
      rec.expected_utility = expected;
      rec.best_member = best_member;
      rec.best_cumulative = best;
      rec.uniform_utility = plain / static_cast<double>(K);
      rec.ftl_utility = ftl / leaders;
      target[s] =
          selector_draw(options.seed, static_cast<uint32_t>(s), static_cast<uint32_t>(r)) * total;
      double running = 0.0;
      for (int64_t b = 0; b < layout.blocks && chosen_block[s] < 0; ++b) {
        const double block_total = all[(b * S + s) * kFields + 1];
        if (running + block_total > target[s]) {
          chosen_block[s] = b;
          carry[s] = running;
        } else {
          running += block_total;
        }
      }
      const int64_t fallback = last_weighted < 0.0 ? 0 : static_cast<int64_t>(last_weighted);
      int64_t played = -1;
      const int64_t local_block = chosen_block[s] - layout.first_block;
      const size_t row = static_cast<size_t>(s) * L;
      const double* p = probability.data() + row;
      if (chosen_block[s] >= 0 && local_block >= 0 && local_block < lb) {
        double inside = 0.0;
        for (int64_t k = layout.lo(local_block); k < layout.hi(local_block) && played < 0; ++k) {
          inside += p[k];
          if (carry[s] + inside > target[s]) played = k;
        }
        SPOTSWEEP_EXPECTS(played >= 0, "the drawn block holds the drawn member");
      } else if (chosen_block[s] < 0 && fallback >= layout.begin && fallback < layout.end) {
        played = fallback - layout.begin;
      }
      if (played >= 0) {
        const size_t window_row = (static_cast<size_t>(rec.regime) * S + s) * L;
        double* x = played_here.data() + static_cast<size_t>(s) * kPlayedFields;
        x[0] = 1.0;
        x[1] = static_cast<double>(layout.begin + played);
        x[2] = p[played];
        x[3] = utility[window_row + played];
        x[4] = static_cast<double>(job_slots[window_row + played]);
      }
      // The round's metadata in the queue (its utilities below).
      QueuedRound& q = learners[s].queue[r % queue_rounds];
      q.round = r;
      q.delivered = 0;
      q.expected = expected;
      q.best = top_u;
      q.arrival = static_cast<int32_t>(longest);  // until the played member is known
    }
    std::vector<double> played_all = played_here;
    if (mpi::size() > 1) {
      const std::vector<unsigned char> bytes =
          mpi::all_gather(played_here.data(), played_here.size() * sizeof(double));
      played_all.resize(bytes.size() / sizeof(double));
      std::memcpy(played_all.data(), bytes.data(), bytes.size());
      layout.gathered_bytes += static_cast<int64_t>(bytes.size());
    }
    const int32_t start = plan.round_start[r];
    const int32_t cutoff = next_round_start(plan, r);
    for (int32_t s = 0; s < S; ++s) {
      const double* x = nullptr;
      for (int rank = 0; rank < mpi::size(); ++rank) {
        const double* y = played_all.data() + (static_cast<size_t>(rank) * S + s) * kPlayedFields;
        if (y[0] == 1.0) x = y;
      }
      SPOTSWEEP_EXPECTS(x != nullptr, "one rank holds the played member");
      SelectorRoundRecord& rec = records[s];
      rec.sampled_member = static_cast<int64_t>(x[1]);
      rec.sampled_utility = x[3];
      // Queue the round until its results arrive: when its last member's job ends (full
      // feedback) or the played member's (bandit). feedback_queue_rounds leaves room for every
      // round still pending (no job runs past its horizon), so the slot's previous round has
      // been fed back.
      QueuedRound& q = learners[s].queue[r % queue_rounds];
      q.played = rec.sampled_member;
      q.played_probability = x[2];
      const int32_t ran = bandit ? static_cast<int32_t>(x[4]) : q.arrival;
      q.arrival = arrival_slot(options.delay, start, ran);
      const size_t window_row = (static_cast<size_t>(rec.regime) * S + s) * L;
      std::copy(utility.data() + window_row, utility.data() + window_row + L,
                learners[s].queued + static_cast<size_t>(r % queue_rounds) * L);
    }

    // Feed back, oldest first, every queued round whose results have arrived by the next
    // round's start, in batches of at most one round per scenario; then the pending rounds'
    // share of the bound.
    std::vector<std::vector<int32_t>> due(static_cast<size_t>(S));
    size_t most = 0;
    for (int32_t s = 0; s < S; ++s) {
      for (int32_t j = std::max(0, r - queue_rounds + 1); j <= r; ++j) {
        const QueuedRound& e = learners[s].queue[j % queue_rounds];
        if (!e.delivered && e.arrival <= cutoff) due[s].push_back(j % queue_rounds);
      }
      most = std::max(most, due[s].size());
    }
    for (size_t step = 0; step < most; ++step) {
      std::vector<Delivery> deliveries;
      for (int32_t s = 0; s < S; ++s)
        if (step < due[s].size())
          deliveries.push_back(
              Delivery{s, due[s][step], learner_rate(learner, options.eta, states[s], K, T)});
      deliver_batch(layout, learner, K, deliveries, learners, explore, threads, parallel_blocks);
    }
    for (int32_t s = 0; s < S; ++s) {
      LearnerState& state = states[s];
      state.pending = 0;
      state.pending_cost = 0.0;
      for (int32_t j = std::max(0, r - queue_rounds + 1); j <= r; ++j) {
        const QueuedRound& e = learners[s].queue[j % queue_rounds];
        if (e.delivered) continue;
        state.pending += 1;
        state.pending_cost += e.best - e.expected;
      }
      records[s].regret_bound =
          selector_bound(learner, options.eta, state, K, T, ranges[s].width());
      records[s].delay_cost = state.drift + state.pending_cost;
    }
    if (r == 0) run.gathered_bytes_first_round = layout.gathered_bytes;
    if (progress) progress(r + 1, T);
  }

  mpi::throw_if_stop_requested_by_any_rank();
  // The weights after the last update: what the selector would play next.
  run.final_probability.resize(cells);
  for (int32_t s = 0; s < S; ++s)
    rates[s] = learner_rate(learner, options.eta, states[s], K, T);
  play_probabilities(layout, score, S, rates.data(), explore, run.final_probability.data(), nullptr,
                     threads, parallel_blocks);
  run.policy_slot_steps = steps;
  run.rewards_clamped = clamped;
  run.gathered_bytes = layout.gathered_bytes;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

}  // namespace spotsweep

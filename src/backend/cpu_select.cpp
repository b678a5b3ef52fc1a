// The selector's CPU backend (OpenMP). Each round:
// play probabilities from the log-weights (log-sum-exp), every (scenario, member) job
// simulated through the sweep's per-job code, then per scenario the expected reward, the
// Philox-drawn played member, the gain update and the best member so far.
#include "spotsweep/backend/cpu_select.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "spotsweep/backend/device.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/stop.hpp"
#include "spotsweep/model/slot.hpp"

namespace spotsweep {

namespace {

// The adaptive adversary's regime for one scenario: the one in which the leader trails the
// round's best member by the most (the first on ties). rewards holds regimes rows of K,
// `stride` apart.
int32_t adversary_regime(const double* rewards, size_t stride, int32_t regimes, int64_t members,
                         int64_t leader) {
  int32_t chosen = 0;
  double widest = -1.0;
  for (int32_t c = 0; c < regimes; ++c) {
    const double* x = rewards + c * stride;
    const double gap = *std::max_element(x, x + members) - x[leader];
    if (gap > widest) {
      widest = gap;
      chosen = c;
    }
  }
  return chosen;
}

// One scenario's play probabilities p from its gains (log-sum-exp, members in order), with
// their entropy and leader written to rec.
void play_probabilities(const double* gain, int64_t members, double scale, double explore,
                        double* p, SelectorRoundRecord& rec) {
  double max_log_weight = -std::numeric_limits<double>::infinity(), partition = 0.0;
  for (int64_t k = 0; k < members; ++k)
    max_log_weight = std::max(max_log_weight, scale * gain[k]);
  for (int64_t k = 0; k < members; ++k)
    partition += std::exp(scale * gain[k] - max_log_weight);
  rec.entropy = 0.0;
  rec.leader_probability = -1.0;
  for (int64_t k = 0; k < members; ++k) {
    p[k] = selector_probability(scale * gain[k], max_log_weight, partition, explore, members);
    if (p[k] > 0.0) rec.entropy -= p[k] * std::log(p[k]);
    if (p[k] > rec.leader_probability) {
      rec.leader_probability = p[k];
      rec.leader = k;
    }
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
  const ScenarioBatchView batch = plan.scenarios.view();
  const int threads = options.exec.cpu_threads();
  const size_t scratch_bytes = max_scratch_bytes(plan);
  const bool bandit = options.feedback == Feedback::bandit;
  const double explore = bandit ? exp3_gamma(K, T) : 0.0;
  const int32_t regimes = options.regimes;

  std::vector<std::vector<double>> family_values;
  for (const FamilyGrid& g : plan.pool.families)
    family_values.push_back(g.flat_values());

  const size_t cells = static_cast<size_t>(S) * static_cast<size_t>(K);
  std::vector<double> gain(cells, 0.0);                   // true cumulative reward
  std::vector<double> estimate(bandit ? cells : 0, 0.0);  // EXP3's importance-weighted gain
  std::vector<double> reward(static_cast<size_t>(windows) * K),
      probability(cells);  // reward: [window][member]
  const std::vector<double>& weight_gain = bandit ? estimate : gain;

  // Small pools do not pay for a parallel region per pass (threads would mostly wait).
  const bool parallel_members = static_cast<int64_t>(windows) * K >= 256 && K > 1;
  const bool parallel_scenarios = static_cast<int64_t>(S) * K >= (int64_t(1) << 14);

  SelectorRun run;
  run.records.resize(static_cast<size_t>(T) * S);
  run.backend = Backend::cpu;
  run.device = cpu_device_label(threads);
  int64_t steps = 0, clamped = 0;

  for (int32_t r = 0; r < T; ++r) {
    throw_if_stop_requested();  // SIGINT/SIGTERM: stop between rounds
    const double scale = selector_log_weight_scale(options.feedback, options.eta, K, T, r + 1);
    SelectorRoundRecord* records = run.records.data() + static_cast<size_t>(r) * S;
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel_scenarios)
    for (int32_t s = 0; s < S; ++s)
      play_probabilities(weight_gain.data() + static_cast<size_t>(s) * K, K, scale, explore,
                         probability.data() + static_cast<size_t>(s) * K, records[s]);

      // Every (window, member) job of the round, through the sweep's per-job code; a member's
      // parameters are decoded once for all its windows.
#pragma omp parallel num_threads(threads) reduction(+ : steps, clamped) if (parallel_members)
    {
      std::vector<unsigned char> scratch(scratch_bytes);
      double params[kMaxAxes];
#pragma omp for schedule(dynamic, 16)
      for (int64_t k = 0; k < K; ++k) {
        if (stop_requested()) continue;  // the round is dropped: the loop above throws
        const MemberRef ref = plan.pool.locate(k);
        const FamilyGrid& grid = plan.pool.families[ref.family_index];
        decode_member(grid.view(family_values[ref.family_index].data()), ref.local, params);
        visit_family(grid.family, [&](auto family) {
          for (int32_t w = 0; w < windows; ++w) {
            const Outcome o = evaluate_member_job<decltype(family)>(
                params, batch.context(w, scratch.data()), plan.job(w, r), plan.round_start[r]);
            reward[static_cast<size_t>(w) * K + k] = normalised_reward(o.utility, ranges[w % S]);
            steps += o.slots;
            clamped += reward_is_clamped(o.utility, ranges[w % S]) ? 1 : 0;
          }
        });
      }
    }

#pragma omp parallel for schedule(static) num_threads(threads) if (parallel_scenarios)
    for (int32_t s = 0; s < S; ++s) {
      const size_t row = static_cast<size_t>(s) * K;
      const double* p = probability.data() + row;
      SelectorRoundRecord& rec = records[s];
      rec.regime = regimes > 1 ? adversary_regime(reward.data() + row, static_cast<size_t>(S) * K,
                                                  regimes, K, rec.leader)
                               : 0;
      const double* x = reward.data() + (static_cast<size_t>(rec.regime) * S + s) * K;
      double expected = 0.0, total = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        expected += p[k] * x[k];
        total += p[k];
      }
      rec.expected_reward = expected;
      // Inverse CDF: the first member whose running sum passes the draw.
      const double target =
          selector_draw(options.seed, static_cast<uint32_t>(s), static_cast<uint32_t>(r)) * total;
      int64_t played = -1;
      double running = 0.0;
      for (int64_t k = 0; k < K && played < 0; ++k) {
        running += p[k];
        if (running > target) played = k;
      }
      if (played < 0) played = K - 1;  // the draw met the rounded total
      rec.sampled_member = played;
      rec.sampled_reward = x[played];
      double* g = gain.data() + row;
      rec.best_member = 0;
      for (int64_t k = 0; k < K; ++k) {
        g[k] += x[k];
        if (g[k] > g[rec.best_member]) rec.best_member = k;
      }
      rec.best_gain = g[rec.best_member];
      if (bandit) estimate[row + played] += x[played] / p[played];
    }
    if (progress) progress(r + 1, T);
  }

  throw_if_stop_requested();
  // The weights after the last update: what the selector would play next.
  run.final_probability.resize(cells);
  const double scale = selector_log_weight_scale(options.feedback, options.eta, K, T, T + 1);
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel_scenarios)
  for (int32_t s = 0; s < S; ++s) {
    SelectorRoundRecord unused;
    play_probabilities(weight_gain.data() + static_cast<size_t>(s) * K, K, scale, explore,
                       run.final_probability.data() + static_cast<size_t>(s) * K, unused);
  }
  run.policy_slot_steps = steps;
  run.rewards_clamped = clamped;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

}  // namespace spotsweep

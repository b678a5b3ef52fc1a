#pragma once
// Online policy selection over a whole pool (docs/model.md §8, docs/select.md): for every scenario
// at once, T rounds (the sweep plan's rounds, one job each); in each round every member is
// evaluated, the round's rewards go into Hedge (full information) or EXP3 (bandit), and only
// per-(scenario, round) summaries are kept, never the K×T utility matrix. Host-only interface;
// the backends are src/backend/cpu_select.cpp and kernels/select.cu.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "spotsweep/backend/exec.hpp"
#include "spotsweep/config/toml.hpp"
#include "spotsweep/engine/hedge.hpp"
#include "spotsweep/sweep/opt.hpp"
#include "spotsweep/sweep/plan.hpp"
#include "spotsweep/sweep/sweep.hpp"

namespace spotsweep {

struct SelectOptions {
  ExecOptions exec;
  Feedback feedback = Feedback::full;
  EtaSchedule eta = EtaSchedule::fixed;
  uint64_t seed = 0;   // keys the played-member draws (selector_draw)
  int32_t top_k = 10;  // members reported by final weight, per scenario
  // The adaptive adversary (docs/select.md) when > 1: plan.scenarios then holds `regimes`
  // windows per selector, window c·S + s being scenario s under regime c (S = count/regimes,
  // make_regime_plan), and each round it plays, per scenario, the regime in which the member
  // with the most weight trails the round's best member by the most.
  int32_t regimes = 1;
  // Utility bounds given by the user ([select] utility_range = [low, high], USD) instead of the
  // derived ones; outcomes outside them are clamped and counted (SelectorRun::rewards_clamped).
  bool given_range = false;
  UtilityRange utility_range;
};

// What a backend records for one (round, scenario): the raw material of every curve.
struct SelectorRoundRecord {
  double expected_reward = 0.0;  // Σ_k p_k x_k with the round's play probabilities
  double sampled_reward = 0.0;   // x of the member drawn from p
  int64_t sampled_member = 0;
  int64_t best_member = 0;  // argmax of the cumulative reward after the round (first on ties)
  double best_gain = 0.0;   // its cumulative reward
  double entropy = 0.0;     // of p, in nats
  int64_t leader = 0;       // the member with the largest p (first on ties)
  double leader_probability = 0.0;
  int32_t regime = 0;  // the regime the adversary played (0 without one)
};

// A backend's run: records [round][scenario], the final play probabilities [scenario][member]
// (the weights after the last update), and counters.
struct SelectorRun {
  std::vector<SelectorRoundRecord> records;
  std::vector<double> final_probability;
  int64_t policy_slot_steps = 0;
  int64_t rewards_clamped = 0;  // (window, member, round) utilities outside their range
  double seconds = 0.0;
  Backend backend = Backend::cpu;
  std::string device;
  std::size_t device_peak_bytes = 0;
};

// Called on the calling thread after each round with rounds done and the total.
using RoundProgress = std::function<void(int32_t done, int32_t total)>;

// The adaptive adversary's plan: config's workload windows over each regime's trace, regime c's
// windows after regime c−1's, every regime with regime 0's jobs. The traces must have the same
// tick and enough slots; InputError otherwise.
SweepPlan make_regime_plan(const SweepConfig& config, const std::vector<Trace>& regime_traces);
// Selectors in a plan: its scenario windows divided by the regimes.
// One-line InputError for options that cannot go together (anytime η with bandit feedback).
void check_select_options(const SelectOptions& options);
int32_t selector_scenarios(const SweepPlan& plan, const SelectOptions& options);

// Per-scenario utility bounds for the reward normalisation (docs/select.md): over the
// scenario's rounds, low = −max(P_miss, 0) − N_max·Σ_t max(p_spot[t], p_od)·Δ/3600 over the
// job's horizon, high = V̄ − min price · L / max_n(H(n)/n) / 3600.
// With regimes > 1, each selector's range covers all its regimes' windows.
std::vector<UtilityRange> selector_utility_ranges(const SweepPlan& plan, int32_t regimes = 1);
// The ranges a run uses: options.utility_range for every selector when given, else the derived
// ones.
std::vector<UtilityRange> selector_ranges(const SweepPlan& plan, const SelectOptions& options);

// Runs the selector on the requested backend (auto: CUDA when a device exists).
SelectorRun run_selector(const SweepPlan& plan, const std::vector<UtilityRange>& ranges,
                         const SelectOptions& options, const RoundProgress& progress = {});

// The curves of docs/select.md, [scenario][round] unless noted.
struct SelectResult {
  int32_t scenarios = 0;
  int32_t rounds = 0;
  int64_t members = 0;
  Feedback feedback = Feedback::full;
  EtaSchedule eta = EtaSchedule::fixed;
  uint64_t seed = 0;
  bool given_range = false;              // ranges from [select] utility_range
  std::vector<UtilityRange> ranges;      // [scenario]
  std::vector<double> expected_utility;  // the selector's expected utility in the round
  std::vector<double> sampled_utility;   // the drawn member's utility
  std::vector<int64_t> sampled_member;
  std::vector<double> selector_cumulative;  // Σ expected utility so far
  std::vector<double> sampled_cumulative;   // Σ sampled utility so far
  std::vector<int64_t> best_member;         // best fixed member in hindsight so far
  std::vector<double> best_cumulative;      // its cumulative utility
  std::vector<double> regret;               // best_cumulative − selector_cumulative
  std::vector<double> sampled_regret;       // best_cumulative − sampled_cumulative
  std::vector<double> regret_bound;         // (high − low) × the schedule's bound
  std::vector<double> sqrt_bound;           // (high − low) × sqrt((r/2) ln K)
  std::vector<double> entropy;              // nats
  std::vector<int64_t> leader;              // member with the most weight in the round
  std::vector<double> leader_weight;
  std::vector<int32_t> regime;         // the adversary's regime (all 0 without one)
  std::vector<double> opt_utility;     // OPT's achieved utility (lower end), NaN if off
  std::vector<double> opt_upper;       // OPT's upper bound, NaN if off
  std::vector<double> selector_ratio;  // selector_cumulative / Σ OPT upper so far
  std::vector<double> best_ratio;      // best_cumulative / Σ OPT upper so far
  std::vector<int64_t> top_member;     // [scenario][top_k], by final weight
  std::vector<double> top_weight;      // [scenario][top_k]
  std::vector<double> family_weight;   // [scenario][family], final weight mass
  int32_t top_k = 0;
  // OPT's precision over every (scenario, round) against the best fixed member per scenario
  // (docs/model.md §5 "Precision"); opt_buckets = 0 when OPT was not computed.
  int32_t opt_buckets = 0;
  OptPrecision opt_precision;
  std::string options_toml;  // the [select] table of the options used
  SelectorRun run;           // counters (records and weights dropped)

  double at(const std::vector<double>& curve, int32_t scenario, int32_t round) const {
    return curve[static_cast<size_t>(scenario) * rounds + round];
  }
};

// Turns a backend's run into the curves; opt may be empty (progress_buckets = 0).
SelectResult finish_select(const SweepPlan& plan, const std::vector<UtilityRange>& ranges,
                           const SelectOptions& options, const OptTable& opt, SelectorRun run);

// A whole selection on one plan: the ranges (selector_ranges, which checks the options), the
// selector on options.exec's backend, OPT with opt_buckets progress buckets per job on the
// options' CPU threads (0 skips OPT), and finish_select's curves.
SelectResult run_selection(const SweepPlan& plan, const SelectOptions& options, int32_t opt_buckets,
                           const RoundProgress& progress = {});

// Reads the optional [select] table of a sweep file into options (feedback = "full"|"bandit",
// eta = "fixed"|"anytime", top_k, seed, utility_range = [low, high]); one-line InputErrors.
void read_select_options(const TomlDocument& doc, SelectOptions& options);
// The [select] table that read_select_options reads back to the same feedback, eta, top_k,
// seed and utility_range: stored with the resolved config, so a saved run replays as it ran.
std::string select_options_to_toml(const SelectOptions& options);
// field names the value's origin in errors: the pool file's key or the command-line option.
Feedback parse_feedback(const std::string& file, const std::string& name,
                        const std::string& field = "select.feedback");
EtaSchedule parse_eta_schedule(const std::string& file, const std::string& name,
                               const std::string& field = "select.eta");
const char* feedback_name(Feedback feedback);
const char* eta_schedule_name(EtaSchedule eta);

}  // namespace spotsweep

#pragma once
// Online policy selection over a whole pool (docs/model.md §8, docs/select.md): for every scenario
// at once, T rounds (the sweep plan's rounds, one job each); in each round every member is
// evaluated, and its utilities reach the learner (engine/hedge.hpp) when the round's job ends
// (or at once, without delay); only per-(scenario, round) summaries and the rounds still
// pending are kept, never the K×T utility matrix. Host-only interface;
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
  // The learner, and with it the feedback (learner_feedback): the default is the one with the
  // lowest mean regret in docs/select.md's comparison.
  Learner learner = Learner::flipflop;
  EtaSchedule eta = EtaSchedule::fixed;  // Hedge only
  FeedbackDelay delay = FeedbackDelay::finish;
  uint64_t seed = 0;   // keys the played-member draws (selector_draw)
  int32_t top_k = 10;  // members reported by final weight, per scenario
  // The adaptive adversary (docs/select.md) when > 1: plan.scenarios then holds `regimes`
  // windows per selector, window c·S + s being scenario s under regime c (S = count/regimes,
  // make_regime_plan), and each round it plays, per scenario, the regime in which the member
  // with the most weight trails the round's best member by the most.
  int32_t regimes = 1;
  // Utility bounds given by the user ([select] utility_range = [low, high], USD) instead of the
  // a-priori ones, for the learners that scale utilities (learner_uses_range); outcomes outside
  // them are clamped and counted (SelectorRun::rewards_clamped).
  bool given_range = false;
  UtilityRange utility_range;

  Feedback feedback() const { return learner_feedback(learner); }
};

// The learner a feedback gets when none is named: the default learner of full feedback, and
// EXP3-ada for bandit feedback (docs/select.md).
Learner default_learner(Feedback feedback);

// What a backend records for one (round, scenario): the raw material of every curve, USD unless
// noted.
struct SelectorRoundRecord {
  double expected_utility = 0.0;  // Σ_k p_k u_k with the round's play probabilities
  double sampled_utility = 0.0;   // u of the member drawn from p
  double uniform_utility = 0.0;   // the uniform mixture's: Σ_k u_k / K (fixed-order sum)
  double ftl_utility = 0.0;  // follow-the-leader's on the same feedback: mean u over its leaders
  double best_cumulative = 0.0;  // max_k Σ_{t ≤ r} u_k: the best member so far
  double entropy = 0.0;          // of p, in nats
  double leader_probability = 0.0;
  double rate = 0.0;          // the learner's η when it played (+∞: following the leader)
  double regret_bound = 0.0;  // selector_bound after the round's deliveries
  double delay_cost = 0.0;    // its drift + pending terms
  int64_t sampled_member = 0;
  int64_t best_member = 0;  // argmax of the cumulative utility after the round (first on ties)
  int64_t leader = 0;       // the member with the largest p (first on ties)
  int32_t regime = 0;       // the regime the adversary played (0 without one)
  int32_t pending = 0;      // results of earlier rounds not yet fed back when the round was played
};

// A backend's run: records [round][scenario] (the whole pool's, on every rank), the final play
// probabilities [scenario][member] of the members [member_begin, member_end) this rank holds (the
// weights after the last update), and counters.
struct SelectorRun {
  std::vector<SelectorRoundRecord> records;
  std::vector<double> final_probability;
  int64_t member_begin = 0;
  int64_t member_end = 0;
  // Bytes the per-block gathers brought to this rank (docs/mpi.md, "select and stress"): in
  // round 0, and in the whole run; 0 on one rank.
  int64_t gathered_bytes_first_round = 0;
  int64_t gathered_bytes = 0;
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
// One-line InputError for options that cannot go together (anytime η with a learner other than
// Hedge).
void check_select_options(const SelectOptions& options);
// Selectors in a plan: its scenario windows divided by the regimes.
int32_t selector_scenarios(const SweepPlan& plan, const SelectOptions& options);

// Per-scenario a-priori utility bounds (docs/select.md, "Ranges"), from each job and the
// on-demand price only, never from the market's spot prices: over the scenario's rounds,
// high = V̄ (no cost is negative) and low = −max(P_miss, 0) − N_max·p_o·(horizon slots)·Δ/3600
// (no policy rents more than N_max GPUs for longer than the job's horizon; a GPU is assumed to
// cost at most p_o, and utilities below low, possible only when spot is dearer than on-demand,
// are clamped and counted). With regimes > 1, each selector's range covers all its regimes'
// windows.
std::vector<UtilityRange> selector_utility_ranges(const SweepPlan& plan, int32_t regimes = 1);
// The ranges a run uses: options.utility_range for every selector when given, else the a-priori
// ones.
std::vector<UtilityRange> selector_ranges(const SweepPlan& plan, const SelectOptions& options);

// The start slot of round r + 1 (r = T − 1: one round stride after the last start): results
// that have arrived by then are fed back after round r.
int32_t next_round_start(const SweepPlan& plan, int32_t round);
// Rounds the feedback queue holds per scenario: one more than the most rounds that can be
// pending after any round, from the jobs' horizons (1 without delay).
int32_t feedback_queue_rounds(const SweepPlan& plan, const SelectOptions& options);

// Runs the selector on the requested backend (auto: CUDA when a device exists). Under MPI with
// several ranks, every rank calls it at the same point: each runs the CPU backend on its blocks
// of members (mpi::own_range) and gets the same records, and the counters are the whole pool's
// (the CUDA selector runs on one rank; asked for under several, every rank stops with exit 2).
SelectorRun run_selector(const SweepPlan& plan, const std::vector<UtilityRange>& ranges,
                         const SelectOptions& options, const RoundProgress& progress = {});

// The curves of docs/select.md, [scenario][round] unless noted, USD unless noted.
struct SelectResult {
  int32_t scenarios = 0;
  int32_t rounds = 0;
  int64_t members = 0;
  Learner learner = Learner::flipflop;
  EtaSchedule eta = EtaSchedule::fixed;
  FeedbackDelay delay = FeedbackDelay::finish;
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
  std::vector<double> uniform_regret;       // best_cumulative − the uniform mixture's cumulative
  std::vector<double> ftl_regret;           // best_cumulative − follow-the-leader's cumulative
  std::vector<double> regret_bound;         // the learner's valid bound (selector_bound)
  std::vector<double> tightness;            // regret / regret_bound
  std::vector<double> uniform_tightness;    // uniform_regret / regret_bound: > 1 fails the bound
  std::vector<double> delay_cost;           // the bound's drift + pending terms
  std::vector<double> sqrt_bound;           // (high − low) × sqrt((r/2) ln K), for reference
  std::vector<int32_t> pending;             // results outstanding when the round was played
  std::vector<double> learning_rate;  // η when the round was played (+∞: following the leader)
  std::vector<double> entropy;        // nats
  std::vector<int64_t> leader;        // member with the most weight in the round
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
  // (docs/model.md §5 "Precision"); opt_buckets = 0 when OPT was not computed. opt_resolution > 0:
  // OPT's step was Δ·H(N_min)/opt_resolution instead of L/opt_buckets (compute_opt_table).
  int32_t opt_buckets = 0;
  int32_t opt_resolution = 0;
  OptPrecision opt_precision;
  std::string options_toml;  // the [select] table of the options used
  SelectorRun run;           // counters (records and weights dropped)

  Feedback feedback() const { return learner_feedback(learner); }
  template <class T>
  T at(const std::vector<T>& curve, int32_t scenario, int32_t round) const {
    return curve[static_cast<size_t>(scenario) * rounds + round];
  }
};

// Turns a backend's run into the curves; opt may be empty (progress_buckets = 0). Under MPI every
// rank calls it: the top members and the families' weights gather every rank's share.
SelectResult finish_select(const SweepPlan& plan, const std::vector<UtilityRange>& ranges,
                           const SelectOptions& options, const OptTable& opt, SelectorRun run);

// A whole selection on one plan: the ranges (selector_ranges, which checks the options), the
// selector on options.exec's backend, OPT with opt_buckets progress buckets per job on the
// options' CPU threads (0 skips OPT), or with opt_resolution > 0 (and opt_buckets > 0) on the
// lattice of step Δ·H(N_min)/opt_resolution (compute_opt_table; docs/model.md §5); under several
// MPI ranks each solves a share of the jobs and every rank gets the whole table
// (compute_opt_table_ranks); and finish_select's curves.
SelectResult run_selection(const SweepPlan& plan, const SelectOptions& options, int32_t opt_buckets,
                           const RoundProgress& progress = {}, int32_t opt_resolution = 0);

// Reads the optional [select] table of a sweep file into options (learner = "flipflop" | ...,
// feedback = "full"|"bandit", feedback_delay = "finish"|"none", eta = "fixed"|"anytime", top_k,
// seed, utility_range = [low, high]); one-line InputErrors. A feedback without a learner picks
// default_learner; a learner whose feedback differs from the one named is an error.
void read_select_options(const TomlDocument& doc, SelectOptions& options);
// The [select] table that read_select_options reads back to the same options: stored with the
// resolved config, so a saved run replays as it ran.
std::string select_options_to_toml(const SelectOptions& options);
// The command line's overrides (empty strings: not given), applied as read_select_options
// applies the file's: --learner, --feedback, --feedback-delay, --eta.
void apply_select_overrides(SelectOptions& options, const std::string& learner,
                            const std::string& feedback, const std::string& delay,
                            const std::string& eta);
// field names the value's origin in errors: the pool file's key or the command-line option.
Feedback parse_feedback(const std::string& file, const std::string& name,
                        const std::string& field = "select.feedback");
EtaSchedule parse_eta_schedule(const std::string& file, const std::string& name,
                               const std::string& field = "select.eta");
Learner parse_learner(const std::string& file, const std::string& name,
                      const std::string& field = "select.learner");
FeedbackDelay parse_feedback_delay(const std::string& file, const std::string& name,
                                   const std::string& field = "select.feedback_delay");
const char* feedback_name(Feedback feedback);
const char* eta_schedule_name(EtaSchedule eta);
const char* learner_name(Learner learner);
const char* feedback_delay_name(FeedbackDelay delay);
// "flipflop, adahedge, hedge, exp3, exp3-ada", for help texts.
std::string learner_names();

}  // namespace spotsweep

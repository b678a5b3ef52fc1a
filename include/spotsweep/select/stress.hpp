#pragma once
// Stress tests of the online selector (docs/model.md §7, §8, docs/stress.md): the selector of
// select.hpp run against a suite of adversarial markets (adversarial.hpp) and a stationary
// baseline, over several seeds, with per-run summaries of the regret against its bound.
// Host-only.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "spotsweep/market/adversarial.hpp"
#include "spotsweep/select/select.hpp"
#include "spotsweep/sweep/sweep.hpp"

namespace spotsweep {

// The markets of a stress suite. stationary is the control every report includes.
enum class AdversaryKind : int32_t {
  stationary = 0,     // the calm component alone: a plain synthetic market, no regime changes
  regime_flip = 1,    // calm and storm alternate every period_slots
  deadline_trap = 2,  // spot collapses and its price spikes in the last slots before each deadline
  poisoning = 3,      // storms as a Markov chain; forecasters read the calm market throughout
  adaptive = 4,       // each round, the regime that hurts the selector's heaviest member most
};
constexpr int32_t kAdversaryKindCount = 5;
const char* adversary_name(AdversaryKind kind);
// "regime_flip" etc.; InputError naming `field` otherwise.
AdversaryKind parse_adversary(const std::string& name, const std::string& file,
                              const std::string& field);
// One line per parameter of `kind`, "key (default): meaning", for --help.
std::string adversary_parameter_help(AdversaryKind kind);

// One parameter of one adversary and the values to sweep (one value: a fixed setting).
struct StressParameter {
  std::string key;
  std::vector<std::string> values;
};

struct StressSuite {
  std::vector<AdversaryKind> adversaries;  // besides stationary, which always runs first
  std::vector<StressParameter> parameters[kAdversaryKindCount];
  std::vector<uint64_t> seeds = {1};  // market seeds; every run uses each of them
  int32_t opt_buckets = 256;          // OPT progress buckets per job; 0 skips OPT
  int32_t opt_resolution = 0;  // > 0: OPT's step is Δ·H(N_min)/opt_resolution (compute_opt_table)
};

// The suite's defaults when neither [stress] nor the command line names the adversaries:
// every adversary with the defaults of docs/stress.md.
std::vector<AdversaryKind> all_adversaries();

// Reads the optional [stress] table and its [stress.<adversary>] tables; array values are
// swept. One-line InputErrors naming the file, the key and the value.
void read_stress_suite(const TomlDocument& doc, StressSuite& suite);
// Adds or replaces one parameter from "<adversary>.<key>=v1,v2,..." (the --param option).
void set_stress_parameter(StressSuite& suite, const std::string& assignment);
// The sweep file's pool, job and workload shape (every section but [stress] and [stress.*]).
// Its [workload] names no market (no trace, forecast_trace, synthetic, first_slot or
// scenario_stride): stress draws the markets and lays the scenario windows back to back.
SweepConfig parse_stress_sweep_config(const TomlDocument& doc);

// One market setting of the suite: an adversary with one value of each of its parameters.
struct StressRun {
  AdversaryKind kind = AdversaryKind::stationary;
  std::vector<std::pair<std::string, std::string>> settings;  // key = value, as given
  std::string label() const;  // "regime_flip period_slots=40", "stationary"
};
// The Cartesian product of each adversary's swept values, stationary first. Checks every
// setting (InputError naming the adversary, the key and the value).
std::vector<StressRun> expand_stress_runs(const StressSuite& suite);

// A stress run's market for one seed, as the plan the selector runs on: the workload's
// scenarios are windows of one draw of the market, one after the other.
struct StressMarket {
  SweepPlan plan;
  int32_t regimes = 1;       // > 1: the adaptive adversary (plan windows per regime)
  double storm_share = 0.0;  // share of the plan's slots in the storm (or trap) regime
};
StressMarket make_stress_market(const SweepConfig& config, const StressRun& run, uint64_t seed);

// The summary of one (run, seed), in utility units (USD) unless noted.
struct StressSummary {
  int32_t run = 0;  // index into the runs
  uint64_t seed = 0;
  double worst_regret = 0.0;  // max over (scenario, round) of the regret
  int32_t worst_scenario = 0;
  int32_t worst_round = 0;      // 1-based
  double bound_at_worst = 0.0;  // the regret bound there
  double ratio_at_worst = 0.0;  // worst_regret / bound_at_worst
  double max_ratio = 0.0;       // max over (scenario, round) of regret / bound
  int32_t max_ratio_scenario = 0;
  int32_t max_ratio_round = 0;    // 1-based
  double selector_utility = 0.0;  // Σ over scenarios of the selector's cumulative utility
  double best_utility = 0.0;      // Σ over scenarios of the best fixed member's
  double opt_utility = 0.0;       // Σ over scenarios and rounds of OPT's (NaN without OPT)
  double selector_vs_best = 0.0;  // selector_utility / best_utility
  double selector_vs_opt = 0.0;   // selector_utility / opt_utility (NaN without OPT)
  double storm_share = 0.0;       // share of storm (trap) slots, or of storm rounds (adaptive)
  // At the last round, summed over scenarios (USD): the selector's regret, and the uniform
  // mixture's and follow-the-leader's (the baselines it should beat).
  double final_regret = 0.0;
  double final_uniform_regret = 0.0;
  double final_ftl_regret = 0.0;
};
StressSummary summarize_stress(const SelectResult& result);

// What the stress command keeps of each (run, seed).
struct StressRecord {
  StressSummary summary;
  SelectResult result;
};

// Draws every setting's market once (its first seed) and checks it and OPT's lattice for its
// jobs (check_opt_table: --opt-buckets, --opt-resolution), so that bad input is one InputError
// before any selector runs.
void check_stress_runs(const SweepConfig& config, const std::vector<StressRun>& runs,
                       const StressSuite& suite, const SelectOptions& options);
// Runs the selector on every (run, seed) with run_selection, after check_stress_runs; progress
// gets (done, total) after each, on options.exec's backend.
using StressProgress = std::function<void(int32_t done, int32_t total)>;
std::vector<StressRecord> run_stress(const SweepConfig& config, const std::vector<StressRun>& runs,
                                     const StressSuite& suite, const SelectOptions& options,
                                     const StressProgress& progress = {});

}  // namespace spotsweep

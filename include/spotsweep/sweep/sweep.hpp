#pragma once
// The sweep (docs/sweep.md): run_sweep evaluates every (member, scenario, round) of a plan on
// the CPU (OpenMP) or CUDA backend and returns per-member summaries, computed by the helpers
// below on both backends alike. Host-only and CUDA-free.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "spotsweep/backend/exec.hpp"
#include "spotsweep/engine/evaluate.hpp"
#include "spotsweep/model/simulator.hpp"
#include "spotsweep/sweep/plan.hpp"

namespace spotsweep {

struct SweepOptions {
  ExecOptions exec;
  std::vector<int64_t> trace_members;  // members whose every outcome is kept
  bool percentiles = true;             // off: means and rates only (bench can skip sorting)
  bool per_scenario = false;           // also keep ScenarioStat per (member, scenario)
  // The members evaluated, [member_begin, member_end) (member_end < 0: to the pool's end): one
  // MPI rank's share (docs/mpi.md); ignored when `members` is given. The result holds their rows
  // only, from row member_begin on (SweepResult::first_member).
  int64_t member_begin = 0;
  int64_t member_end = -1;
  // CPU backend only: evaluate just these members (global indices, ascending), whose rows then
  // come in this order; empty: every member. CHC members still run by planning key, sharing
  // plans with the members of their key in the list (their outcomes do not depend on which). The
  // checkpointed runner (grid_run.hpp) gives each chunk a sample of the pool's planning groups,
  // whole keys, so that every chunk costs about the same and keeps its keys' plans shared.
  std::vector<int64_t> members;
};

// Per-(member, scenario) statistics over the scenario's R rounds, with --per-scenario.
enum class ScenarioStat : int32_t { utility_mean = 0, cost_mean, miss_rate, count };

// Per-member statistics, in this order (docs/hdf5-layout.md).
enum class Stat : int32_t {
  utility_mean = 0,
  utility_p5,
  utility_p50,
  utility_p95,
  cost_mean,
  cost_p5,
  cost_p50,
  cost_p95,
  finish_s_mean,
  finish_s_p5,
  finish_s_p50,
  finish_s_p95,
  miss_rate,
  spot_share_mean,
  reconfigs_mean,
  net_overrides_mean,
  utility_se,  // standard error of utility_mean across scenarios (NaN with one scenario)
  count
};
constexpr int32_t kStatCount = static_cast<int32_t>(Stat::count);
const char* stat_name(Stat stat);
// CF attributes of a statistic's dataset: real units ("USD", "s", "1") and a long name.
struct StatMeaning {
  const char* units;
  const char* long_name;
};
StatMeaning stat_meaning(Stat stat);
StatMeaning scenario_stat_meaning(ScenarioStat stat);
// The column of percentile p (index for percentile_percent) of metric m.
Stat percentile_stat(PercentileMetric metric, int32_t percentile_index);

constexpr int32_t kScenarioStatCount = static_cast<int32_t>(ScenarioStat::count);
const char* scenario_stat_name(ScenarioStat stat);

// One traced CHC job's bound on CHC's gap to OPT (docs/chc.md, "A per-run bound on CHC's gap to
// OPT"), from attach_chc_bounds (sweep/chc_bound.hpp); NaN where it does not apply.
struct ChcBoundRecord {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  int32_t applies = 0;  // 1: the argument covers this member and job (docs/chc.md, "Assumptions")
  double forecast_usd = kNaN;   // F = Σ_k E_k, USD
  double lattice_value = kNaN;  // V_q: the optimum on CHC's lattice on the realised market, USD
  double bound = kNaN;          // OPT's upper value − V_q + F, USD: ≥ OPT − CHC's utility
  // OPT's upper value − V_q + C, C the a-posteriori certificate Σ_k R_k (docs/chc.md, "The
  // certificate"), USD: between the gap and the bound; NaN when a plan was not re-solved.
  double certificate_bound = kNaN;
  double price_error = kNaN;  // mean |p̂ − p|/p over the forecast slots CHC planned on
  double avail_error = kNaN;  // mean |â − a| (GPUs) over the same slots
  int32_t plans = 0;
};

struct SweepResult {
  int64_t first_member = 0;   // the first member with a row (an MPI rank's share starts there)
  int64_t members = 0;        // rows held: the pool, or the rank's share
  std::vector<double> stats;  // [member - first_member][kStatCount]
  std::vector<int64_t> traced_members;
  std::vector<Outcome> traced;         // [traced member][scenario][round]
  int64_t policy_slot_steps = 0;       // Σ slots simulated
  double seconds = 0.0;                // wall time of the evaluation
  Backend backend = Backend::cpu;      // the backend that ran
  std::string device;                  // device name, or "cpu (N threads)"
  int threads = 0;                     // CPU threads used
  std::size_t device_peak_bytes = 0;   // most device memory held at once
  std::vector<double> scenario_stats;  // [member - first_member][scenario][kScenarioStatCount]
  int32_t mpi_ranks = 1;               // ranks that shared the pool (docs/mpi.md)
  // With --chc-bound: [traced member][scenario][round] (empty otherwise; docs/chc.md).
  std::vector<ChcBoundRecord> chc_bound;

  double stat(int64_t member, Stat s) const {
    return stats[static_cast<size_t>(member - first_member) * kStatCount + static_cast<int32_t>(s)];
  }
};

// Called with members done so far and the total, from one thread at a time (the CPU backend
// reports each member as it completes).
using ProgressCallback = std::function<void(int64_t done, int64_t total)>;

// The host memory a sweep needs besides its plan, bytes (a double, so it cannot wrap): the
// result tables, and the larger of each CPU thread's percentile keys and planner scratch
// (while running) and twice the tables (while writing: HDF5's in-memory file and its image).
double sweep_host_bytes(const SweepPlan& plan, const SweepOptions& options);
// Its parts: the result tables (of options.members when given, else the pool), and one CPU
// thread's percentile keys and planner scratch.
double sweep_table_bytes(const SweepPlan& plan, const SweepOptions& options);
double sweep_thread_bytes(const SweepPlan& plan, const SweepOptions& options);
// Refuses a sweep whose sweep_host_bytes exceed the host-memory budget (an InputError with the
// estimate and what would shrink it); run_sweep calls it first, commands may call it earlier.
void check_sweep_host_memory(const SweepPlan& plan, const SweepOptions& options);

// Runs the sweep on the requested backend (auto: CUDA when a device exists, else CPU), after
// checking sweep_host_bytes against the host-memory budget (detail/memory.hpp). Stops early,
// throwing Interrupted, when a stop is asked for.
SweepResult run_sweep(const SweepPlan& plan, const SweepOptions& options,
                      const ProgressCallback& progress = {});

// Shared by both backends: the final statistics of one member from its sums and, when
// percentiles are on, its sorted keys (kPercentileMetrics runs of jobs_per_member values).
void finish_member_stats(const OutcomeSums& sums, double* stats_row);
// The kScenarioStatCount statistics of one (member, scenario) from its sums.
void finish_scenario_stats(const OutcomeSums& sums, double* row);
// The members options asks for, clamped to the pool: [begin, end).
void sweep_member_range(const SweepPlan& plan, const SweepOptions& options, int64_t* begin,
                        int64_t* end);
// Checks trace_members against the pool; throws InputError on an index outside it.
void check_trace_members(const SweepPlan& plan, const std::vector<int64_t>& members);

}  // namespace spotsweep

#pragma once
// Can't Be Late compatibility (docs/cbl.md): the public single-region benchmark of Wu et al.,
// NSDI 2024 (ADRS / gepa: 2,400 windows of AWS traces × deadline/overhead settings), replayed
// through the one per-slot engine under its Can't Be Late preset (JobSpec::mode), with the
// semantics of docs/cbl-semantics.md. A replay is a SweepPlan: scenarios = windows,
// rounds = settings (every round starts at the window's tick 0), pool = the policies, so it runs
// on the batch engine's CPU and CUDA backends alike. Host-only.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "spotsweep/backend/device.hpp"
#include "spotsweep/backend/exec.hpp"
#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/model/job.hpp"
#include "spotsweep/model/simulator.hpp"
#include "spotsweep/sweep/plan.hpp"
#include "spotsweep/sweep/sweep.hpp"

namespace spotsweep {

// A built-in policy of sky_spot, by its benchmark name, and the pool member that plays it: a
// family of engine/families.hpp with its defaults but one axis.
struct CblPolicy {
  const char* name;    // greedy, up, on_demand, only_spot
  const char* family;  // greedy, uniform_progress, on_demand, only_spot
  const char* axis;    // the axis set to `value`
  double value;
};
// The four, in the benchmark's order.
const std::vector<CblPolicy>& cbl_policies();
// One policy by its benchmark name or its family's name; InputError naming `source` and
// `field` otherwise.
CblPolicy parse_cbl_policy(const std::string& text, const std::string& source,
                           const std::string& field);

// sky_spot's on-demand price for every ADRS env (v100_1, v100_8, k80_1, k80_8), USD/h, and the
// ratio K that its spot price is on-demand / K (docs/cbl-semantics.md §9).
constexpr double kCblOnDemandPrice = 3.06;
constexpr double kCblSpotDivisorNumerator = 3.06;
constexpr double kCblSpotDivisorDenominator = 0.9731;

// Throws InputError unless sky_spot would run the job: C + d ≤ D ("task infeasible").
void check_cbl_job(const JobSpec& job, const std::string& source);

// sky_spot's on-demand price for a trace file: the first key of its table (v100_1, v100_8,
// k80_1, k80_8) found in the path; InputError when none is.
double cbl_on_demand_price(const std::string& trace_path);
// sky_spot's spot price for traces without prices: on-demand / (3.06 / 0.9731).
double cbl_spot_price(double od_price);

// One benchmark window: ticks [start_tick, end_tick) of <env>.json.
struct CblWindow {
  std::string env;
  int32_t window_id = 0;
  int32_t start_tick = 0;
  int32_t end_tick = 0;
};
// Reads `env,window_id,start_tick,end_tick` (derived/adrs_cant_be_late_windows.csv).
std::vector<CblWindow> read_cbl_windows(const std::string& path);

// Whether (env, window id) is in the ADRS held-out test split (30 windows × 4 envs).
bool is_adrs_test_window(const std::string& env, int32_t window_id);

struct CblSetting {
  double deadline_h = 0.0;
  double overhead_h = 0.0;
};

// A replay: the windows, the settings (deadlines outer, overheads inner), the policies, and
// the plan that runs them.
struct CblReplay {
  std::vector<CblWindow> windows;
  std::vector<CblSetting> settings;
  std::vector<CblPolicy> policies;
  SweepPlan plan;  // scenario = window, round = setting, member = policy
};

// The pool of one member per policy.
Pool cbl_pool(const std::vector<CblPolicy>& policies);

// Builds the replay on the skypilot-org traces in trace_dir (<env>.json, 1 = available:
// sky_spot's "not data[k]" on the ADRS windows, which are 1 − these values). Checks every
// window against its trace and every setting against the windows; windows_file names the
// windows in errors.
CblReplay make_cbl_replay(const std::vector<CblWindow>& windows, const std::string& windows_file,
                          const std::string& trace_dir, const std::vector<CblSetting>& settings,
                          const std::vector<CblPolicy>& policies, double task_h = kCblTaskHours);
// The same on traces already in memory (traces[i] holds windows with env == env_names[i]).
CblReplay make_cbl_replay(const std::vector<CblWindow>& windows, const std::string& windows_file,
                          const std::vector<std::string>& env_names,
                          const std::vector<Trace>& traces, const std::vector<CblSetting>& settings,
                          const std::vector<CblPolicy>& policies, double task_h = kCblTaskHours);

// Every run's Outcome, [policy][window][setting].
struct CblRuns {
  std::vector<Outcome> outcomes;
  int64_t ticks = 0;     // Σ slots simulated (each run's finishing tick T)
  double seconds = 0.0;  // wall time of the simulation
  Backend backend = Backend::cpu;
  std::string device;
  int threads = 0;

  const Outcome& at(const CblReplay& replay, size_t policy, size_t window, size_t setting) const {
    return outcomes[(policy * replay.windows.size() + window) * replay.settings.size() + setting];
  }
};

// Runs every (policy, window, setting) on the CPU: OpenMP over (policy, window) pairs with
// `threads` threads (0 = all), each through the batch engine's per-scenario evaluator
// (evaluate_member_scenario), as a sweep's CPU backend runs a member on a scenario.
CblRuns run_cbl_replay_cpu(const CblReplay& replay, int threads = 0);

// The same on the requested backend: cuda runs the sweep's CUDA backend with every member
// traced; automatic picks as sweeps do.
CblRuns run_cbl_replay(const CblReplay& replay, const ExecOptions& exec);

// ADRS test-split score of one policy: −mean − 0.25·std (population std) of its costs over the
// test windows in the replay, all settings.
struct CblScore {
  int64_t runs = 0;
  double mean_cost = 0.0;
  double std_cost = 0.0;
  double score = 0.0;
};
CblScore adrs_test_score(const CblReplay& replay, const CblRuns& runs, size_t policy);

// RESULTS.csv: env,window_id,deadline_h,overhead_h,policy,cost,finish_h,deadline_met, one row per
// run, cost and finish_h with 17 significant digits. Written under a temporary name, renamed
// when complete.
void write_cbl_csv(const std::string& path, const CblReplay& replay, const CblRuns& runs);
// The same into an output reserved when the command started (detail/atomic_file.hpp).
void write_cbl_csv(OutputFile& output, const CblReplay& replay, const CblRuns& runs);
// Mean cost per policy and setting, deadline misses, and the ADRS test score per policy.
void print_cbl_summary(std::ostream& out, const CblReplay& replay, const CblRuns& runs);

}  // namespace spotsweep

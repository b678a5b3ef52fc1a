#pragma once
// The batch engine's CUDA-free interface (docs/sweep.md): a sweep file (pool + workload +
// job) becomes a SweepPlan; run_sweep evaluates every (member, scenario, round) on the CPU
// (OpenMP) or CUDA backend and returns per-member summaries. Host-only.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "spotsweep/backend/device.hpp"
#include "spotsweep/model/job.hpp"
#include "spotsweep/config/pool.hpp"
#include "spotsweep/model/simulator.hpp"
#include "spotsweep/engine/evaluate.hpp"
#include "spotsweep/market/synthetic.hpp"
#include "spotsweep/market/trace.hpp"

namespace spotsweep {

// ---- configuration ------------------------------------------------------------------------

// Job fields that [job] may draw from a distribution, in Philox field-id order.
enum class JobField : int32_t {
  work = 0, deadline_h, gamma, alpha, beta, value, value_shape_param, miss_penalty, reconfig_s,
  work_error,  // ε_L: policies see L̂ = L·(1 + ε_L) (MODEL.md §2); 0 = they know L
  count
};
constexpr int32_t kJobFieldCount = static_cast<int32_t>(JobField::count);
const char* job_field_name(JobField field);

// A job field's value: fixed (a), "uniform(a, b)" or "loguniform(a, b)".
struct FieldDistribution {
  enum class Kind : int32_t { fixed = 0, uniform = 1, loguniform = 2 } kind = Kind::fixed;
  double a = 0.0, b = 0.0;
};

struct JobTemplate {
  JobSpec base;  // integer and enum fields, and every fixed value
  FieldDistribution fields[kJobFieldCount];
};

struct WorkloadSpec {
  std::string trace_path;       // `trace = "..."`, relative paths from the sweep file's folder
  bool synthetic = false;       // scenario s = generate_synthetic(synthetic_spec, seed, s)
  SyntheticMarketSpec synthetic_spec;  // from [synthetic]
  int32_t first_slot = 0;       // slot where scenario 0's window starts (every window, synthetic)
  int32_t scenarios = 1;        // S
  int32_t scenario_stride = 0;  // trace slots between scenario starts (trace workloads)
  int32_t rounds = 1;           // R
  int32_t round_stride = 1;     // scenario slots between round starts: s_r = r·round_stride
  // `forecast_trace = "..."`: forecasters read this trace's windows instead of the market's
  // (same tick, at least as long); empty: forecasts are of the market itself.
  std::string forecast_trace_path;
};

struct SweepConfig {
  std::string file;  // where it was read from
  Pool pool;
  WorkloadSpec workload;
  JobTemplate job;
  uint64_t seed = 0;
};

// Reads [pool.*], [workload], [job] and the top-level `seed`; one-line InputErrors.
SweepConfig parse_sweep_config(const TomlDocument& doc);
SweepConfig load_sweep_config(const std::string& path);
// The resolved configuration (every default filled in), stored in outputs.
std::string config_to_toml(const SweepConfig& config);

// ---- plan -----------------------------------------------------------------------------------

// Scenario windows copied back to back: the owner behind ScenarioBatchView.
struct ScenarioSet {
  int32_t count = 0;
  int32_t slots = 0;
  double tick_seconds = 0.0;
  std::vector<double> od_price;        // [scenario]
  std::vector<double> spot_price;      // [scenario][slot]
  std::vector<int32_t> spot_avail;     // [scenario][slot]
  std::vector<int64_t> source_slot;    // first trace slot of each window
  int32_t capacity = 1;                // a_max over the scenarios, for forecasts
  uint64_t seed = 0;                   // the workload's seed, which keys forecast noise
  // What forecasters read instead of the market (prediction poisoning), [scenario][slot];
  // empty: the market itself.
  std::vector<double> forecast_spot_price;
  std::vector<int32_t> forecast_spot_avail;

  ScenarioBatchView view() const;
  MarketView market(int32_t scenario) const { return view().market(scenario); }
};

struct SweepPlan {
  Pool pool;
  ScenarioSet scenarios;
  int32_t rounds = 0;
  std::vector<int32_t> round_start;  // [round], slot inside the scenario window
  std::vector<JobSpec> jobs;         // [scenario][round]
  uint64_t seed = 0;
  std::string config_toml;           // resolved configuration text
  std::string trace_name;

  int64_t jobs_per_member() const { return static_cast<int64_t>(scenarios.count) * rounds; }
  const JobSpec& job(int32_t scenario, int32_t round) const {
    return jobs[static_cast<size_t>(scenario) * rounds + round];
  }
};

// Working memory one simulation of any member of the plan's pool may need, in bytes (0 when
// no family needs any): each family evaluated at its axes' largest values, over every job.
size_t max_scratch_bytes(const SweepPlan& plan);

// Draws job r of scenario s: Philox4x32-10 keyed by the seed, counter (s, r, field id, 0).
JobSpec draw_job(const JobTemplate& job, uint64_t seed, int32_t scenario, int32_t round);

// Builds the plan on windows of `trace` (already validated); checks every job, and that every
// round's job fits in its scenario window and every window in the trace.
SweepPlan make_plan(const SweepConfig& config, const Trace& trace);
// Makes forecasters read `forecast`'s windows at the plan's scenario offsets instead of the
// market (prediction poisoning); InputError when its tick or length does not fit.
void set_forecast_market(SweepPlan& plan, const Trace& forecast, const std::string& source_name);
// One synthetic draw per scenario: generate_synthetic(spec, seed, s), window from first_slot.
SweepPlan make_synthetic_plan(const SweepConfig& config);
// The workload as configured: windows of its trace (read with load_trace), or one synthetic
// draw per scenario.
SweepPlan make_plan(const SweepConfig& config);

// ---- run ------------------------------------------------------------------------------------

enum class Backend : int32_t { automatic = 0, cpu = 1, cuda = 2 };
Backend parse_backend(const std::string& name);  // "auto" | "cpu" | "cuda"
const char* backend_name(Backend backend);

struct SweepOptions {
  Backend backend = Backend::automatic;
  // Device memory budget: max_device_mem_bytes when nonzero, else this fraction of free memory.
  std::size_t max_device_mem_bytes = 0;
  double max_device_mem_fraction = 0.8;
  int threads = 0;                     // CPU threads; 0 = OpenMP's default
  std::vector<int64_t> trace_members;  // members whose every outcome is kept
  bool percentiles = true;             // off: means and rates only (bench can skip sorting)
  int64_t max_chunk_members = 0;       // CUDA: cap on members per chunk (0 = what memory allows)
  bool per_scenario = false;           // also keep ScenarioStat per (member, scenario)
};

// Per-member statistics, in this order (docs/hdf5-layout.md).
enum class Stat : int32_t {
  utility_mean = 0, utility_p5, utility_p50, utility_p95,
  cost_mean, cost_p5, cost_p50, cost_p95,
  finish_s_mean, finish_s_p5, finish_s_p50, finish_s_p95,
  miss_rate, spot_share_mean, reconfigs_mean, net_overrides_mean,
  count
};
constexpr int32_t kStatCount = static_cast<int32_t>(Stat::count);
const char* stat_name(Stat stat);
// The column of percentile p (index for percentile_percent) of metric m.
Stat percentile_stat(PercentileMetric metric, int32_t percentile_index);

// Per-(member, scenario) statistics over the scenario's R rounds, with --per-scenario.
enum class ScenarioStat : int32_t { utility_mean = 0, cost_mean, miss_rate, count };
constexpr int32_t kScenarioStatCount = static_cast<int32_t>(ScenarioStat::count);
const char* scenario_stat_name(ScenarioStat stat);

struct SweepResult {
  int64_t members = 0;
  std::vector<double> stats;              // [member][kStatCount]
  std::vector<int64_t> traced_members;
  std::vector<Outcome> traced;            // [traced member][scenario][round]
  int64_t policy_slot_steps = 0;          // Σ slots simulated
  double seconds = 0.0;                   // wall time of the evaluation
  Backend backend = Backend::cpu;         // the backend that ran
  std::string device;                     // device name, or "cpu (N threads)"
  int threads = 0;                        // CPU threads used
  std::size_t device_peak_bytes = 0;      // most device memory held at once
  std::vector<double> scenario_stats;     // [member][scenario][kScenarioStatCount], or empty

  double stat(int64_t member, Stat s) const {
    return stats[static_cast<size_t>(member) * kStatCount + static_cast<int32_t>(s)];
  }
};

// Called on the calling thread with members done so far and the total.
using ProgressCallback = std::function<void(int64_t done, int64_t total)>;

// Runs the sweep on the requested backend (auto: CUDA when a device exists, else CPU).
// Implemented with the backend library: kernels/sweep.cu, or src/nocuda/ without CUDA.
SweepResult run_sweep(const SweepPlan& plan, const SweepOptions& options,
                      const ProgressCallback& progress = {});
SweepResult run_sweep_cpu(const SweepPlan& plan, const SweepOptions& options,
                          const ProgressCallback& progress = {});
// The backend that runs: cpu or cuda. auto gives cuda when the device is available; an
// explicit cuda without one is an InputError that says why.
Backend resolve_backend(Backend requested, const DeviceInfo& device);

// Shared by both backends: the final statistics of one member from its sums and, when
// percentiles are on, its sorted keys (kPercentileMetrics runs of jobs_per_member values).
void finish_member_stats(const OutcomeSums& sums, double* stats_row);
// The kScenarioStatCount statistics of one (member, scenario) from its sums.
void finish_scenario_stats(const OutcomeSums& sums, double* row);
// Checks trace_members against the pool; throws InputError on an index outside it.
void check_trace_members(const SweepPlan& plan, const std::vector<int64_t>& members);

// ---- OPT and output ------------------------------------------------------------------------

struct OptTable {
  int32_t progress_buckets = 0;  // 0: not computed
  std::vector<double> utility_lower, utility_upper;  // [scenario][round]
};
// OPT for every (scenario, round), in parallel on the host.
OptTable compute_opt_table(const SweepPlan& plan, int32_t progress_buckets, int threads);

// Writes the HDF5 file of docs/hdf5-layout.md under a temporary name in the same folder and
// renames it to path when complete; on any failure the temporary file is removed.
void write_sweep_h5(const std::string& path, const SweepPlan& plan, const SweepResult& result,
                    const OptTable& opt);

}  // namespace spotsweep

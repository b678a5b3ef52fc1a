#pragma once
// A sweep file (docs/sweep.md): the pool ([pool.*]), the workload ([workload], [synthetic])
// and the job template ([job]) with the distributions its fields are drawn from. Host-only.
#include <cstdint>
#include <string>
#include <vector>

#include "spotsweep/config/job_template.hpp"
#include "spotsweep/config/pool.hpp"
#include "spotsweep/config/toml.hpp"
#include "spotsweep/market/synthetic.hpp"
#include "spotsweep/model/job.hpp"

namespace spotsweep {

struct WorkloadSpec {
  std::string trace_path;  // `trace = "..."`, relative paths from the sweep file's folder
  bool synthetic = false;  // scenario s = generate_synthetic(synthetic_spec, seed, s)
  SyntheticMarketSpec synthetic_spec;  // from [synthetic]
  int32_t first_slot = 0;       // slot where scenario 0's window starts (every window, synthetic)
  int32_t scenarios = 1;        // S
  int32_t scenario_stride = 0;  // trace slots between scenario starts (trace workloads)
  int32_t rounds = 1;           // R
  int32_t round_stride = 1;     // scenario slots between round starts: s_r = r·round_stride
  // `forecast_trace = "..."`: forecasters read this trace's windows instead of the market's
  // (same tick, at least as long); empty: forecasts are of the market itself.
  std::string forecast_trace_path;
  // file:line of the `trace` and `forecast_trace` keys, so that a file that cannot be read is
  // reported with the key that names it.
  std::string trace_where, forecast_trace_where;
};

// A numeric [job], [workload] or [synthetic] key given several values (docs/sweep.md, "Scenario
// axes"): a dimension of every outcome and of OPT, named after the key.
struct ScenarioAxis {
  std::string section;  // "job", "workload" or "synthetic"
  std::string key;      // e.g. "deadline_h"
  std::vector<double> values;
  std::string where;  // "file:line" or "command line: -a job.deadline_h", for messages
};

struct SweepConfig {
  std::string file;  // where it was read from
  Pool pool;
  WorkloadSpec workload;
  JobTemplate job;
  uint64_t seed = 0;
  // Scenario axes in file order, the first slowest; empty for a sweep of one point. The fields
  // above then hold the first point.
  std::vector<ScenarioAxis> scenario_axes;
  TomlDocument document;  // the file as read (with -a overrides), re-read at each point
};

// Reads [pool.*], [workload], [job] and the top-level `seed`; one-line InputErrors.
SweepConfig parse_sweep_config(const TomlDocument& doc);
SweepConfig load_sweep_config(const std::string& path);
// The resolved configuration (every default filled in, scenario axes as lists), stored in
// outputs.
std::string config_to_toml(const SweepConfig& config);

// Points of the scenario axes (1 without axes), in C order: the last axis fastest.
int64_t scenario_point_count(const SweepConfig& config);
// The axes' values at one point, one per axis.
std::vector<double> scenario_point_values(const SweepConfig& config, int64_t point);
// The configuration of one point: every axis key set to its value there, no axes left.
SweepConfig sweep_config_at(const SweepConfig& config, int64_t point);
// Units and long name of a scenario axis, for outputs.
KeyMeaning scenario_axis_meaning(const ScenarioAxis& axis);

// Applies `-a KEY=VALUES` (docs/sweep.md, "Axes from the command line") to a sweep file as read:
// KEY is `section.key` (job.deadline_h, workload.seed, synthetic.capacity), `pool.<grid>.<axis>`
// or `<grid>.<axis>` (pf.theta, chc.short.commit), or a bare key found in exactly one of them;
// VALUES is a number, a list `a,b,c` or `[a, b, c]`, or a range `[start:stop:step]`. The value
// replaces the key's, or adds the key. InputError naming `-a` otherwise.
void apply_axis_override(TomlDocument& doc, const std::string& assignment);

}  // namespace spotsweep

#pragma once
// A sweep file (docs/sweep.md): the pool ([pool.*]), the workload ([workload], [synthetic])
// and the job template ([job]) with the distributions its fields are drawn from. Host-only.
#include <cstdint>
#include <string>

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

}  // namespace spotsweep

#pragma once
// The stress command's output file, the layout of docs/stress.md. Host-only.
#include <string>
#include <vector>

#include "spotsweep/config/sweep_config.hpp"
#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/select/stress.hpp"

namespace spotsweep {

// docs/stress.md's HDF5 layout, under a temporary name renamed when complete.
void write_stress_h5(const std::string& path, const SweepConfig& config, const StressSuite& suite,
                     const std::vector<StressRun>& runs, const std::vector<StressRecord>& records);
// The same into an output reserved when the command started (detail/atomic_file.hpp).
void write_stress_h5(OutputFile& output, const SweepConfig& config, const StressSuite& suite,
                     const std::vector<StressRun>& runs, const std::vector<StressRecord>& records);

// The suite file the run amounts to, which `spotsweep stress --config` replays: the pool, job
// and workload shape (no market keys), the [select] options, [stress] and each adversary's
// [stress.<adversary>] table with the values swept.
std::string stress_config_to_toml(const SweepConfig& config, const StressSuite& suite,
                                  const std::string& select_table);

}  // namespace spotsweep

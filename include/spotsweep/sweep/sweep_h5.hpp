#pragma once
// The sweep's output file, the layout of docs/hdf5-layout.md. Host-only.
#include <string>
#include <vector>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/sweep/opt.hpp"
#include "spotsweep/sweep/plan.hpp"
#include "spotsweep/sweep/sweep.hpp"

namespace spotsweep {

// Writes the file under a temporary name in the same folder and renames it to path when
// complete; on any failure the temporary file is removed. One result and one OPT table per
// point of the grid; `config_toml` is the configuration stored for replay (docs/hdf5-layout.md,
// "Root attributes"), the grid's own when empty.
void write_sweep_h5(const std::string& path, const SweepGrid& grid,
                    const std::vector<SweepResult>& results, const std::vector<OptTable>& opt,
                    const std::string& config_toml = "");
// The same into an output reserved when the command started (detail/atomic_file.hpp).
void write_sweep_h5(OutputFile& output, const SweepGrid& grid,
                    const std::vector<SweepResult>& results, const std::vector<OptTable>& opt,
                    const std::string& config_toml = "");
// A sweep of one point.
void write_sweep_h5(const std::string& path, const SweepPlan& plan, const SweepResult& result,
                    const OptTable& opt);
// The same into an output reserved when the command started (detail/atomic_file.hpp).
void write_sweep_h5(OutputFile& output, const SweepPlan& plan, const SweepResult& result,
                    const OptTable& opt);

}  // namespace spotsweep

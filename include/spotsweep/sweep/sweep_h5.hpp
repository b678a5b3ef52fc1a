#pragma once
// The sweep's output file, the layout of docs/hdf5-layout.md. Host-only.
#include <hdf5.h>

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
// The file's contents with the rows each point's result holds (all of them, or rank 0's share
// under MPI: the other ranks add theirs with write_sweep_rows, sweep/sweep_ranks.hpp);
// best_means: per point, the whole pool's largest mean utility (OPT's precision check).
void write_sweep_contents(hid_t file, const SweepGrid& grid,
                          const std::vector<SweepResult>& results, const std::vector<OptTable>& opt,
                          const std::string& config_toml, const std::vector<double>& best_means);
// The rows each point's result holds, into the datasets write_sweep_contents made in file.
void write_sweep_rows(hid_t file, const SweepGrid& grid, const std::vector<SweepResult>& results);
// The largest mean utility among the rows r holds (NaN with none).
double best_member_mean(const SweepResult& r);
// The same into an output reserved when the command started (detail/atomic_file.hpp).
void write_sweep_h5(OutputFile& output, const SweepPlan& plan, const SweepResult& result,
                    const OptTable& opt);

}  // namespace spotsweep

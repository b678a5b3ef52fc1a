#pragma once
// The selector's output file, the layout of docs/select.md. Host-only.
#include <functional>
#include <string>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/select/select.hpp"
#include "spotsweep/sweep/plan.hpp"

namespace spotsweep {

// Writes docs/select.md's HDF5 layout under a temporary name, renamed when complete.
// `config_toml` is the configuration stored for replay; when empty, the plan's with the
// result's [select] table.
void write_select_h5(const std::string& path, const SweepPlan& plan, const SelectResult& result,
                     const std::string& config_toml = "");
// The same into an output reserved when the command started (detail/atomic_file.hpp).
void write_select_h5(OutputFile& output, const SweepPlan& plan, const SelectResult& result,
                     const std::string& config_toml = "");

// A select or stress file under MPI (docs/mpi.md): every rank holds the same records, so rank 0
// alone runs `write` (a writer that renames only when complete); every rank calls this at the
// same point, and a failure of any rank, before or while writing, is every rank's RankFailure
// with no file left.
void write_select_h5_ranks(const std::function<void()>& write);

}  // namespace spotsweep

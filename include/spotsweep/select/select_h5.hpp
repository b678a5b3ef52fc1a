#pragma once
// The selector's output file, the layout of docs/select.md. Host-only.
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

}  // namespace spotsweep

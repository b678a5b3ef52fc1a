#pragma once
// The sweep's output file, the layout of docs/hdf5-layout.md. Host-only.
#include <string>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/sweep/opt.hpp"
#include "spotsweep/sweep/plan.hpp"
#include "spotsweep/sweep/sweep.hpp"

namespace spotsweep {

// Writes the file under a temporary name in the same folder and renames it to path when
// complete; on any failure the temporary file is removed.
void write_sweep_h5(const std::string& path, const SweepPlan& plan, const SweepResult& result,
                    const OptTable& opt);
// The same into an output reserved when the command started (detail/atomic_file.hpp).
void write_sweep_h5(OutputFile& output, const SweepPlan& plan, const SweepResult& result,
                    const OptTable& opt);

}  // namespace spotsweep

#pragma once
// The sweep's output file, the layout of docs/hdf5-layout.md. Host-only.
#include <hdf5.h>

#include <string>

#include "spotsweep/sweep/opt.hpp"
#include "spotsweep/sweep/plan.hpp"
#include "spotsweep/sweep/sweep.hpp"

namespace spotsweep {

// Writes the file under a temporary name in the same folder and renames it to path when
// complete; on any failure the temporary file is removed.
void write_sweep_h5(const std::string& path, const SweepPlan& plan, const SweepResult& result,
                    const OptTable& opt);
// The file's contents with the rows result holds (all of them, or rank 0's share under MPI:
// the other ranks add theirs, sweep/sweep_ranks.hpp).
void write_sweep_contents(hid_t file, const SweepPlan& plan, const SweepResult& result,
                          const OptTable& opt);

}  // namespace spotsweep

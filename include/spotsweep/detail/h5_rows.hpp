#pragma once
// Datasets written in parts (docs/mpi.md, "Writing the file"): each MPI rank writes the rows of its
// members into datasets that rank 0 created, as a run of consecutive positions in the dataset's
// row-major order, whatever its shape. Host-only.
#include <hdf5.h>

#include <string>
#include <vector>

namespace spotsweep::h5 {

// Creates dataset `name` of shape `dims` under `parent` without writing it; the caller closes it.
hid_t create_dataset(hid_t parent, const std::string& name, hid_t type,
                     const std::vector<hsize_t>& dims);
// Writes `count` values of `type` from `data` at the row-major positions [first, first + count)
// of dataset `ds` (any shape), as at most 2·rank − 1 boxes of the dataset.
void write_flat_range(hid_t ds, hid_t type, hsize_t first, hsize_t count, const void* data);

}  // namespace spotsweep::h5

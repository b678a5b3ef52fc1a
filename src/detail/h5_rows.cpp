// Datasets written in parts: a run of row-major positions as a union of boxes.
#include "spotsweep/detail/h5_rows.hpp"

#include <algorithm>
#include <stdexcept>

#include "spotsweep/detail/h5.hpp"

namespace spotsweep::h5 {

hid_t create_dataset(hid_t parent, const std::string& name, hid_t type,
                     const std::vector<hsize_t>& dims) {
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
               "create dataspace for " + name);
  const hid_t ds =
      H5Dcreate2(parent, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (ds < 0) throw std::runtime_error("HDF5: cannot create dataset " + name);
  return ds;
}

void write_flat_range(hid_t ds, hid_t type, hsize_t first, hsize_t count, const void* data) {
  if (count == 0) return;
  Handle space(H5Dget_space(ds), H5Sclose, "read a dataset's shape");
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 1) throw std::runtime_error("HDF5: cannot write rows of a scalar dataset");
  std::vector<hsize_t> dims(static_cast<size_t>(rank)), unit(static_cast<size_t>(rank), 1);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  for (int k = rank - 2; k >= 0; --k)
    unit[k] = unit[k + 1] * dims[k + 1];
  if (first + count > unit[0] * dims[0])
    throw std::runtime_error("HDF5: rows beyond the end of a dataset");
  // From pos, the largest box that starts there: the outermost axis k to which pos is aligned and
  // whose unit still fits, n steps along it (not past its end); axes before k stay fixed.
  bool selected = false;
  for (hsize_t pos = first, stop = first + count; pos < stop;) {
    int k = 0;
    while (pos % unit[k] != 0 || unit[k] > stop - pos)
      ++k;
    std::vector<hsize_t> start(static_cast<size_t>(rank), 0), extent(dims);
    hsize_t rest = pos;
    for (int a = 0; a < rank; ++a) {
      start[a] = rest / unit[a];
      rest %= unit[a];
    }
    const hsize_t n = std::min((stop - pos) / unit[k], dims[k] - start[k]);
    for (int a = 0; a < k; ++a)
      extent[a] = 1;
    extent[k] = n;
    check(H5Sselect_hyperslab(space, selected ? H5S_SELECT_OR : H5S_SELECT_SET, start.data(),
                              nullptr, extent.data(), nullptr),
          "select rows of a dataset");
    selected = true;
    pos += n * unit[k];
  }
  Handle memory(H5Screate_simple(1, &count, nullptr), H5Sclose, "create a memory space");
  check(H5Dwrite(ds, type, memory, space, H5P_DEFAULT, data), "write rows of a dataset");
}

}  // namespace spotsweep::h5

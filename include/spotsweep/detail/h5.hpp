#pragma once
// Small HDF5 helpers shared by the readers and writers in src/: RAII handles, quiet error
// reporting, string and scalar attributes, datasets and their reading, and the
// write-to-a-temporary-name-then-rename discipline. Host-only.
#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/types.h>

#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"
#include "spotsweep/detail/seal.hpp"

namespace spotsweep::h5 {

// Owns an identifier from an HDF5 call that may fail without that being an error (opening
// something that may be absent): ok() says whether it holds one; movable, so readers can
// return what they opened.
class OptionalHandle {
 public:
  using Closer = herr_t (*)(hid_t);
  OptionalHandle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  OptionalHandle(OptionalHandle&& other) noexcept : id_(other.id_), closer_(other.closer_) {
    other.id_ = -1;
  }
  OptionalHandle(const OptionalHandle&) = delete;
  OptionalHandle& operator=(const OptionalHandle&) = delete;
  OptionalHandle& operator=(OptionalHandle&&) = delete;
  ~OptionalHandle() {
    if (id_ >= 0) closer_(id_);
  }
  bool ok() const { return id_ >= 0; }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }

 private:
  hid_t id_;
  Closer closer_;
};

// An identifier that must be valid: a failed HDF5 call throws "HDF5: cannot <what>".
class Handle : public OptionalHandle {
 public:
  Handle(hid_t id, Closer close, const std::string& what) : OptionalHandle(id, close) {
    if (!ok()) throw std::runtime_error("HDF5: cannot " + what);
  }
};

inline void check(herr_t status, const std::string& what) {
  if (status < 0) throw std::runtime_error("HDF5: cannot " + what);
}

inline Handle make_group(hid_t parent, const std::string& name) {
  return Handle(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                "create group " + name);
}

// Silences HDF5's own error printing while in scope: our exceptions say what failed, in one line.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// Variable-length UTF-8, so h5py returns str rather than bytes.
inline void write_string_attr(hid_t object, const char* name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "copy string type");
  check(H5Tset_size(type, H5T_VARIABLE), "set string size");
  check(H5Tset_cset(type, H5T_CSET_UTF8), "set UTF-8");
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create scalar space");
  Handle attr(H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              std::string("create attribute ") + name);
  const char* text = value.c_str();
  check(H5Awrite(attr, type, &text), std::string("write attribute ") + name);
}

// A variable-length string attribute's text; "" when it is missing or of another type.
inline std::string read_string_attr(hid_t object, const char* name) {
  if (H5Aexists(object, name) <= 0) return "";
  OptionalHandle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  OptionalHandle type(H5Aget_type(attr), H5Tclose);
  if (!attr.ok() || !type.ok() || H5Tis_variable_str(type) <= 0) return "";
  OptionalHandle memtype(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(memtype, H5T_VARIABLE);
  H5Tset_cset(memtype, H5Tget_cset(type));
  char* text = nullptr;
  if (H5Aread(attr, memtype, &text) < 0 || !text) return "";
  std::string out = text;
  H5free_memory(text);
  return out;
}

template <class T>
void write_scalar_attr(hid_t object, const char* name, hid_t type, T value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create scalar space");
  Handle attr(H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              std::string("create attribute ") + name);
  check(H5Awrite(attr, type, &value), std::string("write attribute ") + name);
}

inline hid_t dataset(hid_t parent, const std::string& name, hid_t type,
                     const std::vector<hsize_t>& dims, const void* data) {
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  if (space < 0) throw std::runtime_error("HDF5: cannot create dataspace for " + name);
  const hid_t ds =
      H5Dcreate2(parent, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Sclose(space);
  if (ds < 0) throw std::runtime_error("HDF5: cannot create dataset " + name);
  if (H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    H5Dclose(ds);
    throw std::runtime_error("HDF5: cannot write dataset " + name);
  }
  return ds;
}

inline void write_dataset(hid_t parent, const std::string& name, hid_t type,
                          const std::vector<hsize_t>& dims, const void* data) {
  Handle ds(dataset(parent, name, type, dims, data), H5Dclose, "write " + name);
}

// A dataset of variable-length UTF-8 strings (h5py gives str, not bytes).
inline hid_t string_dataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                            const std::vector<std::string>& values) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "copy string type");
  check(H5Tset_size(type, H5T_VARIABLE), "set string size");
  check(H5Tset_cset(type, H5T_CSET_UTF8), "set UTF-8");
  std::vector<const char*> pointers;
  for (const std::string& v : values)
    pointers.push_back(v.c_str());
  return dataset(parent, name, type, dims, pointers.data());
}

// CF attributes of a dataset (docs/hdf5-layout.md): `units`, real units ("USD", "s", "1" for a
// dimensionless number; none for text), and `long_name`, what it is.
inline void write_cf(hid_t object, const std::string& units, const std::string& long_name) {
  if (!units.empty()) write_string_attr(object, "units", units);
  write_string_attr(object, "long_name", long_name);
}

// A dimension scale of `count` consecutive int32 indices from `first` (scenario 0, 1, …;
// round 1, 2, …), named `name` and labelled `label`.
inline Handle index_scale(hid_t parent, const std::string& name, hsize_t count, int32_t first,
                          const char* label) {
  std::vector<int32_t> index(static_cast<size_t>(count));
  for (hsize_t i = 0; i < count; ++i)
    index[i] = first + static_cast<int32_t>(i);
  Handle scale(dataset(parent, name, H5T_NATIVE_INT32, {count}, index.data()), H5Dclose, name);
  check(H5DSset_scale(scale, label), "make " + name + " a dimension scale");
  write_cf(scale, "1", label);
  return scale;
}

// A 1-D dimension scale of values (float64), named after its dimension, with CF attributes.
inline Handle value_scale(hid_t parent, const std::string& name, const std::vector<double>& values,
                          const std::string& units, const std::string& long_name) {
  Handle scale(dataset(parent, name, H5T_NATIVE_DOUBLE, {values.size()}, values.data()), H5Dclose,
               name);
  check(H5DSset_scale(scale, name.c_str()), "make " + name + " a dimension scale");
  write_cf(scale, units, long_name);
  return scale;
}

// A 1-D dimension scale of int64 or uint64 values (members, seeds).
template <class T>
Handle integer_scale(hid_t parent, const std::string& name, const std::vector<T>& values,
                     const std::string& long_name) {
  const hid_t type = std::is_signed<T>::value ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64;
  Handle scale(dataset(parent, name, type, {values.size()}, values.data()), H5Dclose, name);
  check(H5DSset_scale(scale, name.c_str()), "make " + name + " a dimension scale");
  write_cf(scale, "1", long_name);
  return scale;
}

// Makes `scale` the dimension scale of dimension `dim` of `data`, labelled with its name.
inline void attach_scale(hid_t data, hid_t scale, unsigned dim, const char* label) {
  check(H5DSattach_scale(data, scale, dim), std::string("attach scale ") + label);
  check(H5DSset_label(data, dim, label), std::string("label dimension ") + label);
}

// Whether every link along `path` ("a/b/c" or "/a/b/c") under `parent` exists: H5Lexists
// alone needs the intermediate groups to exist.
inline bool path_exists(hid_t parent, const std::string& path) {
  // The search starts at 1 because a leading '/' is the root group, which always exists.
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    if (H5Lexists(parent, path.substr(0, slash).c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) return true;
  }
}

// Dataset `name` (a path) under `parent`, read whole as `mem_type`, with its shape (any rank)
// in `shape` when given. InputErrors name `file` and the dataset: missing, of another type
// class than `klass` (`expected` names the type wanted), or unreadable.
template <class T>
std::vector<T> read_dataset(hid_t parent, const std::string& name, hid_t mem_type,
                            H5T_class_t klass, const char* expected, const std::string& file,
                            std::vector<hsize_t>* shape = nullptr) {
  if (!path_exists(parent, name)) throw input_error(file, name, "", "missing dataset");
  OptionalHandle ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) throw input_error(file, name, "", "cannot open dataset");
  OptionalHandle type(H5Dget_type(ds), H5Tclose);
  if (H5Tget_class(type) != klass)
    throw input_error(file, name, "", std::string("expected ") + expected);
  OptionalHandle space(H5Dget_space(ds), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) throw input_error(file, name, "", "cannot read dataset");
  if (rank > 32) throw input_error(file, name, std::to_string(rank) + " dimensions", "too many");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  // The declared size, in double so that a crafted shape cannot wrap it, is checked against
  // what the file stores before anything is allocated: deflate shrinks data at most about
  // 1032-fold, so more than 1100 times the stored bytes (beyond 64 KiB) was never written.
  double declared = 1.0;
  for (hsize_t d : dims)
    declared *= static_cast<double>(d);
  const double declared_bytes = declared * static_cast<double>(sizeof(T));
  const double stored_bytes = static_cast<double>(H5Dget_storage_size(ds));
  if (declared_bytes > 1100.0 * stored_bytes + 65536.0)
    throw input_error(file, name, format_number(declared) + " values",
                      "declared, but the file stores only " + format_number(stored_bytes) +
                          " bytes of them: the file is damaged");
  check_host_memory(declared_bytes, "dataset " + name, file, name,
                    format_number(declared) + " values",
                    "raise --max-host-mem, or read it on a larger machine");
  const hsize_t count = static_cast<hsize_t>(declared);
  std::vector<T> values(static_cast<size_t>(count));
  if (count > 0 && H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    throw input_error(file, name, "", "cannot read dataset");
  if (shape) *shape = std::move(dims);
  return values;
}

// Whether write_file_atomically seals the file (detail/seal.hpp): a user block holding the
// length and checksum of the rest, verified by readers before the HDF5 library reads it.
enum class Seal : int { no = 0, yes = 1 };

// Lets fill() build the file in memory (HDF5's core driver, no backing store), then writes the
// image to the reserved output's temporary file with plain writes and renames it into place.
// HDF5 itself never writes to the disk, so a full disk or an I/O error is one error line from
// our own write, never a failure inside the library (whose handles, half-flushed, would crash
// it at exit). On any failure the temporary file is removed (by `output`) and whatever was at
// the path before is left untouched; the file is closed exactly once.
inline void write_file_atomically(OutputFile& output, const std::function<void(hid_t)>& fill,
                                  Seal seal = Seal::no) {
  const QuietHdf5 quiet;
  Handle create(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "create file properties");
  if (seal == Seal::yes) check(H5Pset_userblock(create, kSealBytes), "reserve the user block");
  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "create file access properties");
  check(H5Pset_fapl_core(access, 1 << 20, false), "keep the file in memory");
  const hid_t file = H5Fcreate(output.temp().c_str(), H5F_ACC_TRUNC, create, access);
  if (file < 0) throw std::runtime_error("HDF5: cannot create " + output.path() + " in memory");
  std::vector<unsigned char> image;
  try {
    fill(file);
    // The image is complete once the metadata is flushed; it starts at the superblock, after
    // the user block, which the seal's header then fills.
    check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush " + output.path());
    const ssize_t size = H5Fget_file_image(file, nullptr, 0);
    if (size < 0) throw std::runtime_error("HDF5: cannot take the image of " + output.path());
    const size_t user_block = seal == Seal::yes ? kSealBytes : 0;
    image.assign(user_block + static_cast<size_t>(size), 0);
    if (H5Fget_file_image(file, image.data() + user_block, static_cast<size_t>(size)) != size)
      throw std::runtime_error("HDF5: cannot take the image of " + output.path());
  } catch (...) {
    H5Fclose(file);
    throw;
  }
  if (H5Fclose(file) < 0) throw std::runtime_error("HDF5: cannot close " + output.path());
  if (seal == Seal::yes) seal_image(image);
  write_file_bytes(output, image.data(), image.size());
  output.commit();
}

// The same for an output not reserved beforehand. `option` names the path's origin in errors
// (e.g. "--output").
inline void write_file_atomically(const std::string& path, const std::function<void(hid_t)>& fill,
                                  const std::string& option = "--output", Seal seal = Seal::no) {
  OutputFile output(path, option);
  write_file_atomically(output, fill, seal);
}

}  // namespace spotsweep::h5

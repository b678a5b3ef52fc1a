// The native HDF5 trace format (docs/trace-format.md): /spot_price, /spot_avail and the
// scalar attributes of the root group.
#include "spotsweep/market/trace_io.hpp"

#include <hdf5.h>

#include <cstdint>
#include <fstream>
#include <vector>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/h5.hpp"
#include "spotsweep/detail/seal.hpp"

namespace spotsweep {

namespace {

using H5Handle = h5::OptionalHandle;

using h5::QuietHdf5;

void check(herr_t status, const std::string& file, const std::string& field, const char* what) {
  if (status < 0) throw input_error(file, field, "", what);
}

H5Handle utf8_string_type() {
  H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

void write_string_attribute(hid_t object, const char* name, const std::string& value,
                            const std::string& file) {
  H5Handle type = utf8_string_type();
  H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  H5Handle attr(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
  if (!attr.ok()) throw input_error(file, name, "", "cannot create attribute");
  const char* text = value.c_str();
  check(H5Awrite(attr.get(), type.get(), &text), file, name, "cannot write attribute");
}

template <class T>
void write_scalar_attribute(hid_t object, const char* name, hid_t file_type, hid_t mem_type,
                            T value, const std::string& file) {
  H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  H5Handle attr(H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
  if (!attr.ok()) throw input_error(file, name, "", "cannot create attribute");
  check(H5Awrite(attr.get(), mem_type, &value), file, name, "cannot write attribute");
}

// A 1-D dataset, chunked and compressed (traces repeat values for long runs).
void write_series(hid_t group, const char* name, hid_t file_type, hid_t mem_type, const void* data,
                  size_t count, const char* units, const std::string& file) {
  const hsize_t dims[1] = {count};
  H5Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  H5Handle props(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  const hsize_t chunk[1] = {count < 16384 ? count : 16384};
  H5Pset_chunk(props.get(), 1, chunk);
  // No modification times in the object headers: the same trace gives the same bytes.
  H5Pset_obj_track_times(props.get(), false);
  if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
    H5Pset_shuffle(props.get());
    H5Pset_deflate(props.get(), 6);
  }
  // Each chunk carries its own checksum too, which HDF5 verifies when it reads the chunk.
  H5Pset_fletcher32(props.get());
  H5Handle dset(
      H5Dcreate2(group, name, file_type, space.get(), H5P_DEFAULT, props.get(), H5P_DEFAULT),
      H5Dclose);
  if (!dset.ok()) throw input_error(file, name, "", "cannot create dataset");
  check(H5Dwrite(dset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), file, name,
        "cannot write dataset");
  write_string_attribute(dset.get(), "units", units, file);
}

bool has_attribute(hid_t object, const char* name) { return H5Aexists(object, name) > 0; }

H5Handle open_attribute(hid_t object, const char* name, const std::string& file) {
  if (!has_attribute(object, name)) throw input_error(file, name, "", "missing attribute");
  H5Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  if (!attr.ok()) throw input_error(file, name, "", "cannot open attribute");
  H5Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (H5Sget_simple_extent_type(space.get()) != H5S_SCALAR)
    throw input_error(file, name, "", "expected a scalar attribute");
  return attr;
}

std::string read_string_attribute(hid_t object, const char* name, const std::string& file) {
  H5Handle attr = open_attribute(object, name, file);
  H5Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING)
    throw input_error(file, name, "", "expected a string attribute");
  if (H5Tis_variable_str(type.get()) > 0) {
    H5Handle mem = utf8_string_type();
    char* text = nullptr;
    check(H5Aread(attr.get(), mem.get(), &text), file, name, "cannot read attribute");
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
  // Fixed-length strings (written by other tools) are accepted too.
  const size_t size = H5Tget_size(type.get());
  std::vector<char> buffer(size + 1, '\0');
  H5Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mem.get(), size + 1);
  check(H5Aread(attr.get(), mem.get(), buffer.data()), file, name, "cannot read attribute");
  return std::string(buffer.data());
}

template <class T>
T read_scalar_attribute(hid_t object, const char* name, hid_t mem_type, H5T_class_t klass,
                        const char* expected, const std::string& file) {
  H5Handle attr = open_attribute(object, name, file);
  H5Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != klass)
    throw input_error(file, name, "", std::string("expected ") + expected);
  T value{};
  check(H5Aread(attr.get(), mem_type, &value), file, name, "cannot read attribute");
  return value;
}

// An integer attribute read at 64 bits, so that HDF5's conversion cannot clamp a value the
// file holds (an int64 2^40 would become 2147483647 as an int32), then range-checked.
int32_t read_int32_attribute(hid_t object, const char* name, int64_t low, int64_t high,
                             const std::string& file) {
  const int64_t value = read_scalar_attribute<int64_t>(object, name, H5T_NATIVE_INT64, H5T_INTEGER,
                                                       "an integer", file);
  if (value < low || value > high)
    throw input_error(file, name, std::to_string(value),
                      "must be between " + std::to_string(low) + " and " + std::to_string(high));
  return static_cast<int32_t>(value);
}

// How to get a file the reader accepts, for a file written without the checksum.
const char* const kResealAdvice =
    "this spotsweep reads only traces sealed by `spotsweep traces import` or `traces synth` "
    "(format 2, docs/trace-format.md): re-import it from its source file, or regenerate it";

template <class T>
std::vector<T> read_series(hid_t group, const char* name, hid_t mem_type, H5T_class_t klass,
                           const char* expected, const std::string& file) {
  std::vector<hsize_t> shape;
  std::vector<T> values = h5::read_dataset<T>(group, name, mem_type, klass, expected, file, &shape);
  if (shape.size() != 1) throw input_error(file, name, "", "expected a 1-D dataset");
  return values;
}

// The first bytes of `path`: whether it starts like a sealed file, or like a plain HDF5 file.
std::string file_head(const std::string& path, size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  std::string head(bytes, '\0');
  in.read(&head[0], static_cast<std::streamsize>(bytes));
  head.resize(static_cast<size_t>(in.gcount()));
  return head;
}
bool file_is_sealed_hdf5(const std::string& path) {
  const std::string magic = std::string(kSealMagic) + "\n";
  return file_head(path, magic.size()) == magic;
}
// HDF5's signature at 0 (a plain file) or after a user block (a sealed one).
bool file_is_hdf5(const std::string& path) {
  const std::string signature("\x89HDF\r\n\x1a\n", 8);
  const std::string head = file_head(path, kSealBytes + signature.size());
  return head.compare(0, signature.size(), signature) == 0 ||
         (head.size() == kSealBytes + signature.size() &&
          head.compare(kSealBytes, signature.size(), signature) == 0);
}

// validate_trace does not know the capacity bound; the file contract includes it.
void check_capacity(const Trace& trace, const std::string& path) {
  for (size_t i = 0; i < trace.spot_avail.size(); ++i)
    if (trace.spot_avail[i] > trace.capacity)
      throw input_error(path, "spot_avail[" + std::to_string(i) + "]",
                        std::to_string(trace.spot_avail[i]),
                        "exceeds the capacity (" + std::to_string(trace.capacity) + ")");
}

}  // namespace

void write_trace_h5(const Trace& trace, const std::string& path, const std::string& option) {
  validate_trace(trace, path);
  check_capacity(trace, path);
  OutputFile output(path, option);
  write_trace_h5(trace, output);
}

void write_trace_h5(const Trace& trace, OutputFile& output) {
  const std::string& path = output.path();
  validate_trace(trace, path);
  check_capacity(trace, path);
  // Sealed (detail/seal.hpp): readers verify the length and checksum before HDF5 reads it.
  h5::write_file_atomically(
      output,
      [&](hid_t root) {
        write_series(root, "spot_price", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, trace.spot_price.data(),
                     trace.spot_price.size(), "USD per GPU-hour", path);
        write_series(root, "spot_avail", H5T_STD_I32LE, H5T_NATIVE_INT32, trace.spot_avail.data(),
                     trace.spot_avail.size(), "GPUs", path);
        write_scalar_attribute(root, "format_version", H5T_STD_I32LE, H5T_NATIVE_INT32,
                               kTraceFormatVersion, path);
        write_scalar_attribute(root, "tick_seconds", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                               trace.tick_seconds, path);
        write_scalar_attribute(root, "od_price", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, trace.od_price,
                               path);
        write_scalar_attribute(root, "capacity", H5T_STD_I32LE, H5T_NATIVE_INT32, trace.capacity,
                               path);
        write_string_attribute(root, "name", trace.name, path);
        write_string_attribute(root, "source", trace.source, path);
        write_string_attribute(root, "start_time", trace.start_time, path);
      },
      h5::Seal::yes);
}

Trace read_trace_h5(const std::string& path) {
  QuietHdf5 quiet;
  // A FIFO or device would block or mislead the checks below, which need the file's size.
  check_input_file(path, "file");
  // Nothing of HDF5 reads the file before its length and checksum are verified: a corrupt
  // byte is this one error line, never a crash inside the library.
  // Another format (a CSV, a JSON) gets the conversion advice; an unsealed HDF5 file the
  // re-import advice, and a sealed one whose header is damaged the corruption message
  // (verify_sealed_file).
  if (!file_is_sealed_hdf5(path) && !file_is_hdf5(path))
    throw input_error(path, "file", path,
                      "not an HDF5 trace; convert it first with `spotsweep traces import`");
  verify_sealed_file(path, kResealAdvice);
  H5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) throw input_error(path, "file", path, "cannot open as HDF5");
  const hid_t root = file.get();
  if (!has_attribute(root, "format_version"))
    throw input_error(path, "format_version", "",
                      "missing: an HDF5 file but not a spotsweep trace (see "
                      "docs/trace-format.md; convert with `spotsweep traces import`)");
  const int32_t version = read_int32_attribute(root, "format_version", INT32_MIN, INT32_MAX, path);
  if (version != kTraceFormatVersion)
    throw input_error(
        path, "format_version", std::to_string(version),
        "unsupported (this build reads version " + std::to_string(kTraceFormatVersion) + ")");
  Trace trace;
  trace.tick_seconds = read_scalar_attribute<double>(root, "tick_seconds", H5T_NATIVE_DOUBLE,
                                                     H5T_FLOAT, "a float", path);
  trace.od_price = read_scalar_attribute<double>(root, "od_price", H5T_NATIVE_DOUBLE, H5T_FLOAT,
                                                 "a float", path);
  trace.capacity = read_int32_attribute(root, "capacity", 1, INT32_MAX, path);
  trace.name = read_string_attribute(root, "name", path);
  trace.source = read_string_attribute(root, "source", path);
  trace.start_time = read_string_attribute(root, "start_time", path);
  trace.spot_price =
      read_series<double>(root, "spot_price", H5T_NATIVE_DOUBLE, H5T_FLOAT, "float64", path);
  // Read at 64 bits and range-checked: HDF5 would clamp wider values silently.
  const std::vector<int64_t> avail =
      read_series<int64_t>(root, "spot_avail", H5T_NATIVE_INT64, H5T_INTEGER, "int32", path);
  trace.spot_avail.resize(avail.size());
  for (size_t i = 0; i < avail.size(); ++i) {
    if (avail[i] < 0 || avail[i] > INT32_MAX)
      throw input_error(path, "spot_avail[" + std::to_string(i) + "]", std::to_string(avail[i]),
                        "must be a count between 0 and 2147483647");
    trace.spot_avail[i] = static_cast<int32_t>(avail[i]);
  }
  validate_trace(trace, path);
  check_capacity(trace, path);
  return trace;
}

Trace load_trace(const std::string& path) { return read_trace_h5(path); }

}  // namespace spotsweep

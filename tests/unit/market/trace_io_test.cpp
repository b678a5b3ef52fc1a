// The native HDF5 trace format: bit-exact round trip, atomic writes, clear read errors, and
// the shipped quick-start trace matching a fresh import of its sources.
#include "spotsweep/market/trace_io.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <string>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/seal.hpp"
#include "spotsweep/market/importers.hpp"

#include "../../support/trace_test_support.hpp"

namespace spotsweep {
namespace {

using testing::exists;
using testing::expect_input_error;
using testing::read_file;
using testing::repo_data;
using testing::scratch;

Trace awkward_trace() {
  Trace t;
  t.name = "zürich-1a_h100 \"test\"";
  t.source = "unit test; ünïcödé";
  t.start_time = "2025-10-04T00:10:00.002281+00:00";
  t.tick_seconds = 195.0;
  t.od_price = 3.06;
  t.capacity = 16;
  t.spot_price = {0.1,
                  1.0 / 3.0,
                  std::numeric_limits<double>::denorm_min(),
                  1e300,
                  0.0,
                  0.918,
                  1.8464,
                  std::nextafter(1.0, 2.0)};
  t.spot_avail = {0, 16, 1, 15, 7, 0, 3, 16};
  return t;
}

void expect_identical(const Trace& a, const Trace& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.start_time, b.start_time);
  EXPECT_EQ(std::memcmp(&a.tick_seconds, &b.tick_seconds, sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(&a.od_price, &b.od_price, sizeof(double)), 0);
  EXPECT_EQ(a.capacity, b.capacity);
  ASSERT_EQ(a.spot_price.size(), b.spot_price.size());
  EXPECT_EQ(
      std::memcmp(a.spot_price.data(), b.spot_price.data(), a.spot_price.size() * sizeof(double)),
      0);
  EXPECT_EQ(a.spot_avail, b.spot_avail);
}

TEST(TraceH5, RoundTripIsBitExact) {
  const std::string path = scratch("roundtrip.h5");
  const Trace original = awkward_trace();
  // A user's own PATH.tmp is not the writer's temporary file: it survives the write.
  testing::write_file("roundtrip.h5.tmp", "mine");
  write_trace_h5(original, path);
  EXPECT_FALSE(exists(partial_path(path)));
  EXPECT_EQ(testing::read_file(path + ".tmp"), "mine");
  expect_identical(original, read_trace_h5(path));
  expect_identical(original, load_trace(path));
}

TEST(TraceH5, RoundTripOfARealTrace) {
  ImportOptions o;
  o.format = TraceFormat::bamboo_events_csv;
  o.input = repo_data("bamboo/p3-trace.csv");
  o.convention = Convention::available;
  o.tick_seconds = 60.0;
  o.spot_price = 0.918;
  o.od_price = 3.06;
  const Trace imported = import_trace(o);
  const std::string path = scratch("p3.h5");
  write_trace_h5(imported, path);
  expect_identical(imported, read_trace_h5(path));
}

// A text output abandoned before commit() (an exception on the way) leaves the file that was
// there untouched and no temporary file; a committed one replaces it.
TEST(AtomicTextFile, UncommittedLeavesTheOldFile) {
  const std::string path = scratch("atomic.csv");
  {
    AtomicTextFile first(path, "--out");
    first.stream() << "old\n";
    first.commit();
  }
  {
    AtomicTextFile abandoned(path, "--out");
    abandoned.stream() << "new, never committed\n";
    EXPECT_TRUE(exists(partial_path(path)));
  }
  EXPECT_FALSE(exists(partial_path(path)));
  EXPECT_EQ(read_file(path), "old\n");
  expect_input_error([&] { AtomicTextFile into_folder(scratch("."), "--out"); },
                     {"--out", "is a folder"});
}

TEST(TraceH5, FailedWriteLeavesNoPartialFile) {
  // Into a directory that does not exist: nothing is created.
  const std::string nowhere = scratch("no_such_dir/trace.h5");
  expect_input_error([&] { write_trace_h5(awkward_trace(), nowhere); },
                     {"no_such_dir/trace.h5", "its folder does not exist"});
  EXPECT_FALSE(exists(nowhere));
  EXPECT_FALSE(exists(partial_path(nowhere)));

  // Over an existing trace, when the temporary file cannot be created: the old file stays.
  const std::string path = scratch("kept.h5");
  Trace old = awkward_trace();
  old.name = "old";
  write_trace_h5(old, path);
  ::mkdir(partial_path(path).c_str(), 0755);  // a directory where the temporary file would go
  Trace replacement = awkward_trace();
  replacement.name = "new";
  expect_input_error([&] { write_trace_h5(replacement, path); }, {"kept.h5", "cannot create"});
  ::rmdir(partial_path(path).c_str());
  EXPECT_EQ(read_trace_h5(path).name, "old");

  // An invalid trace is refused before anything is written.
  Trace invalid = awkward_trace();
  invalid.spot_price[2] = -1.0;
  const std::string refused = scratch("refused.h5");
  std::remove(refused.c_str());
  expect_input_error([&] { write_trace_h5(invalid, refused); },
                     {"refused.h5", "spot_price[2]", "negative"});
  EXPECT_FALSE(exists(refused));
  invalid = awkward_trace();
  invalid.spot_avail[1] = 17;
  expect_input_error([&] { write_trace_h5(invalid, refused); },
                     {"refused.h5", "spot_avail[1]", "17", "capacity"});
}

TEST(TraceH5, ReadErrorsNameTheFileAndField) {
  expect_input_error([] { load_trace("/nonexistent/trace.h5"); },
                     {"/nonexistent/trace.h5", "cannot open"});
  const std::string csv = repo_data("skynomad/us-east-1a_v100_1.csv");
  expect_input_error([&] { load_trace(csv); },
                     {"us-east-1a_v100_1.csv", "not an HDF5 trace", "spotsweep traces import"});

  // An HDF5 file without the checksum header (another tool, or format 1): refused before
  // HDF5 reads it, with the way to get a sealed file.
  const std::string unsealed = scratch("unsealed.h5");
  hid_t file = H5Fcreate(unsealed.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(file);
  expect_input_error([&] { load_trace(unsealed); },
                     {"unsealed.h5", "checksum", "without the spotsweep checksum", "re-import"});

  // The checks behind the gate, on files modified and sealed again (as a tool that writes
  // the format would).
  // An HDF5 file that is not a trace.
  const std::string foreign = scratch("foreign.h5");
  hid_t create = H5Pcreate(H5P_FILE_CREATE);
  H5Pset_userblock(create, kSealBytes);
  file = H5Fcreate(foreign.c_str(), H5F_ACC_TRUNC, create, H5P_DEFAULT);
  H5Pclose(create);
  H5Fclose(file);
  seal_file(foreign);
  expect_input_error([&] { load_trace(foreign); }, {"foreign.h5", "format_version", "missing"});

  // A trace missing its availability dataset.
  const std::string partial = scratch("partial.h5");
  write_trace_h5(awkward_trace(), partial);
  file = H5Fopen(partial.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  H5Ldelete(file, "spot_avail", H5P_DEFAULT);
  H5Fclose(file);
  expect_input_error([&] { load_trace(partial); }, {"partial.h5", "checksum", "corrupt"});
  seal_file(partial);
  expect_input_error([&] { load_trace(partial); }, {"partial.h5", "spot_avail", "missing dataset"});

  // A future version.
  const std::string future = scratch("future.h5");
  write_trace_h5(awkward_trace(), future);
  file = H5Fopen(future.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  const int32_t version = 99;
  hid_t attr = H5Aopen(file, "format_version", H5P_DEFAULT);
  H5Awrite(attr, H5T_NATIVE_INT32, &version);
  H5Aclose(attr);
  H5Fclose(file);
  seal_file(future);
  expect_input_error([&] { load_trace(future); }, {"future.h5", "format_version", "99"});
}

// Any one changed byte of a trace file is caught by its checksum before HDF5 reads anything
// (a flipped byte in a string attribute's global heap crashed libhdf5 in H5HG_read).
TEST(TraceH5, EveryFlippedByteIsAnInputError) {
  const std::string path = scratch("flipped.h5");
  write_trace_h5(awkward_trace(), path);
  const std::string original = testing::read_file(path);
#ifdef SPOTSWEEP_SANITIZED
  // Every fourth byte under the sanitizers (CI's budget; each byte takes the same path, the
  // checksum's); the normal build flips every one.
  const size_t stride = 4;
#else
  const size_t stride = 1;
#endif
  for (size_t at = 0; at < original.size(); at += stride) {
    std::string damaged = original;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
    try {
      load_trace(path);
      FAIL() << "a flipped byte at " << at << " was read";
    } catch (const InputError& e) {
      ASSERT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  }
}

// Integers read at 64 bits and range-checked (HDF5's conversion clamps silently), and
// declared sizes checked against what the file stores, on files sealed again after editing.
TEST(TraceH5, WideIntegersAndUnstoredDataAreRefused) {
  const auto rewrite = [](const std::string& path, const std::function<void(hid_t)>& edit) {
    write_trace_h5(awkward_trace(), path);
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    edit(file);
    H5Fclose(file);
    seal_file(path);
  };
  const auto replace_attribute = [](hid_t file, const char* name, hid_t type, const void* value) {
    H5Adelete(file, name);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t attr = H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(attr, type, value);
    H5Aclose(attr);
    H5Sclose(space);
  };
  const std::string capacity = scratch("capacity64.h5");
  rewrite(capacity, [&](hid_t file) {
    const int64_t wide = int64_t(1) << 40;
    replace_attribute(file, "capacity", H5T_STD_I64LE, &wide);
  });
  expect_input_error([&] { load_trace(capacity); },
                     {"capacity64.h5", "capacity = 1099511627776", "2147483647"});

  const std::string avail = scratch("avail64.h5");
  rewrite(avail, [](hid_t file) {
    H5Ldelete(file, "spot_avail", H5P_DEFAULT);
    const int64_t values[8] = {0, 1, int64_t(1) << 33, 1, 0, 0, 1, 1};
    const hsize_t dims[1] = {8};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t ds =
        H5Dcreate2(file, "spot_avail", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
    H5Dclose(ds);
    H5Sclose(space);
  });
  expect_input_error([&] { load_trace(avail); }, {"avail64.h5", "spot_avail[2] = 8589934592"});

  // A dataset declaring 2^28 values whose chunks were never written: refused before the
  // allocation, from the bytes the file stores.
  const std::string declared = scratch("declared.h5");
  rewrite(declared, [](hid_t file) {
    H5Ldelete(file, "spot_price", H5P_DEFAULT);
    const hsize_t dims[1] = {hsize_t(1) << 28}, chunk[1] = {16384};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t props = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(props, 1, chunk);
    const hid_t ds =
        H5Dcreate2(file, "spot_price", H5T_IEEE_F64LE, space, H5P_DEFAULT, props, H5P_DEFAULT);
    H5Dclose(ds);
    H5Pclose(props);
    H5Sclose(space);
  });
  expect_input_error([&] { load_trace(declared); },
                     {"declared.h5", "spot_price = 268435456 values", "stores only 0 bytes"});
}

TEST(TraceH5, StringsAreVariableLengthUtf8) {
  // h5py returns fixed-length strings as bytes; the contract says variable-length UTF-8.
  const std::string path = scratch("strings.h5");
  write_trace_h5(awkward_trace(), path);
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  for (const char* name : {"name", "source", "start_time"}) {
    hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
    hid_t type = H5Aget_type(attr);
    EXPECT_GT(H5Tis_variable_str(type), 0) << name;
    EXPECT_EQ(H5Tget_cset(type), H5T_CSET_UTF8) << name;
    H5Tclose(type);
    H5Aclose(attr);
  }
  H5Fclose(file);
}

// data/v100_us-east-1a.h5 is the quick-start trace. It must equal a fresh import of the
// shipped CSV and price JSON; SPOTSWEEP_WRITE_DATA=1 rewrites it from them.
// The shipped V100 trace of `zone`, re-imported from its SkyNomad CSV and price JSON with
// data/README.md's command, equals the file; SPOTSWEEP_WRITE_DATA=1 rewrites the file.
void check_shipped_v100_trace(const std::string& zone) {
  ImportOptions o;
  o.format = TraceFormat::skynomad_csv;
  o.input = "data/skynomad/" + zone + "_v100_1.csv";  // relative, as the README's command
  o.prices = "data/skynomad/v100_spot_prices.json";
  o.convention = Convention::available;
  o.tick_seconds = 195.0;
  o.od_price = 3.06;
  ASSERT_EQ(0, ::chdir(SPOTSWEEP_SOURCE_DIR));
  const Trace imported = import_trace(o);
  const std::string shipped = repo_data("v100_" + zone + ".h5");
  const char* write = std::getenv("SPOTSWEEP_WRITE_DATA");
  if (write && std::string(write) == "1") write_trace_h5(imported, shipped);
  expect_identical(imported, load_trace(shipped));
}

TEST(ShippedData, QuickStartTraceMatchesItsSources) { check_shipped_v100_trace("us-east-1a"); }

TEST(ShippedData, UsEast2bTraceMatchesItsSources) { check_shipped_v100_trace("us-east-2b"); }

// data/h100_europe-west1-c.h5, the chc_scale pools' trace, equals a fresh import of the shipped
// SkyNomad probe CSV with its zone's GCP prices (data/README.md); SPOTSWEEP_WRITE_DATA=1
// rewrites it.
TEST(ShippedData, H100TraceMatchesItsSource) {
  ImportOptions o;
  o.format = TraceFormat::h100_probes_csv;
  o.input = "data/skynomad/probes_h100_16.csv";  // relative, as data/README.md's command
  o.key = "europe-west1-c";
  o.convention = Convention::available;
  o.tick_seconds = 600.0;
  o.gaps = GapPolicy::hold;
  o.spot_price = 2.04454;
  o.od_price = 11.358592536;
  o.name = "europe-west1-c_h100_16";
  ASSERT_EQ(0, ::chdir(SPOTSWEEP_SOURCE_DIR));
  const Trace imported = import_trace(o);
  const std::string shipped = repo_data("h100_europe-west1-c.h5");
  const char* write = std::getenv("SPOTSWEEP_WRITE_DATA");
  if (write && std::string(write) == "1") write_trace_h5(imported, shipped);
  expect_identical(imported, load_trace(shipped));
}

}  // namespace
}  // namespace spotsweep

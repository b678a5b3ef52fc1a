// The sweep's HDF5 file read back with the HDF5 C API: shapes, dimension scales and labels,
// string attributes, values; and no file at all, temporary or final, when writing fails.
#include "spotsweep/sweep/sweep_h5.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "spotsweep/backend/cpu_sweep.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/sweep/sweep.hpp"

#include "../../support/sweep_fixture.hpp"

namespace spotsweep {
namespace {

namespace fs = std::filesystem;

fs::path scratch_dir(const std::string& name) {
  const char* base = std::getenv("SPOTSWEEP_TEST_TMP");
  fs::path dir = fs::path(base ? base : fs::temp_directory_path().string()) / ("sweep_h5_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<hsize_t> shape_of(hid_t file, const std::string& path) {
  const hid_t ds = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
  EXPECT_GE(ds, 0) << path;
  const hid_t space = H5Dget_space(ds);
  std::vector<hsize_t> dims(H5Sget_simple_extent_ndims(space));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  H5Sclose(space);
  H5Dclose(ds);
  return dims;
}

std::vector<double> read_doubles(hid_t file, const std::string& path) {
  hsize_t n = 1;
  for (hsize_t d : shape_of(file, path))
    n *= d;
  std::vector<double> v(n);
  const hid_t ds = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
  H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  H5Dclose(ds);
  return v;
}

std::string read_string_attr(hid_t object, const char* name) {
  const hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
  const hid_t type = H5Aget_type(attr);
  EXPECT_TRUE(H5Tis_variable_str(type) > 0) << name;
  EXPECT_EQ(H5Tget_cset(type), H5T_CSET_UTF8) << name;
  char* text = nullptr;
  const hid_t mem = H5Tcopy(H5T_C_S1);
  H5Tset_size(mem, H5T_VARIABLE);
  H5Tset_cset(mem, H5T_CSET_UTF8);
  H5Aread(attr, mem, &text);
  std::string out = text ? text : "";
  H5free_memory(text);
  H5Tclose(mem);
  H5Tclose(type);
  H5Aclose(attr);
  return out;
}

TEST(SweepH5, RoundTrip) {
  const SweepPlan plan = testing::fixture_plan();
  SweepOptions options;
  options.trace_members = {3, 29};
  options.per_scenario = true;
  const SweepResult result = run_sweep_cpu(plan, options);
  OptTable opt;  // a stand-in table: the file layout, not OPT, is under test here
  opt.progress_buckets = 16;
  opt.utility_lower.assign(plan.jobs_per_member(), 1.0);
  opt.utility_upper.assign(plan.jobs_per_member(), 2.0);
  const fs::path dir = scratch_dir("roundtrip");
  const std::string path = (dir / "out.h5").string();
  write_sweep_h5(path, plan, result, opt);
  ASSERT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);

  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  EXPECT_EQ(read_string_attr(file, "config"), plan.config_toml);
  EXPECT_EQ(read_string_attr(file, "backend"), "cpu");
  EXPECT_FALSE(read_string_attr(file, "spotsweep_version").empty());
  EXPECT_EQ(shape_of(file, "/families/pf/utility_mean"), (std::vector<hsize_t>{3, 2, 2, 2}));
  EXPECT_EQ(shape_of(file, "/families/on_demand/miss_rate"), (std::vector<hsize_t>{3}));
  EXPECT_EQ(shape_of(file, "/opt/utility_lower"), (std::vector<hsize_t>{4, 5}));
  EXPECT_EQ(shape_of(file, "/traced_members/utility"), (std::vector<hsize_t>{2, 4, 5}));

  const std::vector<double> utility = read_doubles(file, "/families/pf/utility_mean");
  for (int64_t i = 0; i < 24; ++i)
    EXPECT_EQ(utility[i], result.stat(i, Stat::utility_mean));
  const std::vector<double> p95 = read_doubles(file, "/families/greedy/cost_p95");
  EXPECT_EQ(p95[1], result.stat(25, Stat::cost_p95));
  EXPECT_EQ(read_doubles(file, "/families/pf/theta"), (std::vector<double>{0.3, 0.6, 0.9}));
  const std::vector<double> traced = read_doubles(file, "/traced_members/cost");
  EXPECT_EQ(traced[1 * 20 + 7], result.traced[1 * 20 + 7].cost);

  EXPECT_EQ(shape_of(file, "/families/pf/scenario_miss_rate"),
            (std::vector<hsize_t>{3, 2, 2, 2, 4}));
  const std::vector<double> per_scenario =
      read_doubles(file, "/families/greedy/scenario_utility_mean");
  EXPECT_EQ(per_scenario[1 * 4 + 2],
            result.scenario_stats[((24 + 1) * 4 + 2) * kScenarioStatCount]);
  {
    const hid_t ds = H5Dopen2(file, "/families/on_demand/scenario_cost_mean", H5P_DEFAULT);
    char label[32] = {};
    H5DSget_label(ds, 1, label, sizeof label);
    EXPECT_STREQ(label, "scenario");
    H5Dclose(ds);
  }

  const hid_t stat = H5Dopen2(file, "/families/pf/cost_mean", H5P_DEFAULT);
  const hid_t rho = H5Dopen2(file, "/families/pf/rho", H5P_DEFAULT);
  EXPECT_GT(H5DSis_scale(rho), 0);
  EXPECT_GT(H5DSis_attached(stat, rho, 2), 0);
  char label[32] = {};
  H5DSget_label(stat, 2, label, sizeof label);
  EXPECT_STREQ(label, "rho");
  H5Dclose(rho);
  H5Dclose(stat);
  H5Fclose(file);
}

TEST(SweepH5, NoFileLeftWhenWritingFails) {
  const SweepPlan plan = testing::fixture_plan();
  SweepOptions options;
  options.trace_members = {1};
  SweepResult result = run_sweep_cpu(plan, options);
  result.traced.pop_back();  // fails late, after the families are written
  const fs::path dir = scratch_dir("failure");
  EXPECT_THROW(write_sweep_h5((dir / "out.h5").string(), plan, result, OptTable{}), LogicError);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 0);

  EXPECT_THROW(write_sweep_h5((dir / "missing" / "out.h5").string(), plan, result, OptTable{}),
               InputError);
}

}  // namespace
}  // namespace spotsweep

// Heatmaps (docs/heatmap.md): reductions and the stability score on hand-made grids, the
// relative improvement's edge cases, a heatmap of a real sweep file checked against the
// sweep's own per-member statistics, the written HDF5/CSV, and one-line errors on bad input.
#include "spotsweep/tools/heatmap.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "spotsweep/backend/cpu_sweep.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/sweep/sweep.hpp"
#include "spotsweep/sweep/sweep_h5.hpp"

#include "../../support/sweep_fixture.hpp"

namespace spotsweep {
namespace {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One folder per process: ctest runs this file's tests as concurrent processes.
fs::path scratch_dir(const std::string& name) {
  const char* base = std::getenv("SPOTSWEEP_TEST_TMP");
  fs::path dir = fs::path(base ? base : fs::temp_directory_path().string()) /
                 ("heatmap_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Axes a (2) × b (3) × c (2), value = 100·a + 10·b + c, so every reduction has a known answer.
std::vector<double> three_axis_values() {
  std::vector<double> v;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int c = 0; c < 2; ++c)
        v.push_back(100.0 * a + 10.0 * b + c);
  return v;
}

TEST(HeatmapReduce, BestMaxMinMeanAndFixed) {
  const std::vector<double> v = three_axis_values();
  const std::vector<int64_t> sizes = {2, 3, 2};
  // x = c (columns), y = a (rows), b reduced.
  const HeatmapSlice best =
      reduce_to_slice(v, sizes, 2, 0, {-1, -1, -1}, HeatmapReduction::best, true);
  EXPECT_EQ(best.value, (std::vector<double>{20, 21, 120, 121}));
  // Local member of cell (a=1, c=1) at b=2: ((1·3)+2)·2+1 = 11.
  EXPECT_EQ(best.local_member[3], 11);
  const HeatmapSlice best_low =
      reduce_to_slice(v, sizes, 2, 0, {-1, -1, -1}, HeatmapReduction::best, false);
  EXPECT_EQ(best_low.value, (std::vector<double>{0, 1, 100, 101}));
  EXPECT_EQ(reduce_to_slice(v, sizes, 2, 0, {-1, -1, -1}, HeatmapReduction::max, false).value,
            best.value);
  EXPECT_EQ(reduce_to_slice(v, sizes, 2, 0, {-1, -1, -1}, HeatmapReduction::min, true).value,
            best_low.value);
  const HeatmapSlice mean =
      reduce_to_slice(v, sizes, 2, 0, {-1, -1, -1}, HeatmapReduction::mean, true);
  EXPECT_EQ(mean.value, (std::vector<double>{10, 11, 110, 111}));
  EXPECT_EQ(mean.local_member, (std::vector<int64_t>{-1, -1, -1, -1}));
  // b fixed at position 1: the slice is exactly that layer, whatever the reduction.
  const HeatmapSlice fixed =
      reduce_to_slice(v, sizes, 2, 0, {-1, 1, -1}, HeatmapReduction::mean, true);
  EXPECT_EQ(fixed.value, (std::vector<double>{10, 11, 110, 111}));
  const HeatmapSlice fixed_best =
      reduce_to_slice(v, sizes, 2, 0, {-1, 1, -1}, HeatmapReduction::best, true);
  EXPECT_EQ(fixed_best.value, (std::vector<double>{10, 11, 110, 111}));
  // Transposed: x = a, y = b, c reduced; rows are b.
  const HeatmapSlice t = reduce_to_slice(v, sizes, 0, 1, {-1, -1, -1}, HeatmapReduction::max, true);
  EXPECT_EQ(t.value, (std::vector<double>{1, 101, 11, 111, 21, 121}));
}

TEST(HeatmapReduce, NanMembersAreSkippedByBestButPoisonTheMean) {
  std::vector<double> v = three_axis_values();
  v[5] = kNaN;  // a=0, b=2, c=1
  const std::vector<int64_t> sizes = {2, 3, 2};
  const HeatmapSlice best =
      reduce_to_slice(v, sizes, 2, 0, {-1, -1, -1}, HeatmapReduction::best, true);
  EXPECT_EQ(best.value[1], 11);
  const HeatmapSlice mean =
      reduce_to_slice(v, sizes, 2, 0, {-1, -1, -1}, HeatmapReduction::mean, true);
  EXPECT_TRUE(std::isnan(mean.value[1]));
  EXPECT_EQ(mean.value[0], 10);
}

TEST(HeatmapStability, HandMadeGrid) {
  // 3 × 3, a sharp peak in the middle of a plateau.
  const std::vector<double> grid = {1, 1, 1,  //
                                    1, 9, 1,  //
                                    1, 1, 4};
  const std::vector<double> up = heatmap_stability(grid, 3, 3, true);
  EXPECT_DOUBLE_EQ(up[4], 8);  // the peak drops to 1 next door: brittle
  EXPECT_DOUBLE_EQ(up[8], 3);  // corner 4 has neighbours 9, 1, 1: worst drop 3
  EXPECT_DOUBLE_EQ(up[0], 0);  // plateau cell next to the peak: no neighbour is worse
  // Lower is better: the peak is the worst cell, so it drops nowhere, and its neighbours do.
  const std::vector<double> down = heatmap_stability(grid, 3, 3, false);
  EXPECT_DOUBLE_EQ(down[4], 0);
  EXPECT_DOUBLE_EQ(down[0], 8);
  EXPECT_DOUBLE_EQ(down[7], 8);
  EXPECT_DOUBLE_EQ(down[8], 5);
}

TEST(HeatmapStability, EdgesSingleRowsAndNaN) {
  EXPECT_EQ(heatmap_stability({5}, 1, 1, true), (std::vector<double>{0}));
  EXPECT_EQ(heatmap_stability({5, 2, 7}, 1, 3, true), (std::vector<double>{3, 0, 5}));
  const std::vector<double> s = heatmap_stability({5, kNaN, 7, 1}, 2, 2, true);
  EXPECT_DOUBLE_EQ(s[0], 4);
  EXPECT_TRUE(std::isnan(s[1]));
  EXPECT_DOUBLE_EQ(s[2], 6);
  EXPECT_DOUBLE_EQ(s[3], 0);
}

TEST(HeatmapImprovement, SignsAndZeroBaseline) {
  EXPECT_DOUBLE_EQ(relative_improvement(15, 10, "greedy"), 50);
  EXPECT_DOUBLE_EQ(relative_improvement(5, 10, "greedy"), -50);
  // A negative baseline: improving from −10 to −5 is +50 %, to −20 is −100 %.
  EXPECT_DOUBLE_EQ(relative_improvement(-5, -10, "greedy"), 50);
  EXPECT_DOUBLE_EQ(relative_improvement(-20, -10, "greedy"), -100);
  try {
    relative_improvement(3, 0, "on_demand");
    FAIL() << "no error for a zero baseline";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--baseline = on_demand"), std::string::npos) << e.what();
  }
}

// A fixture sweep file with a stand-in OPT table (every job's lower bound 50 USD).
struct SweepFile {
  SweepPlan plan = testing::fixture_plan();
  SweepResult result;
  std::string path;
};

const SweepFile& sweep_file() {
  static SweepFile f = [] {
    SweepFile s;
    s.result = run_sweep_cpu(s.plan, SweepOptions{});
    OptTable opt;
    opt.progress_buckets = 16;
    opt.utility_lower.assign(static_cast<size_t>(s.plan.jobs_per_member()), 50.0);
    opt.utility_upper.assign(static_cast<size_t>(s.plan.jobs_per_member()), 60.0);
    s.path = (scratch_dir("sweep") / "fixture.h5").string();
    write_sweep_h5(s.path, s.plan, s.result, opt);
    return s;
  }();
  return f;
}

// pf axes in the fixture: theta (3), kappa (2), rho (2), hysteresis (2); pf is family 0.
double pf_stat(const SweepFile& f, int theta, int kappa, int rho, int hyst, Stat stat) {
  return f.result.stat(((theta * 2 + kappa) * 2 + rho) * 2 + hyst, stat);
}

TEST(Heatmap, MatchesTheSweepStatisticsMemberByMember) {
  const SweepFile& f = sweep_file();
  HeatmapRequest rq;
  rq.sweep_path = f.path;
  rq.family = "pf";
  rq.x_axis = "kappa";
  rq.y_axis = "theta";
  const Heatmap h = make_heatmap(rq);
  ASSERT_EQ(h.y_values, (std::vector<double>{0.3, 0.6, 0.9}));
  ASSERT_EQ(h.x_values, (std::vector<double>{0.7, 0.9}));
  EXPECT_EQ(h.reduction_text, "best over rho, hysteresis");
  double best = -1e300;
  for (int t = 0; t < 3; ++t)
    for (int k = 0; k < 2; ++k) {
      double cell = -1e300;
      for (int r = 0; r < 2; ++r)
        for (int s = 0; s < 2; ++s)
          cell = std::max(cell, pf_stat(f, t, k, r, s, Stat::utility_mean));
      EXPECT_EQ(h.value[t * 2 + k], cell);
      EXPECT_EQ(f.result.stat(h.member[t * 2 + k], Stat::utility_mean), cell);
      best = std::max(best, cell);
    }
  ASSERT_GE(h.best_row, 0);
  EXPECT_EQ(h.value[h.best_row * 2 + h.best_col], best);
  EXPECT_EQ(h.stability, heatmap_stability(h.value, 3, 2, true));

  // Regret against the stand-in OPT, with hysteresis fixed and rho averaged.
  rq.metric = HeatmapMetric::regret;
  rq.reduction = HeatmapReduction::mean;
  rq.fixed = {{"hysteresis", 0.05}};
  const Heatmap regret = make_heatmap(rq);
  EXPECT_EQ(regret.reduction_text, "mean over rho; hysteresis = 0.05");
  for (int t = 0; t < 3; ++t)
    for (int k = 0; k < 2; ++k) {
      const double mean = ((50 - pf_stat(f, t, k, 0, 1, Stat::utility_mean)) +
                           (50 - pf_stat(f, t, k, 1, 1, Stat::utility_mean))) /
                          2;
      EXPECT_NEAR(regret.value[t * 2 + k], mean, 1e-9);
    }

  // Cost and miss rate come from their own statistics; lower is better.
  rq.metric = HeatmapMetric::cost;
  rq.reduction = HeatmapReduction::best;
  rq.fixed.clear();
  const Heatmap cost = make_heatmap(rq);
  double cheapest = 1e300;
  for (int r = 0; r < 2; ++r)
    for (int s = 0; s < 2; ++s)
      cheapest = std::min(cheapest, pf_stat(f, 1, 0, r, s, Stat::cost_mean));
  EXPECT_EQ(cost.value[2], cheapest);
}

TEST(Heatmap, ImprovementOverTheBestBaselineMember) {
  const SweepFile& f = sweep_file();
  HeatmapRequest rq;
  rq.sweep_path = f.path;
  rq.family = "pf";
  rq.x_axis = "rho";
  rq.y_axis = "hysteresis";
  rq.metric = HeatmapMetric::improvement;
  rq.baseline = "greedy";
  rq.fixed = {{"theta", 0.6}, {"kappa", 0.9}};
  const Heatmap h = make_heatmap(rq);
  // greedy's members are global 24 and 25 (pf has 24).
  const double base =
      std::max(f.result.stat(24, Stat::utility_mean), f.result.stat(25, Stat::utility_mean));
  EXPECT_EQ(h.baseline_utility, base);
  for (int s = 0; s < 2; ++s)
    for (int r = 0; r < 2; ++r)
      EXPECT_NEAR(h.value[s * 2 + r],
                  100 * (pf_stat(f, 1, 1, r, s, Stat::utility_mean) - base) / std::fabs(base),
                  1e-9);
}

TEST(Heatmap, WritesHdf5WithScalesAndUtf8AndCsv) {
  const SweepFile& f = sweep_file();
  HeatmapRequest rq;
  rq.sweep_path = f.path;
  rq.family = "pf";
  rq.x_axis = "kappa";
  rq.y_axis = "theta";
  const Heatmap h = make_heatmap(rq);
  const fs::path dir = scratch_dir("write");
  write_heatmap_h5(h, (dir / "m.h5").string());
  write_heatmap_csv(h, (dir / "m.csv").string());
  ASSERT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()),
            2);  // no temporaries left
  const hid_t file = H5Fopen((dir / "m.h5").string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t ds = H5Dopen2(file, "utility", H5P_DEFAULT);  // named after its metric
  char label[32] = {};
  H5DSget_label(ds, 0, label, sizeof label);
  EXPECT_STREQ(label, "theta");
  H5DSget_label(ds, 1, label, sizeof label);
  EXPECT_STREQ(label, "kappa");
  EXPECT_EQ(H5DSget_num_scales(ds, 1), 1);
  std::vector<double> back(6);
  H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data());
  EXPECT_EQ(back, h.value);
  H5Dclose(ds);
  const hid_t attr = H5Aopen(file, "metric", H5P_DEFAULT);
  const hid_t type = H5Aget_type(attr);
  EXPECT_GT(H5Tis_variable_str(type), 0);
  EXPECT_EQ(H5Tget_cset(type), H5T_CSET_UTF8);
  H5Tclose(type);
  H5Aclose(attr);
  H5Fclose(file);
  std::ifstream csv(dir / "m.csv");
  std::string header, line;
  std::getline(csv, header);
  EXPECT_EQ(header, "theta,kappa,utility,utility_se,stability,member");
  int rows = 0;
  while (std::getline(csv, line))
    ++rows;
  EXPECT_EQ(rows, 6);
}

// Bad input: one line, naming the option and the value.
void expect_input_error(const HeatmapRequest& rq, const std::string& fragment) {
  try {
    make_heatmap(rq);
    FAIL() << "no error; expected " << fragment;
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST(Heatmap, BadInputs) {
  const SweepFile& f = sweep_file();
  HeatmapRequest rq;
  rq.sweep_path = f.path;
  rq.x_axis = "kappa";
  rq.y_axis = "theta";
  expect_input_error(
      rq,
      "--family: the file has 4 families; choose one of: pf, greedy, uniform_progress, on_demand");
  rq.family = "chc";
  expect_input_error(rq, "--family = chc: not in the file");
  rq.family = "pf";
  rq.x_axis = "omega";
  expect_input_error(rq, "--x = omega: not an axis of pf (it has: theta, kappa, rho, hysteresis)");
  rq.x_axis = "theta";
  expect_input_error(rq, "--y = theta: the same axis as --x");
  rq.x_axis = "kappa";
  rq.fixed = {{"rho", 1.5}};
  expect_input_error(rq, "--fix = rho=1.5: not on the axis (values: 1, 2)");
  rq.fixed = {{"theta", 0.3}};
  expect_input_error(rq, "--fix = theta=0.3: a plotted axis cannot be fixed");
  rq.fixed.clear();
  rq.metric = HeatmapMetric::improvement;
  expect_input_error(rq, "--baseline: improvement needs a baseline family");
  rq.baseline = "pff";
  expect_input_error(rq, "--baseline = pff: not a family of the file");
  rq.sweep_path = (scratch_dir("bad") / "missing.h5").string();
  expect_input_error(rq, "missing.h5: sweep file: no such file");
}

TEST(Heatmap, RegretNeedsOpt) {
  const SweepPlan plan = testing::fixture_plan();
  const SweepResult result = run_sweep_cpu(plan, SweepOptions{});
  const std::string path = (scratch_dir("noopt") / "noopt.h5").string();
  write_sweep_h5(path, plan, result, OptTable{});
  HeatmapRequest rq;
  rq.sweep_path = path;
  rq.family = "pf";
  rq.x_axis = "kappa";
  rq.y_axis = "theta";
  rq.metric = HeatmapMetric::regret;
  expect_input_error(rq, "/opt/utility_lower: missing");
}

}  // namespace
}  // namespace spotsweep

// The sweep's HDF5 file (docs/hdf5-layout.md), written under a temporary name and renamed
// once complete so that a reader never sees half a file.
#include "spotsweep/sweep/sweep_h5.hpp"

#include <string>
#include <vector>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/h5.hpp"
#include "spotsweep/version.hpp"

namespace spotsweep {

namespace {

using namespace h5;

// With --per-scenario: scenario_<stat>[axes...][scenario], the last dimension a scale of
// scenario indices.
void write_scenario_stats(hid_t group, const FamilyGrid& grid, const SweepResult& result,
                          const std::vector<Handle>& scales, std::vector<hsize_t> shape,
                          int32_t scenario_count) {
  const size_t S = static_cast<size_t>(scenario_count);
  const Handle scenario = index_scale(group, "scenario", S, 0, "scenario");
  shape.push_back(S);
  std::vector<double> column(static_cast<size_t>(grid.size) * S);
  for (int32_t st = 0; st < kScenarioStatCount; ++st) {
    for (size_t i = 0; i < column.size(); ++i)
      column[i] = result.scenario_stats[(static_cast<size_t>(grid.first_member) * S + i) *
                                            kScenarioStatCount +
                                        st];
    const std::string name =
        std::string("scenario_") + scenario_stat_name(static_cast<ScenarioStat>(st));
    Handle ds(dataset(group, name, H5T_NATIVE_DOUBLE, shape, column.data()), H5Dclose, name);
    for (size_t d = 0; d < scales.size(); ++d)
      attach_scale(ds, scales[d], static_cast<unsigned>(d), grid.axes[d].name.c_str());
    attach_scale(ds, scenario, static_cast<unsigned>(scales.size()), "scenario");
  }
}

// One group per family: its axes as dimension scales and each statistic shaped by them.
void write_family(hid_t families, const FamilyGrid& grid, const SweepResult& result,
                  int32_t scenario_count) {
  Handle group = make_group(families, grid.name);
  write_scalar_attr<int64_t>(group, "first_member", H5T_NATIVE_INT64, grid.first_member);
  write_scalar_attr<int64_t>(group, "members", H5T_NATIVE_INT64, grid.size);
  std::vector<hsize_t> shape;
  std::vector<Handle> scales;
  for (const AxisGrid& axis : grid.axes) {
    shape.push_back(axis.values.size());
    scales.emplace_back(
        dataset(group, axis.name, H5T_NATIVE_DOUBLE, {axis.values.size()}, axis.values.data()),
        H5Dclose, axis.name);
    check(H5DSset_scale(scales.back(), axis.name.c_str()),
          "make " + axis.name + " a dimension scale");
  }
  std::vector<double> column(static_cast<size_t>(grid.size));
  for (int32_t st = 0; st < kStatCount; ++st) {
    for (int64_t i = 0; i < grid.size; ++i)
      column[i] = result.stat(grid.first_member + i, static_cast<Stat>(st));
    const char* name = stat_name(static_cast<Stat>(st));
    Handle ds(dataset(group, name, H5T_NATIVE_DOUBLE, shape, column.data()), H5Dclose, name);
    for (size_t d = 0; d < scales.size(); ++d)
      attach_scale(ds, scales[d], static_cast<unsigned>(d), grid.axes[d].name.c_str());
  }
  if (!result.scenario_stats.empty())
    write_scenario_stats(group, grid, result, scales, shape, scenario_count);
}

void write_workload(hid_t file, const SweepPlan& plan) {
  Handle group = make_group(file, "workload");
  const hsize_t S = static_cast<hsize_t>(plan.scenarios.count),
                R = static_cast<hsize_t>(plan.rounds);
  write_string_attr(group, "trace", plan.trace_name);
  write_scalar_attr<double>(group, "tick_seconds", H5T_NATIVE_DOUBLE, plan.scenarios.tick_seconds);
  write_scalar_attr<int32_t>(group, "window_slots", H5T_NATIVE_INT32, plan.scenarios.slots);
  write_dataset(group, "scenario_first_slot", H5T_NATIVE_INT64, {S},
                plan.scenarios.source_slot.data());
  write_dataset(group, "round_start", H5T_NATIVE_INT32, {R}, plan.round_start.data());
  std::vector<double> work, deadline, value;
  for (const JobSpec& j : plan.jobs) {
    work.push_back(j.work);
    deadline.push_back(j.soft_deadline_s);
    value.push_back(j.value_max);
  }
  write_dataset(group, "job_work", H5T_NATIVE_DOUBLE, {S, R}, work.data());
  write_dataset(group, "job_deadline_s", H5T_NATIVE_DOUBLE, {S, R}, deadline.data());
  write_dataset(group, "job_value", H5T_NATIVE_DOUBLE, {S, R}, value.data());
}

void write_traced(hid_t file, const SweepPlan& plan, const SweepResult& result) {
  const size_t K = result.traced_members.size();
  const size_t jobs = static_cast<size_t>(plan.jobs_per_member());
  if (result.traced.size() != K * jobs)
    throw LogicError("write_sweep_h5: traced outcomes do not match the traced members");
  Handle group = make_group(file, "traced_members");
  write_dataset(group, "member", H5T_NATIVE_INT64, {K}, result.traced_members.data());
  const std::vector<hsize_t> dims = {K, static_cast<hsize_t>(plan.scenarios.count),
                                     static_cast<hsize_t>(plan.rounds)};
  auto doubles = [&](const char* name, double Outcome::*field) {
    std::vector<double> v;
    for (const Outcome& o : result.traced)
      v.push_back(o.*field);
    write_dataset(group, name, H5T_NATIVE_DOUBLE, dims, v.data());
  };
  auto ints = [&](const char* name, int32_t Outcome::*field) {
    std::vector<int32_t> v;
    for (const Outcome& o : result.traced)
      v.push_back(o.*field);
    write_dataset(group, name, H5T_NATIVE_INT32, dims, v.data());
  };
  doubles("utility", &Outcome::utility);
  doubles("value", &Outcome::value);
  doubles("cost", &Outcome::cost);
  doubles("finish_s", &Outcome::finish_s);
  doubles("od_gpu_s", &Outcome::od_gpu_s);
  doubles("spot_gpu_s", &Outcome::spot_gpu_s);
  ints("missed", &Outcome::missed);
  ints("reconfigs", &Outcome::reconfigs);
  ints("net_overrides", &Outcome::net_overrides);
  ints("slots", &Outcome::slots);
  std::vector<std::string> names;
  for (int64_t m : result.traced_members)
    names.push_back(plan.pool.describe_member(m));
  std::string joined;
  for (const auto& n : names)
    joined += (joined.empty() ? "" : "\n") + n;
  write_string_attr(group, "parameters", joined);
}

void write_contents(hid_t file, const SweepPlan& plan, const SweepResult& result,
                    const OptTable& opt) {
  SPOTSWEEP_EXPECTS(result.stats.size() == static_cast<size_t>(plan.pool.size) * kStatCount,
                    "one statistics row per pool member");
  write_string_attr(file, "config", plan.config_toml);
  write_scalar_attr<uint64_t>(file, "seed", H5T_NATIVE_UINT64, plan.seed);
  write_string_attr(file, "backend", backend_name(result.backend));
  write_string_attr(file, "device", result.device);
  write_string_attr(file, "spotsweep_version", SPOTSWEEP_VERSION);
  write_string_attr(file, "member_order", "families in file order; inside one, last axis fastest");
  write_scalar_attr<int64_t>(file, "pool_size", H5T_NATIVE_INT64, plan.pool.size);
  write_scalar_attr<int32_t>(file, "scenarios", H5T_NATIVE_INT32, plan.scenarios.count);
  write_scalar_attr<int32_t>(file, "rounds", H5T_NATIVE_INT32, plan.rounds);
  write_scalar_attr<int64_t>(file, "policy_slot_steps", H5T_NATIVE_INT64, result.policy_slot_steps);
  write_scalar_attr<double>(file, "seconds", H5T_NATIVE_DOUBLE, result.seconds);
  write_string_attr(file, "percentiles", "nearest rank, float32 values: p5, p50, p95");
  {
    Handle families = make_group(file, "families");
    for (const FamilyGrid& grid : plan.pool.families)
      write_family(families, grid, result, plan.scenarios.count);
  }
  write_workload(file, plan);
  if (opt.progress_buckets > 0) {
    Handle group = make_group(file, "opt");
    const std::vector<hsize_t> dims = {static_cast<hsize_t>(plan.scenarios.count),
                                       static_cast<hsize_t>(plan.rounds)};
    write_scalar_attr<int32_t>(group, "progress_buckets", H5T_NATIVE_INT32, opt.progress_buckets);
    write_dataset(group, "utility_lower", H5T_NATIVE_DOUBLE, dims, opt.utility_lower.data());
    write_dataset(group, "utility_upper", H5T_NATIVE_DOUBLE, dims, opt.utility_upper.data());
  }
  if (!result.traced_members.empty()) write_traced(file, plan, result);
}

}  // namespace

void write_sweep_h5(OutputFile& output, const SweepPlan& plan, const SweepResult& result,
                    const OptTable& opt) {
  h5::write_file_atomically(output, [&](hid_t file) { write_contents(file, plan, result, opt); });
}

void write_sweep_h5(const std::string& path, const SweepPlan& plan, const SweepResult& result,
                    const OptTable& opt) {
  OutputFile output(path, "--output");
  write_sweep_h5(output, plan, result, opt);
}

}  // namespace spotsweep

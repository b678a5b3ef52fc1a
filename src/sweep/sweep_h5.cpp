// The sweep's HDF5 file (docs/hdf5-layout.md), written under a temporary name and renamed
// once complete so that a reader never sees half a file. Every dataset carries CF attributes
// (units, long_name) and every dimension a scale, so that xarray opens each group with
// labelled coordinates; scenario axes are the outer dimensions of every outcome.
#include "spotsweep/sweep/sweep_h5.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/h5.hpp"
#include "spotsweep/detail/h5_rows.hpp"
#include "spotsweep/detail/provenance.hpp"
#include "spotsweep/version.hpp"

namespace spotsweep {

namespace {

using namespace h5;

// CF units of a pool axis from its table's units: counts of slots or GPUs keep their unit, the
// rest are ratios (dimensionless, "1"); the table's words go into the long name.
std::string axis_cf_units(const AxisSpec& axis) {
  const std::string units = axis.units;
  if (units == "slots" || units == "GPUs") return units;
  return "1";
}

// The scales of the scenario axes in `group`, in order.
std::vector<Handle> scenario_axis_scales(hid_t group, const SweepGrid& grid) {
  std::vector<Handle> scales;
  for (const ScenarioAxis& axis : grid.axes) {
    const KeyMeaning m = scenario_axis_meaning(axis);
    scales.push_back(value_scale(
        group, axis.key, axis.values, m.units,
        std::string(m.long_name) + " ([" + axis.section + "] " + axis.key + ", a scenario axis)"));
  }
  return scales;
}

std::vector<hsize_t> scenario_axis_shape(const SweepGrid& grid) {
  std::vector<hsize_t> shape;
  for (const ScenarioAxis& axis : grid.axes)
    shape.push_back(axis.values.size());
  return shape;
}

// A dataset whose dimensions are `dims` with these scales attached, in order, and CF attributes;
// data null: created only, its rows written afterwards (write_rows).
Handle write_with_scales(hid_t group, const std::string& name, hid_t type,
                         const std::vector<hsize_t>& dims, const void* data,
                         const std::vector<const Handle*>& scales, const std::string& units,
                         const std::string& long_name) {
  SPOTSWEEP_EXPECTS(scales.size() == dims.size(), "one scale per dimension");
  Handle ds(data ? dataset(group, name, type, dims, data) : create_dataset(group, name, type, dims),
            H5Dclose, name);
  for (size_t d = 0; d < scales.size(); ++d) {
    char label[256];
    const ssize_t n = H5Iget_name(*scales[d], label, sizeof label);
    std::string scale_name = n > 0 ? std::string(label) : std::string();
    scale_name = scale_name.substr(scale_name.rfind('/') + 1);
    attach_scale(ds, *scales[d], static_cast<unsigned>(d), scale_name.c_str());
  }
  write_cf(ds, units, long_name);
  return ds;
}

// The rows each point's result holds ([first_member, first_member + members): the pool, or an MPI
// rank's share) of a family's statistic `stat` (scenario: per-scenario statistic) into ds, whose
// shape is the scenario axes', then the family's axes (then the scenarios).
void write_rows(hid_t ds, const FamilyGrid& family, const std::vector<SweepResult>& results,
                int32_t stat, bool scenario, size_t scenarios) {
  for (size_t p = 0; p < results.size(); ++p) {
    const SweepResult& r = results[p];
    const int64_t lo = std::max(family.first_member, r.first_member);
    const int64_t hi = std::min(family.first_member + family.size, r.first_member + r.members);
    if (lo >= hi) continue;
    const size_t width = scenario ? scenarios : 1;
    std::vector<double> column(static_cast<size_t>(hi - lo) * width);
    for (size_t i = 0; i < column.size(); ++i)
      column[i] = scenario
                      ? r.scenario_stats[(static_cast<size_t>(lo - r.first_member) * width + i) *
                                             kScenarioStatCount +
                                         stat]
                      : r.stat(lo + static_cast<int64_t>(i), static_cast<Stat>(stat));
    const hsize_t first =
        (p * static_cast<size_t>(family.size) + static_cast<size_t>(lo - family.first_member)) *
        width;
    write_flat_range(ds, H5T_NATIVE_DOUBLE, first, column.size(), column.data());
  }
}

// With --per-scenario: scenario_<stat>[point axes...][axes...][scenario].
void write_scenario_stats(hid_t group, const FamilyGrid& family,
                          const std::vector<SweepResult>& results,
                          const std::vector<const Handle*>& scales, std::vector<hsize_t> shape,
                          int32_t scenario_count) {
  const size_t S = static_cast<size_t>(scenario_count);
  const Handle scenario = index_scale(group, "scenario", S, 0, "scenario");
  shape.push_back(S);
  std::vector<const Handle*> all = scales;
  all.push_back(&scenario);
  for (int32_t st = 0; st < kScenarioStatCount; ++st) {
    const ScenarioStat stat = static_cast<ScenarioStat>(st);
    const StatMeaning m = scenario_stat_meaning(stat);
    const Handle ds =
        write_with_scales(group, std::string("scenario_") + scenario_stat_name(stat),
                          H5T_NATIVE_DOUBLE, shape, nullptr, all, m.units, m.long_name);
    write_rows(ds, family, results, st, true, S);
  }
}

// One group per family grid: the scenario axes and its own axes as dimension scales, and each
// statistic shaped by them.
void write_family(hid_t families, const SweepGrid& grid, const FamilyGrid& family,
                  const std::vector<SweepResult>& results) {
  Handle group = make_group(families, family.name);
  write_scalar_attr<int64_t>(group, "first_member", H5T_NATIVE_INT64, family.first_member);
  write_scalar_attr<int64_t>(group, "members", H5T_NATIVE_INT64, family.size);
  const FamilyInfo& info = family_info(family.family);
  write_string_attr(group, "family", info.name);
  write_string_attr(group, "long_name", info.meaning);
  std::vector<Handle> point_scales = scenario_axis_scales(group, grid);
  std::vector<hsize_t> shape = scenario_axis_shape(grid);
  std::vector<Handle> axis_scales;
  for (size_t a = 0; a < family.axes.size(); ++a) {
    const AxisSpec& spec = info.axes[a];
    axis_scales.push_back(value_scale(group, family.axes[a].name, family.axes[a].values,
                                      axis_cf_units(spec),
                                      std::string(spec.meaning) + " (" + spec.units + ")"));
    shape.push_back(family.axes[a].values.size());
  }
  std::vector<const Handle*> scales;
  for (const Handle& h : point_scales)
    scales.push_back(&h);
  for (const Handle& h : axis_scales)
    scales.push_back(&h);
  for (int32_t st = 0; st < kStatCount; ++st) {
    const Stat stat = static_cast<Stat>(st);
    const StatMeaning m = stat_meaning(stat);
    const Handle ds = write_with_scales(group, stat_name(stat), H5T_NATIVE_DOUBLE, shape, nullptr,
                                        scales, m.units, m.long_name);
    write_rows(ds, family, results, st, false, 0);
  }
  if (!results.front().scenario_stats.empty())
    write_scenario_stats(group, family, results, scales, shape, grid.front().scenarios.count);
}

void write_workload(hid_t file, const SweepGrid& grid) {
  Handle group = make_group(file, "workload");
  const SweepPlan& first = grid.front();
  const hsize_t S = static_cast<hsize_t>(first.scenarios.count),
                R = static_cast<hsize_t>(first.rounds);
  write_string_attr(group, "trace", first.trace_name);
  write_scalar_attr<double>(group, "tick_seconds", H5T_NATIVE_DOUBLE, first.scenarios.tick_seconds);
  int32_t window = 0;
  for (const SweepPlan& plan : grid.plans)
    window = std::max(window, plan.scenarios.slots);
  write_scalar_attr<int32_t>(group, "window_slots", H5T_NATIVE_INT32, window);
  std::vector<Handle> point_scales = scenario_axis_scales(group, grid);
  const Handle scenario = index_scale(group, "scenario", S, 0, "scenario");
  const Handle round = index_scale(group, "round", R, 0, "round (0-based)");
  std::vector<const Handle*> outer;
  for (const Handle& h : point_scales)
    outer.push_back(&h);
  const std::vector<hsize_t> point_shape = scenario_axis_shape(grid);
  auto dims = [&](std::initializer_list<hsize_t> inner) {
    std::vector<hsize_t> d = point_shape;
    d.insert(d.end(), inner);
    return d;
  };
  auto with = [&](std::initializer_list<const Handle*> inner) {
    std::vector<const Handle*> s = outer;
    s.insert(s.end(), inner);
    return s;
  };
  std::vector<int64_t> first_slot;
  std::vector<int32_t> round_start, window_slots;
  std::vector<double> work, deadline, value;
  for (const SweepPlan& plan : grid.plans) {
    first_slot.insert(first_slot.end(), plan.scenarios.source_slot.begin(),
                      plan.scenarios.source_slot.end());
    round_start.insert(round_start.end(), plan.round_start.begin(), plan.round_start.end());
    window_slots.push_back(plan.scenarios.slots);
    for (const JobSpec& j : plan.jobs) {
      work.push_back(j.work);
      deadline.push_back(j.soft_deadline_s);
      value.push_back(j.value_max);
    }
  }
  write_with_scales(group, "scenario_first_slot", H5T_NATIVE_INT64, dims({S}), first_slot.data(),
                    with({&scenario}), "1", "first trace slot of each scenario window");
  write_with_scales(group, "round_start", H5T_NATIVE_INT32, dims({R}), round_start.data(),
                    with({&round}), "1", "start slot of each round's job inside its window");
  write_with_scales(group, "job_work", H5T_NATIVE_DOUBLE, dims({S, R}), work.data(),
                    with({&scenario, &round}), "samples", "work L of each job");
  write_with_scales(group, "job_deadline_s", H5T_NATIVE_DOUBLE, dims({S, R}), deadline.data(),
                    with({&scenario, &round}), "s", "soft deadline d of each job");
  write_with_scales(group, "job_value", H5T_NATIVE_DOUBLE, dims({S, R}), value.data(),
                    with({&scenario, &round}), "USD", "value of each job finished by d");
  if (!grid.axes.empty())
    write_with_scales(group, "window_slots", H5T_NATIVE_INT32, point_shape, window_slots.data(),
                      outer, "1", "slots of each point's scenario windows");
}

// OPT's precision (docs/model.md §5 "Precision") as attributes of /opt: the means and the bracket
// over every job of every point, the widest point's relative bracket, and how many points have a
// member whose mean utility beats OPT's achieved mean (a precision failure).
void write_opt_precision(hid_t group, const std::vector<double>& best_means,
                         const std::vector<OptTable>& opt) {
  std::vector<double> lower, upper;
  double relative_max = 0.0;
  int32_t failures = 0;
  for (size_t p = 0; p < opt.size(); ++p) {
    const OptTable& t = opt[p];
    lower.insert(lower.end(), t.utility_lower.begin(), t.utility_lower.end());
    upper.insert(upper.end(), t.utility_upper.begin(), t.utility_upper.end());
    const OptPrecision point = opt_precision(t, best_means[p]);
    relative_max = std::max(relative_max, point.relative);
    failures += point.policy_beats_lower ? 1 : 0;
  }
  const OptPrecision all =
      opt_precision(lower.data(), upper.data(), static_cast<int64_t>(lower.size()), std::nan(""));
  write_scalar_attr<double>(group, "lower_mean", H5T_NATIVE_DOUBLE, all.lower_mean);
  write_scalar_attr<double>(group, "upper_mean", H5T_NATIVE_DOUBLE, all.upper_mean);
  write_scalar_attr<double>(group, "bracket_width", H5T_NATIVE_DOUBLE, all.width);
  write_scalar_attr<double>(group, "bracket_relative", H5T_NATIVE_DOUBLE, all.relative);
  write_scalar_attr<double>(group, "bracket_relative_max", H5T_NATIVE_DOUBLE, relative_max);
  write_scalar_attr<int32_t>(group, "precision_failures", H5T_NATIVE_INT32, failures);
}

void write_opt(hid_t file, const SweepGrid& grid, const std::vector<double>& best_means,
               const std::vector<OptTable>& opt) {
  Handle group = make_group(file, "opt");
  const SweepPlan& first = grid.front();
  const hsize_t S = static_cast<hsize_t>(first.scenarios.count),
                R = static_cast<hsize_t>(first.rounds);
  write_scalar_attr<int32_t>(group, "progress_buckets", H5T_NATIVE_INT32,
                             opt.front().progress_buckets);
  // > 0: the step was Δ·H(N_min)/progress_resolution instead of L/progress_buckets.
  write_scalar_attr<int32_t>(group, "progress_resolution", H5T_NATIVE_INT32,
                             opt.front().resolution);
  // Only with --opt-split-steps: files without it stay as they were.
  if (opt.front().split_steps)
    write_scalar_attr<int32_t>(group, "progress_split_steps", H5T_NATIVE_INT32, 1);
  std::vector<Handle> point_scales = scenario_axis_scales(group, grid);
  const Handle scenario = index_scale(group, "scenario", S, 0, "scenario");
  const Handle round = index_scale(group, "round", R, 0, "round (0-based)");
  std::vector<const Handle*> scales;
  for (const Handle& h : point_scales)
    scales.push_back(&h);
  scales.push_back(&scenario);
  scales.push_back(&round);
  std::vector<hsize_t> dims = scenario_axis_shape(grid);
  dims.push_back(S);
  dims.push_back(R);
  std::vector<double> lower, upper;
  for (const OptTable& t : opt) {
    lower.insert(lower.end(), t.utility_lower.begin(), t.utility_lower.end());
    upper.insert(upper.end(), t.utility_upper.begin(), t.utility_upper.end());
  }
  write_with_scales(group, "utility_lower", H5T_NATIVE_DOUBLE, dims, lower.data(), scales, "USD",
                    "OPT lower bound: the utility of a real schedule (docs/model.md section 5)");
  write_with_scales(group, "utility_upper", H5T_NATIVE_DOUBLE, dims, upper.data(), scales, "USD",
                    "OPT upper bound: the rounded-up relaxation's utility");
  write_opt_precision(group, best_means, opt);
}

void write_traced(hid_t file, const SweepGrid& grid, const std::vector<SweepResult>& results) {
  const SweepResult& first_result = results.front();
  const size_t K = first_result.traced_members.size();
  const SweepPlan& first = grid.front();
  const size_t jobs = static_cast<size_t>(first.jobs_per_member());
  for (const SweepResult& r : results)
    if (r.traced.size() != K * jobs)
      throw LogicError("write_sweep_h5: traced outcomes do not match the traced members");
  Handle group = make_group(file, "traced_members");
  std::vector<Handle> point_scales = scenario_axis_scales(group, grid);
  const Handle member = integer_scale(group, "member", first_result.traced_members,
                                      "global index of the traced member");
  const Handle scenario =
      index_scale(group, "scenario", static_cast<hsize_t>(first.scenarios.count), 0, "scenario");
  const Handle round =
      index_scale(group, "round", static_cast<hsize_t>(first.rounds), 0, "round (0-based)");
  std::vector<const Handle*> scales;
  for (const Handle& h : point_scales)
    scales.push_back(&h);
  scales.push_back(&member);
  scales.push_back(&scenario);
  scales.push_back(&round);
  std::vector<hsize_t> dims = scenario_axis_shape(grid);
  dims.push_back(K);
  dims.push_back(static_cast<hsize_t>(first.scenarios.count));
  dims.push_back(static_cast<hsize_t>(first.rounds));
  auto doubles = [&](const char* name, double Outcome::*field, const char* units,
                     const char* long_name) {
    std::vector<double> v;
    for (const SweepResult& r : results)
      for (const Outcome& o : r.traced)
        v.push_back(o.*field);
    write_with_scales(group, name, H5T_NATIVE_DOUBLE, dims, v.data(), scales, units, long_name);
  };
  auto ints = [&](const char* name, int32_t Outcome::*field, const char* long_name) {
    std::vector<int32_t> v;
    for (const SweepResult& r : results)
      for (const Outcome& o : r.traced)
        v.push_back(o.*field);
    write_with_scales(group, name, H5T_NATIVE_INT32, dims, v.data(), scales, "1", long_name);
  };
  doubles("utility", &Outcome::utility, "USD", "utility V(T) - cost of the job");
  doubles("value", &Outcome::value, "USD", "value V(T) earned");
  doubles("cost", &Outcome::cost, "USD", "cost of the GPUs rented");
  doubles("finish_s", &Outcome::finish_s, "s", "completion time from the job's start (-1: missed)");
  doubles("od_gpu_s", &Outcome::od_gpu_s, "s", "on-demand GPU-seconds rented");
  doubles("spot_gpu_s", &Outcome::spot_gpu_s, "s", "spot GPU-seconds rented");
  ints("missed", &Outcome::missed, "1 when the job missed its hard deadline");
  ints("reconfigs", &Outcome::reconfigs, "restarts, the first launch included");
  ints("net_overrides", &Outcome::net_overrides, "slots in which the safety net overrode");
  ints("slots", &Outcome::slots, "policy-slot steps simulated");
  // With --chc-bound only, so that files without it keep their datasets (docs/hdf5-layout.md).
  if (!first_result.chc_bound.empty()) {
    for (const SweepResult& r : results)
      if (r.chc_bound.size() != K * jobs)
        throw LogicError("write_sweep_h5: CHC bounds do not match the traced members");
    auto bound_doubles = [&](const char* name, double ChcBoundRecord::*field, const char* units,
                             const char* long_name) {
      std::vector<double> v;
      for (const SweepResult& r : results)
        for (const ChcBoundRecord& b : r.chc_bound)
          v.push_back(b.*field);
      write_with_scales(group, name, H5T_NATIVE_DOUBLE, dims, v.data(), scales, units, long_name);
    };
    auto bound_ints = [&](const char* name, int32_t ChcBoundRecord::*field, const char* long_name) {
      std::vector<int32_t> v;
      for (const SweepResult& r : results)
        for (const ChcBoundRecord& b : r.chc_bound)
          v.push_back(b.*field);
      write_with_scales(group, name, H5T_NATIVE_INT32, dims, v.data(), scales, "1", long_name);
    };
    bound_ints("chc_bound_applies", &ChcBoundRecord::applies,
               "1 when CHC's gap bound covers the member and job (docs/chc.md, Assumptions)");
    bound_doubles("chc_bound", &ChcBoundRecord::bound, "USD",
                  "bound on OPT - CHC utility: OPT upper value - lattice optimum + forecast term");
    bound_doubles("chc_bound_certificate", &ChcBoundRecord::certificate_bound, "USD",
                  "a-posteriori bound: OPT upper value - lattice optimum + the plans' realised "
                  "regrets (between the gap and chc_bound)");
    bound_doubles("chc_bound_forecast", &ChcBoundRecord::forecast_usd, "USD",
                  "forecast term F: each plan window's range of cost errors, summed over plans");
    bound_doubles("chc_bound_lattice_value", &ChcBoundRecord::lattice_value, "USD",
                  "optimum on CHC's progress lattice on the realised market");
    bound_doubles("chc_price_error", &ChcBoundRecord::price_error, "1",
                  "mean relative spot-price forecast error |p_hat - p| / p over planned slots");
    bound_doubles("chc_avail_error", &ChcBoundRecord::avail_error, "GPUs",
                  "mean absolute availability forecast error over planned slots");
    bound_ints("chc_plans", &ChcBoundRecord::plans, "plans CHC made in the job");
  }
  std::string joined;
  for (int64_t m : first_result.traced_members)
    joined += (joined.empty() ? "" : "\n") + first.pool.describe_member(m);
  write_string_attr(group, "parameters", joined);
}

}  // namespace

double best_member_mean(const SweepResult& r) {
  double best = std::numeric_limits<double>::quiet_NaN();
  for (int64_t m = r.first_member; m < r.first_member + r.members; ++m) {
    const double u = r.stat(m, Stat::utility_mean);
    if (std::isnan(best) || u > best) best = u;
  }
  return best;
}

void write_sweep_contents(hid_t file, const SweepGrid& grid,
                          const std::vector<SweepResult>& results, const std::vector<OptTable>& opt,
                          const std::string& config_toml, const std::vector<double>& best_means) {
  SPOTSWEEP_EXPECTS(
      !results.empty() && results.size() == grid.plans.size() && opt.size() == results.size(),
      "one result and one OPT table per point");
  const SweepPlan& first = grid.front();
  const SweepResult& r0 = results.front();
  for (const SweepResult& r : results)
    SPOTSWEEP_EXPECTS(r.stats.size() == static_cast<size_t>(r.members) * kStatCount,
                      "one statistics row per member held");
  SPOTSWEEP_EXPECTS(best_means.size() == results.size(), "one best mean per point");
  int64_t steps = 0;
  double seconds = 0.0;
  for (const SweepResult& r : results) {
    steps += r.policy_slot_steps;
    seconds += r.seconds;
  }
  write_string_attr(file, "config", config_toml.empty() ? grid.config_toml : config_toml);
  write_scalar_attr<uint64_t>(file, "seed", H5T_NATIVE_UINT64, first.seed);
  write_string_attr(file, "backend", backend_name(r0.backend));
  write_string_attr(file, "device", r0.device);
  write_string_attr(file, "spotsweep_version", SPOTSWEEP_VERSION);
  write_string_attr(file, "argv", command_line());
  write_string_attr(file, "member_order", "families in file order; inside one, last axis fastest");
  write_scalar_attr<int64_t>(file, "pool_size", H5T_NATIVE_INT64, first.pool.size);
  write_scalar_attr<int32_t>(file, "scenarios", H5T_NATIVE_INT32, first.scenarios.count);
  write_scalar_attr<int32_t>(file, "rounds", H5T_NATIVE_INT32, first.rounds);
  std::string axes;
  for (const ScenarioAxis& a : grid.axes)
    axes += (axes.empty() ? "" : ",") + a.key;
  write_string_attr(file, "scenario_axes", axes);
  write_scalar_attr<int64_t>(file, "policy_slot_steps", H5T_NATIVE_INT64, steps);
  write_scalar_attr<double>(file, "seconds", H5T_NATIVE_DOUBLE, seconds);
  write_scalar_attr<int32_t>(file, "mpi_ranks", H5T_NATIVE_INT32, r0.mpi_ranks);
  write_string_attr(file, "percentiles", "nearest rank, float32 values: p5, p50, p95");
  {
    Handle families = make_group(file, "families");
    for (const FamilyGrid& family : first.pool.families)
      write_family(families, grid, family, results);
  }
  write_workload(file, grid);
  if (opt.front().progress_buckets > 0) write_opt(file, grid, best_means, opt);
  if (!r0.traced_members.empty()) write_traced(file, grid, results);
}

void write_sweep_rows(hid_t file, const SweepGrid& grid, const std::vector<SweepResult>& results) {
  const SweepPlan& first = grid.front();
  for (const FamilyGrid& family : first.pool.families) {
    const std::string group = "families/" + family.name + "/";
    for (int32_t st = 0; st < kStatCount; ++st) {
      const std::string name = group + stat_name(static_cast<Stat>(st));
      Handle ds(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "open " + name);
      write_rows(ds, family, results, st, false, 0);
    }
    if (results.front().scenario_stats.empty()) continue;
    for (int32_t st = 0; st < kScenarioStatCount; ++st) {
      const std::string name =
          group + "scenario_" + scenario_stat_name(static_cast<ScenarioStat>(st));
      Handle ds(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "open " + name);
      write_rows(ds, family, results, st, true, static_cast<size_t>(first.scenarios.count));
    }
  }
}

void write_sweep_h5(OutputFile& output, const SweepGrid& grid,
                    const std::vector<SweepResult>& results, const std::vector<OptTable>& opt,
                    const std::string& config_toml) {
  std::vector<double> best_means;
  for (const SweepResult& r : results)
    best_means.push_back(best_member_mean(r));
  h5::write_file_atomically(output, [&](hid_t file) {
    write_sweep_contents(file, grid, results, opt, config_toml, best_means);
  });
}

void write_sweep_h5(const std::string& path, const SweepGrid& grid,
                    const std::vector<SweepResult>& results, const std::vector<OptTable>& opt,
                    const std::string& config_toml) {
  OutputFile output(path, "--output");
  write_sweep_h5(output, grid, results, opt, config_toml);
}

void write_sweep_h5(OutputFile& output, const SweepPlan& plan, const SweepResult& result,
                    const OptTable& opt) {
  write_sweep_h5(output, single_point_grid(plan), {result}, {opt});
}
void write_sweep_h5(const std::string& path, const SweepPlan& plan, const SweepResult& result,
                    const OptTable& opt) {
  write_sweep_h5(path, single_point_grid(plan), {result}, {opt});
}

}  // namespace spotsweep

// The selector's HDF5 file (docs/select.md): per-(scenario, round) curves with scenario and
// round as dimension scales, the final top-k members with their decoded parameters, and each
// family's final weight mass; written under a temporary name and renamed when complete.
#include "spotsweep/select/select_h5.hpp"

#include <string>
#include <vector>

#include "spotsweep/detail/h5.hpp"
#include "spotsweep/select/select.hpp"
#include "spotsweep/version.hpp"

namespace spotsweep {

namespace {

using namespace h5;

void write_curves(hid_t file, const SelectResult& result) {
  Handle group = make_group(file, "selector");
  const hsize_t S = static_cast<hsize_t>(result.scenarios), T = static_cast<hsize_t>(result.rounds);
  const Handle scenario = index_scale(group, "scenario", S, 0, "scenario");
  const Handle round = index_scale(group, "round", T, 1, "round (1-based: rounds played)");

  auto curve = [&](const char* name, hid_t type, const void* data, const char* units) {
    Handle ds(dataset(group, name, type, {S, T}, data), H5Dclose, name);
    attach_scale(ds, scenario, 0, "scenario");
    attach_scale(ds, round, 1, "round");
    write_string_attr(ds, "units", units);
  };
  const hid_t f64 = H5T_NATIVE_DOUBLE, i64 = H5T_NATIVE_INT64;
  curve("expected_utility", f64, result.expected_utility.data(), "USD");
  curve("sampled_utility", f64, result.sampled_utility.data(), "USD");
  curve("sampled_member", i64, result.sampled_member.data(), "member index");
  curve("selector_cumulative", f64, result.selector_cumulative.data(), "USD");
  curve("sampled_cumulative", f64, result.sampled_cumulative.data(), "USD");
  curve("best_member", i64, result.best_member.data(), "member index");
  curve("best_cumulative", f64, result.best_cumulative.data(), "USD");
  curve("regret", f64, result.regret.data(), "USD");
  curve("sampled_regret", f64, result.sampled_regret.data(), "USD");
  curve("regret_bound", f64, result.regret_bound.data(), "USD");
  curve("sqrt_bound", f64, result.sqrt_bound.data(), "USD");
  curve("entropy", f64, result.entropy.data(), "nats");
  curve("leader", i64, result.leader.data(), "member index");
  curve("leader_weight", f64, result.leader_weight.data(), "probability");
  curve("regime", H5T_NATIVE_INT32, result.regime.data(),
        "adversary regime played (0 without one)");
  curve("opt_utility", f64, result.opt_utility.data(), "USD");
  curve("opt_upper", f64, result.opt_upper.data(), "USD");
  curve("selector_ratio", f64, result.selector_ratio.data(), "ratio");
  curve("best_ratio", f64, result.best_ratio.data(), "ratio");

  std::vector<double> low, high;
  for (const UtilityRange& r : result.ranges) {
    low.push_back(r.low);
    high.push_back(r.high);
  }
  Handle low_ds(dataset(group, "utility_low", f64, {S}, low.data()), H5Dclose, "utility_low");
  attach_scale(low_ds, scenario, 0, "scenario");
  Handle high_ds(dataset(group, "utility_high", f64, {S}, high.data()), H5Dclose, "utility_high");
  attach_scale(high_ds, scenario, 0, "scenario");
}

void write_final_weights(hid_t file, const SweepPlan& plan, const SelectResult& result) {
  Handle group = make_group(file, "final");
  const hsize_t S = static_cast<hsize_t>(result.scenarios), K = static_cast<hsize_t>(result.top_k);
  const Handle scenario = index_scale(group, "scenario", S, 0, "scenario");
  const Handle rank_ds = index_scale(group, "rank", K, 1, "rank (1 = most weight)");

  std::vector<std::string> parameters, family;
  for (int64_t m : result.top_member) {
    parameters.push_back(plan.pool.describe_member(m));
    family.push_back(plan.pool.families[plan.pool.locate(m).family_index].name);
  }
  auto top = [&](hid_t ds_id, const char* name) {
    Handle ds(ds_id, H5Dclose, name);
    attach_scale(ds, scenario, 0, "scenario");
    attach_scale(ds, rank_ds, 1, "rank");
  };
  top(dataset(group, "top_member", H5T_NATIVE_INT64, {S, K}, result.top_member.data()),
      "top_member");
  top(dataset(group, "top_weight", H5T_NATIVE_DOUBLE, {S, K}, result.top_weight.data()),
      "top_weight");
  top(string_dataset(group, "top_parameters", {S, K}, parameters), "top_parameters");
  top(string_dataset(group, "top_family", {S, K}, family), "top_family");

  std::vector<std::string> names;
  for (const FamilyGrid& g : plan.pool.families)
    names.push_back(g.name);
  const hsize_t F = names.size();
  Handle family_scale(string_dataset(group, "family", {F}, names), H5Dclose, "family");
  check(H5DSset_scale(family_scale, "family"), "make family a dimension scale");
  Handle mass(
      dataset(group, "family_weight", H5T_NATIVE_DOUBLE, {S, F}, result.family_weight.data()),
      H5Dclose, "family_weight");
  attach_scale(mass, scenario, 0, "scenario");
  attach_scale(mass, family_scale, 1, "family");
}

void write_contents(hid_t file, const SweepPlan& plan, const SelectResult& result) {
  // The sweep file as resolved, with the [select] options the run used (after CLI overrides).
  write_string_attr(file, "config", plan.config_toml + "\n" + result.options_toml);
  write_scalar_attr<uint64_t>(file, "seed", H5T_NATIVE_UINT64, plan.seed);
  write_scalar_attr<uint64_t>(file, "selector_seed", H5T_NATIVE_UINT64, result.seed);
  write_string_attr(file, "feedback", feedback_name(result.feedback));
  write_string_attr(file, "eta_schedule", eta_schedule_name(result.eta));
  write_string_attr(file, "backend", backend_name(result.run.backend));
  write_string_attr(file, "device", result.run.device);
  write_string_attr(file, "spotsweep_version", SPOTSWEEP_VERSION);
  write_string_attr(file, "trace", plan.trace_name);
  write_scalar_attr<int64_t>(file, "pool_size", H5T_NATIVE_INT64, result.members);
  write_scalar_attr<int32_t>(file, "scenarios", H5T_NATIVE_INT32, result.scenarios);
  write_scalar_attr<int32_t>(file, "rounds", H5T_NATIVE_INT32, result.rounds);
  write_scalar_attr<int64_t>(file, "policy_slot_steps", H5T_NATIVE_INT64,
                             result.run.policy_slot_steps);
  write_string_attr(
      file, "utility_range",
      result.given_range ? "given ([select] utility_range)" : "derived (docs/select.md)");
  write_scalar_attr<int64_t>(file, "rewards_clamped", H5T_NATIVE_INT64, result.run.rewards_clamped);
  write_scalar_attr<double>(file, "seconds", H5T_NATIVE_DOUBLE, result.run.seconds);
  write_curves(file, result);
  write_final_weights(file, plan, result);
}

}  // namespace

void write_select_h5(OutputFile& output, const SweepPlan& plan, const SelectResult& result) {
  h5::write_file_atomically(output, [&](hid_t file) { write_contents(file, plan, result); });
}

void write_select_h5(const std::string& path, const SweepPlan& plan, const SelectResult& result) {
  OutputFile output(path, "--output");
  write_select_h5(output, plan, result);
}

}  // namespace spotsweep

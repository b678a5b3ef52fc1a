// The selector's HDF5 file (docs/select.md): per-(scenario, round) curves with scenario and
// round as dimension scales, the final top-k members with their decoded parameters, and each
// family's final weight mass; written under a temporary name and renamed when complete.
#include "spotsweep/select/select_h5.hpp"

#include <string>
#include <vector>

#include "spotsweep/detail/h5.hpp"
#include "spotsweep/detail/mpi.hpp"
#include "spotsweep/detail/provenance.hpp"
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

  auto curve = [&](const char* name, hid_t type, const void* data, const char* units,
                   const char* long_name) {
    Handle ds(dataset(group, name, type, {S, T}, data), H5Dclose, name);
    attach_scale(ds, scenario, 0, "scenario");
    attach_scale(ds, round, 1, "round");
    write_cf(ds, units, long_name);
  };
  const hid_t f64 = H5T_NATIVE_DOUBLE, i64 = H5T_NATIVE_INT64;
  curve("expected_utility", f64, result.expected_utility.data(), "USD",
        "the selector's expected utility in the round");
  curve("sampled_utility", f64, result.sampled_utility.data(), "USD",
        "utility of the member drawn in the round");
  curve("sampled_member", i64, result.sampled_member.data(), "1",
        "member drawn in the round (global index)");
  curve("selector_cumulative", f64, result.selector_cumulative.data(), "USD",
        "the selector's cumulative expected utility");
  curve("sampled_cumulative", f64, result.sampled_cumulative.data(), "USD",
        "cumulative utility of the drawn members");
  curve("best_member", i64, result.best_member.data(), "1",
        "best fixed member in hindsight so far (global index)");
  curve("best_cumulative", f64, result.best_cumulative.data(), "USD",
        "the best fixed member's cumulative utility");
  curve("regret", f64, result.regret.data(), "USD",
        "regret: best_cumulative - selector_cumulative");
  curve("sampled_regret", f64, result.sampled_regret.data(), "USD",
        "regret of the drawn members: best_cumulative - sampled_cumulative");
  curve("uniform_regret", f64, result.uniform_regret.data(), "USD",
        "the uniform mixture's regret: best_cumulative - its cumulative utility");
  curve("ftl_regret", f64, result.ftl_regret.data(), "USD",
        "follow-the-leader's regret on the same feedback: best_cumulative - its cumulative "
        "utility");
  curve("regret_bound", f64, result.regret_bound.data(), "USD",
        "the learner's regret bound, with delayed feedback's terms");
  curve("tightness", f64, result.tightness.data(), "1", "regret / regret_bound");
  curve("uniform_tightness", f64, result.uniform_tightness.data(), "1",
        "uniform_regret / regret_bound (above 1: the uniform mixture fails the bound)");
  curve("delay_cost", f64, result.delay_cost.data(), "USD",
        "the bound's drift and pending terms (delayed feedback)");
  curve("sqrt_bound", f64, result.sqrt_bound.data(), "USD",
        "(high - low) * sqrt((r/2) ln K), the textbook horizon-r form");
  curve("pending", H5T_NATIVE_INT32, result.pending.data(), "1",
        "rounds whose results were not yet fed back when the round was played");
  const bool scaled = !(result.learner == Learner::adahedge || result.learner == Learner::flipflop);
  curve("learning_rate", f64, result.learning_rate.data(), scaled ? "1" : "1/USD",
        scaled ? "the learner's rate per reward unit (utility scaled by the range; inf: following "
                 "the leader)"
               : "the learner's rate on utilities (inf: following the leader)");
  curve("entropy", f64, result.entropy.data(), "1", "entropy of the play probabilities, in nats");
  curve("leader", i64, result.leader.data(), "1", "member with the most weight (global index)");
  curve("leader_weight", f64, result.leader_weight.data(), "1", "the leader's play probability");
  curve("regime", H5T_NATIVE_INT32, result.regime.data(), "1",
        "regime the adaptive adversary played (0 calm, 1 storm; 0 without one)");
  curve("opt_utility", f64, result.opt_utility.data(), "USD",
        "OPT's achieved utility for the round's job (NaN without OPT)");
  curve("opt_upper", f64, result.opt_upper.data(), "USD",
        "OPT's upper bound for the round's job (NaN without OPT)");
  curve("selector_ratio", f64, result.selector_ratio.data(), "1",
        "selector_cumulative / sum of opt_upper so far");
  curve("best_ratio", f64, result.best_ratio.data(), "1",
        "best_cumulative / sum of opt_upper so far");
  if (result.opt_buckets > 0) {
    // OPT's precision (docs/model.md §5 "Precision").
    const OptPrecision& p = result.opt_precision;
    write_scalar_attr<int32_t>(group, "opt_progress_buckets", H5T_NATIVE_INT32, result.opt_buckets);
    // Only with --opt-resolution (its step Δ·H(N_min)/M): files without it stay as they were.
    if (result.opt_resolution > 0)
      write_scalar_attr<int32_t>(group, "opt_progress_resolution", H5T_NATIVE_INT32,
                                 result.opt_resolution);
    write_scalar_attr<double>(group, "opt_lower_mean", f64, p.lower_mean);
    write_scalar_attr<double>(group, "opt_upper_mean", f64, p.upper_mean);
    write_scalar_attr<double>(group, "opt_bracket_width", f64, p.width);
    write_scalar_attr<double>(group, "opt_bracket_relative", f64, p.relative);
    write_scalar_attr<int32_t>(group, "opt_precision_failure", H5T_NATIVE_INT32,
                               p.policy_beats_lower ? 1 : 0);
  }

  std::vector<double> low, high;
  for (const UtilityRange& r : result.ranges) {
    low.push_back(r.low);
    high.push_back(r.high);
  }
  Handle low_ds(dataset(group, "utility_low", f64, {S}, low.data()), H5Dclose, "utility_low");
  attach_scale(low_ds, scenario, 0, "scenario");
  write_cf(low_ds, "USD", "low end of the learners' utility range");
  Handle high_ds(dataset(group, "utility_high", f64, {S}, high.data()), H5Dclose, "utility_high");
  attach_scale(high_ds, scenario, 0, "scenario");
  write_cf(high_ds, "USD", "high end of the learners' utility range");
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
  auto top = [&](hid_t ds_id, const char* name, const char* units, const char* long_name) {
    Handle ds(ds_id, H5Dclose, name);
    attach_scale(ds, scenario, 0, "scenario");
    attach_scale(ds, rank_ds, 1, "rank");
    write_cf(ds, units, long_name);
  };
  top(dataset(group, "top_member", H5T_NATIVE_INT64, {S, K}, result.top_member.data()),
      "top_member", "1", "members by final weight (global index)");
  top(dataset(group, "top_weight", H5T_NATIVE_DOUBLE, {S, K}, result.top_weight.data()),
      "top_weight", "1", "their final play probability");
  top(string_dataset(group, "top_parameters", {S, K}, parameters), "top_parameters", "",
      "their decoded parameters");
  top(string_dataset(group, "top_family", {S, K}, family), "top_family", "", "their family grid");

  std::vector<std::string> names;
  for (const FamilyGrid& g : plan.pool.families)
    names.push_back(g.name);
  const hsize_t F = names.size();
  Handle family_scale(string_dataset(group, "family", {F}, names), H5Dclose, "family");
  check(H5DSset_scale(family_scale, "family"), "make family a dimension scale");
  write_cf(family_scale, "", "family grid of the pool");
  Handle mass(
      dataset(group, "family_weight", H5T_NATIVE_DOUBLE, {S, F}, result.family_weight.data()),
      H5Dclose, "family_weight");
  attach_scale(mass, scenario, 0, "scenario");
  attach_scale(mass, family_scale, 1, "family");
  write_cf(mass, "1", "each family's total final weight");
}

void write_contents(hid_t file, const SweepPlan& plan, const SelectResult& result,
                    const std::string& config_toml) {
  // The sweep file as resolved, with the [select] options the run used (after CLI overrides).
  write_string_attr(
      file, "config",
      config_toml.empty() ? plan.config_toml + "\n" + result.options_toml : config_toml);
  write_string_attr(file, "argv", command_line());
  write_scalar_attr<uint64_t>(file, "seed", H5T_NATIVE_UINT64, plan.seed);
  write_scalar_attr<uint64_t>(file, "selector_seed", H5T_NATIVE_UINT64, result.seed);
  write_string_attr(file, "learner", learner_name(result.learner));
  write_string_attr(file, "feedback", feedback_name(result.feedback()));
  write_string_attr(file, "feedback_delay", feedback_delay_name(result.delay));
  write_string_attr(file, "eta_schedule", eta_schedule_name(result.eta));
  write_string_attr(file, "backend", backend_name(result.run.backend));
  write_string_attr(file, "device", result.run.device);
  write_scalar_attr<int32_t>(file, "mpi_ranks", H5T_NATIVE_INT32, mpi::size());
  write_string_attr(file, "spotsweep_version", SPOTSWEEP_VERSION);
  write_string_attr(file, "trace", plan.trace_name);
  write_scalar_attr<int64_t>(file, "pool_size", H5T_NATIVE_INT64, result.members);
  write_scalar_attr<int32_t>(file, "scenarios", H5T_NATIVE_INT32, result.scenarios);
  write_scalar_attr<int32_t>(file, "rounds", H5T_NATIVE_INT32, result.rounds);
  write_scalar_attr<int64_t>(file, "policy_slot_steps", H5T_NATIVE_INT64,
                             result.run.policy_slot_steps);
  write_string_attr(file, "utility_range",
                    result.given_range
                        ? "given ([select] utility_range)"
                        : "a priori, from each job and the on-demand price (docs/select.md)");
  write_scalar_attr<int64_t>(file, "rewards_clamped", H5T_NATIVE_INT64, result.run.rewards_clamped);
  write_scalar_attr<double>(file, "seconds", H5T_NATIVE_DOUBLE, result.run.seconds);
  write_curves(file, result);
  write_final_weights(file, plan, result);
}

}  // namespace

void write_select_h5(OutputFile& output, const SweepPlan& plan, const SelectResult& result,
                     const std::string& config_toml) {
  h5::write_file_atomically(output,
                            [&](hid_t file) { write_contents(file, plan, result, config_toml); });
}

void write_select_h5(const std::string& path, const SweepPlan& plan, const SelectResult& result,
                     const std::string& config_toml) {
  OutputFile output(path, "--output");
  write_select_h5(output, plan, result, config_toml);
}

}  // namespace spotsweep

namespace spotsweep {

void write_select_h5_ranks(const std::function<void()>& write) {
  mpi::agreed([] { mpi::test_failure_point("write"); });
  mpi::agreed([&] {
    if (mpi::is_root()) write();
  });
}

}  // namespace spotsweep

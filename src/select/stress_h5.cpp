// The stress file (docs/stress.md): a summary [run][seed] with the runs' adversaries and labels
// as coordinates, and one group per run holding its curves [seed][scenario][round] with the
// run's settings as scalar coordinates (CF), so that runs concatenate along a setting; written
// under a temporary name and renamed when complete.
#include "spotsweep/select/stress_h5.hpp"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/h5.hpp"
#include "spotsweep/detail/mpi.hpp"
#include "spotsweep/detail/provenance.hpp"
#include "spotsweep/select/stress.hpp"
#include "spotsweep/version.hpp"

namespace spotsweep {

namespace {

using namespace h5;

std::string group_name(size_t index, const StressRun& run) {
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%03zu_", index);
  return std::string(prefix) + adversary_name(run.kind);
}

// A setting's value as TOML and as a number when it is one.
bool as_number(const std::string& text, double& value) {
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size();
}

std::string toml_value(const std::string& text) {
  double v = 0;
  if (as_number(text, v) || text == "true" || text == "false") return text;
  return "\"" + text + "\"";
}

// A 0-d dataset: one setting of a run, a scalar coordinate of its curves.
void scalar_coordinate(hid_t group, const std::string& name, const std::string& text,
                       const std::string& long_name) {
  double v = 0;
  if (as_number(text, v)) {
    Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create scalar space");
    Handle ds(H5Dcreate2(group, name.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT),
              H5Dclose, "create " + name);
    check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v), "write " + name);
    write_cf(ds, "1", long_name);
    return;
  }
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "copy string type");
  check(H5Tset_size(type, H5T_VARIABLE), "set string size");
  check(H5Tset_cset(type, H5T_CSET_UTF8), "set UTF-8");
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create scalar space");
  Handle ds(H5Dcreate2(group, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            H5Dclose, "create " + name);
  const char* p = text.c_str();
  check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), "write " + name);
  write_cf(ds, "", long_name);
}

void write_summary(hid_t file, const StressSuite& suite, const std::vector<StressRun>& runs,
                   const std::vector<StressRecord>& records) {
  Handle group = make_group(file, "summary");
  const hsize_t R = runs.size(), Z = suite.seeds.size();
  SPOTSWEEP_EXPECTS(records.size() == R * Z, "one record per (run, seed), run-major");
  std::vector<std::string> adversary, label, group_of;
  for (size_t i = 0; i < runs.size(); ++i) {
    adversary.push_back(adversary_name(runs[i].kind));
    label.push_back(runs[i].label());
    group_of.push_back("/runs/" + group_name(i, runs[i]));
  }
  const Handle run_scale =
      index_scale(group, "run", R, 0, "market setting (the index in /runs/<NNN>_<adversary>)");
  const Handle seed_scale = integer_scale(group, "seed", suite.seeds, "market seed");
  const char* coordinates = "adversary label group";
  auto per_run = [&](const char* name, const std::vector<std::string>& values,
                     const char* long_name) {
    Handle ds(string_dataset(group, name, {R}, values), H5Dclose, name);
    attach_scale(ds, run_scale, 0, "run");
    write_cf(ds, "", long_name);
  };
  per_run("adversary", adversary, "adversary of the market setting");
  per_run("label", label, "adversary with its settings");
  per_run("group", group_of, "HDF5 group of the run's curves");
  auto column = [&](const char* name, const char* units, const char* long_name, auto field) {
    using Value = std::decay_t<decltype(records.front().summary.*field)>;
    std::vector<Value> data;
    for (const StressRecord& r : records)
      data.push_back(r.summary.*field);
    const hid_t type = std::is_same_v<Value, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT32;
    Handle ds(dataset(group, name, type, {R, Z}, data.data()), H5Dclose, name);
    attach_scale(ds, run_scale, 0, "run");
    attach_scale(ds, seed_scale, 1, "seed");
    write_cf(ds, units, long_name);
    write_string_attr(ds, "coordinates", coordinates);
  };
  column("worst_regret", "USD", "largest regret over scenarios and rounds",
         &StressSummary::worst_regret);
  column("worst_scenario", "1", "scenario of the worst regret", &StressSummary::worst_scenario);
  column("worst_round", "1", "round of the worst regret (1-based)", &StressSummary::worst_round);
  column("bound_at_worst", "USD", "the regret bound there", &StressSummary::bound_at_worst);
  column("ratio_at_worst", "1", "worst regret / the bound there", &StressSummary::ratio_at_worst);
  column("max_ratio", "1", "largest regret / bound over scenarios and rounds",
         &StressSummary::max_ratio);
  column("max_ratio_scenario", "1", "scenario of the largest regret / bound",
         &StressSummary::max_ratio_scenario);
  column("max_ratio_round", "1", "round of the largest regret / bound (1-based)",
         &StressSummary::max_ratio_round);
  column("selector_utility", "USD", "the selector's cumulative utility, summed over scenarios",
         &StressSummary::selector_utility);
  column("best_utility", "USD",
         "the best fixed member's cumulative utility (per scenario), summed over scenarios",
         &StressSummary::best_utility);
  column("opt_utility", "USD", "OPT's utility summed over scenarios and rounds (NaN: no OPT)",
         &StressSummary::opt_utility);
  column("selector_vs_best", "1", "selector_utility / best_utility",
         &StressSummary::selector_vs_best);
  column("selector_vs_opt", "1", "selector_utility / opt_utility", &StressSummary::selector_vs_opt);
  column("storm_share", "1",
         "share of storm or trap slots (adaptive: of rounds played in the storm)",
         &StressSummary::storm_share);
  column("final_regret", "USD", "the selector's regret at the last round, summed over scenarios",
         &StressSummary::final_regret);
  column("final_uniform_regret", "USD",
         "the uniform mixture's regret at the last round, summed over scenarios",
         &StressSummary::final_uniform_regret);
  column("final_ftl_regret", "USD",
         "follow-the-leader's regret at the last round, summed over scenarios",
         &StressSummary::final_ftl_regret);
}

void write_run(hid_t runs_group, size_t index, const StressRun& run,
               const std::vector<const StressRecord*>& mine) {
  Handle group = make_group(runs_group, group_name(index, run));
  write_string_attr(group, "adversary", adversary_name(run.kind));
  write_string_attr(group, "label", run.label());
  std::string coordinates = "adversary";
  scalar_coordinate(group, "adversary", adversary_name(run.kind), "adversary of the market");
  for (const auto& [key, value] : run.settings) {
    scalar_coordinate(group, key, value,
                      std::string("setting of ") + adversary_name(run.kind) + ": " + key);
    coordinates += " " + key;
  }
  const SelectResult& first = mine.front()->result;
  const hsize_t N = mine.size(), S = static_cast<hsize_t>(first.scenarios),
                T = static_cast<hsize_t>(first.rounds);
  std::vector<uint64_t> seeds;
  for (const StressRecord* r : mine)
    seeds.push_back(r->summary.seed);
  const Handle seed = integer_scale(group, "seed", seeds, "market seed");
  const Handle scenario = index_scale(group, "scenario", S, 0, "scenario");
  const Handle round = index_scale(group, "round", T, 1, "round (1-based: rounds played)");

  auto curve = [&](const char* name, const char* units, const char* long_name, auto member) {
    using Value = typename std::decay_t<decltype(mine.front()->result.*member)>::value_type;
    std::vector<Value> data;
    data.reserve(N * S * T);
    for (const StressRecord* r : mine) {
      const auto& v = r->result.*member;
      SPOTSWEEP_EXPECTS(v.size() == S * T, "finish_select fills every curve to scenarios x rounds");
      data.insert(data.end(), v.begin(), v.end());
    }
    const hid_t type = std::is_same_v<Value, double>    ? H5T_NATIVE_DOUBLE
                       : std::is_same_v<Value, int64_t> ? H5T_NATIVE_INT64
                                                        : H5T_NATIVE_INT32;
    Handle ds(dataset(group, name, type, {N, S, T}, data.data()), H5Dclose, name);
    attach_scale(ds, seed, 0, "seed");
    attach_scale(ds, scenario, 1, "scenario");
    attach_scale(ds, round, 2, "round");
    write_cf(ds, units, long_name);
    write_string_attr(ds, "coordinates", coordinates);
  };
  curve("regret", "USD", "regret: best fixed member's cumulative utility - the selector's",
        &SelectResult::regret);
  curve("regret_bound", "USD", "the learner's regret bound, with delayed feedback's terms",
        &SelectResult::regret_bound);
  curve("uniform_regret", "USD", "the uniform mixture's regret", &SelectResult::uniform_regret);
  curve("ftl_regret", "USD", "follow-the-leader's regret on the same feedback",
        &SelectResult::ftl_regret);
  curve("tightness", "1", "regret / regret_bound", &SelectResult::tightness);
  curve("pending", "1", "rounds whose results were not yet fed back when the round was played",
        &SelectResult::pending);
  curve("sqrt_bound", "USD", "(high - low) * sqrt((r/2) ln K)", &SelectResult::sqrt_bound);
  curve("expected_utility", "USD", "the selector's expected utility in the round",
        &SelectResult::expected_utility);
  curve("selector_cumulative", "USD", "the selector's cumulative expected utility",
        &SelectResult::selector_cumulative);
  curve("best_cumulative", "USD", "the best fixed member's cumulative utility",
        &SelectResult::best_cumulative);
  curve("best_member", "1", "best fixed member so far (global index)", &SelectResult::best_member);
  curve("leader", "1", "member with the most weight (global index)", &SelectResult::leader);
  curve("leader_weight", "1", "the leader's play probability", &SelectResult::leader_weight);
  curve("opt_utility", "USD", "OPT's utility for the round's job (NaN without OPT)",
        &SelectResult::opt_utility);
  curve("regime", "1", "regime the adaptive adversary played (0 calm, 1 storm; 0 otherwise)",
        &SelectResult::regime);

  std::vector<double> low, high;
  for (const StressRecord* r : mine)
    for (const UtilityRange& u : r->result.ranges) {
      low.push_back(u.low);
      high.push_back(u.high);
    }
  for (auto [name, data] :
       {std::pair<const char*, const std::vector<double>*>{"utility_low", &low},
        std::pair<const char*, const std::vector<double>*>{"utility_high", &high}}) {
    Handle ds(dataset(group, name, H5T_NATIVE_DOUBLE, {N, S}, data->data()), H5Dclose, name);
    attach_scale(ds, seed, 0, "seed");
    attach_scale(ds, scenario, 1, "scenario");
    write_cf(ds, "USD",
             std::string(name == std::string("utility_low") ? "low" : "high") +
                 " end of the reward normalisation's utility range");
    write_string_attr(ds, "coordinates", coordinates);
  }
}

}  // namespace

std::string stress_config_to_toml(const SweepConfig& config, const StressSuite& suite,
                                  const std::string& select_table) {
  // The sweep file without the market keys that stress draws itself.
  std::istringstream in(config_to_toml(config));
  std::string text, line, section;
  while (std::getline(in, line)) {
    if (line.size() > 2 && line.front() == '[' && line.back() == ']')
      section = line.substr(1, line.size() - 2);
    if (section == "workload" &&
        (line.rfind("trace = ", 0) == 0 || line.rfind("first_slot = ", 0) == 0 ||
         line.rfind("scenario_stride = ", 0) == 0 || line.rfind("synthetic = ", 0) == 0))
      continue;
    text += line + "\n";
  }
  text += "\n" + select_table + "\n[stress]\nadversaries = [";
  for (size_t i = 0; i < suite.adversaries.size(); ++i)
    text += std::string(i ? ", " : "") + "\"" + adversary_name(suite.adversaries[i]) + "\"";
  text += "]\nseeds = [";
  for (size_t i = 0; i < suite.seeds.size(); ++i)
    text += (i ? ", " : "") + std::to_string(suite.seeds[i]);
  text += "]\nopt_buckets = " + std::to_string(suite.opt_buckets) + "\n";
  if (suite.opt_resolution > 0)  // only when given: earlier files stay the same
    text += "opt_resolution = " + std::to_string(suite.opt_resolution) + "\n";
  for (int32_t k = 0; k < kAdversaryKindCount; ++k) {
    if (suite.parameters[k].empty()) continue;
    text += std::string("\n[stress.") + adversary_name(static_cast<AdversaryKind>(k)) + "]\n";
    for (const StressParameter& p : suite.parameters[k]) {
      text += p.key + " = [";
      for (size_t i = 0; i < p.values.size(); ++i)
        text += (i ? ", " : "") + toml_value(p.values[i]);
      text += "]\n";
    }
  }
  return text;
}

void write_stress_h5(const std::string& path, const SweepConfig& config, const StressSuite& suite,
                     const std::vector<StressRun>& runs, const std::vector<StressRecord>& records) {
  OutputFile output(path, "--output");
  write_stress_h5(output, config, suite, runs, records);
}

void write_stress_h5(OutputFile& output, const SweepConfig& config, const StressSuite& suite,
                     const std::vector<StressRun>& runs, const std::vector<StressRecord>& records) {
  h5::write_file_atomically(output, [&](hid_t file) {
    const std::string select_table =
        records.empty() ? std::string() : records.front().result.options_toml;
    write_string_attr(file, "config", stress_config_to_toml(config, suite, select_table));
    write_string_attr(file, "spotsweep_version", SPOTSWEEP_VERSION);
    write_string_attr(file, "argv", command_line());
    if (!records.empty()) {
      const SelectResult& r = records.front().result;
      write_string_attr(file, "learner", learner_name(r.learner));
      write_string_attr(file, "feedback", feedback_name(r.feedback()));
      write_string_attr(file, "feedback_delay", feedback_delay_name(r.delay));
      write_string_attr(file, "eta_schedule", eta_schedule_name(r.eta));
      write_scalar_attr<uint64_t>(file, "selector_seed", H5T_NATIVE_UINT64, r.seed);
      write_scalar_attr<int64_t>(file, "pool_size", H5T_NATIVE_INT64, r.members);
      write_scalar_attr<int32_t>(file, "scenarios", H5T_NATIVE_INT32, r.scenarios);
      write_scalar_attr<int32_t>(file, "rounds", H5T_NATIVE_INT32, r.rounds);
      write_string_attr(file, "backend", backend_name(r.run.backend));
      write_string_attr(file, "device", r.run.device);
      write_scalar_attr<int32_t>(file, "mpi_ranks", H5T_NATIVE_INT32, mpi::size());
    }
    write_scalar_attr<int32_t>(file, "opt_buckets", H5T_NATIVE_INT32, suite.opt_buckets);
    if (suite.opt_resolution > 0)  // OPT's step was Δ·H(N_min)/opt_resolution
      write_scalar_attr<int32_t>(file, "opt_resolution", H5T_NATIVE_INT32, suite.opt_resolution);
    write_summary(file, suite, runs, records);
    Handle group = make_group(file, "runs");
    for (size_t i = 0; i < runs.size(); ++i) {
      std::vector<const StressRecord*> mine;
      for (const StressRecord& r : records)
        if (r.summary.run == static_cast<int32_t>(i)) mine.push_back(&r);
      if (!mine.empty()) write_run(group, i, runs[i], mine);
    }
  });
}

}  // namespace spotsweep

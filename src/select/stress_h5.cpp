// The stress file (docs/stress.md): a summary table with one row per (run, seed), and one
// group per run holding its curves [seed][scenario][round] with the run's settings as
// attributes; written under a temporary name and renamed when complete.
#include "spotsweep/select/stress_h5.hpp"

#include <cstdio>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/h5.hpp"
#include "spotsweep/select/stress.hpp"
#include "spotsweep/version.hpp"

namespace spotsweep {

namespace {

using namespace h5;

std::string suite_text(const StressSuite& suite) {
  std::string text = "adversaries = [stationary";
  for (AdversaryKind k : suite.adversaries)
    text += std::string(", ") + adversary_name(k);
  text += "]\nseeds = [";
  for (size_t i = 0; i < suite.seeds.size(); ++i)
    text += (i ? ", " : "") + std::to_string(suite.seeds[i]);
  text += "]\nopt_buckets = " + std::to_string(suite.opt_buckets) + "\n";
  for (int32_t k = 0; k < kAdversaryKindCount; ++k)
    for (const StressParameter& p : suite.parameters[k]) {
      text += std::string(adversary_name(static_cast<AdversaryKind>(k))) + "." + p.key + " = [";
      for (size_t i = 0; i < p.values.size(); ++i)
        text += (i ? ", " : "") + p.values[i];
      text += "]\n";
    }
  return text;
}

std::string group_name(size_t index, const StressRun& run) {
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%03zu_", index);
  return std::string(prefix) + adversary_name(run.kind);
}

void write_summary(hid_t file, const std::vector<StressRun>& runs,
                   const std::vector<StressRecord>& records) {
  Handle group = make_group(file, "summary");
  const hsize_t N = records.size();
  std::vector<int32_t> run(N), worst_scenario(N), worst_round(N), max_ratio_scenario(N),
      max_ratio_round(N);
  std::vector<uint64_t> seed(N);
  std::vector<std::string> adversary(N), label(N), group_of(N);
  std::vector<double> worst_regret(N), bound_at_worst(N), ratio_at_worst(N), max_ratio(N),
      selector_utility(N), best_utility(N), opt_utility(N), selector_vs_best(N), selector_vs_opt(N),
      storm_share(N);
  for (hsize_t i = 0; i < N; ++i) {
    const StressSummary& s = records[i].summary;
    run[i] = s.run;
    seed[i] = s.seed;
    adversary[i] = adversary_name(runs[s.run].kind);
    label[i] = runs[s.run].label();
    group_of[i] = "/runs/" + group_name(s.run, runs[s.run]);
    worst_regret[i] = s.worst_regret;
    worst_scenario[i] = s.worst_scenario;
    worst_round[i] = s.worst_round;
    bound_at_worst[i] = s.bound_at_worst;
    ratio_at_worst[i] = s.ratio_at_worst;
    max_ratio[i] = s.max_ratio;
    max_ratio_scenario[i] = s.max_ratio_scenario;
    max_ratio_round[i] = s.max_ratio_round;
    selector_utility[i] = s.selector_utility;
    best_utility[i] = s.best_utility;
    opt_utility[i] = s.opt_utility;
    selector_vs_best[i] = s.selector_vs_best;
    selector_vs_opt[i] = s.selector_vs_opt;
    storm_share[i] = s.storm_share;
  }
  const Handle row_scale = index_scale(group, "row", N, 0, "row (one per run and seed)");
  auto column = [&](hid_t id, const char* name, const char* units) {
    Handle ds(id, H5Dclose, name);
    attach_scale(ds, row_scale, 0, "row");
    write_string_attr(ds, "units", units);
  };
  const hid_t f64 = H5T_NATIVE_DOUBLE, i32 = H5T_NATIVE_INT32;
  column(dataset(group, "run", i32, {N}, run.data()), "run", "index of the run (group order)");
  column(dataset(group, "seed", H5T_NATIVE_UINT64, {N}, seed.data()), "seed", "market seed");
  column(string_dataset(group, "adversary", {N}, adversary), "adversary", "name");
  column(string_dataset(group, "label", {N}, label), "label", "adversary and its settings");
  column(string_dataset(group, "group", {N}, group_of), "group", "HDF5 path of the run's curves");
  column(dataset(group, "worst_regret", f64, {N}, worst_regret.data()), "worst_regret", "USD");
  column(dataset(group, "worst_scenario", i32, {N}, worst_scenario.data()), "worst_scenario",
         "scenario index");
  column(dataset(group, "worst_round", i32, {N}, worst_round.data()), "worst_round",
         "round (1-based)");
  column(dataset(group, "bound_at_worst", f64, {N}, bound_at_worst.data()), "bound_at_worst",
         "USD");
  column(dataset(group, "ratio_at_worst", f64, {N}, ratio_at_worst.data()), "ratio_at_worst",
         "regret / bound");
  column(dataset(group, "max_ratio", f64, {N}, max_ratio.data()), "max_ratio",
         "max over scenarios and rounds of regret / bound");
  column(dataset(group, "max_ratio_scenario", i32, {N}, max_ratio_scenario.data()),
         "max_ratio_scenario", "scenario index");
  column(dataset(group, "max_ratio_round", i32, {N}, max_ratio_round.data()), "max_ratio_round",
         "round (1-based)");
  column(dataset(group, "selector_utility", f64, {N}, selector_utility.data()), "selector_utility",
         "USD, summed over scenarios and rounds");
  column(dataset(group, "best_utility", f64, {N}, best_utility.data()), "best_utility",
         "USD, best fixed member per scenario, summed");
  column(dataset(group, "opt_utility", f64, {N}, opt_utility.data()), "opt_utility",
         "USD, summed (NaN: OPT skipped)");
  column(dataset(group, "selector_vs_best", f64, {N}, selector_vs_best.data()), "selector_vs_best",
         "ratio");
  column(dataset(group, "selector_vs_opt", f64, {N}, selector_vs_opt.data()), "selector_vs_opt",
         "ratio");
  column(dataset(group, "storm_share", f64, {N}, storm_share.data()), "storm_share",
         "share of storm/trap slots (adaptive: of rounds played in the storm)");
}

void write_run(hid_t runs_group, size_t index, const StressRun& run,
               const std::vector<const StressRecord*>& mine) {
  Handle group = make_group(runs_group, group_name(index, run));
  write_string_attr(group, "adversary", adversary_name(run.kind));
  write_string_attr(group, "label", run.label());
  for (const auto& [key, value] : run.settings)
    write_string_attr(group, key.c_str(), value);
  const SelectResult& first = mine.front()->result;
  const hsize_t N = mine.size(), S = static_cast<hsize_t>(first.scenarios),
                T = static_cast<hsize_t>(first.rounds);
  std::vector<uint64_t> seeds;
  for (const StressRecord* r : mine)
    seeds.push_back(r->summary.seed);
  Handle seed(dataset(group, "seed", H5T_NATIVE_UINT64, {N}, seeds.data()), H5Dclose, "seed");
  check(H5DSset_scale(seed, "seed"), "make seed a dimension scale");
  const Handle scenario = index_scale(group, "scenario", S, 0, "scenario");
  const Handle round = index_scale(group, "round", T, 1, "round (1-based: rounds played)");

  auto curve = [&](const char* name, const char* units, auto member) {
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
    write_string_attr(ds, "units", units);
  };
  curve("regret", "USD", &SelectResult::regret);
  curve("regret_bound", "USD", &SelectResult::regret_bound);
  curve("sqrt_bound", "USD", &SelectResult::sqrt_bound);
  curve("expected_utility", "USD", &SelectResult::expected_utility);
  curve("selector_cumulative", "USD", &SelectResult::selector_cumulative);
  curve("best_cumulative", "USD", &SelectResult::best_cumulative);
  curve("best_member", "member index", &SelectResult::best_member);
  curve("leader", "member index", &SelectResult::leader);
  curve("leader_weight", "probability", &SelectResult::leader_weight);
  curve("opt_utility", "USD", &SelectResult::opt_utility);
  curve("regime", "adversary regime played (0 calm, 1 storm; 0 without an adaptive adversary)",
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
    write_string_attr(ds, "units", "USD");
  }
}

}  // namespace

void write_stress_h5(const std::string& path, const SweepConfig& config, const StressSuite& suite,
                     const std::vector<StressRun>& runs, const std::vector<StressRecord>& records) {
  OutputFile output(path, "--output");
  write_stress_h5(output, config, suite, runs, records);
}

void write_stress_h5(OutputFile& output, const SweepConfig& config, const StressSuite& suite,
                     const std::vector<StressRun>& runs, const std::vector<StressRecord>& records) {
  h5::write_file_atomically(output, [&](hid_t file) {
    write_string_attr(file, "config", config_to_toml(config));
    write_string_attr(file, "suite", suite_text(suite));
    write_string_attr(file, "spotsweep_version", SPOTSWEEP_VERSION);
    if (!records.empty()) {
      const SelectResult& r = records.front().result;
      write_string_attr(file, "feedback", feedback_name(r.feedback));
      write_string_attr(file, "eta_schedule", eta_schedule_name(r.eta));
      write_scalar_attr<uint64_t>(file, "selector_seed", H5T_NATIVE_UINT64, r.seed);
      write_scalar_attr<int64_t>(file, "pool_size", H5T_NATIVE_INT64, r.members);
      write_scalar_attr<int32_t>(file, "scenarios", H5T_NATIVE_INT32, r.scenarios);
      write_scalar_attr<int32_t>(file, "rounds", H5T_NATIVE_INT32, r.rounds);
      write_string_attr(file, "backend", backend_name(r.run.backend));
      write_string_attr(file, "device", r.run.device);
    }
    write_scalar_attr<int32_t>(file, "opt_buckets", H5T_NATIVE_INT32, suite.opt_buckets);
    write_summary(file, runs, records);
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

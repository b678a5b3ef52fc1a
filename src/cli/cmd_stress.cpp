// `spotsweep stress`: the online selector against a suite of adversarial markets and seeds,
// with the stationary market as the control (docs/stress.md).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/mpi.hpp"
#include "spotsweep/select/select_h5.hpp"
#include "spotsweep/select/stress.hpp"
#include "spotsweep/select/stress_h5.hpp"

#include "commands.hpp"
#include "progress.hpp"

namespace spotsweep::cli {

namespace {

std::string stress_help_footer() {
  std::string text =
      "Adversaries (docs/stress.md) and their parameters, default in parentheses. Set them in\n"
      "[stress.<adversary>] tables of the sweep file (an array sweeps its values) or with\n"
      "--param <adversary>.<key>=v1,v2,... Every market also takes tick_seconds, capacity and\n"
      "od_price; n_slots follows [workload] (scenario windows back to back, one draw per seed).\n";
  for (int32_t k = 0; k < kAdversaryKindCount; ++k) {
    const AdversaryKind kind = static_cast<AdversaryKind>(k);
    text += std::string("\n") + adversary_name(kind) +
            (kind == AdversaryKind::stationary ? " (always run, the control)" : "") + ":\n" +
            adversary_parameter_help(kind);
  }
  return text;
}

// One row per run (worst over its seeds), then the stationary control's max ratio beside
// each adversary's.
// A run's label with only the swept settings (the fixed ones are the same on every row).
std::string short_label(const StressSuite& suite, const StressRun& run) {
  std::string text = adversary_name(run.kind);
  for (const auto& [key, value] : run.settings)
    for (const StressParameter& p : suite.parameters[static_cast<int32_t>(run.kind)])
      if (p.key == key && p.values.size() > 1) text += " " + key + "=" + value;
  return text;
}

void print_stress_table(const StressSuite& suite, const std::vector<StressRun>& runs,
                        const std::vector<StressRecord>& records) {
  std::printf(
      "one row per setting, worst over its seeds (every setting of a row: /runs/*/label)\n");
  std::printf("%-40s %5s %11s %7s %6s %9s %8s %8s %6s %10s %10s %10s\n", "adversary", "seeds",
              "worst_USD", "/bound", "round", "max_r/b", "sel/best", "sel/OPT", "storm", "regret_T",
              "uniform_T", "ftl_T");
  double stationary_ratio = 0.0;
  for (size_t i = 0; i < runs.size(); ++i) {
    const StressSummary* worst = nullptr;
    double max_ratio = -1e300, vs_best = 0.0, vs_opt = 0.0, storm = 0.0, regret = 0.0,
           uniform = 0.0, ftl = 0.0;
    int32_t seeds = 0;
    for (const StressRecord& r : records) {
      if (r.summary.run != static_cast<int32_t>(i)) continue;
      const StressSummary& s = r.summary;
      if (!worst || s.worst_regret > worst->worst_regret) worst = &s;
      max_ratio = std::max(max_ratio, s.max_ratio);
      vs_best += s.selector_vs_best;
      vs_opt += s.selector_vs_opt;
      storm += s.storm_share;
      regret += s.final_regret;
      uniform += s.final_uniform_regret;
      ftl += s.final_ftl_regret;
      ++seeds;
    }
    if (!worst) continue;
    if (runs[i].kind == AdversaryKind::stationary)
      stationary_ratio = std::max(stationary_ratio, max_ratio);
    std::string label = short_label(suite, runs[i]);
    if (label.size() > 40) label = label.substr(0, 37) + "...";
    std::printf("%-40s %5d %11.2f %7.3f %6d %9.3f %8.4f %8.4f %6.3f %10.2f %10.2f %10.2f\n",
                label.c_str(), seeds, worst->worst_regret, worst->ratio_at_worst,
                worst->worst_round, max_ratio, vs_best / seeds, vs_opt / seeds, storm / seeds,
                regret / seeds, uniform / seeds, ftl / seeds);
  }
  std::printf(
      "\nper adversary: largest max regret/bound over its settings and seeds, against stationary's "
      "%.3f\n",
      stationary_ratio);
  for (int32_t k = 1; k < kAdversaryKindCount; ++k) {
    double best = -1.0;
    std::string label;
    for (const StressRecord& r : records)
      if (static_cast<int32_t>(runs[r.summary.run].kind) == k && r.summary.max_ratio > best) {
        best = r.summary.max_ratio;
        label =
            short_label(suite, runs[r.summary.run]) + ", seed " + std::to_string(r.summary.seed);
      }
    if (best < 0.0) continue;
    std::printf("  %-14s %7.3f (x%.2f)  %s\n", adversary_name(static_cast<AdversaryKind>(k)), best,
                stationary_ratio > 0 ? best / stationary_ratio : 0.0, label.c_str());
  }
}

}  // namespace

void add_stress_command(CLI::App& app) {
  struct StressArgs {
    std::string pool_path, output, learner, feedback, delay, eta, png, title;
    ExecArgs exec;
    std::vector<std::string> adversaries, params;
    std::vector<uint64_t> seeds;
    int32_t opt_buckets = 0, opt_resolution = 0;
  };
  auto args = std::make_shared<StressArgs>();
  auto* cmd = app.add_subcommand("stress",
                                 "Run the online selector against adversarial markets: worst "
                                 "regret against its bound, per adversary");
  path_option(cmd->add_option("--pool", args->pool_path,
                              "Suite file: [pool.*], [job], [workload] (scenarios, rounds, "
                              "round_stride, seed; no trace), optional [select] and [stress] / "
                              "[stress.<adversary>] tables; default: the --config file"));
  path_option(cmd->add_option("--output", args->output, "HDF5 file to write (docs/stress.md)"))
      ->required();
  path_option(cmd->add_option("--png", args->png,
                              "Also draw regret and regret/bound by round for every setting, "
                              "with seed bands (experiments/plot_stress.py)"));
  cmd->add_option("--title", args->title, "Title of the --png figure");
  cmd->add_option(
         "--adversaries", args->adversaries,
         "Adversaries to run besides stationary: regime_flip, deadline_trap, poisoning, adaptive "
         "(default [stress] adversaries, else all)")
      ->delimiter(',');
  cmd->add_option("--param", args->params,
                  "<adversary>.<key>=v1,v2,...: set or sweep a parameter (repeatable; overrides "
                  "[stress.<adversary>])");
  cmd->add_option("--seeds", args->seeds,
                  "Market seeds, e.g. 1,2,3 (default [stress] seeds, else 1)")
      ->delimiter(',');
  cmd->add_option("--opt-buckets", args->opt_buckets,
                  "OPT progress buckets per job, for the utility against OPT; 0 skips OPT (default "
                  "[stress] or 256)");
  cmd->add_option("--opt-resolution", args->opt_resolution,
                  "OPT's progress step is tick * H(N_min) / M instead of L / buckets: exact on "
                  "full slots when beta = 0 (docs/model.md section 5); 0 = use --opt-buckets "
                  "(default [stress] or 0)");
  add_learner_options(*cmd, args->learner, args->feedback, args->delay, args->eta);
  add_exec_options(*cmd, args->exec);
  cmd->footer(stress_help_footer());
  cmd->callback([args, cmd] {
    const std::string pool_path = args->pool_path.empty() ? config_file() : args->pool_path;
    const TomlDocument doc = read_pool_file(args->pool_path, "suite file");
    const SweepConfig config = parse_stress_sweep_config(doc);
    refuse_scenario_axes(config, "stress");
    StressSuite suite;
    suite.adversaries = all_adversaries();
    read_stress_suite(doc, suite);
    if (!args->adversaries.empty()) {
      suite.adversaries.clear();
      for (const std::string& name : args->adversaries) {
        const AdversaryKind kind = parse_adversary(name, "", "--adversaries");
        if (kind != AdversaryKind::stationary) suite.adversaries.push_back(kind);
      }
    }
    for (const std::string& p : args->params)
      set_stress_parameter(suite, p);
    if (!args->seeds.empty()) suite.seeds = args->seeds;
    if (cmd->count("--opt-buckets") > 0) {  // given: overrides [stress] opt_buckets
      check_at_least("--opt-buckets", args->opt_buckets, 0);
      suite.opt_buckets = args->opt_buckets;
    }
    if (cmd->count("--opt-resolution") > 0) {  // given: overrides [stress] opt_resolution
      check_at_least("--opt-resolution", args->opt_resolution, 0);
      suite.opt_resolution = args->opt_resolution;
    }
    SelectOptions options;
    options.seed = config.seed;
    read_select_options(select_table_only(doc), options);
    apply_learner_args(options, args->learner, args->feedback, args->delay, args->eta);
    options.exec = selector_exec_options(args->exec);
    if (config.pool.size < 2)
      throw input_error(pool_path, "pool", std::to_string(config.pool.size),
                        "selection needs at least 2 members");
    const std::unique_ptr<OutputFile> output =
        reserve_output(args->output, "--output", {pool_path});
    if (!args->png.empty()) {
      check_png_output(args->png, plot_script("plot_stress.py"));
      check_png_target(args->png, {{args->output, "--output"}}, {pool_path});
    }
    check_select_options(options);

    const std::vector<StressRun> runs = expand_stress_runs(suite);
    check_stress_runs(config, runs, suite, options);  // one error line, before the announcement
    // Under MPI every rank runs each selection on its blocks of members (docs/mpi.md); rank 0
    // alone reports and writes.
    const bool root = mpi::is_root();
    if (root)
      std::cerr << "stress: " << runs.size() << " market settings x " << suite.seeds.size()
                << " seeds, " << config.pool.size << " members x " << config.workload.scenarios
                << " scenarios x " << config.workload.rounds << " rounds, "
                << describe_learner(options)
                << (mpi::size() > 1 ? ", on " + std::to_string(mpi::size()) + " MPI ranks" : "")
                << "\n";
    ProgressReport progress("stress", "runs");
    StressProgress report;
    if (root) report = [&progress](int32_t done, int32_t total) { progress.update(done, total); };
    const std::vector<StressRecord> records = run_stress(config, runs, suite, options, report);
    write_select_h5_ranks([&] { write_stress_h5(*output, config, suite, runs, records); });
    if (!root) return;
    print_stress_table(suite, runs, records);
    double seconds = 0.0;
    for (const StressRecord& r : records)
      seconds += r.result.run.seconds;
    std::printf("wrote %s: %zu runs, selector time %.2f s on %s\n", args->output.c_str(),
                records.size(), seconds,
                records.empty() ? "-" : records.front().result.run.device.c_str());
    if (!args->png.empty()) {
      std::vector<std::string> extra;
      if (!args->title.empty()) extra = {"--title", args->title};
      render_png(plot_script("plot_stress.py"), args->output, args->png, extra);
      std::printf("wrote %s\n", args->png.c_str());
    }
  });
}

}  // namespace spotsweep::cli

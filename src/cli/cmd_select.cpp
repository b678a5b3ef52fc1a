// `spotsweep select`: online selection over a sweep file's pool, one learner per scenario,
// T = the workload's rounds (docs/select.md).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/mpi.hpp"
#include "spotsweep/model/limits.hpp"
#include "spotsweep/select/select.hpp"
#include "spotsweep/select/select_h5.hpp"

#include "commands.hpp"
#include "progress.hpp"

namespace spotsweep::cli {

namespace {

// The closing summary: final regret against its bound and against the baselines' regrets
// (uniform mixture, follow the leader) per scenario, and the selector's and the best member's
// cumulative utility against OPT's; then the sums over scenarios, and a warning when the weights
// are still close to uniform.
void print_select_summary(const SweepPlan& plan, const SelectResult& result) {
  const int32_t last = result.rounds - 1;
  double selector = 0, best = 0, regret_sum = 0, bound_sum = 0, uniform_sum = 0, ftl_sum = 0;
  double opt_upper = 0, least_weight = 1, most_entropy = 0;
  std::printf("%-8s %13s %13s %11s %11s %8s %11s %11s %8s %8s  %s\n", "scenario", "selector_USD",
              "best_USD", "regret_USD", "bound_USD", "/bound", "uniform_USD", "ftl_USD", "vs_OPT",
              "best/OPT", "most weight (final)");
  for (int32_t s = 0; s < result.scenarios; ++s) {
    const double regret = result.at(result.regret, s, last);
    const double bound = result.at(result.regret_bound, s, last);
    const int64_t top = result.top_member[static_cast<size_t>(s) * result.top_k];
    std::printf("%-8d %13.2f %13.2f %11.2f %11.2f %8.3f %11.2f %11.2f %8.4f %8.4f  %.3f %s\n", s,
                result.at(result.selector_cumulative, s, last),
                result.at(result.best_cumulative, s, last), regret, bound,
                bound > 0 ? regret / bound : 0.0, result.at(result.uniform_regret, s, last),
                result.at(result.ftl_regret, s, last), result.at(result.selector_ratio, s, last),
                result.at(result.best_ratio, s, last),
                result.top_weight[static_cast<size_t>(s) * result.top_k],
                plan.pool.describe_member_text(top).c_str());
    selector += result.at(result.selector_cumulative, s, last);
    best += result.at(result.best_cumulative, s, last);
    regret_sum += regret;
    bound_sum += bound;
    uniform_sum += result.at(result.uniform_regret, s, last);
    ftl_sum += result.at(result.ftl_regret, s, last);
    least_weight = std::min(least_weight, result.top_weight[static_cast<size_t>(s) * result.top_k]);
    most_entropy = std::max(most_entropy, result.at(result.entropy, s, last));
    for (int32_t r = 0; r < result.rounds; ++r)
      opt_upper += result.at(result.opt_upper, s, r);
  }
  const double vs_opt = opt_upper > 0 ? selector / opt_upper : NAN;
  std::printf(
      "%-8s %13.2f %13.2f %11.2f %11.2f %8.3f %11.2f %11.2f %8.4f %8.4f  (sums over %d "
      "scenarios)\n",
      "all", selector, best, regret_sum, bound_sum, bound_sum > 0 ? regret_sum / bound_sum : 0.0,
      uniform_sum, ftl_sum, vs_opt, opt_upper > 0 ? best / opt_upper : NAN, result.scenarios);
  if (result.opt_buckets > 0)
    std::printf("%s\n",
                describe_opt_precision(result.opt_precision,
                                       opt_lattice_text(result.opt_buckets, result.opt_resolution))
                    .c_str());
  // Concentrated: in every scenario one member holds at least half of the final weight.
  const double uniform = std::log(static_cast<double>(result.members));
  if (least_weight < 0.5)
    std::printf(
        "warning: the weights have not concentrated: in %s the heaviest member holds only %.3g of "
        "the final weight (entropy %.3g nats, ln K = %.3g for the uniform mixture); the selector "
        "still plays a broad mixture, so its choice is not settled: run more rounds (T) before "
        "reading it\n",
        result.scenarios > 1 ? "some scenario" : "the scenario", least_weight, most_entropy,
        uniform);
}

}  // namespace

void add_select_command(CLI::App& app) {
  struct SelectArgs {
    std::string pool_path, output, learner, feedback, delay, eta, png, title;
    std::vector<double> utility_range;
    ExecArgs exec;
    uint64_t seed = 0, selector_seed = 0;
    int32_t opt_buckets = 256, opt_resolution = 0, top_k = 0;
  };
  auto args = std::make_shared<SelectArgs>();
  auto* cmd = app.add_subcommand("select",
                                 "Online policy selection over a pool: a learner per scenario "
                                 "(AdaHedge, FlipFlop, Hedge, EXP3), regret against baselines "
                                 "and its bound, into HDF5");
  path_option(cmd->add_option("--pool", args->pool_path,
                              "Sweep file: [pool.*], [workload] (rounds = T), [job], optional "
                              "[select] (docs/select.md); default: the --config file"));
  path_option(cmd->add_option("--output", args->output, "HDF5 file to write (docs/select.md)"))
      ->required();
  path_option(cmd->add_option("--png", args->png,
                              "Also draw the regret against its bound and the weights "
                              "(experiments/plot_select.py)"));
  cmd->add_option("--title", args->title, "Title of the --png figure");
  cmd->add_option("--utility-range", args->utility_range,
                  "LOW,HIGH: the utility range of the learners that scale utilities, USD "
                  "(default: a priori, docs/select.md)")
      ->delimiter(',')
      ->expected(2);
  add_learner_options(*cmd, args->learner, args->feedback, args->delay, args->eta);
  auto* top_k =
      cmd->add_option("--top-k", args->top_k,
                      "Members reported by final weight per scenario (default [select] or 10)");
  auto* seed = cmd->add_option("--seed", args->seed,
                               "Seed of the job draws and forecasts (overrides [workload] seed)");
  auto* selector_seed = cmd->add_option(
      "--selector-seed", args->selector_seed,
      "Seed of the played-member draws (default [select] seed, else the workload seed)");
  cmd->add_option("--opt-buckets", args->opt_buckets,
                  "OPT progress buckets per job, for the competitive ratios; 0 skips OPT")
      ->capture_default_str();
  cmd->add_option("--opt-resolution", args->opt_resolution,
                  "OPT's progress step is tick * H(N_min) / M instead of L / buckets: exact on "
                  "full slots when beta = 0 (docs/model.md section 5); 0 = use --opt-buckets");
  add_exec_options(*cmd, args->exec);
  cmd->callback([args, seed, selector_seed, top_k] {
    const std::string pool_path = args->pool_path.empty() ? config_file() : args->pool_path;
    const TomlDocument doc = read_pool_file(args->pool_path, "sweep file");
    SweepConfig config = parse_sweep_config(doc);
    refuse_scenario_axes(config, "select");
    if (seed->count() > 0) config.seed = args->seed;
    SelectOptions options;
    options.seed = config.seed;
    read_select_options(select_table_only(doc), options);
    if (!args->utility_range.empty()) {
      const std::string given =
          format_number(args->utility_range[0]) + "," + format_number(args->utility_range[1]);
      if (!(args->utility_range[1] > args->utility_range[0]))
        throw input_error("command line", "--utility-range", given, "needs LOW < HIGH");
      // As [select] utility_range: rewards are (u − low)/(high − low), and no utility lies
      // beyond ±3e37 USD (docs/reliability.md, "Limits").
      const double limit = 10.0 * kMaxUsd;
      if (!(args->utility_range[0] >= -limit && args->utility_range[1] <= limit))
        throw input_error("command line", "--utility-range", given,
                          "each bound must be within ±1e38 USD (no utility lies outside, and the "
                          "width must stay finite)");
      options.given_range = true;
      options.utility_range = UtilityRange{args->utility_range[0], args->utility_range[1]};
    }
    apply_learner_args(options, args->learner, args->feedback, args->delay, args->eta);
    if (top_k->count() > 0) {
      if (args->top_k < 1 || args->top_k > 1000)
        throw input_error("", "--top-k", std::to_string(args->top_k), "must be in [1, 1000]");
      options.top_k = args->top_k;
    }
    if (selector_seed->count() > 0) options.seed = args->selector_seed;
    check_at_least("--opt-buckets", args->opt_buckets, 0);
    check_at_least("--opt-resolution", args->opt_resolution, 0);
    options.exec = selector_exec_options(args->exec);
    // Reserved now: a bad path, or one of the inputs, is refused before anything runs.
    const std::vector<std::string> inputs = {pool_path, config.workload.trace_path,
                                             config.workload.forecast_trace_path};
    const std::unique_ptr<OutputFile> output = reserve_output(args->output, "--output", inputs);
    if (!args->png.empty()) {
      check_png_output(args->png, plot_script("plot_select.py"));
      check_png_target(args->png, {{args->output, "--output"}}, inputs);
    }
    const SweepPlan plan = make_plan(config);
    if (plan.pool.size < 2)
      throw input_error(pool_path, "pool", std::to_string(plan.pool.size),
                        "selection needs at least 2 members");
    selector_scenarios(plan, options);  // bad options are one error line, before any output
    // Before the run: every job's lattice and OPT's host memory.
    check_opt_table(plan, args->opt_buckets, options.exec.threads, args->opt_resolution);
    // Under MPI every rank runs the selector on its blocks of members (docs/mpi.md); rank 0
    // alone reports and writes.
    const bool root = mpi::is_root();
    if (root) {
      std::cerr << "select: " << plan.pool.size << " members x " << plan.scenarios.count
                << " scenarios x " << plan.rounds << " rounds, " << describe_learner(options);
      if (mpi::size() > 1) std::cerr << ", on " << mpi::size() << " MPI ranks";
      if (args->opt_buckets > 0)
        std::cerr << "; then OPT for " << plan.jobs_per_member() << " jobs, "
                  << opt_lattice_text(args->opt_buckets, args->opt_resolution)
                  << (mpi::size() > 1 ? ", split across the ranks" : "");
      std::cerr << "\n";
    }
    ProgressReport progress("select", "rounds");
    RoundProgress report;
    if (root) report = [&progress](int32_t done, int32_t total) { progress.update(done, total); };
    const SelectResult result =
        run_selection(plan, options, args->opt_buckets, report, args->opt_resolution);
    std::string options_table = result.options_toml;
    options_table += "opt_buckets = " + std::to_string(args->opt_buckets) + "\n";
    // Only when given: the stored configuration of a run without it stays as it was.
    if (args->opt_resolution > 0)
      options_table += "opt_resolution = " + std::to_string(args->opt_resolution) + "\n";
    write_select_h5_ranks(
        [&] { write_select_h5(*output, plan, result, plan.config_toml + "\n" + options_table); });
    if (!root) return;
    if (mpi::size() > 1)
      std::printf("MPI: %d ranks, %lld bytes gathered by rank 0 in round 1, %lld in all\n",
                  mpi::size(), static_cast<long long>(result.run.gathered_bytes_first_round),
                  static_cast<long long>(result.run.gathered_bytes));
    print_select_summary(plan, result);
    const double steps = static_cast<double>(result.run.policy_slot_steps);
    std::printf("wrote %s: %lld policy-slot steps in %.2f s (%.3g steps/s) on %s [%s]\n",
                args->output.c_str(), static_cast<long long>(result.run.policy_slot_steps),
                result.run.seconds, steps / std::max(result.run.seconds, 1e-9),
                result.run.device.c_str(), backend_name(result.run.backend));
    std::printf("memory peaks: host %s, device %s\n", mib(host_peak_bytes()).c_str(),
                mib(result.run.device_peak_bytes).c_str());
    if (result.run.rewards_clamped > 0)
      std::printf(
          "note: %lld of the utilities fell outside [select] utility_range and were clamped; "
          "the regret bound holds for the clamped rewards only\n",
          static_cast<long long>(result.run.rewards_clamped));
    if (!args->png.empty()) {
      std::vector<std::string> extra;
      if (!args->title.empty()) extra = {"--title", args->title};
      render_png(plot_script("plot_select.py"), args->output, args->png, extra);
      std::printf("wrote %s\n", args->png.c_str());
    }
  });
}

}  // namespace spotsweep::cli

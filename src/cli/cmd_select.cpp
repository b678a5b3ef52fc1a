// `spotsweep select`: online selection (Hedge or EXP3) over a sweep file's pool, one selector
// per scenario, T = the workload's rounds (docs/select.md).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/select/select.hpp"
#include "spotsweep/select/select_h5.hpp"

#include "commands.hpp"
#include "progress.hpp"

namespace spotsweep::cli {

namespace {

// The closing summary: final regret against its bound per scenario, and the selector's
// cumulative utility against the best member's and OPT's.
void print_select_summary(const SweepPlan& plan, const SelectResult& result) {
  const int32_t last = result.rounds - 1;
  std::printf("%-8s %14s %14s %14s %8s %10s %10s  %s\n", "scenario", "selector_USD", "best_USD",
              "regret_USD", "/bound", "vs_OPT", "best/OPT", "most weight (final)");
  for (int32_t s = 0; s < result.scenarios; ++s) {
    const double regret = result.at(result.regret, s, last);
    const double bound = result.at(result.regret_bound, s, last);
    const int64_t top = result.top_member[static_cast<size_t>(s) * result.top_k];
    std::printf("%-8d %14.2f %14.2f %14.2f %8.3f %10.4f %10.4f  %.3f %s\n", s,
                result.at(result.selector_cumulative, s, last),
                result.at(result.best_cumulative, s, last), regret,
                bound > 0 ? regret / bound : 0.0, result.at(result.selector_ratio, s, last),
                result.at(result.best_ratio, s, last),
                result.top_weight[static_cast<size_t>(s) * result.top_k],
                plan.pool.describe_member(top).c_str());
  }
}

}  // namespace

void add_select_command(CLI::App& app) {
  struct SelectArgs {
    std::string pool_path, output, feedback, eta;
    ExecArgs exec;
    uint64_t seed = 0, selector_seed = 0;
    int32_t opt_buckets = 256, top_k = 0;
  };
  auto args = std::make_shared<SelectArgs>();
  auto* cmd = app.add_subcommand("select",
                                 "Online policy selection over a pool: Hedge (or EXP3) per "
                                 "scenario, regret and its bound, into HDF5");
  cmd->add_option(
         "--pool", args->pool_path,
         "Sweep file: [pool.*], [workload] (rounds = T), [job], optional [select] (docs/select.md)")
      ->required();
  cmd->add_option("--output", args->output, "HDF5 file to write (docs/select.md)")->required();
  cmd->add_option("--feedback", args->feedback,
                  "full (Hedge, every member observed) or bandit (EXP3); default [select] or full");
  cmd->add_option(
      "--eta", args->eta,
      "fixed: sqrt(8 ln K / T), or anytime: sqrt(8 ln K / r); default [select] or fixed");
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
  add_exec_options(*cmd, args->exec);
  cmd->callback([args, seed, selector_seed, top_k] {
    const TomlDocument doc = read_toml_file(args->pool_path);  // read once: the sweep and [select]
    SweepConfig config = parse_sweep_config(doc);
    if (seed->count() > 0) config.seed = args->seed;
    SelectOptions options;
    options.seed = config.seed;
    read_select_options(doc, options);
    if (!args->feedback.empty())
      options.feedback = parse_feedback("command line", args->feedback, "--feedback");
    if (!args->eta.empty()) options.eta = parse_eta_schedule("command line", args->eta, "--eta");
    if (top_k->count() > 0) {
      if (args->top_k < 1 || args->top_k > 1000)
        throw input_error("", "--top-k", std::to_string(args->top_k), "must be in [1, 1000]");
      options.top_k = args->top_k;
    }
    if (selector_seed->count() > 0) options.seed = args->selector_seed;
    check_at_least("--opt-buckets", args->opt_buckets, 0);
    options.exec = exec_options(args->exec);
    // Reserved now: a bad path, or one of the inputs, is refused before anything runs.
    OutputFile output(
        args->output, "--output",
        {args->pool_path, config.workload.trace_path, config.workload.forecast_trace_path});

    const SweepPlan plan = make_plan(config);
    if (plan.pool.size < 2)
      throw input_error(args->pool_path, "pool", std::to_string(plan.pool.size),
                        "selection needs at least 2 members");
    selector_scenarios(plan, options);  // bad options are one error line, before any output
    check_opt_table(plan, args->opt_buckets, options.exec.threads);  // before the run
    std::cerr << "select: " << plan.pool.size << " members x " << plan.scenarios.count
              << " scenarios x " << plan.rounds << " rounds, " << feedback_name(options.feedback)
              << " feedback, " << eta_schedule_name(options.eta) << " eta";
    if (args->opt_buckets > 0)
      std::cerr << "; then OPT for " << plan.jobs_per_member() << " jobs, " << args->opt_buckets
                << " progress buckets";
    std::cerr << "\n";
    ProgressReport progress("select");
    const SelectResult result =
        run_selection(plan, options, args->opt_buckets,
                      [&progress](int32_t done, int32_t total) { progress.update(done, total); });
    write_select_h5(output, plan, result);
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
  });
}

}  // namespace spotsweep::cli

// `spotsweep cbl`: replays the Can't Be Late benchmark (docs/cbl.md) on the CPU or the GPU and
// writes one row per run, with a summary of mean costs and the ADRS test score on stdout.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/tools/cbl.hpp"

#include "commands.hpp"

namespace spotsweep::cli {

namespace {

// "52,70,92" as positive numbers; a one-line error naming the option and the bad item.
std::vector<double> parse_hours_list(const std::string& text, const std::string& option) {
  std::vector<double> values;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    double v = 0.0;
    size_t used = 0;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size())
      throw input_error("command line", option, item.empty() ? "\"\"" : item,
                        "not a number (hours)");
    if (!(v >= 0.0) || !std::isfinite(v))
      throw input_error("command line", option, item, "must be a finite number of hours >= 0");
    values.push_back(v);
  }
  if (values.empty())
    throw input_error("command line", option, text, "expected a comma-separated list");
  return values;
}

}  // namespace

void add_cbl_command(CLI::App& app) {
  struct CblArgs {
    std::string windows, traces, deadlines = "52,70,92", overheads = "0.02,0.2,0.4",
                                 policies = "greedy,uniform_progress,on_demand,only_spot", out;
    double task_h = kCblTaskHours;
    ExecArgs exec;
  };
  auto args = std::make_shared<CblArgs>();
  auto* cmd = app.add_subcommand(
      "cbl", "Replay the Can't Be Late benchmark (ADRS windows x deadline/overhead settings)");
  path_option(
      cmd->add_option(
          "--windows", args->windows,
          "Windows CSV: env,window_id,start_tick,end_tick (derived/adrs_cant_be_late_windows.csv)"))
      ->required();
  path_option(cmd->add_option(
                  "--traces", args->traces,
                  "Folder of skypilot-org <env>.json traces (availability/1-node/aws-10-26-2022)"))
      ->required();
  cmd->add_option("--deadlines", args->deadlines, "Deadlines, hours, comma-separated")
      ->capture_default_str();
  cmd->add_option("--overheads", args->overheads, "Restart overheads, hours, comma-separated")
      ->capture_default_str();
  cmd->add_option("--policies", args->policies,
                  "greedy, uniform_progress, on_demand, only_spot, comma-separated")
      ->capture_default_str();
  cmd->add_option("--task-hours", args->task_h, "Job length, hours")->capture_default_str();
  add_exec_options(*cmd, args->exec);
  path_option(cmd->add_option("--out", args->out, "Results CSV, one row per run"))->required();
  cmd->callback([args] {
    const ExecOptions exec = exec_options(args->exec);
    // Reserved now: a bad path, or the windows file, is refused before anything runs.
    OutputFile output(args->out, "--out", {args->windows});
    if (!(args->task_h > 0.0))
      throw input_error("command line", "--task-hours", format_number(args->task_h),
                        "must be positive");
    const std::vector<double> deadlines = parse_hours_list(args->deadlines, "--deadlines");
    const std::vector<double> overheads = parse_hours_list(args->overheads, "--overheads");
    std::vector<CblSetting> settings;
    for (double d : deadlines)
      for (double o : overheads)
        settings.push_back({d, o});
    std::vector<CblPolicy> policies;
    std::istringstream in(args->policies);
    std::string name;
    while (std::getline(in, name, ',')) {
      policies.push_back(parse_cbl_policy(name, "command line", "--policies"));
      if (name != policies.back().name)
        std::fprintf(stderr, "cbl: note: %s is an older spelling of %s\n", name.c_str(),
                     policies.back().name);
    }
    if (policies.empty())
      throw input_error("command line", "--policies", args->policies,
                        "expected a comma-separated list");

    const std::vector<CblWindow> windows = read_cbl_windows(args->windows);
    const CblReplay replay =
        make_cbl_replay(windows, args->windows, args->traces, settings, policies, args->task_h);
    const CblRuns runs = run_cbl_replay(replay, exec);
    write_cbl_csv(output, replay, runs);

    const size_t n_runs = runs.outcomes.size();
    std::printf(
        "Can't Be Late replay: %zu windows x %zu settings x %zu policies = %zu runs, "
        "%lld ticks in %.3f s on %s [%s]: %.4g runs/s, %.4g ticks/s\n",
        replay.windows.size(), settings.size(), policies.size(), n_runs,
        static_cast<long long>(runs.ticks), runs.seconds, runs.device.c_str(),
        backend_name(runs.backend), n_runs / std::max(runs.seconds, 1e-9),
        runs.ticks / std::max(runs.seconds, 1e-9));
    std::ostringstream summary;
    print_cbl_summary(summary, replay, runs);
    std::cout << "\n" << summary.str();
    std::printf("\nwrote %s\n", args->out.c_str());
  });
}

}  // namespace spotsweep::cli

// `spotsweep sweep --pool SWEEP.toml --output OUT.h5`: a policy pool on many scenarios and
// rounds, into one HDF5 file (docs/sweep.md, docs/hdf5-layout.md).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/sweep/opt.hpp"
#include "spotsweep/sweep/plan.hpp"
#include "spotsweep/sweep/sweep.hpp"
#include "spotsweep/sweep/sweep_h5.hpp"

#include "commands.hpp"
#include "progress.hpp"

namespace spotsweep::cli {

void add_sweep_command(CLI::App& app) {
  struct SweepArgs {
    std::string pool_path, output;
    ExecArgs exec;
    uint64_t seed = 0;
    int32_t opt_buckets = 256;
    std::vector<int64_t> trace_members;
    bool per_scenario = false;
  };
  auto args = std::make_shared<SweepArgs>();
  auto* cmd = app.add_subcommand(
      "sweep", "Evaluate a policy pool on many scenarios and rounds into one HDF5 file");
  cmd->add_option("--pool", args->pool_path,
                  "Sweep file: [pool.*], [workload], [job] (docs/sweep.md)")
      ->required();
  cmd->add_option("--output", args->output, "HDF5 file to write (docs/hdf5-layout.md)")->required();
  auto* seed =
      cmd->add_option("--seed", args->seed, "Seed of the job draws (overrides [workload] seed)");
  cmd->add_option("--opt-buckets", args->opt_buckets, "OPT progress buckets per job; 0 skips OPT")
      ->capture_default_str();
  cmd->add_option("--trace-members", args->trace_members,
                  "Members whose every outcome is kept, e.g. 0,5,17")
      ->delimiter(',');
  add_exec_options(*cmd, args->exec);
  cmd->add_flag("--per-scenario", args->per_scenario,
                "Also write utility, cost and miss rate per (member, scenario)");
  cmd->callback([args, seed] {
    SweepConfig config = load_sweep_config(args->pool_path);
    if (seed->count() > 0) config.seed = args->seed;
    check_at_least("--opt-buckets", args->opt_buckets, 0);
    SweepOptions options;
    options.exec = exec_options(args->exec);
    // Reserved now: a bad path, or one of the inputs, is refused before anything runs.
    OutputFile output(
        args->output, "--output",
        {args->pool_path, config.workload.trace_path, config.workload.forecast_trace_path});
    const SweepPlan plan = make_plan(config);
    options.trace_members = args->trace_members;
    options.per_scenario = args->per_scenario;
    check_trace_members(plan, options.trace_members);
    // Limits and memory before the sweep runs, not after it.
    check_sweep_host_memory(plan, options);
    check_opt_table(plan, args->opt_buckets, options.exec.threads);
    std::cerr << "sweep: " << plan.pool.size << " members x " << plan.scenarios.count
              << " scenarios x " << plan.rounds << " rounds\n";
    ProgressReport progress("sweep");
    const SweepResult result = run_sweep(
        plan, options, [&progress](int64_t done, int64_t total) { progress.update(done, total); });
    if (args->opt_buckets > 0)
      std::cerr << "sweep: OPT for " << plan.jobs_per_member() << " jobs, " << args->opt_buckets
                << " progress buckets\n";
    const OptTable opt = compute_opt_table(plan, args->opt_buckets, options.exec.threads);
    write_sweep_h5(output, plan, result, opt);
    int64_t best = 0;
    for (int64_t m = 1; m < result.members; ++m)
      if (result.stat(m, Stat::utility_mean) > result.stat(best, Stat::utility_mean)) best = m;
    std::printf(
        "wrote %s: %lld members, %lld policy-slot steps in %.2f s (%.3g steps/s) on %s [%s]\n",
        args->output.c_str(), static_cast<long long>(result.members),
        static_cast<long long>(result.policy_slot_steps), result.seconds,
        result.policy_slot_steps / std::max(result.seconds, 1e-9), result.device.c_str(),
        backend_name(result.backend));
    std::printf("best mean utility: member %lld %s = %.4f USD\n", static_cast<long long>(best),
                plan.pool.describe_member(best).c_str(), result.stat(best, Stat::utility_mean));
    std::printf("memory peaks: host %s, device %s\n", mib(host_peak_bytes()).c_str(),
                mib(result.device_peak_bytes).c_str());
  });
}

}  // namespace spotsweep::cli

// `spotsweep sweep --pool SWEEP.toml --output OUT.h5`: a policy pool on many scenarios and
// rounds, over the points of its scenario axes, into one HDF5 file (docs/sweep.md,
// docs/hdf5-layout.md); checkpointed per chunk, resumable with --resume.
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
#include "spotsweep/sweep/chc_bound.hpp"
#include "spotsweep/sweep/grid_run.hpp"
#include "spotsweep/sweep/opt.hpp"
#include "spotsweep/sweep/plan.hpp"
#include "spotsweep/sweep/sweep.hpp"
#include "spotsweep/sweep/sweep_h5.hpp"
#include "spotsweep/sweep/sweep_ranks.hpp"

#include "commands.hpp"
#include "progress.hpp"

namespace spotsweep::cli {

namespace {

// The [sweep] table of the stored configuration: the options that shape the output, so that
// `spotsweep sweep --config SAVED.toml --output NEW.h5` replays the run to the same file
// (docs/hdf5-layout.md). Nothing here depends on where the run read or wrote: the command line
// itself is kept apart (the argv attribute).
std::string sweep_table(int32_t opt_buckets, int32_t opt_resolution, bool opt_split_steps,
                        bool per_scenario, const std::vector<int64_t>& trace_members,
                        bool chc_bound) {
  std::string text = "\n[sweep]\nopt_buckets = " + std::to_string(opt_buckets) +
                     "\nper_scenario = " + (per_scenario ? "true" : "false") + "\n";
  if (opt_resolution > 0) text += "opt_resolution = " + std::to_string(opt_resolution) + "\n";
  if (opt_split_steps) text += "opt_split_steps = true\n";  // only when on
  if (!trace_members.empty()) {
    text += "trace_members = [";
    for (size_t i = 0; i < trace_members.size(); ++i)
      text += (i ? ", " : "") + std::to_string(trace_members[i]);
    text += "]\n";
  }
  if (chc_bound) text += "chc_bound = true\n";  // only when on: earlier files stay the same
  return text;
}

// One line per point: the covered traced CHC jobs, their mean gap to OPT's upper value against
// the mean bound, and how many exceed it (none may: docs/chc.md).
void print_chc_bound_summary(const SweepGrid& grid, const GridRunResult& run) {
  for (size_t p = 0; p < run.results.size(); ++p) {
    const SweepResult& r = run.results[p];
    const OptTable& opt = run.opt[p];
    const size_t jobs = static_cast<size_t>(grid.plans[p].jobs_per_member());
    int64_t covered = 0, skipped = 0, over = 0;
    double gap = 0.0, bound = 0.0, forecast = 0.0;
    for (size_t i = 0; i < r.chc_bound.size(); ++i) {
      const ChcBoundRecord& b = r.chc_bound[i];
      if (!b.applies) {
        if (b.plans > 0) ++skipped;
        continue;
      }
      ++covered;
      forecast += b.forecast_usd;
      if (opt.utility_upper.size() != jobs) continue;
      const double g = opt.utility_upper[i % jobs] - r.traced[i].utility;
      gap += g;
      bound += b.bound;
      if (g > b.bound + 1e-9 * (1.0 + std::fabs(b.bound))) ++over;
    }
    const double n = static_cast<double>(std::max<int64_t>(covered, 1));
    // Whichever backend ran, the bound is this host pass (docs/chc.md, "Where it is computed").
    std::printf(
        "CHC bound%s (computed on the host from the %s backend's traced CHC members): %lld "
        "traced CHC jobs covered (%lld not: docs/chc.md, \"Assumptions\"); forecast term %.4f "
        "USD per job",
        grid.points() > 1 ? (" at point " + std::to_string(p)).c_str() : "",
        r.backend == Backend::cuda ? "CUDA" : "CPU", static_cast<long long>(covered),
        static_cast<long long>(skipped), forecast / n);
    if (opt.utility_upper.size() == jobs)
      std::printf("; gap to OPT's upper value %.4f <= bound %.4f USD per job; %lld jobs over it",
                  gap / n, bound / n, static_cast<long long>(over));
    std::printf("\n");
  }
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  struct SweepArgs {
    std::string pool_path, output;
    ExecArgs exec;
    uint64_t seed = 0;
    int32_t opt_buckets = 256;
    int32_t opt_resolution = 0;
    std::vector<int64_t> trace_members;
    std::vector<std::string> axes;
    bool per_scenario = false, resume = false, chc_bound = false, opt_split_steps = false;
  };
  auto args = std::make_shared<SweepArgs>();
  auto* cmd = app.add_subcommand(
      "sweep", "Evaluate a policy pool on many scenarios and rounds into one HDF5 file");
  path_option(cmd->add_option(
      "--pool", args->pool_path,
      "Sweep file: [pool.*], [workload], [job] (docs/sweep.md); default: the --config file"));
  path_option(cmd->add_option("--output", args->output, "HDF5 file to write (docs/hdf5-layout.md)"))
      ->required();
  cmd->add_option("-a,--axis", args->axes,
                  "KEY=VALUES: set or add an axis, e.g. job.deadline_h=[4:12:2], pf.theta=0.3,0.5 "
                  "(repeatable; docs/sweep.md)")
      ->allow_extra_args(false);
  auto* seed =
      cmd->add_option("--seed", args->seed, "Seed of the job draws (overrides [workload] seed)");
  cmd->add_option("--opt-resolution", args->opt_resolution,
                  "OPT's progress step is tick * H(N_min) / M instead of L / buckets: exact on "
                  "full slots when beta = 0 (docs/model.md section 5); 0 = use --opt-buckets");
  cmd->add_option("--opt-buckets", args->opt_buckets, "OPT progress buckets per job; 0 skips OPT")
      ->capture_default_str();
  cmd->add_flag("--opt-split-steps", args->opt_split_steps,
                "With --opt-resolution: the down- and up-rounded lattices get steps tick * alpha "
                "/ a of their own, nearly exact on full slots when beta != 0 (docs/model.md "
                "section 5, \"Split steps\")");
  cmd->add_option("--trace-members", args->trace_members,
                  "Members whose every outcome is kept, e.g. 0,5,17")
      ->delimiter(',');
  add_exec_options(*cmd, args->exec);
  cmd->add_flag("--chc-bound", args->chc_bound,
                "For each traced CHC member and job, store CHC's bound on its gap to OPT and the "
                "forecast error it was planned on (docs/chc.md, /traced_members/chc_bound_*)");
  cmd->add_flag("--per-scenario", args->per_scenario,
                "Also write utility, cost and miss rate per (member, scenario)");
  cmd->add_flag("--resume", args->resume,
                "Continue an interrupted run from OUTPUT.checkpoint/ (same configuration and "
                "options), bit-identical to an uninterrupted run");
  cmd->callback([args, seed] {
    TomlDocument doc = read_pool_file(args->pool_path, "sweep file");
    for (const std::string& axis : args->axes)
      apply_axis_override(doc, axis);
    if (seed->count() > 0) apply_axis_override(doc, "workload.seed=" + std::to_string(args->seed));
    const SweepConfig config = parse_sweep_config(doc);
    check_at_least("--opt-buckets", args->opt_buckets, 0);
    check_at_least("--opt-resolution", args->opt_resolution, 0);
    if (args->opt_split_steps && args->opt_resolution <= 0)
      throw input_error("command line", "--opt-split-steps", "true",
                        "needs --opt-resolution M > 0 (its steps are chosen near tick*H(N_min)/M)");
    GridRunOptions options;
    options.sweep.exec = exec_options(args->exec);
    options.sweep.trace_members = args->trace_members;
    options.sweep.per_scenario = args->per_scenario;
    options.opt_buckets = args->opt_buckets;
    options.opt_resolution = args->opt_resolution;
    options.opt_split_steps = args->opt_split_steps;
    options.resume = args->resume;
    // Under MPI every rank runs its share (docs/mpi.md); rank 0 alone reports.
    const bool root = mpi::is_root();
    // Reserved now: a bad path, or one of the inputs, is refused before anything runs
    // (docs/reliability.md, "Outputs").
    const std::unique_ptr<OutputFile> output = reserve_output(
        args->output, "--output",
        {config.file, config.workload.trace_path, config.workload.forecast_trace_path});
    SweepGrid grid = make_sweep_grid(config);
    for (const SweepPlan& plan : grid.plans)
      check_trace_members(plan, options.sweep.trace_members);
    if (args->chc_bound && !traces_chc_member(grid.front(), options.sweep.trace_members))
      throw input_error(args->pool_path, "--chc-bound", "",
                        "no traced CHC member: list CHC members in --trace-members");
    if (args->chc_bound && mpi::size() > 1)
      throw mpi::RankFailure(input_error(args->output, "--chc-bound", "",
                                         "the bound is computed on one process: rerun without "
                                         "mpirun (docs/chc.md)")
                                 .what(),
                             2);
    // Limits and memory before the sweep runs, not after it: every point's tables, held
    // together until the file is written, and OPT's lattices at every point.
    // (Under MPI, of this rank's share of the members: run_sweep_grid_ranks sets the same.)
    GridRunOptions share = options;
    const mpi::MemberRange range = mpi::own_range(grid.front().pool.size);
    share.sweep.member_begin = range.begin;
    share.sweep.member_end = range.end;
    check_sweep_grid_host_memory(grid, share);
    const std::string replay =
        grid.config_toml + sweep_table(args->opt_buckets, args->opt_resolution,
                                       args->opt_split_steps, args->per_scenario,
                                       args->trace_members, args->chc_bound);
    options.fingerprint = replay;
    options.checkpoint_dir = args->output + ".checkpoint";
    if (root && !args->resume && std::filesystem::exists(options.checkpoint_dir))
      std::cerr << "sweep: note: replacing the checkpoint of an earlier run in "
                << options.checkpoint_dir << " (--resume continues it instead)\n";

    const SweepPlan& first = grid.front();
    // Said once the checkpoint is accepted (a refused --resume stays one line).
    bool started = false;
    const auto announce = [&] {
      started = true;
      std::cerr << "sweep: " << first.pool.size << " members x " << first.scenarios.count
                << " scenarios x " << first.rounds << " rounds";
      if (grid.points() > 1) {
        std::cerr << " x " << grid.points() << " points (";
        for (size_t a = 0; a < grid.axes.size(); ++a)
          std::cerr << (a ? " x " : "") << grid.axes[a].key << " " << grid.axes[a].values.size();
        std::cerr << ")";
      }
      if (mpi::size() > 1) std::cerr << " on " << mpi::size() << " MPI ranks";
      std::cerr << "\n";
    };
    ProgressReport progress(mpi::size() > 1 ? "sweep (rank 0's share)" : "sweep");
    ProgressReport opt_progress(mpi::size() > 1 ? "OPT (rank 0's share)" : "OPT", "jobs");
    GridRunCallbacks callbacks;
    if (root)
      callbacks.sweep = [&](const WorkProgress& w) {
        if (!started) announce();
        char rate[64] = "";
        const double seconds = progress.elapsed_s();
        if (w.steps > 0 && seconds > 0)
          std::snprintf(rate, sizeof rate, "%.3g steps/s", static_cast<double>(w.steps) / seconds);
        progress.update(w.done, w.total, w.resumed, rate);
      };
    bool opt_announced = false;
    if (root)
      callbacks.opt = [&](int64_t done, int64_t total) {
        if (!opt_announced) {
          std::cerr << "sweep: OPT for " << first.jobs_per_member() * grid.points() << " jobs, "
                    << opt_lattice_text(args->opt_buckets, args->opt_resolution,
                                        args->opt_split_steps);
          if (mpi::size() > 1)
            std::cerr << ", split across " << mpi::size() << " MPI ranks (rank 0 solves " << total
                      << ")";
          std::cerr << "\n";
          opt_announced = true;
        }
        opt_progress.update(done, total);
      };
    GridRunResult run = run_sweep_grid_ranks(grid, options, callbacks);
    // The bound re-simulates each traced CHC member on the host, whichever backend ran, and
    // checks its utility against the traced one (docs/chc.md, "Where it is computed").
    if (args->chc_bound)
      for (size_t p = 0; p < run.results.size(); ++p)
        attach_chc_bounds(grid.plans[p], run.opt[p], run.results[p],
                          options.sweep.exec.cpu_threads());
    if (root && run.chunks_resumed > 0) {
      std::cerr << "sweep: resumed " << run.chunks_resumed << " of ";
      if (mpi::size() > 1)
        std::cerr << "rank 0's " << run.chunks_held << " chunks (of " << run.chunks << ")";
      else
        std::cerr << run.chunks << " chunks";
      std::cerr << " from " << options.checkpoint_dir << "\n";
    }
    write_sweep_h5_ranks(output.get(), grid, run.results, run.opt, replay);
    if (root) remove_checkpoint(options.checkpoint_dir);

    // Per point, the best member over every rank's rows (the first on ties); then the first
    // point with the largest.
    std::vector<double> best_means(static_cast<size_t>(grid.points()));
    std::vector<int64_t> best_members(best_means.size());
    for (size_t p = 0; p < best_means.size(); ++p)
      best_members[p] = best_member_ranks(run.results[p], &best_means[p]);
    if (!root) return;
    int64_t steps = 0, best_point = 0;
    double seconds = 0.0;
    for (int64_t p = 0; p < grid.points(); ++p) {
      const SweepResult& r = run.results[static_cast<size_t>(p)];
      steps += r.policy_slot_steps;
      seconds += r.seconds;
      if (best_means[static_cast<size_t>(p)] > best_means[static_cast<size_t>(best_point)])
        best_point = p;
    }
    const int64_t best = best_members[static_cast<size_t>(best_point)];
    const SweepResult& last = run.results.back();
    std::printf(
        "wrote %s: %lld members, %lld policy-slot steps in %.2f s (%.3g steps/s) on %s [%s]\n",
        args->output.c_str(), static_cast<long long>(first.pool.size),
        static_cast<long long>(steps), seconds, steps / std::max(seconds, 1e-9),
        last.device.c_str(), backend_name(last.backend));
    std::string at;
    const std::vector<double> values = grid.point_values(best_point);
    for (size_t a = 0; a < values.size(); ++a)
      at += (a ? ", " : " at ") + grid.axes[a].key + "=" + format_number(values[a]);
    std::printf("best mean utility: member %lld %s%s = %.4f USD\n", static_cast<long long>(best),
                first.pool.describe_member_text(best).c_str(), at.c_str(),
                best_means[static_cast<size_t>(best_point)]);
    // OPT's precision per point (docs/model.md §5 "Precision"): its bracket, and a failure when
    // some member's mean beats OPT's achieved mean.
    if (args->opt_buckets > 0)
      for (int64_t p = 0; p < grid.points(); ++p) {
        const double best_mean = best_means[static_cast<size_t>(p)];
        std::string where;
        const std::vector<double> point = grid.point_values(p);
        for (size_t a = 0; a < point.size(); ++a)
          where += (a ? ", " : "at ") + grid.axes[a].key + "=" + format_number(point[a]) +
                   (a + 1 == point.size() ? ": " : "");
        std::printf(
            "%s%s\n", where.c_str(),
            describe_opt_precision(
                opt_precision(run.opt[static_cast<size_t>(p)], best_mean),
                opt_lattice_text(args->opt_buckets, args->opt_resolution, args->opt_split_steps))
                .c_str());
      }
    if (args->chc_bound) print_chc_bound_summary(grid, run);
    size_t peak = 0;
    for (const SweepResult& r : run.results)
      peak = std::max(peak, r.device_peak_bytes);
    std::printf("memory peaks: host %s, device %s\n", mib(host_peak_bytes()).c_str(),
                mib(peak).c_str());
  });
}

}  // namespace spotsweep::cli

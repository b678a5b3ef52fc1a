// `spotsweep bench`: policy-slot steps/s of the sweep per family and backend, and memory peaks
// (docs/BENCHMARKS.md).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "spotsweep/config/pool.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/sweep/plan.hpp"
#include "spotsweep/sweep/sweep.hpp"

#include "commands.hpp"

namespace spotsweep::cli {

namespace {

// Members per CHC bench planning key: commit 1..16 x both modes x 11 re-plan deviations, as in
// experiments/pools/chc_scale.toml's w = 24 sub-pool.
constexpr int64_t kChcBenchMembersPerKey = 16 * 2 * 11;

// A one-axis pool of `members` members of `family`: the axis its traits name for benches
// spread over their range (or GPU counts cycling through 0..N_max), the others at their
// defaults, with the planner `lagrange_iters` picks for CHC (0 = exact). CHC's bench pool
// shares plans as a realistic pool does (docs/chc.md, "Plan tables"): w = 24, members/352
// planning keys (eps spread over the bench range, at least one), each holding commit 1..16 x
// both modes x replan_deviation 0, 0.1, ..., 1.
Pool bench_pool(const FamilyInfo& info, int64_t members, int32_t n_max, int32_t lagrange_iters) {
  FamilyGrid grid;
  grid.family = info.id;
  grid.name = info.name;
  for (const AxisSpec& a : info.axes)
    grid.axes.push_back(
        {a.name, {std::string(a.name) == "lagrange_iters" ? lagrange_iters : a.default_value}});
  const bool chc = info.id == family_id<ChcFamily>;
  const int64_t spread = chc ? std::max<int64_t>(1, members / kChcBenchMembersPerKey) : members;
  std::vector<double>& swept = grid.axes[info.bench.axis].values;
  swept.clear();
  for (int64_t i = 0; i < spread; ++i) {
    const double t = static_cast<double>(i) / static_cast<double>(spread);
    swept.push_back(info.bench.cycle_gpu_counts ? static_cast<double>(i % (n_max + 1))
                                                : info.bench.low + info.bench.width * t);
  }
  if (chc) {
    grid.axes[ChcFamily::commit].values.clear();
    for (int32_t v = 1; v <= 16; ++v)
      grid.axes[ChcFamily::commit].values.push_back(v);
    grid.axes[ChcFamily::mode].values = {0, 1};
    grid.axes[ChcFamily::replan_deviation].values.clear();
    for (int32_t d = 0; d <= 10; ++d)
      grid.axes[ChcFamily::replan_deviation].values.push_back(d / 10.0);
  }
  grid.size = 1;
  for (const AxisGrid& a : grid.axes)
    grid.size *= static_cast<int64_t>(a.values.size());
  // The pool table's own rules, so a bench pool is one a sweep file could hold.
  for (size_t i = 0; i < grid.axes.size(); ++i)
    for (double v : grid.axes[i].values)
      check_axis_value(info.axes[i], v, "bench", grid.axes[i].name);
  check_axis_orders(info, grid, "bench");
  Pool pool;
  pool.families.push_back(grid);
  pool.size = grid.size;
  return pool;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  struct BenchArgs {
    std::string family = "pf";
    ExecArgs exec;
    int64_t members = 0;
    int32_t scenarios = 0, rounds = 0, repeats = 3, lagrange_iters = 0;
    bool no_percentiles = false;
  };
  auto args = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand(
      "bench", "Policy-slot steps/s of the sweep per family and backend, and memory peaks");
  cmd->add_option("--family", args->family,
                  "a family of the pool table (spotsweep pool info lists them) or all")
      ->capture_default_str();
  cmd->add_option(
      "--members", args->members,
      "Pool size (default: 2048 on CPU, 131072 on CUDA; chc 352, 2048; Lagrangian chc 256, 16384; "
      "chc rounds it to whole planning keys of 352 members)");
  cmd->add_option(
      "--scenarios", args->scenarios,
      "Synthetic scenarios (default: 8 on CPU, 64 on CUDA; chc 2, 8; Lagrangian chc 8, 64)");
  cmd->add_option(
      "--rounds", args->rounds,
      "Rounds per scenario (default: 16 on CPU, 100 on CUDA; chc 2, 4; Lagrangian chc 2, 16)");
  cmd->add_option("--repeats", args->repeats, "Runs per figure; the median is reported")
      ->capture_default_str();
  add_exec_options(*cmd, args->exec);
  cmd->get_option("--backend")
      ->description("auto, cpu, cuda, or all (cpu, then cuda when a device exists)");
  cmd->add_flag("--no-percentiles", args->no_percentiles,
                "Means only: time the simulation without the sorts");
  cmd->add_option("--lagrange-iters", args->lagrange_iters,
                  "chc: 0 = exact planner; k = Lagrangian planner trying k prices of work")
      ->capture_default_str();
  cmd->callback([args, cmd] {
    std::vector<Backend> backends;
    const DeviceInfo device = query_device();
    ExecArgs given = args->exec;
    if (given.backend == "all") {
      backends.push_back(Backend::cpu);
      if (device.available) backends.push_back(Backend::cuda);
      given.backend = "cpu";
    }
    const ExecOptions exec = exec_options(given);
    if (backends.empty()) backends.push_back(exec.backend);
    std::vector<const FamilyInfo*> families;
    std::string known;
    // One spelling per policy (the pool's); a dashed one works with a note.
    const FamilyInfo* named = find_family(args->family);
    if (named && args->family != named->name)
      std::fprintf(stderr, "bench: note: --family %s is an older spelling of %s\n",
                   args->family.c_str(), named->name);
    for (const auto& f : family_table()) {
      known += std::string(f.name) + ", ";
      if (args->family == "all" || named == &f) families.push_back(&f);
    }
    if (families.empty())
      throw input_error("command line", "--family", args->family,
                        "unknown family (" + known + "all)");
    check_at_least("--repeats", args->repeats, 1);
    check_axis_value(ChcFamily::axes[ChcFamily::lagrange_iters], args->lagrange_iters,
                     "command line", "--lagrange-iters");
    // Given counts must be positive; left out, they take the backend's default.
    for (const char* name : {"--members", "--scenarios", "--rounds"})
      if (cmd->count(name) > 0) check_at_least(name, cmd->get_option(name)->as<int64_t>(), 1);
    // keys: the CHC planning keys per (job, slot) that the members share ("-": none shared).
    std::printf("%-17s %-5s %9s %6s %5s %6s %14s %9s %12s %14s %12s %12s\n", "family", "back",
                "members", "keys", "scen", "rounds", "steps", "median_s", "steps/s", "steps/s/core",
                "device_peak", "host_peak");
    for (Backend backend : backends) {
      const bool cuda = backend == Backend::cuda;
      SweepConfig config;
      config.file = "bench";
      config.seed = 1;
      config.workload.synthetic = true;
      config.workload.round_stride = 6;
      JobTemplate& job = config.job;
      job.base.n_min = 1;
      job.base.n_max = 16;
      job.base.alpha = 100;
      job.base.soft_deadline_s = 12 * 3600.0;
      job.base.hard_factor = 1.5;
      job.base.value_max = 400;
      job.base.miss_penalty = 100;
      job.base.reconfig_s = 300;
      job.fields[static_cast<int32_t>(JobField::work)] = {FieldDistribution::Kind::uniform, 1e7,
                                                          3e7};
      for (const FamilyInfo* family : families) {
        // CHC solves 24-slot plans, some 1e5 times a rule's work per plan with the exact
        // planner and some 500 times with the Lagrangian one (docs/chc.md), so its default
        // workloads are smaller.
        const bool chc = family->id == family_id<ChcFamily>;
        const bool exact_chc = chc && args->lagrange_iters == 0;
        const int64_t members = args->members > 0 ? args->members
                                                  : (exact_chc ? (cuda ? 2048 : 352)
                                                     : chc     ? (cuda ? 16384 : 256)
                                                               : (cuda ? 131072 : 2048));
        config.workload.scenarios =
            args->scenarios > 0 ? args->scenarios : (exact_chc ? (cuda ? 8 : 2) : (cuda ? 64 : 8));
        config.workload.rounds = args->rounds > 0 ? args->rounds
                                                  : (exact_chc ? (cuda ? 4 : 2)
                                                     : chc     ? (cuda ? 16 : 2)
                                                               : (cuda ? 100 : 16));
        config.workload.synthetic_spec.n_slots = (config.workload.rounds - 1) * 6 + 200;
        config.pool = bench_pool(*family, members, job.base.n_max, chc ? args->lagrange_iters : 0);
        const SweepPlan plan = make_synthetic_plan(config);
        SweepOptions options;
        options.exec = exec;
        options.exec.backend = backend;
        options.percentiles = !args->no_percentiles;
        std::vector<double> seconds;
        SweepResult result;
        for (int32_t i = 0; i < args->repeats; ++i) {
          result = run_sweep(plan, options);
          seconds.push_back(result.seconds);
        }
        std::sort(seconds.begin(), seconds.end());
        const double median = seconds[seconds.size() / 2];
        const double rate = result.policy_slot_steps / median;
        const std::string per_core =
            cuda ? "-" : std::to_string(static_cast<long long>(rate / result.threads));
        const std::string label = chc && args->lagrange_iters > 0
                                      ? "chc/lagrange=" + std::to_string(args->lagrange_iters)
                                      : family->name;
        const PlanningKeys keys = planning_keys(plan.pool);
        const std::string key_count = keys.keys > 0 ? std::to_string(keys.keys) : "-";
        std::printf("%-17s %-5s %9lld %6s %5d %6d %14lld %9.3f %12.4g %14s %12s %12s\n",
                    label.c_str(), backend_name(backend), static_cast<long long>(plan.pool.size),
                    key_count.c_str(), plan.scenarios.count, plan.rounds,
                    static_cast<long long>(result.policy_slot_steps), median, rate,
                    per_core.c_str(), cuda ? mib(result.device_peak_bytes).c_str() : "-",
                    mib(host_peak_bytes()).c_str());
        std::fflush(stdout);
      }
    }
    std::printf("device: %s\n", device.available ? device.name.c_str() : device.why_not.c_str());
  });
}

}  // namespace spotsweep::cli

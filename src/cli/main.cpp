// The spotsweep command line. CLI11 is slow to compile, so few translation units include it:
// this one and one per later subcommand (commands.hpp); each sits in an add_*_command function.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <string>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/market/importers.hpp"
#include "spotsweep/tools/simulate.hpp"
#include "spotsweep/market/predict_eval.hpp"
#include "spotsweep/sweep/sweep.hpp"
#include "spotsweep/market/trace_io.hpp"
#include "spotsweep/version.hpp"
#include "spotsweep/detail/atomic_file.hpp"
#include "commands.hpp"
#include "progress.hpp"

namespace {

// ---- traces import | info ------------------------------------------------------------
// Conversion of the public trace formats to the native HDF5 trace, and its summary
// (docs/traces.md). The 0/1 convention is always given; the tick where the format lacks it.
void add_traces_commands(CLI::App& app) {
  using namespace spotsweep;
  auto* traces = app.add_subcommand("traces", "Import public spot traces and summarise them");
  traces->require_subcommand(1);
  spotsweep::cli::add_traces_fit_command(*traces);

  struct ImportArgs {
    std::string format, convention, time_unit, resample = "min", gaps = "error",
                out_of_order = "error", output;
    ImportOptions options;
    double tick = 0, od_price = 0, spot_price = 0, price_gpus = 0;
    int32_t capacity = 0;
  };
  auto args = std::make_shared<ImportArgs>();
  auto* import = traces->add_subcommand("import", "Convert a public trace file to the native HDF5 format");
  import->add_option("--format", args->format, "Input format")->required()
      ->check(CLI::IsMember(format_names()));
  import->add_option("--input", args->options.input, "Availability file")->required();
  import->add_option("--prices", args->options.prices, "Per-tick price JSON (skynomad-csv)");
  import->add_option("--key", args->options.key, "Zone / series key");
  import->add_option("--convention", args->convention,
                     "available: values count instances; preempted: 1 = unavailable")->required();
  auto* tick = import->add_option("--tick", args->tick, "Tick length in seconds");
  auto* od = import->add_option("--od-price", args->od_price, "On-demand price, USD per GPU-hour");
  auto* spot = import->add_option("--spot-price", args->spot_price, "Constant spot price, USD per GPU-hour");
  auto* gpus = import->add_option("--price-gpus", args->price_gpus, "GPUs per priced instance");
  auto* unit = import->add_option("--time-unit", args->time_unit, "s|h|ms (bamboo-steps-csv)");
  auto* cap = import->add_option("--capacity", args->capacity, "a_max override");
  import->add_option("--resample", args->resample, "min|start")->capture_default_str();
  import->add_option("--gaps", args->gaps, "error|hold|unavailable")->capture_default_str();
  import->add_option("--out-of-order", args->out_of_order, "error|sort|supersede")->capture_default_str();
  import->add_option("--name", args->options.name, "Trace name");
  import->add_option("--output", args->output, "Output .h5")->required();
  import->callback([=] {
    ImportOptions o = args->options;
    o.format = parse_format(args->format);
    o.convention = parse_convention(args->convention);
    if (*tick) o.tick_seconds = args->tick;
    if (*od) o.od_price = args->od_price;
    if (*spot) o.spot_price = args->spot_price;
    if (*gpus) o.price_gpus = args->price_gpus;
    if (*unit) o.time_unit = parse_time_unit(args->time_unit);
    if (*cap) o.capacity = args->capacity;
    o.resample = parse_resample_rule(args->resample);
    o.gaps = parse_gap_policy(args->gaps);
    o.out_of_order = parse_out_of_order(args->out_of_order);
    const Trace trace = import_trace(o);
    write_trace_h5(trace, args->output, "--output");
    std::printf("wrote %s: %d ticks of %g s\n", args->output.c_str(), trace.n_slots(), trace.tick_seconds);
  });

  auto path = std::make_shared<std::string>();
  auto* info = traces->add_subcommand("info", "Summarise a native trace");
  info->add_option("trace", *path, "Native trace (.h5)")->required();
  info->callback([=] {
    const Trace t = load_trace(*path);
    const TraceSummary s = summarize(t);
    std::printf("name          %s\nsource        %s\nstart_time    %s\n", t.name.c_str(), t.source.c_str(), t.start_time.c_str());
    std::printf("slots         %d x %g s = %.1f h\ncapacity      %d\n", s.n_slots, s.tick_seconds, s.span_hours, t.capacity);
    std::printf("availability  %.3f of slots >= 1, mean %.2f, max %d\n", s.avail_fraction, s.mean_avail, s.max_avail);
    std::printf("spot price    min %.4f mean %.4f max %.4f USD/GPU-h, %d changes\n", s.spot_price_min, s.spot_price_mean, s.spot_price_max, s.price_changes);
    std::printf("on-demand     %.4f USD/GPU-h\n", s.od_price);
  });
}

// ---- simulate ----------------------------------------------------------------------------
// `spotsweep simulate`: one policy on one trace window, a per-slot CSV on request, and a
// summary beside OPT for the same job (docs/simulate.md).
void add_simulate_command(CLI::App& app, std::shared_ptr<std::string> config_path) {
  using namespace spotsweep;
  struct SimulateArgs {
    SimulateRequest request;
    std::string policy = "uniform-progress", value_shape = "linear", trigger = "total",
                billing = "slot", chc_mode = "committed", workload_error = "none",
                throughput = "unit";
    double work_hours = 0.0, deadline_hours = 0.0;
  };
  auto args = std::make_shared<SimulateArgs>();
  SimulateRequest& rq = args->request;
  JobSpec& job = rq.job;
  auto* cmd = app.add_subcommand("simulate", "Run one policy on one trace window, beside OPT");
  cmd->add_option("--trace", rq.trace_path, "Native trace (.h5), see `spotsweep traces import`")->required();
  cmd->add_option("--start", rq.start_slot, "Tick at which the job starts")->capture_default_str();
  cmd->add_option("--policy", args->policy, "on-demand, greedy, uniform-progress, pf or chc")->capture_default_str();
  // The job (MODEL.md §2).
  auto* work = cmd->add_option("--work", job.work, "L, samples");
  auto* work_hours = cmd->add_option("--work-hours", args->work_hours, "L as hours of compute on N_max GPUs");
  work->excludes(work_hours);
  cmd->add_option("--deadline-hours", args->deadline_hours, "d, soft deadline from the start")->required();
  cmd->add_option("--gamma", job.hard_factor, "γ: hard deadline γ·d")->capture_default_str();
  cmd->add_option("--n-min", job.n_min, "N_min GPUs when running")->capture_default_str();
  cmd->add_option("--n-max", job.n_max, "N_max GPUs")->capture_default_str();
  cmd->add_option("--throughput", args->throughput, "Preset for H(n) = α·n + β")->capture_default_str();
  auto* alpha = cmd->add_option("--alpha", job.alpha, "α, samples/s per GPU (overrides the preset)");
  auto* beta = cmd->add_option("--beta", job.beta, "β, samples/s (overrides the preset)");
  cmd->add_option("--value", job.value_max, "V̄, USD for finishing by d")->capture_default_str();
  cmd->add_option("--value-shape", args->value_shape, "linear, step or exp between d and γ·d")->capture_default_str();
  cmd->add_option("--value-shape-param", job.value_shape_param, "Step level, or exponential rate")->capture_default_str();
  cmd->add_option("--miss-penalty", job.miss_penalty, "P_miss, USD")->capture_default_str();
  cmd->add_option("--reconfig-s", job.reconfig_s, "R, seconds of compute lost per change (0.2 h = 720)")->capture_default_str();
  cmd->add_option("--trigger", args->trigger, "What restarts the job: total or composition")->capture_default_str();
  cmd->add_option("--billing", args->billing, "Finishing slot billed: slot or second")->capture_default_str();
  // Policy parameters.
  cmd->add_option("--od-gpus", rq.od_gpus, "on-demand: GPUs (0 = best constant count)")->capture_default_str();
  cmd->add_option("--deadline-factor", rq.deadline_factor, "greedy, uniform-progress: target = factor·d")->capture_default_str();
  cmd->add_option("--theta", rq.pf.theta, "pf: spot when p_s ≤ θ·p_o")->capture_default_str();
  cmd->add_option("--kappa", rq.pf.kappa, "pf: aim to finish by κ·d")->capture_default_str();
  cmd->add_option("--rho", rq.pf.rho, "pf: scale up to ρ× the required rate on cheap spot")->capture_default_str();
  cmd->add_option("--hysteresis", rq.pf.hysteresis, "pf: leave catch-up when ahead by h·L")->capture_default_str();
  cmd->add_option("--window", rq.chc.window, "chc: w, slots planned")->capture_default_str();
  cmd->add_option("--commit", rq.chc.commit, "chc: v, slots committed per plan")->capture_default_str();
  cmd->add_option("--resolution", rq.chc.resolution, "chc: progress steps per slot at N_min")->capture_default_str();
  cmd->add_option("--replan-deviation", rq.chc.replan_deviation, "chc: re-plan early past this relative deviation (0 = off)")->capture_default_str();
  cmd->add_option("--lagrange-iters", rq.chc.lagrange_iters, "chc: 0 = exact planner; k = Lagrangian planner trying k prices of work")->capture_default_str();
  cmd->add_option("--chc-mode", args->chc_mode, "chc: committed or averaged")->capture_default_str();
  cmd->add_option("--predictor", rq.predictor, "chc: oracle, seasonal, holt-winters, ar or last")->capture_default_str();
  cmd->add_option("--eps", rq.eps, "oracle: noise level ε")->capture_default_str();
  cmd->add_option("--growth", rq.growth, "oracle: ε_k = ε·(k+1)^h")->capture_default_str();
  cmd->add_option("--seed", rq.seed, "Seed of the forecast and workload draws")->capture_default_str();
  cmd->add_option("--scenario", rq.scenario, "Scenario key of those draws (a sweep's scenario index)")
      ->capture_default_str();
  cmd->add_option("--workload-error", args->workload_error, "none, bias or random: policies see L̂")->capture_default_str();
  cmd->add_option("--eps-l", rq.eps_workload, "ε_L of the workload estimate")->capture_default_str();
  // OPT and outputs.
  cmd->add_flag("!--no-opt", rq.with_opt, "Skip OPT");
  cmd->add_option("--opt-resolution", rq.opt_resolution, "OPT progress steps per slot at N_min")->capture_default_str();
  cmd->add_option("--slot-csv", rq.slot_csv, "Write the per-slot log to this CSV");
  cmd->callback([args, work, work_hours, alpha, beta, config_path] {
    SimulateRequest request = args->request;
    request.source = config_path->empty() ? "command line" : *config_path + " [simulate]";
    JobSpec& j = request.job;
    request.policy = parse_policy_kind(args->policy);
    const ThroughputPreset* preset = find_throughput_preset(args->throughput);
    if (!preset)
      throw input_error("", "--throughput", args->throughput,
                        "unknown preset; choose " + throughput_preset_names());
    if (!*alpha) j.alpha = preset->alpha;
    if (!*beta) j.beta = preset->beta;
    if (!*work && !*work_hours) throw input_error("", "--work", "", "give --work or --work-hours");
    if (*work_hours) j.work = args->work_hours * 3600.0 * throughput(j, j.n_max);
    j.soft_deadline_s = args->deadline_hours * 3600.0;
    // The sweep file's [job] words (exponential, full_slot, per_second) are accepted too.
    const std::string& shape = args->value_shape;
    j.value_shape = shape == "linear" ? ValueShape::linear
                    : shape == "step" ? ValueShape::step
                    : (shape == "exp" || shape == "exponential") ? ValueShape::exponential
                    : throw input_error("", "--value-shape", shape, "choose linear, step or exp");
    j.trigger = args->trigger == "total" ? ReconfigTrigger::total
                : args->trigger == "composition" ? ReconfigTrigger::composition
                : throw input_error("", "--trigger", args->trigger, "choose total or composition");
    const std::string& billing = args->billing;
    j.billing = (billing == "slot" || billing == "full_slot") ? Billing::full_slot
                : (billing == "second" || billing == "per_second") ? Billing::per_second
                : throw input_error("", "--billing", billing, "choose slot or second");
    request.chc.mode = args->chc_mode == "committed" ? ChcMode::committed
                       : args->chc_mode == "averaged" ? ChcMode::averaged
                       : throw input_error("", "--chc-mode", args->chc_mode, "choose committed or averaged");
    request.workload_error =
        args->workload_error == "none" ? WorkloadError::none
        : args->workload_error == "bias" ? WorkloadError::bias
        : args->workload_error == "random" ? WorkloadError::random
        : throw input_error("", "--workload-error", args->workload_error, "choose none, bias or random");
    const SimulateReport report = run_simulate(request);
    print_simulate_report(request, report, std::cout);
  });
}

// ---- predict (helper: predictors) --------------------------------------------------------
// `spotsweep predict TRACE.h5`: error per lookahead of each predictor on a trace.
void add_predict_command(CLI::App& app) {
  struct PredictArgs {
    std::string trace_path;
    int32_t window = 24;
    std::vector<std::string> models{"seasonal", "holt-winters", "ar", "last", "oracle"};
    double eps = 0.1;
    double growth = 0.0;
    uint64_t seed = 0;
    std::string avail_noise = "multiplicative";
    double warmup_days = 2.0;
    int32_t season_slots = 0;
    int32_t ar_order = 8;
    int32_t fit_lookaheads = 0;
    std::string output;
  };
  auto args = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand(
      "predict", "Forecast error per lookahead (MAE, RMSE, MAPE) of the predictors on a trace");
  cmd->add_option("trace", args->trace_path, "Native trace (.h5)")->required();
  cmd->add_option("--window", args->window, "Lookaheads k = 0..w-1 (at most 64)")
      ->capture_default_str();
  cmd->add_option("--models", args->models, "Predictors: seasonal, holt-winters, ar, last, oracle")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--eps", args->eps, "Oracle noise level at lookahead 0")->capture_default_str();
  cmd->add_option("--growth", args->growth, "Oracle noise growth h: eps_k = eps*(k+1)^h")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Oracle seed")->capture_default_str();
  cmd->add_option("--avail-noise", args->avail_noise,
                  "Oracle availability noise: multiplicative or capacity")
      ->capture_default_str();
  cmd->add_option("--warmup-days", args->warmup_days, "History before the first scored slot")
      ->capture_default_str();
  cmd->add_option("--season-slots", args->season_slots, "Season in slots; 0 = one day")
      ->capture_default_str();
  cmd->add_option("--ar-order", args->ar_order, "AR order p")->capture_default_str();
  cmd->add_option("--fit-lookaheads", args->fit_lookaheads,
                  "Lookaheads the Holt-Winters fit scores; 0 = the window")
      ->capture_default_str();
  cmd->add_option("--output", args->output, "Also write the errors as CSV");
  cmd->callback([args] {
    spotsweep::PredictEvalOptions options;
    for (const std::string& name : args->models) {
      spotsweep::PredictorChoice choice;
      if (!spotsweep::parse_predictor(name, &choice))
        throw spotsweep::input_error(
            "", "--models", name, "unknown predictor (seasonal, holt-winters, ar, last, oracle)");
      options.predictors.push_back(choice);
    }
    if (args->avail_noise == "capacity")
      options.oracle_avail_noise = spotsweep::AvailNoise::capacity_scaled;
    else if (args->avail_noise != "multiplicative")
      throw spotsweep::input_error("", "--avail-noise", args->avail_noise,
                                   "must be multiplicative or capacity");
    spotsweep::cli::check_at_least("--season-slots", args->season_slots, 0);
    spotsweep::cli::check_at_least("--fit-lookaheads", args->fit_lookaheads, 0);
    if (args->ar_order < 1 || args->ar_order > 64)
      throw spotsweep::input_error("", "--ar-order", std::to_string(args->ar_order),
                                   "must be in 1..64");
    options.window = args->window;
    options.warmup_days = args->warmup_days;
    options.oracle_eps = args->eps;
    options.oracle_growth = args->growth;
    options.oracle_seed = args->seed;
    options.learned.season_slots = args->season_slots;
    options.learned.ar_order = args->ar_order;
    options.learned.fit_lookaheads = args->fit_lookaheads;
    if (!args->output.empty()) spotsweep::check_output_path(args->output, "--output");
    const spotsweep::Trace trace = spotsweep::load_trace(args->trace_path);
    options.avail_max = trace.capacity;
    const spotsweep::PredictEvaluation evaluation =
        spotsweep::evaluate_predictors(trace.view(), options);
    std::cout << "trace " << trace.name << " (" << args->trace_path << "), " << trace.n_slots()
              << " slots of " << trace.tick_seconds << " s, capacity " << trace.capacity << "\n";
    spotsweep::print_predict_table(evaluation, std::cout);
    if (!args->output.empty()) spotsweep::write_predict_csv(evaluation, args->output);
  });
}

// ---- pool info | sweep | bench (helper: batch engine) --------------------------------------
// `spotsweep pool info POOL.toml`; `spotsweep sweep --pool SWEEP.toml --output OUT.h5`;
// `spotsweep bench`: policy-slot steps/s per family and backend (docs/sweep.md).

void add_pool_command(CLI::App& app) {
  auto* pool = app.add_subcommand("pool", "Policy pools: grids of policy parameters");
  pool->require_subcommand(1);
  auto path = std::make_shared<std::string>();
  auto* info = pool->add_subcommand("info", "Print a pool file's size and axes (docs/pool.md)");
  info->add_option("pool", *path, "Pool or sweep file (TOML)")->required();
  info->callback([path] { std::cout << spotsweep::describe_pool(spotsweep::load_pool(*path)); });
}

void add_sweep_command(CLI::App& app) {
  struct SweepArgs {
    std::string pool_path, output, backend = "auto", max_device_mem = "80%";
    uint64_t seed = 0;
    int32_t opt_buckets = 256;
    std::vector<int64_t> trace_members;
    int threads = 0;
    bool per_scenario = false;
  };
  auto args = std::make_shared<SweepArgs>();
  auto* cmd = app.add_subcommand("sweep", "Evaluate a policy pool on many scenarios and rounds into one HDF5 file");
  cmd->add_option("--pool", args->pool_path, "Sweep file: [pool.*], [workload], [job] (docs/sweep.md)")->required();
  cmd->add_option("--output", args->output, "HDF5 file to write (docs/hdf5-layout.md)")->required();
  cmd->add_option("--backend", args->backend, "auto, cpu or cuda")->capture_default_str();
  cmd->add_option("--max-device-mem", args->max_device_mem, "Device memory budget: BYTES, 12G or 80% of free")
      ->capture_default_str();
  auto* seed = cmd->add_option("--seed", args->seed, "Seed of the job draws (overrides [workload] seed)");
  cmd->add_option("--opt-buckets", args->opt_buckets, "OPT progress buckets per job; 0 skips OPT")
      ->capture_default_str();
  cmd->add_option("--trace-members", args->trace_members, "Members whose every outcome is kept, e.g. 0,5,17")
      ->delimiter(',');
  cmd->add_option("--threads", args->threads, "CPU threads (0 = all)")->capture_default_str();
  cmd->add_flag("--per-scenario", args->per_scenario,
                "Also write utility, cost and miss rate per (member, scenario)");
  cmd->callback([args, seed] {
    spotsweep::SweepConfig config = spotsweep::load_sweep_config(args->pool_path);
    if (seed->count() > 0) config.seed = args->seed;
    spotsweep::cli::check_at_least("--opt-buckets", args->opt_buckets, 0);
    const spotsweep::SweepPlan plan = spotsweep::make_plan(config);
    spotsweep::SweepOptions options;
    options.backend = spotsweep::resolve_backend(spotsweep::parse_backend(args->backend),
                                                 spotsweep::query_device());
    spotsweep::cli::parse_device_memory(args->max_device_mem, options.max_device_mem_bytes,
                                        options.max_device_mem_fraction);
    spotsweep::cli::check_at_least("--threads", args->threads, 0);
    options.threads = args->threads;
    options.trace_members = args->trace_members;
    options.per_scenario = args->per_scenario;
    spotsweep::check_trace_members(plan, options.trace_members);
    // A missing folder is reported now, not after the sweep has run.
    spotsweep::check_output_path(args->output, "--output");
    std::cerr << "sweep: " << plan.pool.size << " members x " << plan.scenarios.count
              << " scenarios x " << plan.rounds << " rounds\n";
    spotsweep::cli::ProgressReport progress("sweep");
    const spotsweep::SweepResult result = spotsweep::run_sweep(
        plan, options, [&progress](int64_t done, int64_t total) { progress.update(done, total); });
    if (args->opt_buckets > 0)
      std::cerr << "sweep: OPT for " << plan.jobs_per_member() << " jobs, " << args->opt_buckets
                << " progress buckets\n";
    const spotsweep::OptTable opt = spotsweep::compute_opt_table(plan, args->opt_buckets, args->threads);
    spotsweep::write_sweep_h5(args->output, plan, result, opt);
    int64_t best = 0;
    for (int64_t m = 1; m < result.members; ++m)
      if (result.stat(m, spotsweep::Stat::utility_mean) > result.stat(best, spotsweep::Stat::utility_mean))
        best = m;
    std::printf("wrote %s: %lld members, %lld policy-slot steps in %.2f s (%.3g steps/s) on %s [%s]\n",
                args->output.c_str(), static_cast<long long>(result.members),
                static_cast<long long>(result.policy_slot_steps), result.seconds,
                result.policy_slot_steps / std::max(result.seconds, 1e-9), result.device.c_str(),
                spotsweep::backend_name(result.backend));
    std::printf("best mean utility: member %lld %s = %.4f USD\n", static_cast<long long>(best),
                plan.pool.describe_member(best).c_str(), result.stat(best, spotsweep::Stat::utility_mean));
    std::printf("memory peaks: host %s, device %s\n", spotsweep::cli::mib(spotsweep::cli::host_peak_bytes()).c_str(),
                spotsweep::cli::mib(result.device_peak_bytes).c_str());
  });
}

// A one-axis pool of `members` members of `family`: one axis spread over a sensible range, the
// others at their defaults. GPU counts cycle through 0..N_max. CHC spreads its forecast noise,
// so every member plans w = 24 slots ahead and re-plans every slot (v = 1), the costliest CHC,
// which issue 4's target names, with the planner `lagrange_iters` picks (0 = exact).
spotsweep::Pool bench_pool(const spotsweep::FamilyInfo& info, int64_t members, int32_t n_max,
                           int32_t lagrange_iters) {
  spotsweep::FamilyGrid grid;
  grid.family = info.id;
  grid.name = info.name;
  for (const spotsweep::AxisInfo& a : info.axes)
    grid.axes.push_back({a.name, {std::string(a.name) == "lagrange_iters" ? lagrange_iters : a.default_value}});
  const bool chc = info.id == spotsweep::FamilyId::chc;
  std::vector<double>& swept = grid.axes[chc ? 2 : 0].values;  // chc: eps
  swept.clear();
  for (int64_t i = 0; i < members; ++i) {
    const double t = static_cast<double>(i) / static_cast<double>(members);
    switch (info.id) {
      case spotsweep::FamilyId::on_demand:
      case spotsweep::FamilyId::only_spot: swept.push_back(static_cast<double>(i % (n_max + 1))); break;
      case spotsweep::FamilyId::pf: swept.push_back(0.3 + 0.7 * t); break;
      case spotsweep::FamilyId::chc: swept.push_back(0.4 * t); break;
      default: swept.push_back(0.6 + 0.4 * t); break;
    }
  }
  // The pool table's own rules, so a bench pool is one a sweep file could hold.
  for (size_t i = 0; i < grid.axes.size(); ++i)
    for (double v : grid.axes[i].values) spotsweep::check_axis_value(info.axes[i], v, "bench", grid.axes[i].name);
  spotsweep::check_axis_orders(info, grid, "bench");
  grid.size = members;
  spotsweep::Pool pool;
  pool.families.push_back(grid);
  pool.size = members;
  return pool;
}

void add_bench_command(CLI::App& app) {
  struct BenchArgs {
    std::string family = "pf", backend = "auto";
    int64_t members = 0;
    int32_t scenarios = 0, rounds = 0, repeats = 3, lagrange_iters = 0;
    int threads = 0;
    bool no_percentiles = false;
  };
  auto args = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand("bench", "Policy-slot steps/s of the sweep per family and backend, and memory peaks");
  cmd->add_option("--family", args->family, "a family of the pool table (spotsweep pool info lists them) or all")->capture_default_str();
  cmd->add_option("--backend", args->backend, "auto, cpu, cuda or all")->capture_default_str();
  cmd->add_option("--members", args->members, "Pool size (default: 2048 on CPU, 131072 on CUDA; chc 8, 2048; Lagrangian chc 256, 16384)");
  cmd->add_option("--scenarios", args->scenarios, "Synthetic scenarios (default: 8 on CPU, 64 on CUDA; chc 2, 8; Lagrangian chc 8, 64)");
  cmd->add_option("--rounds", args->rounds, "Rounds per scenario (default: 16 on CPU, 100 on CUDA; chc 2, 4; Lagrangian chc 2, 16)");
  cmd->add_option("--repeats", args->repeats, "Runs per figure; the median is reported")->capture_default_str();
  cmd->add_option("--threads", args->threads, "CPU threads (0 = all)")->capture_default_str();
  cmd->add_flag("--no-percentiles", args->no_percentiles, "Means only: time the simulation without the sorts");
  cmd->add_option("--lagrange-iters", args->lagrange_iters,
                  "chc: 0 = exact planner; k = Lagrangian planner trying k prices of work")->capture_default_str();
  cmd->callback([args, cmd] {
    std::vector<spotsweep::Backend> backends;
    const spotsweep::DeviceInfo device = spotsweep::query_device();
    if (args->backend == "all") {
      backends.push_back(spotsweep::Backend::cpu);
      if (device.available) backends.push_back(spotsweep::Backend::cuda);
    } else {
      backends.push_back(spotsweep::resolve_backend(spotsweep::parse_backend(args->backend), device));
    }
    std::vector<const spotsweep::FamilyInfo*> families;
    std::string known;
    for (const auto& f : spotsweep::family_table()) {
      known += std::string(f.name) + ", ";
      if (args->family == "all" || args->family == f.name) families.push_back(&f);
    }
    if (families.empty())
      throw spotsweep::input_error("command line", "--family", args->family, "unknown family (" + known + "all)");
    spotsweep::cli::check_at_least("--repeats", args->repeats, 1);
    spotsweep::cli::check_at_least("--threads", args->threads, 0);
    spotsweep::check_axis_value(spotsweep::family_axis(spotsweep::FamilyId::chc, "lagrange_iters"),
                                args->lagrange_iters, "command line", "--lagrange-iters");
    // Given counts must be positive; left out, they take the backend's default.
    for (const char* name : {"--members", "--scenarios", "--rounds"})
      if (cmd->count(name) > 0) spotsweep::cli::check_at_least(name, cmd->get_option(name)->as<int64_t>(), 1);
    std::printf("%-17s %-5s %9s %5s %6s %14s %9s %12s %14s %12s %12s\n", "family", "back", "members",
                "scen", "rounds", "steps", "median_s", "steps/s", "steps/s/core", "device_peak", "host_peak");
    for (spotsweep::Backend backend : backends) {
      const bool cuda = backend == spotsweep::Backend::cuda;
      spotsweep::SweepConfig config;
      config.file = "bench";
      config.seed = 1;
      config.workload.synthetic = true;
      config.workload.round_stride = 6;
      spotsweep::JobTemplate& job = config.job;
      job.base.n_min = 1;
      job.base.n_max = 16;
      job.base.alpha = 100;
      job.base.soft_deadline_s = 12 * 3600.0;
      job.base.hard_factor = 1.5;
      job.base.value_max = 400;
      job.base.miss_penalty = 100;
      job.base.reconfig_s = 300;
      job.fields[static_cast<int32_t>(spotsweep::JobField::work)] = {spotsweep::FieldDistribution::Kind::uniform, 1e7, 3e7};
      for (const spotsweep::FamilyInfo* family : families) {
        // CHC solves a 24-slot plan on every slot, some 1e5 times a rule's work per step with
        // the exact planner and some 500 times with the Lagrangian one (docs/chc.md), so its
        // default workloads are smaller.
        const bool chc = family->id == spotsweep::FamilyId::chc;
        const bool exact_chc = chc && args->lagrange_iters == 0;
        const int64_t members =
            args->members > 0 ? args->members
                              : (exact_chc ? (cuda ? 2048 : 8) : chc ? (cuda ? 16384 : 256) : (cuda ? 131072 : 2048));
        config.workload.scenarios =
            args->scenarios > 0 ? args->scenarios : (exact_chc ? (cuda ? 8 : 2) : (cuda ? 64 : 8));
        config.workload.rounds = args->rounds > 0 ? args->rounds
                                                  : (exact_chc ? (cuda ? 4 : 2) : chc ? (cuda ? 16 : 2) : (cuda ? 100 : 16));
        config.workload.synthetic_spec.n_slots = (config.workload.rounds - 1) * 6 + 200;
        config.pool = bench_pool(*family, members, job.base.n_max, chc ? args->lagrange_iters : 0);
        const spotsweep::SweepPlan plan = spotsweep::make_synthetic_plan(config);
        spotsweep::SweepOptions options;
        options.backend = backend;
        options.threads = args->threads;
        options.percentiles = !args->no_percentiles;
        std::vector<double> seconds;
        spotsweep::SweepResult result;
        for (int32_t i = 0; i < args->repeats; ++i) {
          result = spotsweep::run_sweep(plan, options);
          seconds.push_back(result.seconds);
        }
        std::sort(seconds.begin(), seconds.end());
        const double median = seconds[seconds.size() / 2];
        const double rate = result.policy_slot_steps / median;
        const std::string per_core = cuda ? "-" : std::to_string(static_cast<long long>(rate / result.threads));
        const std::string label =
            chc && args->lagrange_iters > 0 ? "chc/lagrange=" + std::to_string(args->lagrange_iters) : family->name;
        std::printf("%-17s %-5s %9lld %5d %6d %14lld %9.3f %12.4g %14s %12s %12s\n", label.c_str(),
                    spotsweep::backend_name(backend), static_cast<long long>(members), plan.scenarios.count,
                    plan.rounds, static_cast<long long>(result.policy_slot_steps), median, rate,
                    per_core.c_str(), cuda ? spotsweep::cli::mib(result.device_peak_bytes).c_str() : "-",
                    spotsweep::cli::mib(spotsweep::cli::host_peak_bytes()).c_str());
        std::fflush(stdout);
      }
    }
    std::printf("device: %s\n", device.available ? device.name.c_str() : device.why_not.c_str());
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"spotsweep: GPU-accelerated batch evaluation of deadline-aware spot scheduling "
               "policies for LLM fine-tuning"};
  app.set_version_flag("--version", std::string("spotsweep ") + SPOTSWEEP_VERSION);
  auto config_path = std::make_shared<std::string>();
  app.set_config("--config", "", "Read options from a TOML file; command-line options override it")
      ->each([config_path](const std::string& path) { *config_path = path; });
  app.require_subcommand(1);
  // A key the subcommand does not know (a typo, `n_max` for `n-max`, a misspelt table) is an
  // error rather than silently ignored; subcommands added below inherit this.
  app.allow_config_extras(CLI::config_extras_mode::error);
  add_traces_commands(app);
  add_simulate_command(app, config_path);
  add_predict_command(app);
  add_pool_command(app);
  add_sweep_command(app);
  add_bench_command(app);
  spotsweep::cli::add_select_command(app);
  spotsweep::cli::add_stress_command(app);
  spotsweep::cli::add_heatmap_command(app);
  spotsweep::cli::add_cbl_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version end here with status 0; every other parse error is bad input.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    std::string message = e.what();
    const std::string extra = "INI was not able to parse ";
    if (message.rfind(extra, 0) == 0) {
      // CLI11 names a table it could not place "<table>.++".
      std::string key = message.substr(extra.size());
      const bool table = key.size() > 3 && key.compare(key.size() - 3, 3, ".++") == 0;
      if (table) key = "[" + key.substr(0, key.size() - 3) + "]";
      message = *config_path + ": " + key + (table ? ": not a subcommand" : ": not an option of that subcommand") +
                " (tables are subcommand names, keys are option names without the leading --, e.g. "
                "[simulate] n-max = 4)";
    } else if (!config_path->empty() && message.find(*config_path) == std::string::npos)
      message += " (in " + *config_path + ")";
    std::cerr << "spotsweep: error: " << message << "\n";
    return 2;
  } catch (const spotsweep::InputError& e) {
    std::cerr << "spotsweep: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "spotsweep: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

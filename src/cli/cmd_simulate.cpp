// `spotsweep simulate`: one member of a pool family on one trace window, a per-slot CSV on
// request, and a summary beside OPT for the same job (docs/simulate.md).
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "spotsweep/config/job_template.hpp"
#include "spotsweep/config/pool.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/names.hpp"
#include "spotsweep/tools/simulate.hpp"

#include "commands.hpp"

namespace spotsweep::cli {

namespace {

// "--deadline-factor" for the axis "deadline_factor".
std::string option_for_axis(const std::string& axis) {
  std::string name = "--" + axis;
  for (char& c : name)
    if (c == '_') c = '-';
  return name;
}

constexpr NamedValue<ChcMode> kChcModeNames[] = {{"committed", ChcMode::committed},
                                                 {"averaged", ChcMode::averaged}};
constexpr NamedValue<WorkloadError> kWorkloadErrorNames[] = {{"none", WorkloadError::none},
                                                             {"bias", WorkloadError::bias},
                                                             {"random", WorkloadError::random}};

}  // namespace

void add_simulate_command(CLI::App& app, std::shared_ptr<std::string> config_path) {
  struct SimulateArgs {
    SimulateRequest request;
    std::string value_shape = "linear", trigger = "total", billing = "full_slot",
                chc_mode = "committed", workload_error = "none", throughput;
    double work_hours = 0.0, deadline_hours = 24.0;
    std::string max_host_mem = "80%";
    // --from-sweep: one member of a sweep, replayed.
    std::string from_sweep;
    int64_t member = 0;
    int32_t round = 0;
    std::vector<std::string> at;
    // Every family's axes, one option each (an axis two families share is one option).
    std::map<std::string, double> axis_values;
    std::map<std::string, CLI::Option*> axis_options;
  };
  auto args = std::make_shared<SimulateArgs>();
  SimulateRequest& rq = args->request;
  JobSpec& job = rq.job;
  auto* cmd = app.add_subcommand("simulate", "Run one policy on one trace window, beside OPT");
  auto* trace = path_option(cmd->add_option("--trace", rq.trace_path,
                                            "Native trace (.h5), see `spotsweep traces import`"));
  cmd->add_option("--start", rq.start_slot, "Tick at which the job starts")->capture_default_str();
  cmd->add_option("--policy", rq.policy, "A pool family: " + family_names())->capture_default_str();
  // The job (docs/model.md §2), with the defaults of a sweep file's [job] (docs/sweep.md).
  auto* work = cmd->add_option("--work", job.work, "L, samples")->capture_default_str();
  auto* work_hours =
      cmd->add_option("--work-hours", args->work_hours, "L as hours of compute on N_max GPUs");
  work->excludes(work_hours);
  cmd->add_option("--deadline-hours,--deadline-h", args->deadline_hours,
                  "d, soft deadline from the start, hours")
      ->capture_default_str();
  cmd->add_option("--gamma", job.hard_factor, "γ: hard deadline γ·d")->capture_default_str();
  cmd->add_option("--n-min", job.n_min, "N_min GPUs when running")->capture_default_str();
  cmd->add_option("--n-max", job.n_max, "N_max GPUs")->capture_default_str();
  cmd->add_option(
      "--throughput", args->throughput,
      "Preset for H(n) = α·n + β (" + throughput_preset_names() + "); default: --alpha and --beta");
  auto* alpha = cmd->add_option("--alpha", job.alpha, "α, samples/s per GPU (overrides the preset)")
                    ->capture_default_str();
  auto* beta = cmd->add_option("--beta", job.beta, "β, samples/s (overrides the preset)")
                   ->capture_default_str();
  cmd->add_option("--value", job.value_max, "V̄, USD for finishing by d")->capture_default_str();
  cmd->add_option("--value-shape", args->value_shape, "linear, step or exp between d and γ·d")
      ->capture_default_str();
  cmd->add_option("--value-shape-param", job.value_shape_param, "Step level, or exponential rate")
      ->capture_default_str();
  cmd->add_option("--miss-penalty", job.miss_penalty, "P_miss, USD")->capture_default_str();
  cmd->add_option("--reconfig-s", job.reconfig_s,
                  "R, seconds of compute lost per change (0.2 h = 720)")
      ->capture_default_str();
  cmd->add_option("--trigger", args->trigger, "What restarts the job: total or composition")
      ->capture_default_str();
  cmd->add_option("--billing", args->billing, "Finishing slot billed: slot or second")
      ->capture_default_str();
  // The policy's parameters: the family axes of the pool table (docs/pool.md), with their
  // defaults; each applies to the families that have it.
  for (const FamilyInfo& family : family_table()) {
    for (const AxisSpec& axis : family.axes) {
      if (std::string(axis.name) == "predictor") continue;  // --predictor NAME, below
      auto found = args->axis_options.find(axis.name);
      if (found != args->axis_options.end()) {
        found->second->description(found->second->get_description() + "; " + family.name);
        continue;
      }
      std::string names = option_for_axis(axis.name);
      if (std::string(axis.name) == "n_gpus") names += ",--od-gpus";  // its older spelling
      double& value = args->axis_values[axis.name];
      value = axis.default_value;
      args->axis_options[axis.name] =
          cmd->add_option(names, value, std::string(axis.meaning) + ". Family: " + family.name)
              ->capture_default_str();
    }
  }
  auto* chc_mode =
      cmd->add_option("--chc-mode", args->chc_mode, "chc: committed or averaged (--mode 0 or 1)")
          ->capture_default_str();
  chc_mode->excludes(args->axis_options.at("mode"));
  cmd->add_option("--predictor", rq.predictor,
                  "chc: oracle, last, seasonal, holt-winters or ar (the pool's predictor axis)")
      ->capture_default_str();
  cmd->add_option("--seed", rq.seed, "Seed of the forecast and workload draws")
      ->capture_default_str();
  cmd->add_option("--scenario", rq.scenario,
                  "Scenario key of those draws (a sweep's scenario index)")
      ->capture_default_str();
  cmd->add_option("--workload-error", args->workload_error, "none, bias or random: policies see L̂")
      ->capture_default_str();
  cmd->add_option("--eps-l", rq.eps_workload, "ε_L of the workload estimate")
      ->capture_default_str();
  // OPT and outputs.
  cmd->add_flag("!--no-opt", rq.with_opt, "Skip OPT");
  cmd->add_option("--opt-resolution", rq.opt_resolution, "OPT progress steps per slot at N_min")
      ->capture_default_str();
  path_option(cmd->add_option("--slot-csv", rq.slot_csv, "Write the per-slot log to this CSV"));
  add_host_memory_option(*cmd, args->max_host_mem);
  // Replaying one member of a sweep (docs/simulate.md).
  auto* from_sweep = path_option(cmd->add_option(
      "--from-sweep", args->from_sweep,
      "Replay one member of this sweep output (with --member, --scenario, --round)"));
  cmd->add_option("--member", args->member, "--from-sweep: the member's global index")
      ->capture_default_str();
  cmd->add_option("--round", args->round, "--from-sweep: the round (0-based)")
      ->capture_default_str();
  cmd->add_option("--at", args->at,
                  "--from-sweep: the point of the sweep's scenario axes, KEY=VALUE (repeatable)")
      ->allow_extra_args(false);
  trace->excludes(from_sweep);
  cmd->callback([args, work_hours, alpha, beta, chc_mode, config_path, trace, from_sweep, cmd] {
    apply_host_memory_option(args->max_host_mem);
    if (from_sweep->count() > 0) {
      // Everything but the member, the scenario, the round and the outputs comes from the
      // sweep.
      for (const char* option :
           {"--work", "--work-hours", "--deadline-hours", "--gamma", "--n-min", "--n-max",
            "--throughput", "--alpha", "--beta", "--value", "--policy", "--seed", "--start"})
        if (cmd->count(option) > 0)
          throw input_error("", option, "", "comes from the sweep with --from-sweep");
      FromSweepRequest replay;
      replay.sweep_path = args->from_sweep;
      replay.member = args->member;
      replay.scenario = static_cast<int32_t>(args->request.scenario);
      replay.round = args->round;
      replay.with_opt = args->request.with_opt;
      replay.slot_csv = args->request.slot_csv;
      for (const std::string& at : args->at) {
        const size_t eq = at.find('=');
        double v = 0;
        size_t used = 0;
        try {
          v = eq == std::string::npos ? 0 : std::stod(at.substr(eq + 1), &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (eq == std::string::npos || used != at.size() - eq - 1)
          throw input_error("", "--at", at, "expected KEY=VALUE, e.g. deadline_h=6");
        replay.at.emplace_back(at.substr(0, eq), v);
      }
      const FromSweepReport report = run_simulate_from_sweep(replay);
      print_from_sweep_report(replay, report, std::cout);
      return;
    }
    if (trace->count() == 0)
      throw input_error("", "--trace", "",
                        "required (or --from-sweep FILE to replay a sweep member)");
    SimulateRequest request = args->request;
    request.source = config_path->empty() ? "command line" : *config_path + " [simulate]";
    JobSpec& j = request.job;
    if (!args->throughput.empty()) {
      const ThroughputPreset* preset = find_throughput_preset(args->throughput);
      if (!preset)
        throw input_error("", "--throughput", args->throughput,
                          "unknown preset; choose " + throughput_preset_names());
      if (!*alpha) j.alpha = preset->alpha;
      if (!*beta) j.beta = preset->beta;
    }
    // --work-hours is converted on N_max GPUs: the counts are checked first.
    if (j.n_max < 1)
      throw input_error(request.source, "n_max", std::to_string(j.n_max), "must be at least 1");
    if (*work_hours) j.work = args->work_hours * 3600.0 * throughput(j, j.n_max);
    // One spelling per policy: the pool's (uniform_progress); older ones work, with a note
    // once the run has succeeded (an error stays one line).
    std::string note;
    if (const FamilyInfo* family = find_family(request.policy))
      if (request.policy != family->name) {
        note = "simulate: note: --policy " + request.policy + " is an older spelling of " +
               family->name + "\n";
        request.policy = family->name;
      }
    j.soft_deadline_s = args->deadline_hours * 3600.0;
    // The sweep file's [job] words, and simulate's shorter ones (exp, slot, second).
    j.value_shape = parse_named(kValueShapeNames, args->value_shape, "", "--value-shape");
    j.trigger = parse_named(kTriggerNames, args->trigger, "", "--trigger");
    j.billing = parse_named(kBillingNames, args->billing, "", "--billing");
    for (const auto& [name, option] : args->axis_options)
      if (option->count() > 0) request.params[name] = args->axis_values.at(name);
    if (chc_mode->count() > 0)
      request.params["mode"] =
          static_cast<double>(parse_named(kChcModeNames, args->chc_mode, "", "--chc-mode"));
    request.workload_error =
        parse_named(kWorkloadErrorNames, args->workload_error, "", "--workload-error");
    const SimulateReport report = run_simulate(request);
    print_simulate_report(request, report, std::cout);
    std::cerr << note;
  });
}

}  // namespace spotsweep::cli

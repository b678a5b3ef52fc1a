#include "spotsweep/tools/simulate.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <memory>
#include <sstream>

#include "spotsweep/config/sweep_config.hpp"
#include "spotsweep/config/validation.hpp"
#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/h5.hpp"
#include "spotsweep/detail/memory.hpp"
#include "spotsweep/detail/text.hpp"
#include "spotsweep/market/learned_predictor.hpp"
#include "spotsweep/market/trace_io.hpp"
#include "spotsweep/model/policies.hpp"
#include "spotsweep/sweep/plan.hpp"

namespace spotsweep {

namespace {

const ThroughputPreset kPresets[] = {
    {"llama3-8b-lora-h100", 4.3478, 0.0,
     "dgxc_ft_llama3_8b, Llama-3-8B LoRA BF16, H100, samples of 4096 tokens"},
    {"mistral-7b-peft-h100", 2.7240, -5.579, "dgxc_hf_mistral_7b, n <= 32 fit, samples/s"},
    {"qwen-7b-lora-a100-seq2048", 0.6403, 0.8981, "qwen_readme_profiling, seq 2048, samples/s"},
    {"qwen-7b-lora-a100-seq256", 2.8815, 3.7852, "qwen_readme_profiling, seq 256, samples/s"},
    {"llama2-13b-lora-a100", 0.4265, 4.7982, "litgpt_resource_tables, 13B, n = 1, 4"},
    {"mpt-7b-a100", 1.7666, 0.789, "mosaic_llmfoundry, MPT-7B full, samples of 2048 tokens"},
    {"unit", 1.0, 0.0, "1 sample/s per GPU: work is measured in GPU-seconds"},
};

LearnedModel learned_model(const std::string& name) {
  LearnedModel model;
  if (!parse_learned_model(name, &model))
    throw input_error("", "--predictor", name, "choose oracle, seasonal, holt-winters, ar or last");
  return model;
}

// Per-slot CSV, written to a temporary name and renamed by commit().
class SlotCsv {
 public:
  explicit SlotCsv(OutputFile& reserved) : file_(reserved), out_(file_.stream()) {
    out_ << "slot,market_slot,elapsed_h,spot_price,od_price,spot_avail,proposed_od,"
            "proposed_spot,n_od,n_spot,reconfigured,net_override,work_done,overhead_s,cost\n";
    out_ << std::setprecision(10);
  }
  void operator()(const SlotRecord& r) {
    out_ << r.obs.slot << ',' << r.obs.market_slot << ',' << r.obs.elapsed_s / 3600.0 << ','
         << r.obs.spot_price << ',' << r.obs.od_price << ',' << r.obs.spot_avail << ','
         << r.proposed.n_od << ',' << r.proposed.n_spot << ',' << r.applied.n_od << ','
         << r.applied.n_spot << ',' << int(r.reconfigured) << ',' << int(r.net_override) << ','
         << r.work_after << ',' << r.overhead_after_s << ',' << r.cost_after << '\n';
  }
  void commit() { file_.commit(); }

 private:
  AtomicTextFile file_;
  std::ostream& out_;
};

std::string hours(double seconds) {
  if (seconds < 0) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(3) << seconds / 3600.0 << " h";
  return s.str();
}

}  // namespace

const ThroughputPreset* find_throughput_preset(const std::string& name) {
  for (const ThroughputPreset& p : kPresets)
    if (name == p.name) return &p;
  return nullptr;
}

std::string throughput_preset_names() {
  std::string names;
  for (const ThroughputPreset& p : kPresets)
    names += (names.empty() ? "" : ", ") + std::string(p.name);
  return names;
}

// "--window" for the axis "window": how the command line names an axis in messages.
std::string option_name(const std::string& axis) {
  std::string name = "--" + axis;
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

SimulateReport run_simulate(const SimulateRequest& rq) {
  const FamilyInfo* family = find_family(rq.policy);
  if (!family)
    throw input_error(rq.source, "--policy", rq.policy, "unknown policy; choose " + family_names());
  // Named by the option that gave it (the trace reader names only the file).
  if (::access(rq.trace_path.c_str(), F_OK) != 0)
    throw input_error(rq.source, "--trace", rq.trace_path, "no such file");
  // The per-slot log is reserved first: a bad path, or the trace itself, fails at once.
  std::unique_ptr<OutputFile> csv_output;
  if (!rq.slot_csv.empty())
    csv_output = std::make_unique<OutputFile>(rq.slot_csv, "--slot-csv",
                                              std::vector<std::string>{rq.trace_path});
  const Trace trace = load_trace(rq.trace_path);
  JobSpec job = rq.job;
  validate_job(job, rq.source);
  validate_job_window(job, trace.view(), rq.start_slot, rq.trace_path);
  const int32_t horizon = checked_horizon_slots(job, trace.tick_seconds, rq.source);
  double dearest = trace.od_price;
  for (int32_t t = rq.start_slot; t < rq.start_slot + horizon; ++t)
    dearest = std::max(dearest, trace.spot_price[static_cast<size_t>(t)]);
  validate_job_cost(job, trace.tick_seconds, dearest, rq.source, rq.trace_path);
  // The member: the family's defaults, overridden by the values given, under the pool's rules
  // (docs/pool.md), so that what runs here is what a one-member pool would run.
  SimulateReport report;
  for (const AxisSpec& axis : family->axes)
    report.params.push_back(axis.default_value);
  for (const auto& [name, value] : rq.params) {
    const int32_t index = axis_index(*family, name);
    if (index < 0) {
      std::string options;
      for (const AxisSpec& a : family->axes)
        options += (options.empty() ? "" : ", ") + option_name(a.name);
      throw input_error(rq.source, option_name(name), format_number(value),
                        std::string("not an option of policy ") + family->name + " (" +
                            (options.empty() ? "it has none" : "its options: " + options) + ")");
    }
    check_axis_value(family->axes[index], value, rq.source, option_name(name));
    report.params[index] = value;
  }
  for (int32_t i = 0; i < family->orders.count; ++i) {
    const AxisOrder order = family->orders.items[i];
    if (report.params[order.smaller] > report.params[order.larger])
      throw input_error(rq.source, option_name(family->axes[order.smaller].name),
                        format_number(report.params[order.smaller]),
                        "exceeds " + option_name(family->axes[order.larger].name) + " = " +
                            format_number(report.params[order.larger]));
  }
  const bool chc = family->id == family_id<ChcFamily>;
  if (rq.predictor != "oracle" && !chc)
    throw input_error(rq.source, "--predictor", rq.predictor, "only chc plans on forecasts");
  // --predictor NAME is the pool's predictor axis: code = LearnedModel + 1 (docs/pool.md).
  if (rq.predictor != "oracle")
    report.params[ChcFamily::predictor] = static_cast<double>(learned_model(rq.predictor)) + 1.0;
  if (chc && report.params[ChcFamily::predictor] != 0.0 && report.params[ChcFamily::eps] != 0.0)
    throw input_error(rq.source, "--eps", format_number(report.params[ChcFamily::eps]),
                      "the noisy oracle's level; a learned predictor (--predictor " +
                          std::string(learned_model_name(static_cast<LearnedModel>(
                              report.params[ChcFamily::predictor] - 1.0))) +
                          ") does not use it");
  if (!(rq.opt_resolution >= 1))
    throw input_error(rq.source, "--opt-resolution", std::to_string(rq.opt_resolution),
                      "must be at least 1");
  OptOptions opt_options;
  opt_options.resolution = rq.opt_resolution;
  if (rq.with_opt) {
    const std::string value = std::to_string(rq.opt_resolution);
    check_opt_lattice(job, trace.tick_seconds, opt_options, rq.source, "--opt-resolution", value);
    check_host_memory(opt_lattice(job, trace.tick_seconds, opt_options).bytes(true), "OPT's tables",
                      rq.source, "--opt-resolution", value,
                      "lower --opt-resolution, or give --no-opt");
  }
  if (chc) {
    const double* p = report.params.data();
    const std::string value = format_number(p[ChcFamily::resolution]);
    const double bytes =
        check_chc_planner(job, trace.tick_seconds, p[ChcFamily::window], p[ChcFamily::resolution],
                          p[ChcFamily::lagrange_iters] == 0.0, rq.source, "--resolution", value,
                          p[ChcFamily::commit]);
    check_host_memory(bytes, "CHC's planner", rq.source, "--resolution", value,
                      "lower --window or --resolution, or plan with --lagrange-iters");
  }
  // As [job] work_error: the estimate L·(1 + eps) must stay positive; a random spread is >= 0.
  if (!std::isfinite(rq.eps_workload) ||
      (rq.workload_error == WorkloadError::bias && !(rq.eps_workload > -1.0)) ||
      (rq.workload_error == WorkloadError::random && !(rq.eps_workload >= 0.0)))
    throw input_error(rq.source, "--eps-l", format_number(rq.eps_workload),
                      rq.workload_error == WorkloadError::random
                          ? "must be a non-negative spread"
                          : "must be above -1 (policies see L·(1 + eps) > 0)");
  if (rq.workload_error != WorkloadError::none)
    job.work_estimate =
        workload_estimate(job.work, rq.eps_workload, rq.workload_error, rq.seed, rq.scenario, 0);

  MemberContext context;
  context.market = context.forecast_market = trace.view();
  context.seed = rq.seed;
  context.scenario = rq.scenario;
  context.capacity = trace.capacity;
  report.horizon_slots = horizon_slots(job, trace.tick_seconds);
  report.tick_seconds = trace.tick_seconds;
  // A learned member's table: from the whole trace's history, at the job's planning slots, as
  // a pool's is at its scenario window's (docs/predict.md, "In pools").
  ForecastTable table;
  ForecastTableView tables[kLearnedModels] = {};
  if (chc && report.params[ChcFamily::predictor] != 0.0) {
    const int32_t model = static_cast<int32_t>(report.params[ChcFamily::predictor]) - 1;
    LearnedPredictorOptions options;
    options.avail_max = trace.capacity;
    table = make_forecast_table(context.market, rq.start_slot, report.horizon_slots,
                                static_cast<int32_t>(report.params[ChcFamily::window]),
                                static_cast<LearnedModel>(model), options);
    tables[model] = table.view();
    context.learned_tables = tables;
  }
  PlanStats stats;
  if (rq.slot_csv.empty()) {
    NullSlotLogger log;
    report.policy = simulate_member_alone(family->id, report.params.data(), context, job,
                                          rq.start_slot, log, &stats);
  } else {
    SlotCsv log(*csv_output);
    report.policy = simulate_member_alone(family->id, report.params.data(), context, job,
                                          rq.start_slot, log, &stats);
    log.commit();
  }
  report.chc_plans = stats.plans_made;
  report.chc_largest_plan_gap = stats.largest_plan_gap;
  OnDemandOnlyPolicy od;
  report.on_demand_cost = simulate(job, trace.view(), rq.start_slot, od).cost;
  if (rq.with_opt) {
    report.opt = solve_opt(job, trace.view(), rq.start_slot, opt_options);
    report.with_opt = true;
  }
  return report;
}

void print_simulate_report(const SimulateRequest& rq, const SimulateReport& r, std::ostream& out) {
  const Outcome& p = r.policy;
  out << std::fixed << std::setprecision(4);
  out << "trace      " << rq.trace_path << " from tick " << rq.start_slot << ", " << r.horizon_slots
      << " ticks of " << r.tick_seconds << " s to the hard deadline\n";
  out << "policy     " << rq.policy << "\n";
  const FamilyInfo* family = find_family(rq.policy);
  if (family && family->id == family_id<ChcFamily>) {
    const int32_t lagrange_iters = static_cast<int32_t>(r.params[ChcFamily::lagrange_iters]);
    out << "planner    " << r.chc_plans << " plans, ";
    if (lagrange_iters == 0)
      out << "exact on the progress lattice\n";
    else
      out << "Lagrangian (" << lagrange_iters << " prices of work), each within " << std::fixed
          << std::setprecision(4) << r.chc_largest_plan_gap << " USD of its window's optimum\n";
  }
  out << "\n";
  out << std::left << std::setw(16) << "" << std::setw(14) << "policy"
      << "OPT\n";
  auto row = [&](const char* name, const std::string& a, const std::string& b) {
    out << std::setw(16) << name << std::setw(14) << a << b << "\n";
  };
  auto num = [](double v) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(4) << v;
    return s.str();
  };
  const OptResult& o = r.opt;
  const bool opt = r.with_opt;
  row("utility", num(p.utility), opt ? num(o.utility) : "-");
  row("cost (USD)", num(p.cost), opt ? num(o.cost) : "-");
  row("value (USD)", num(p.value), "-");
  row("completion", hours(p.finish_s), opt ? hours(o.finish_s) : "-");
  row("missed", p.missed ? "yes" : "no", opt ? (o.missed ? "yes" : "no") : "-");
  row("spot share", num(p.spot_share()), opt ? num(o.spot_share) : "-");
  row("reconfigs", std::to_string(p.reconfigs), opt ? std::to_string(o.reconfigs) : "-");
  row("net overrides", std::to_string(p.net_overrides), "-");
  if (opt) {
    out << "\nOPT bracket  [" << num(o.utility_lower) << ", " << num(o.utility_upper)
        << "] on a progress lattice of " << o.progress_buckets << " steps"
        << (o.lattice_too_coarse ? " (lattice too coarse: lower = best on-demand plan)" : "")
        << "\n";
  }
  out << "on-demand only cost  " << num(r.on_demand_cost) << " USD\n";
}

namespace {

bool same_outcome(const Outcome& a, const Outcome& b) {
  return a.utility == b.utility && a.value == b.value && a.cost == b.cost &&
         a.finish_s == b.finish_s && a.od_gpu_s == b.od_gpu_s && a.spot_gpu_s == b.spot_gpu_s &&
         a.missed == b.missed && a.reconfigs == b.reconfigs && a.net_overrides == b.net_overrides &&
         a.slots == b.slots;
}

}  // namespace

FromSweepReport run_simulate_from_sweep(const FromSweepRequest& rq) {
  const std::string& path = rq.sweep_path;
  if (::access(path.c_str(), F_OK) != 0)
    throw input_error(path, "--from-sweep", "", "no such file");
  check_input_file(path, "--from-sweep");  // a FIFO or a device would block or mislead HDF5
  std::string config_text;
  h5::QuietHdf5 quiet;
  h5::OptionalHandle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok())
    throw input_error(path, "--from-sweep", "", "not an HDF5 file (expected a sweep's output)");
  config_text = h5::read_string_attr(file, "config");
  if (config_text.empty() || !h5::path_exists(file, "families"))
    throw input_error(path, "--from-sweep", "",
                      "no stored configuration: not an output of `spotsweep sweep`");
  const TomlDocument doc = parse_toml_text(config_text, path + " (its stored config)");
  const SweepConfig config = parse_sweep_config(doc);
  int32_t opt_buckets = 256, opt_resolution = 0;
  if (const TomlSection* sweep = doc.find("sweep"))
    for (const TomlEntry& e : sweep->entries) {
      if (e.key == "opt_buckets") opt_buckets = static_cast<int32_t>(toml_integer(doc, e));
      if (e.key == "opt_resolution") opt_resolution = static_cast<int32_t>(toml_integer(doc, e));
    }
  // The per-slot log is reserved before the run: a bad path, the sweep file or its trace fails
  // at once.
  std::unique_ptr<OutputFile> csv_output;
  if (!rq.slot_csv.empty())
    csv_output =
        std::make_unique<OutputFile>(rq.slot_csv, "--slot-csv",
                                     std::vector<std::string>{path, config.workload.trace_path,
                                                              config.workload.forecast_trace_path});

  // The point of the scenario axes.
  FromSweepReport out;
  int64_t point = 0;
  for (const auto& [key, value] : rq.at) {
    bool known = false;
    for (const ScenarioAxis& a : config.scenario_axes)
      known = known || a.key == key;
    if (!known)
      throw input_error(path, "--at", key + "=" + format_number(value),
                        config.scenario_axes.empty() ? "the sweep has no scenario axes"
                                                     : "not a scenario axis of the sweep");
  }
  for (const ScenarioAxis& a : config.scenario_axes) {
    std::vector<std::string> values;
    for (double v : a.values)
      values.push_back(format_number(v));
    int64_t digit = -1;
    for (const auto& [key, value] : rq.at)
      if (key == a.key)
        for (size_t i = 0; i < a.values.size(); ++i)
          if (std::fabs(a.values[i] - value) <= 1e-9 * std::max(1.0, std::fabs(value)))
            digit = static_cast<int64_t>(i);
    if (digit < 0)
      throw input_error(path, "--at", a.key,
                        "give a value of the sweep's scenario axis: --at " + a.key +
                            "=V with V in " + join(values));
    point = point * static_cast<int64_t>(a.values.size()) + digit;
    out.point += (out.point.empty() ? "" : ", ") + a.key + " = " +
                 format_number(a.values[static_cast<size_t>(digit)]);
  }
  const SweepPlan plan = make_plan(sweep_config_at(config, point));
  if (rq.member < 0 || rq.member >= plan.pool.size)
    throw input_error(path, "--member", std::to_string(rq.member),
                      "outside the pool's " + std::to_string(plan.pool.size) + " members");
  if (rq.scenario < 0 || rq.scenario >= plan.scenarios.count)
    throw input_error(path, "--scenario", std::to_string(rq.scenario),
                      "the sweep has scenarios 0 to " + std::to_string(plan.scenarios.count - 1));
  if (rq.round < 0 || rq.round >= plan.rounds)
    throw input_error(path, "--round", std::to_string(rq.round),
                      "the sweep has rounds 0 to " + std::to_string(plan.rounds - 1));

  const MemberRef ref = plan.pool.locate(rq.member);
  const FamilyGrid& grid = plan.pool.families[static_cast<size_t>(ref.family_index)];
  SimulateReport& report = out.report;
  report.params = plan.pool.parameters(rq.member);
  out.description = plan.pool.describe_member(rq.member);
  out.trace_name = plan.trace_name;
  out.window_start = plan.round_start[static_cast<size_t>(rq.round)];
  out.window_first_slot = plan.scenarios.source_slot[static_cast<size_t>(rq.scenario)];
  const ScenarioBatchView view = plan.scenarios.view();
  const MemberContext context = view.context(rq.scenario, nullptr);
  const JobSpec& job = plan.job(rq.scenario, rq.round);
  report.horizon_slots = horizon_slots(job, plan.scenarios.tick_seconds);
  report.tick_seconds = plan.scenarios.tick_seconds;
  PlanStats stats;
  if (rq.slot_csv.empty()) {
    NullSlotLogger log;
    report.policy = simulate_member_alone(grid.family, report.params.data(), context, job,
                                          out.window_start, log, &stats);
  } else {
    SlotCsv log(*csv_output);
    report.policy = simulate_member_alone(grid.family, report.params.data(), context, job,
                                          out.window_start, log, &stats);
    log.commit();
  }
  report.chc_plans = stats.plans_made;
  report.chc_largest_plan_gap = stats.largest_plan_gap;
  OnDemandOnlyPolicy od;
  report.on_demand_cost = simulate(job, context.market, out.window_start, od).cost;
  if (rq.with_opt && opt_buckets > 0) {
    // The sweep's lattice: L/opt_buckets, or Δ·H(N_min)/opt_resolution when it ran with
    // --opt-resolution (compute_opt_table), so that the lower values compare bit for bit.
    OptOptions options;
    options.progress_buckets = opt_resolution > 0 ? 0 : opt_buckets;
    options.resolution = opt_resolution;
    const std::string field = opt_resolution > 0 ? "sweep.opt_resolution" : "sweep.opt_buckets";
    const std::string value = std::to_string(opt_resolution > 0 ? opt_resolution : opt_buckets);
    check_opt_lattice(job, plan.scenarios.tick_seconds, options, path, field, value);
    check_host_memory(opt_lattice(job, plan.scenarios.tick_seconds, options).bytes(true),
                      "OPT's tables", path, field, value, "give --no-opt");
    report.opt = solve_opt(job, context.market, out.window_start, options);
    report.with_opt = true;
  }

  // What the sweep kept of the same job: the traced outcome and OPT.
  const int64_t S = plan.scenarios.count, R = plan.rounds;
  if (h5::path_exists(file, "traced_members/member")) {
    const std::vector<int64_t> traced = h5::read_dataset<int64_t>(
        file, "traced_members/member", H5T_NATIVE_INT64, H5T_INTEGER, "int64", path);
    const int64_t K = static_cast<int64_t>(traced.size());
    for (int64_t k = 0; k < K; ++k) {
      if (traced[static_cast<size_t>(k)] != rq.member) continue;
      const size_t at = static_cast<size_t>(((point * K + k) * S + rq.scenario) * R + rq.round);
      auto doubles = [&](const char* name) {
        return h5::read_dataset<double>(file, std::string("traced_members/") + name,
                                        H5T_NATIVE_DOUBLE, H5T_FLOAT, "float64", path)[at];
      };
      auto ints = [&](const char* name) {
        return h5::read_dataset<int32_t>(file, std::string("traced_members/") + name,
                                         H5T_NATIVE_INT32, H5T_INTEGER, "int32", path)[at];
      };
      Outcome& o = out.sweep_outcome;
      o.utility = doubles("utility");
      o.value = doubles("value");
      o.cost = doubles("cost");
      o.finish_s = doubles("finish_s");
      o.od_gpu_s = doubles("od_gpu_s");
      o.spot_gpu_s = doubles("spot_gpu_s");
      o.missed = ints("missed");
      o.reconfigs = ints("reconfigs");
      o.net_overrides = ints("net_overrides");
      o.slots = ints("slots");
      out.traced = true;
    }
  }
  if (h5::path_exists(file, "opt/utility_lower")) {
    const std::vector<double> lower = h5::read_dataset<double>(
        file, "opt/utility_lower", H5T_NATIVE_DOUBLE, H5T_FLOAT, "float64", path);
    out.sweep_opt_lower = lower[static_cast<size_t>((point * S + rq.scenario) * R + rq.round)];
    out.has_opt = true;
  }
  return out;
}

void print_from_sweep_report(const FromSweepRequest& rq, const FromSweepReport& r,
                             std::ostream& out) {
  SimulateRequest shown;
  shown.trace_path = rq.sweep_path + ": scenario " + std::to_string(rq.scenario) + " (" +
                     r.trace_name + " from slot " + std::to_string(r.window_first_slot) +
                     "), round " + std::to_string(rq.round) +
                     (r.point.empty() ? std::string() : ", " + r.point) + ";";
  shown.start_slot = r.window_start;
  shown.policy = r.description;
  print_simulate_report(shown, r.report, out);
  if (r.traced) {
    const bool same = same_outcome(r.report.policy, r.sweep_outcome);
    out << "sweep's traced outcome  " << (same ? "equal, bit for bit" : "DIFFERENT") << "\n";
  } else {
    out << "sweep's traced outcome  - (member " << rq.member
        << " was not traced; --trace-members keeps one)\n";
  }
  if (r.has_opt && r.report.with_opt)
    out << "sweep's OPT (lower)     "
        << (r.report.opt.utility_lower == r.sweep_opt_lower ? "equal, bit for bit" : "DIFFERENT")
        << "\n";
}

}  // namespace spotsweep

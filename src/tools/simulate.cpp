#include "spotsweep/tools/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <memory>
#include <sstream>

#include "spotsweep/config/validation.hpp"
#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"
#include "spotsweep/market/learned_predictor.hpp"
#include "spotsweep/market/trace_io.hpp"
#include "spotsweep/model/policies.hpp"

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
                          p[ChcFamily::lagrange_iters] == 0.0, rq.source, "--resolution", value);
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
  ForecastTable table;
  if (rq.predictor != "oracle") {
    LearnedPredictorOptions options;
    options.avail_max = trace.capacity;
    table = make_forecast_table(context.market, rq.start_slot, report.horizon_slots,
                                static_cast<int32_t>(report.params[ChcFamily::window]),
                                learned_model(rq.predictor), options);
    context.forecast_table = table.view();
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

}  // namespace spotsweep

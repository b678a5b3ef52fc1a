#include "spotsweep/tools/simulate.hpp"

#include "spotsweep/detail/atomic_file.hpp"

#include <cstdio>
#include <iomanip>
#include <sstream>

#include "spotsweep/tools/chc_alone.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/config/validation.hpp"
#include "spotsweep/model/policies.hpp"
#include "spotsweep/config/pool.hpp"
#include "spotsweep/market/trace_io.hpp"

namespace spotsweep {

namespace {

constexpr const char* kPolicyNames[] = {"on-demand", "greedy", "uniform-progress", "pf", "chc"};

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
  explicit SlotCsv(const std::string& path) : file_(path, "--slot-csv"), out_(file_.stream()) {
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

template <class Log>
Outcome run_policy(const SimulateRequest& rq, const JobSpec& job, const Trace& trace, Log& log,
                   int32_t* plans_made, double* largest_plan_gap) {
  const MarketView market = trace.view();
  switch (rq.policy) {
    case PolicyKind::on_demand: {
      OnDemandOnlyPolicy p{rq.od_gpus};
      return simulate(job, market, rq.start_slot, p, log);
    }
    case PolicyKind::greedy: {
      GreedyPolicy p{rq.deadline_factor};
      return simulate(job, market, rq.start_slot, p, log);
    }
    case PolicyKind::uniform_progress: {
      UniformProgressPolicy p{rq.deadline_factor};
      return simulate(job, market, rq.start_slot, p, log);
    }
    case PolicyKind::prediction_free: {
      PredictionFreePolicy p = rq.pf;
      return simulate(job, market, rq.start_slot, p, log);
    }
    case PolicyKind::chc:
    default: {
      if (rq.predictor == "oracle") {
        const OracleForecaster f{market, make_noisy_oracle(rq.seed, rq.scenario, rq.eps, rq.growth,
                                                           trace.capacity, rq.chc.window)};
        return simulate_chc(job, market, rq.start_slot, rq.chc, f, log, plans_made,
                            largest_plan_gap);
      }
      LearnedPredictorOptions options;
      options.avail_max = trace.capacity;
      const int32_t horizon = horizon_slots(job, market.tick_seconds);
      const ForecastTable table =
          make_forecast_table(market, rq.start_slot, horizon, rq.chc.window,
                              learned_model(rq.predictor), options);
      const TableForecaster f{table.view()};
      return simulate_chc(job, market, rq.start_slot, rq.chc, f, log, plans_made,
                          largest_plan_gap);
    }
  }
}

std::string hours(double seconds) {
  if (seconds < 0) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(3) << seconds / 3600.0 << " h";
  return s.str();
}

}  // namespace

PolicyKind parse_policy_kind(const std::string& name) {
  for (int i = 0; i < 5; ++i)
    if (name == kPolicyNames[i]) return static_cast<PolicyKind>(i);
  throw input_error("", "--policy", name,
                    "unknown policy; choose on-demand, greedy, uniform-progress, pf or chc");
}

const char* policy_kind_name(PolicyKind kind) { return kPolicyNames[static_cast<int>(kind)]; }

const ThroughputPreset* find_throughput_preset(const std::string& name) {
  for (const ThroughputPreset& p : kPresets)
    if (name == p.name) return &p;
  return nullptr;
}

std::string throughput_preset_names() {
  std::string names;
  for (const ThroughputPreset& p : kPresets) names += (names.empty() ? "" : ", ") + std::string(p.name);
  return names;
}

SimulateReport run_simulate(const SimulateRequest& rq) {
  const Trace trace = load_trace(rq.trace_path);
  JobSpec job = rq.job;
  validate_job(job, rq.source);
  validate_job_window(job, trace.view(), rq.start_slot, rq.trace_path);
  if (rq.policy == PolicyKind::chc) {
    validate_chc_params(rq.chc, rq.source);
    if (!(rq.eps >= 0.0)) throw input_error(rq.source, "eps", format_number(rq.eps), "must be non-negative");
    if (rq.predictor != "oracle") learned_model(rq.predictor);
  }
  // The policy's parameters obey the pool's axis ranges (docs/pool.md).
  const auto check = [&](FamilyId family, const char* axis, const char* option, double v) {
    check_axis_value(family_axis(family, axis), v, rq.source, option);
  };
  switch (rq.policy) {
    case PolicyKind::on_demand: check(FamilyId::on_demand, "n_gpus", "--od-gpus", rq.od_gpus); break;
    case PolicyKind::greedy:
      check(FamilyId::greedy, "deadline_factor", "--deadline-factor", rq.deadline_factor);
      break;
    case PolicyKind::uniform_progress:
      check(FamilyId::uniform_progress, "deadline_factor", "--deadline-factor", rq.deadline_factor);
      break;
    case PolicyKind::prediction_free:
      check(FamilyId::pf, "theta", "--theta", rq.pf.theta);
      check(FamilyId::pf, "kappa", "--kappa", rq.pf.kappa);
      check(FamilyId::pf, "rho", "--rho", rq.pf.rho);
      check(FamilyId::pf, "hysteresis", "--hysteresis", rq.pf.hysteresis);
      break;
    case PolicyKind::chc: break;  // validate_chc_params above
  }
  if (!(rq.opt_resolution >= 1))
    throw input_error(rq.source, "--opt-resolution", std::to_string(rq.opt_resolution), "must be at least 1");
  if (rq.workload_error != WorkloadError::none)
    job.work_estimate =
        workload_estimate(job.work, rq.eps_workload, rq.workload_error, rq.seed, rq.scenario, 0);

  SimulateReport report;
  report.horizon_slots = horizon_slots(job, trace.tick_seconds);
  report.tick_seconds = trace.tick_seconds;
  if (rq.slot_csv.empty()) {
    NullSlotLogger log;
    report.policy = run_policy(rq, job, trace, log, &report.chc_plans, &report.chc_largest_plan_gap);
  } else {
    SlotCsv log(rq.slot_csv);
    report.policy = run_policy(rq, job, trace, log, &report.chc_plans, &report.chc_largest_plan_gap);
    log.commit();
  }
  OnDemandOnlyPolicy od;
  report.on_demand_cost = simulate(job, trace.view(), rq.start_slot, od).cost;
  if (rq.with_opt) {
    OptOptions options;
    options.resolution = rq.opt_resolution;
    report.opt = solve_opt(job, trace.view(), rq.start_slot, options);
    report.with_opt = true;
  }
  return report;
}

void print_simulate_report(const SimulateRequest& rq, const SimulateReport& r,
                           std::ostream& out) {
  const Outcome& p = r.policy;
  out << std::fixed << std::setprecision(4);
  out << "trace      " << rq.trace_path << " from tick " << rq.start_slot << ", "
      << r.horizon_slots << " ticks of " << r.tick_seconds << " s to the hard deadline\n";
  out << "policy     " << policy_kind_name(rq.policy) << "\n";
  if (rq.policy == PolicyKind::chc) {
    out << "planner    " << r.chc_plans << " plans, ";
    if (rq.chc.lagrange_iters == 0)
      out << "exact on the progress lattice\n";
    else
      out << "Lagrangian (" << rq.chc.lagrange_iters << " prices of work), each within "
          << std::fixed << std::setprecision(4) << r.chc_largest_plan_gap
          << " USD of its window's optimum\n";
  }
  out << "\n";
  out << std::left << std::setw(16) << "" << std::setw(14) << "policy" << "OPT\n";
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

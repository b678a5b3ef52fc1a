#pragma once
// `spotsweep simulate`: one policy on one trace window, beside OPT for the same job. The CLI
// fills a SimulateRequest; this runs it, so tests can call it without the command line.
#include <cstdint>
#include <ostream>
#include <string>

#include "spotsweep/model/chc.hpp"
#include "spotsweep/model/forecast.hpp"
#include "spotsweep/model/job.hpp"
#include "spotsweep/market/learned_predictor.hpp"
#include "spotsweep/sweep/opt.hpp"
#include "spotsweep/model/policies.hpp"
#include "spotsweep/model/simulator.hpp"
#include "spotsweep/market/trace.hpp"

namespace spotsweep {

enum class PolicyKind : int32_t { on_demand, greedy, uniform_progress, prediction_free, chc };

PolicyKind parse_policy_kind(const std::string& name);  // InputError lists the choices
const char* policy_kind_name(PolicyKind kind);

// Throughput presets: α, β fitted by least squares to published points
// (../shared/data/throughput/README.md, "Worked example"); samples/s on n GPUs.
struct ThroughputPreset {
  const char* name;
  double alpha, beta;
  const char* source;
};
const ThroughputPreset* find_throughput_preset(const std::string& name);  // nullptr if unknown
std::string throughput_preset_names();

struct SimulateRequest {
  std::string source = "command line";  // where the options came from, for error messages
  std::string trace_path;
  int32_t start_slot = 0;
  JobSpec job;
  PolicyKind policy = PolicyKind::uniform_progress;
  // Policy parameters (each used by its family only).
  int32_t od_gpus = 0;             // on-demand: 0 = best constant count
  double deadline_factor = 1.0;    // greedy, uniform progress
  PredictionFreePolicy pf;         // θ, κ, ρ, h
  ChcParams chc;
  std::string predictor = "oracle";  // oracle | seasonal | holt-winters | ar | last
  double eps = 0.0, growth = 0.0;
  uint64_t seed = 0;
  uint32_t scenario = 0;           // the oracle's scenario key (a sweep's scenario index)
  WorkloadError workload_error = WorkloadError::none;
  double eps_workload = 0.0;
  // OPT beside the policy.
  bool with_opt = true;
  int32_t opt_resolution = 16;     // OPT's progress steps per slot at N_min
  std::string slot_csv;            // per-slot log, written via a temporary name
};

struct SimulateReport {
  Outcome policy;
  OptResult opt;
  bool with_opt = false;
  int32_t horizon_slots = 0;
  double tick_seconds = 0.0;
  double on_demand_cost = 0.0;  // the best constant on-demand plan, for reference
  int32_t chc_plans = 0;            // chc: plans made
  double chc_largest_plan_gap = 0;  // chc, Lagrangian planner: largest certified gap (USD)
};

// Loads the trace, validates everything (InputError one-liners), runs the policy and OPT.
SimulateReport run_simulate(const SimulateRequest& request);

void print_simulate_report(const SimulateRequest& request, const SimulateReport& report,
                           std::ostream& out);

}  // namespace spotsweep

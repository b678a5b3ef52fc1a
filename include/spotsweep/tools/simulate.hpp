#pragma once
// `spotsweep simulate` (docs/simulate.md): one member of a pool family run alone on one trace
// window, beside OPT for the same job. The command line fills a SimulateRequest; this runs it,
// so tests can call it without the command line. Host-only.
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "spotsweep/config/job_template.hpp"
#include "spotsweep/config/pool.hpp"
#include "spotsweep/engine/families.hpp"
#include "spotsweep/model/chc.hpp"
#include "spotsweep/model/forecast.hpp"
#include "spotsweep/model/job.hpp"
#include "spotsweep/model/simulator.hpp"
#include "spotsweep/sweep/opt.hpp"

namespace spotsweep {

// Throughput presets: α, β fitted by least squares to published points
// (docs/model.md §2, "Throughput presets"); samples/s on n GPUs.
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
  JobSpec job = default_job_template().base;  // [job]'s defaults (docs/sweep.md)
  // A pool family ('-' read as '_'): the policy is its one member with `params`.
  std::string policy = "uniform_progress";
  // Axis values given, by axis name; the family's other axes take their defaults. A name that
  // is not an axis of the family is an error.
  std::map<std::string, double> params;
  std::string predictor = "oracle";  // chc: oracle | seasonal | holt-winters | ar | last
  uint64_t seed = 0;
  uint32_t scenario = 0;  // the oracle's scenario key (a sweep's scenario index)
  WorkloadError workload_error = WorkloadError::none;
  double eps_workload = 0.0;
  // OPT beside the policy.
  bool with_opt = true;
  int32_t opt_resolution = 16;  // OPT's progress steps per slot at N_min
  std::string slot_csv;         // per-slot log, written via a temporary name
};

struct SimulateReport {
  Outcome policy;
  std::vector<double> params;  // the member's axis values, in its family's order
  OptResult opt;
  bool with_opt = false;
  int32_t horizon_slots = 0;
  double tick_seconds = 0.0;
  double on_demand_cost = 0.0;      // the best constant on-demand plan, for reference
  int32_t chc_plans = 0;            // chc: plans made
  double chc_largest_plan_gap = 0;  // chc, Lagrangian planner: largest certified gap (USD)
};

// Loads the trace, validates everything (InputError one-liners), runs the policy and OPT.
SimulateReport run_simulate(const SimulateRequest& request);

// One member of a sweep replayed alone (docs/simulate.md, "Replaying a sweep member"): the
// sweep's stored configuration rebuilds its plan, and the member runs on scenario `scenario`'s
// window, round `round`'s job, with the forecast noise keyed as in the sweep, so that its outcome
// equals the sweep's bit for bit.
struct FromSweepRequest {
  std::string sweep_path;
  int64_t member = 0;
  int32_t scenario = 0, round = 0;
  std::vector<std::pair<std::string, double>> at;  // a point of the scenario axes: key = value
  bool with_opt = true;
  std::string slot_csv;
};
struct FromSweepReport {
  SimulateReport report;
  std::string description;        // "pf(theta=0.5, ...)"
  std::string point;              // "deadline_h = 6" (empty without scenario axes)
  std::string trace_name;         // the sweep's trace (or "synthetic")
  int32_t window_start = 0;       // the round's start slot inside the scenario window
  int64_t window_first_slot = 0;  // the window's first trace slot
  bool traced = false;            // the member was traced by the sweep (--trace-members)
  Outcome sweep_outcome;          // then its outcome there
  bool has_opt = false;           // the sweep kept OPT for this job
  double sweep_opt_lower = 0.0;
};
FromSweepReport run_simulate_from_sweep(const FromSweepRequest& request);
void print_from_sweep_report(const FromSweepRequest& request, const FromSweepReport& report,
                             std::ostream& out);

void print_simulate_report(const SimulateRequest& request, const SimulateReport& report,
                           std::ostream& out);

// What a planning policy reports of its plans; nothing for the others.
struct PlanStats {
  int32_t plans_made = 0;
  double largest_plan_gap = 0.0;
};
template <class Policy>
PlanStats plan_stats(const Policy&) {
  return {};
}
template <class Forecaster>
PlanStats plan_stats(const ChcPolicy<Forecaster>& policy) {
  return {policy.plans_made, policy.largest_plan_gap};
}

// One pool member simulated alone, with working memory of its own: what a sweep computes for
// (member, scenario, round). `context.scratch` is ignored.
template <class SlotLogger>
Outcome simulate_member_alone(FamilyId family, const double* params, MemberContext context,
                              const JobSpec& job, int32_t start_slot, SlotLogger& log,
                              PlanStats* stats = nullptr) {
  return visit_family(family, [&](auto traits) {
    using Traits = decltype(traits);
    std::vector<unsigned char> scratch(
        Traits::scratch_bytes(params, params, job, context.market.tick_seconds));
    context.scratch = scratch.data();
    typename Traits::Policy policy = Traits::make(params, job, context);
    const Outcome out = simulate(job, context.market, start_slot, policy, log);
    if (stats) *stats = plan_stats(policy);
    return out;
  });
}

// One CHC policy with any forecaster on the CPU, with its own working memory: for tests that
// give CHC forecasts of their own.
template <class Forecaster, class SlotLogger>
Outcome simulate_chc(const JobSpec& job, const MarketView& market, int32_t start_slot,
                     const ChcParams& params, const Forecaster& forecaster, SlotLogger& log,
                     int32_t* plans_made = nullptr, double* largest_plan_gap = nullptr) {
  ChcPolicy<Forecaster> policy;
  policy.params = params;
  policy.forecaster = forecaster;
  policy.layout = chc_scratch_layout(job, market.tick_seconds, params);
  std::vector<unsigned char> scratch(policy.layout.bytes);
  policy.scratch = scratch.data();
  policy.solve_scratch = scratch.data() + policy.layout.solve_offset;
  const Outcome out = simulate(job, market, start_slot, policy, log);
  if (plans_made) *plans_made = policy.plans_made;
  if (largest_plan_gap) *largest_plan_gap = policy.largest_plan_gap;
  return out;
}

template <class Forecaster>
Outcome simulate_chc(const JobSpec& job, const MarketView& market, int32_t start_slot,
                     const ChcParams& params, const Forecaster& forecaster,
                     int32_t* plans_made = nullptr) {
  NullSlotLogger log;
  return simulate_chc(job, market, start_slot, params, forecaster, log, plans_made);
}

}  // namespace spotsweep

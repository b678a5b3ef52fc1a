#pragma once
// A sweep's plan (docs/sweep.md): the pool, the scenario windows copied back to back and every
// (scenario, round)'s job, built once from a sweep file and read by every backend. Host-only
// owner; kernels read its ScenarioBatchView.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "spotsweep/config/pool.hpp"
#include "spotsweep/config/sweep_config.hpp"
#include "spotsweep/engine/evaluate.hpp"
#include "spotsweep/market/trace.hpp"
#include "spotsweep/model/job.hpp"

namespace spotsweep {

// The learned predictors' forecast tables of a scenario set (docs/predict.md, "In pools"): for
// each LearnedModel a CHC member of the pool plans on, [scenario][slot][k], k < window(m); empty
// for the others. It also holds the views kernels read, one per (scenario, model), pointing into
// its own tables, so that a member's context carries one pointer (MemberContext::learned_tables)
// rather than a view per model. Copies point their views at their own tables.
class LearnedTables {
 public:
  LearnedTables() = default;
  LearnedTables(const LearnedTables& other);
  LearnedTables& operator=(const LearnedTables& other);
  // A moved vector keeps its buffer, so the views stay valid.
  LearnedTables(LearnedTables&&) noexcept = default;
  LearnedTables& operator=(LearnedTables&&) noexcept = default;

  // Zero tables for `count` scenarios of `slots` slots, windows[m] lookaheads for model m (0: a
  // model no member uses, no table).
  void reset(int32_t count, int32_t slots, const std::vector<int32_t>& windows);
  // Appends the scenarios of `other`, whose slots and windows must be these (regimes of a pool).
  void append(const LearnedTables& other);

  // Scenario `scenario`'s table of model m, [slot][k < window(m)], to fill.
  double* price_of(int32_t m, int32_t scenario);
  int32_t* avail_of(int32_t m, int32_t scenario);

  int32_t window(int32_t m) const { return window_[m]; }
  const std::vector<double>& price(int32_t m) const { return price_[m]; }
  const std::vector<int32_t>& avail(int32_t m) const { return avail_[m]; }
  bool empty() const { return views_.empty(); }
  // [scenario][model], kLearnedModels per scenario; empty when no model is used.
  const std::vector<ForecastTableView>& views() const { return views_; }

 private:
  void point_views();

  int32_t count_ = 0;
  int32_t slots_ = 0;
  int32_t window_[kLearnedModels] = {};
  std::vector<double> price_[kLearnedModels];
  std::vector<int32_t> avail_[kLearnedModels];
  std::vector<ForecastTableView> views_;
};

// Scenario windows copied back to back: the owner behind ScenarioBatchView.
struct ScenarioSet {
  int32_t count = 0;
  int32_t slots = 0;
  double tick_seconds = 0.0;
  std::vector<double> od_price;      // [scenario]
  std::vector<double> spot_price;    // [scenario][slot]
  std::vector<int32_t> spot_avail;   // [scenario][slot]
  std::vector<int64_t> source_slot;  // first trace slot of each window
  int32_t capacity = 1;              // a_max over the scenarios, for forecasts
  uint64_t seed = 0;                 // the workload's seed, which keys forecast noise
  // What forecasters read instead of the market (prediction poisoning), [scenario][slot];
  // empty: the market itself.
  std::vector<double> forecast_spot_price;
  std::vector<int32_t> forecast_spot_avail;
  // The learned predictors' forecasts (docs/predict.md, "In pools"), made at every slot of each
  // window from the history of the trace forecasters read.
  LearnedTables learned;

  ScenarioBatchView view() const;
  MarketView market(int32_t scenario) const { return view().market(scenario); }
};

struct SweepPlan {
  Pool pool;
  ScenarioSet scenarios;
  int32_t rounds = 0;
  std::vector<int32_t> round_start;  // [round], slot inside the scenario window
  std::vector<JobSpec> jobs;         // [scenario][round]
  uint64_t seed = 0;
  std::string config_toml;  // resolved configuration text
  std::string config_file;  // where the configuration was read from, for error messages
  std::string trace_name;

  int64_t jobs_per_member() const { return static_cast<int64_t>(scenarios.count) * rounds; }
  const JobSpec& job(int32_t scenario, int32_t round) const {
    return jobs[static_cast<size_t>(scenario) * rounds + round];
  }
};

// Working memory one simulation of any member of the plan's pool may need, in bytes (0 when
// no family needs any): each family evaluated at its axes' largest values, over every job.
// Grids of family `except` are left out (the sweep runs CHC members by planning key, in
// memory of their own).
size_t max_scratch_bytes(const SweepPlan& plan, FamilyId except = FamilyId{-1});

// Builds the plan on windows of `trace` (already validated); checks every job, and that every
// round's job fits in its scenario window and every window in the trace.
SweepPlan make_plan(const SweepConfig& config, const Trace& trace);
// Makes forecasters read `forecast`'s windows at the plan's scenario offsets instead of the
// market (prediction poisoning), the learned predictors learning from its history too;
// InputError when its tick or length does not fit.
void set_forecast_market(SweepPlan& plan, const Trace& forecast, const std::string& source_name);
// The largest window of the CHC members that plan on each learned model (docs/predict.md, "In
// pools"), 0 for a model no member uses: the windows of the plan's forecast tables.
std::vector<int32_t> learned_table_windows(const Pool& pool);
// One synthetic draw per scenario: generate_synthetic(spec, seed, s), window from first_slot.
SweepPlan make_synthetic_plan(const SweepConfig& config);
// The workload as configured: windows of its trace (read with load_trace), or one synthetic
// draw per scenario. With scenario axes, the plan of the first point.
SweepPlan make_plan(const SweepConfig& config);

// A sweep over scenario axes (docs/sweep.md, "Scenario axes"): one plan per point of the axes,
// each with the same pool, scenario count and rounds. Outputs hold every outcome and OPT per
// point, the axes as the outer dimensions.
struct SweepGrid {
  std::vector<ScenarioAxis> axes;  // outermost first; empty for a sweep of one point
  std::vector<SweepPlan> plans;    // one per point, C order over the axes (the last fastest)
  std::string config_toml;         // the whole sweep's resolved configuration, axes as lists

  int64_t points() const { return static_cast<int64_t>(plans.size()); }
  const SweepPlan& front() const { return plans.front(); }
  // The axis values of one point, one per axis.
  std::vector<double> point_values(int64_t point) const;
};
// Every point's plan, made (and each of its jobs checked) before anything runs.
SweepGrid make_sweep_grid(const SweepConfig& config);
// The grid of one point around a plan.
SweepGrid single_point_grid(SweepPlan plan);

}  // namespace spotsweep

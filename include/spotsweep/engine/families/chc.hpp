#pragma once
// CHC(w, v), committed horizon control (docs/model.md §4.4, docs/chc.md), on the noisy oracle
// or, by its predictor axis, on a learned predictor's forecast table from the member's context
// (docs/predict.md, "In pools").
#include <cstddef>

#include "spotsweep/engine/family.hpp"
#include "spotsweep/model/chc.hpp"

namespace spotsweep {

// The forecasts a CHC member plans on: the noisy oracle, or a learned predictor's table.
struct MemberForecaster {
  OracleForecaster oracle;
  TableForecaster table;
  bool learned = false;

  SPOTSWEEP_HD_INLINE void fill(int32_t planning_slot, int32_t n, double* price,
                                int32_t* avail) const {
    if (learned)
      table.fill(planning_slot, n, price, avail);
    else
      oracle.fill(planning_slot, n, price, avail);
  }
};

struct ChcFamily {
  using Policy = ChcPolicy<MemberForecaster>;
  static constexpr const char* name = "chc";
  static constexpr const char* meaning =
      "CHC(w, v) on the noisy oracle or a learned predictor, docs/model.md section 4.4 "
      "(docs/chc.md)";
  enum Axis : int32_t {
    window,
    commit,
    eps,
    growth,
    resolution,
    replan_deviation,
    mode,
    lagrange_iters,
    avail_noise,
    predictor,  // last, so that pools without it index their members as before
    axis_count
  };
  static constexpr AxisSpec axes[axis_count] = {
      {"window", "w, slots planned", "slots", 24, 1, true, kMaxForecastWindow, true},
      {"commit", "v, slots committed per plan (v <= w)", "slots", 1, 1, true, kMaxForecastWindow,
       true},
      {"eps", "oracle noise level at lookahead 0", "relative", 0, 0, true, kUnbounded, false},
      {"growth", "h in eps_k = eps * (k+1)^h", "exponent h", 0, 0, true, kUnbounded, false},
      {"resolution", "planner progress steps per slot at N_min", "steps per slot", 4, 1, true, 1024,
       true},
      {"replan_deviation", "re-plan early past this relative deviation; 0 = off", "relative", 0, 0,
       true, kUnbounded, false},
      {"mode", "0 = one committed controller, 1 = averaged staggered controllers",
       "0 committed, 1 averaged", 0, 0, true, 1, true},
      {"lagrange_iters", "0 = exact lattice planner; k = Lagrangian planner, k prices of work",
       "prices tried (0 = exact planner)", 0, 0, true, 64, true},
      {"avail_noise",
       "0 = multiplicative (a = 0 forecast exactly), 1 = capacity-scaled additive (errs both ways)",
       "0 multiplicative, 1 capacity-scaled", 0, 0, true, 1, true},
      {"predictor",
       "0 = noisy oracle; learned from the trace's history: 1 = last, 2 = seasonal, "
       "3 = holt-winters, 4 = ar",
       "0 oracle, 1-4 learned", 0, 0, true, kLearnedModels, true,
       "oracle,last,seasonal,holt-winters,ar"}};
  static constexpr AxisOrders orders = {1, {{commit, window}}};
  // Every bench member plans w = 24 slots and re-plans every slot (v = 1), the costliest CHC.
  static constexpr BenchSpread bench = {eps, 0.0, 0.4, false};

  SPOTSWEEP_HD_INLINE static ChcParams params(const double* p) {
    ChcParams c;
    c.window = static_cast<int32_t>(p[window]);
    c.commit = static_cast<int32_t>(p[commit]);
    c.resolution = static_cast<int32_t>(p[resolution]);
    c.replan_deviation = p[replan_deviation];
    c.mode = p[mode] != 0.0 ? ChcMode::averaged : ChcMode::committed;
    c.lagrange_iters = static_cast<int32_t>(p[lagrange_iters]);
    return c;
  }
  // The most any member of a grid needs, from each axis's largest and smallest values: the
  // layout grows with w, v and m, and the planners' layouts differ (lagrange_iters 0 or not).
  SPOTSWEEP_HD_INLINE static size_t scratch_bytes(const double* largest, const double* smallest,
                                                  const JobSpec& job, double tick_s) {
    ChcParams c = params(largest);
    const size_t lagrangian_or_exact = chc_scratch_layout(job, tick_s, c).bytes;
    c.lagrange_iters = static_cast<int32_t>(smallest[lagrange_iters]);
    const size_t bytes = chc_scratch_layout(job, tick_s, c).bytes;
    return bytes > lagrangian_or_exact ? bytes : lagrangian_or_exact;
  }
  SPOTSWEEP_HD_INLINE static Policy make(const double* p, const JobSpec& job,
                                         const MemberContext& context) {
    Policy policy;
    policy.params = params(p);
    policy.forecaster.oracle.market = context.forecast_market;
    policy.forecaster.oracle.oracle.seed = context.seed;
    policy.forecaster.oracle.oracle.scenario = context.scenario;
    policy.forecaster.oracle.oracle.eps = p[eps];
    policy.forecaster.oracle.oracle.growth = p[growth];
    policy.forecaster.oracle.oracle.avail_max = context.capacity;
    policy.forecaster.oracle.oracle.avail_noise =
        p[avail_noise] != 0.0 ? AvailNoise::capacity_scaled : AvailNoise::multiplicative;
    // predictor = m + 1 plans on learned model m's table; eps, growth and avail_noise are the
    // oracle's and do not apply (a pool refuses eps != 0 beside a learned predictor).
    const int32_t predictor = static_cast<int32_t>(p[ChcFamily::predictor]);
    policy.forecaster.learned = predictor != 0;
    // The table is read through the context's one pointer, by a run-time index: a load of one
    // view from the scenario set's memory rather than four views carried per thread.
    if (predictor != 0 && context.learned_tables)
      policy.forecaster.table.table = context.learned_tables[predictor - 1];
    policy.layout = chc_scratch_layout(job, context.market.tick_seconds, policy.params);
    policy.scratch = context.scratch;
    policy.solve_scratch = context.scratch + policy.layout.solve_offset;
    return policy;
  }
};

}  // namespace spotsweep

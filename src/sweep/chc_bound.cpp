// CHC's per-run bound on its gap to OPT (docs/chc.md, "A per-run bound on CHC's gap to OPT").
#include "spotsweep/sweep/chc_bound.hpp"

#include <omp.h>

#include <cstring>
#include <limits>
#include <vector>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/engine/families.hpp"
#include "spotsweep/model/planner.hpp"
#include "spotsweep/model/simulator.hpp"

namespace spotsweep {

double chc_lattice_optimum(const JobSpec& job, const MarketView& market, int32_t start_slot,
                           const ChcParams& params) {
  const double tick = market.tick_seconds;
  const int32_t horizon = horizon_slots(job, tick);
  SPOTSWEEP_EXPECTS(start_slot >= 0 && start_slot + horizon <= market.n_slots,
                    "the market must cover the job's horizon");
  // CHC's first plan with exact forecasts and a window to γd (ChcPolicy::make_plan): the same
  // market view, start state, lattice and terminal (never reached: the window ends at γd).
  PlanMarket window;
  window.spot_price = market.spot_price + start_slot;
  window.spot_avail = market.spot_avail + start_slot;
  window.od_price = market.od_price_at(start_slot);
  window.tick_s = tick;
  window.n_slots = horizon;
  const double step = chc_progress_step(job, tick, params);
  PlanStart start;
  start.bucket = 0;
  const PlanShape shape = absolute_plan_shape(job, tick, horizon, step, 0, 0);
  const OnDemandTerminal terminal{job, window.od_price, true};
  std::vector<double> value_a(static_cast<size_t>(shape.states()));
  std::vector<double> value_b(value_a.size());
  std::vector<double> move_values(static_cast<size_t>(plan_move_values(shape.buckets)));
  return solve_plan(job, window, start, shape, Rounding::down, terminal, value_a.data(),
                    value_b.data(), move_values.data(), nullptr);
}

bool traces_chc_member(const SweepPlan& plan, const std::vector<int64_t>& traced) {
  for (int64_t m : traced)
    if (plan.pool.families[plan.pool.locate(m).family_index].family == family_id<ChcFamily>)
      return true;
  return false;
}

void attach_chc_bounds(const SweepPlan& plan, const OptTable& opt, SweepResult& result,
                       int threads) {
  const int64_t jobs = plan.jobs_per_member();
  const size_t traced = result.traced_members.size();
  SPOTSWEEP_EXPECTS(result.traced.size() == traced * static_cast<size_t>(jobs),
                    "traced outcomes for every traced member");
  result.chc_bound.assign(traced * static_cast<size_t>(jobs), ChcBoundRecord{});
  const ScenarioBatchView scenarios = plan.scenarios.view();
  const bool has_opt =
      opt.progress_buckets > 0 && opt.utility_upper.size() == static_cast<size_t>(jobs);
  const int64_t work = static_cast<int64_t>(traced) * jobs;
  bool mismatch = false;
#pragma omp parallel for schedule(dynamic, 1) \
    num_threads(threads > 0 ? threads : omp_get_max_threads())
  for (int64_t i = 0; i < work; ++i) {
    const size_t k = static_cast<size_t>(i / jobs);
    const int64_t job_index = i % jobs;
    const int64_t member = result.traced_members[k];
    if (plan.pool.families[plan.pool.locate(member).family_index].family != family_id<ChcFamily>)
      continue;
    const int32_t s = static_cast<int32_t>(job_index / plan.rounds);
    const int32_t r = static_cast<int32_t>(job_index % plan.rounds);
    const JobSpec job = plan.job(s, r);
    const std::vector<double> p = plan.pool.parameters(member);
    const ChcParams params = ChcFamily::params(p.data());
    std::vector<unsigned char> scratch(
        chc_scratch_layout(job, scenarios.tick_seconds, params).bytes + 16);
    const MemberContext context = scenarios.context(s, scratch.data());
    ChcFamily::Policy policy = ChcFamily::make(p.data(), job, context);
    policy.realised = context.market;
    const Outcome o = simulate(job, context.market, plan.round_start[r], policy);
    const Outcome& seen = result.traced[i];
    if (std::memcmp(&o.utility, &seen.utility, sizeof(double)) != 0) {
#pragma omp atomic write
      mismatch = true;
    }
    ChcBoundRecord& rec = result.chc_bound[i];
    const ChcBoundTerms& t = policy.bound;
    rec.plans = t.plans;
    rec.forecast_usd = t.forecast_usd;
    if (t.forecast_slots > 0) {
      rec.price_error = t.price_error / t.forecast_slots;
      rec.avail_error = t.avail_error / t.forecast_slots;
    }
    rec.applies = chc_bound_covers(job, params) && t.full_window == 1 && o.net_overrides == 0;
    if (!rec.applies) {
      rec.forecast_usd = ChcBoundRecord::kNaN;
      continue;
    }
    rec.lattice_value = chc_lattice_optimum(job, context.market, plan.round_start[r], params);
    if (!has_opt) continue;
    const double lattice_term =
        rec.lattice_value <= 0.5 * kInfeasibleValue
            ? std::numeric_limits<double>::infinity()
            : opt.utility_upper[static_cast<size_t>(job_index)] - rec.lattice_value;
    rec.bound = lattice_term + rec.forecast_usd;
    if (t.certified) rec.certificate_bound = lattice_term + t.certificate_usd;
  }
  if (mismatch)
    throw LogicError(
        "attach_chc_bounds: a CHC member re-simulated alone differs from its traced outcome");
}

}  // namespace spotsweep

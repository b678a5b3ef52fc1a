#pragma once
// Plan tables (docs/chc.md, "Plan tables"): CHC members that share a planning key (the job, the
// window, the forecast noise, the lattice step and the planner) make the same plan at the same
// slot, up to where they start in it. So both backends run a key's members in lockstep, slot by
// slot, and at each slot where some of them plan, the exact planner solves one window over all
// their start states; each member then follows the shared plan from its own state, with the
// choices it would have made alone, bit for bit. Device-safe.
#include <cstddef>
#include <cstdint>

#include "spotsweep/engine/families/chc.hpp"
#include "spotsweep/engine/family.hpp"
#include "spotsweep/model/chc.hpp"
#include "spotsweep/model/planner.hpp"
#include "spotsweep/model/simulator.hpp"

namespace spotsweep {

// Whether an axis of CHC's grid keys its plans. Members that differ only in commit,
// replan_deviation or mode plan alike: those axes say when a member plans and how much of the
// plan it commits to, not what the plan is.
SPOTSWEEP_HD_INLINE bool chc_axis_keys_plans(int32_t axis) {
  return axis != ChcFamily::commit && axis != ChcFamily::replan_deviation &&
         axis != ChcFamily::mode;
}

// A CHC grid split into planning keys: key k's j-th member is the grid member whose keyed axes
// take key k's digits and whose other axes take j's (both mixed radix, the last axis fastest).
struct ChcKeyLayout {
  int32_t n_axes = 0;
  int32_t axis_size[kMaxAxes] = {};
  int64_t keys = 1;
  int64_t members_per_key = 1;

  // The member's local index in the grid.
  SPOTSWEEP_HD_INLINE int64_t member_local(int64_t key, int64_t j) const {
    int32_t digit[kMaxAxes];
    for (int32_t i = n_axes - 1; i >= 0; --i) {
      int64_t& rest = chc_axis_keys_plans(i) ? key : j;
      digit[i] = static_cast<int32_t>(rest % axis_size[i]);
      rest /= axis_size[i];
    }
    int64_t local = 0;
    for (int32_t i = 0; i < n_axes; ++i)
      local = local * axis_size[i] + digit[i];
    return local;
  }
};

SPOTSWEEP_HD_INLINE ChcKeyLayout chc_key_layout(const FamilyGridView& grid) {
  ChcKeyLayout layout;
  layout.n_axes = grid.n_axes;
  for (int32_t i = 0; i < grid.n_axes; ++i) {
    layout.axis_size[i] = grid.axis_size[i];
    (chc_axis_keys_plans(i) ? layout.keys : layout.members_per_key) *= grid.axis_size[i];
  }
  return layout;
}

// Where a shared plan's parts lie in its memory, for a job and a key's window and step: room
// for a plan over the whole absolute lattice (any spread of start states), the window's
// forecasts and the choices of its first `stored_slots` slots.
struct SharedPlanLayout {
  int64_t states = 0;  // planner states at most: allocations × restart states × lattice
  int32_t window = 0;
  int32_t stored_slots = 0;
  size_t value_offset = 0, move_value_offset = 0, choice_offset = 0, price_offset = 0,
         avail_offset = 0, bytes = 0;
};

SPOTSWEEP_HD_INLINE SharedPlanLayout shared_plan_layout(const JobSpec& job, double tick_s,
                                                        const ChcParams& params,
                                                        int32_t stored_slots) {
  SharedPlanLayout l;
  const double step = chc_progress_step(job, tick_s, params);
  const int64_t buckets = absolute_lattice_buckets(job, step);
  const int32_t restart_states = static_cast<int32_t>(ceil(job.reconfig_s / tick_s - 1e-9)) + 1;
  l.states =
      static_cast<int64_t>(allocation_space(job).size()) * max_i(restart_states, 1) * buckets;
  l.window = params.window;
  l.stored_slots = stored_slots;
  size_t at = 0;
  l.value_offset = at;
  at += 2 * static_cast<size_t>(l.states) * sizeof(double);
  l.move_value_offset = at;
  at += static_cast<size_t>(plan_move_values(buckets)) * sizeof(double);
  l.price_offset = at;
  at += static_cast<size_t>(l.window) * sizeof(double);
  l.avail_offset = at;
  at += static_cast<size_t>(l.window) * sizeof(int32_t);
  l.choice_offset = at = align_up(at, 8);
  at += static_cast<size_t>(l.states) * static_cast<size_t>(stored_slots) * sizeof(int16_t);
  l.bytes = align_up(at, 16);
  return l;
}

// The memory a planning key's lockstep run needs per job: each member's own part (its plans
// and the forecasts they were made on), the working memory of a member that plans alone, and
// the shared plan. Exact-planner members plan alone only when the job's work is an estimate
// that their progress outlives (their view of the job then differs from the key's); the
// Lagrangian planner's members always do, in a small working memory.
struct ChcKeyBytes {
  size_t own = 0;
  size_t alone = 0;
  size_t table = 0;

  SPOTSWEEP_HD_INLINE void widen(const ChcKeyBytes& o) {
    own = own > o.own ? own : o.own;
    alone = alone > o.alone ? alone : o.alone;
    table = table > o.table ? table : o.table;
  }
};

// For members whose largest window, commit and resolution are `widest`'s, on job `job`.
SPOTSWEEP_HD_INLINE ChcKeyBytes chc_key_bytes(const JobSpec& job, double tick_s,
                                              const ChcParams& widest) {
  const ChcScratchLayout l = chc_scratch_layout(job, tick_s, widest);
  ChcKeyBytes b;
  b.own = l.solve_offset;
  const bool exact = widest.lagrange_iters == 0;
  if (!exact || job.work_estimate > 0.0) b.alone = l.bytes - l.solve_offset;
  if (exact) b.table = shared_plan_layout(job, tick_s, widest, widest.commit).bytes;
  return b;
}

// A shared plan being made: the plan its members will read, and what the planner reads while it
// solves it. One lane solves it with solve(), a CUDA block's threads each with their lane's
// solver() (model/planner.hpp, PlanSolver), meeting between layers.
struct SharedPlanWork {
  SharedPlan plan;
  PlanStart start;
  OnDemandTerminal terminal;  // its job is the job as the members see it
  double* values = nullptr;
  double* move_values = nullptr;
  int16_t* choice = nullptr;

  SPOTSWEEP_HD_INLINE PlanSolver<OnDemandTerminal> solver(int32_t lane, int32_t lanes) {
    return plan_solver(terminal.job, plan.market, start, plan.shape, Rounding::down, terminal,
                       values, values + plan.shape.states(), move_values, choice, plan.stored_slots,
                       lane, lanes);
  }
  SPOTSWEEP_HD void solve() {
    PlanSolver<OnDemandTerminal> one = solver(0, 1);
    one.begin();
    for (int32_t k = plan.market.n_slots - 1; k >= 0; --k)
      one.layer(k);
  }
};

// Prepares the shared plan at `obs` for start states [lowest, highest]: what ChcPolicy::make_plan
// would plan for a member alone (the same window, forecasts, terminal and lattice), to be solved
// once for all of them. `job` is the job as the members see it; `memory` holds layout.bytes and
// receives the forecasts now, the plan when it is solved.
template <class Forecaster>
SPOTSWEEP_HD void prepare_shared_plan(const JobSpec& job, const SlotObservation& obs,
                                      const Forecaster& forecaster, const ChcParams& params,
                                      int32_t lowest, int32_t highest,
                                      const SharedPlanLayout& layout, unsigned char* memory,
                                      SharedPlanWork* work) {
  const int32_t horizon = horizon_slots(job, obs.tick_s);
  const int32_t n = min_i(params.window, horizon - obs.slot);
  double* price = reinterpret_cast<double*>(memory + layout.price_offset);
  int32_t* avail = reinterpret_cast<int32_t*>(memory + layout.avail_offset);
  forecaster.fill(obs.market_slot, n, price, avail);
  price[0] = obs.spot_price;  // the current slot is observed, not forecast
  avail[0] = obs.spot_avail;
  SharedPlan& plan = work->plan;
  plan.planning_slot = obs.market_slot;
  plan.job_work = job.work;
  plan.market.spot_price = price;
  plan.market.spot_avail = avail;
  plan.market.od_price = obs.od_price;
  plan.market.tick_s = obs.tick_s;
  plan.market.n_slots = n;
  plan.shape = absolute_plan_shape(job, obs.tick_s, n, chc_progress_step(job, obs.tick_s, params),
                                   lowest, highest);
  plan.stored_slots = layout.stored_slots;
  work->choice = reinterpret_cast<int16_t*>(memory + layout.choice_offset);
  plan.choice = work->choice;
  work->start = PlanStart{};
  work->start.elapsed_s = obs.elapsed_s;
  work->start.bucket = lowest;
  work->terminal = OnDemandTerminal{job, obs.od_price, obs.slot + n >= horizon};
  work->values = reinterpret_cast<double*>(memory + layout.value_offset);
  work->move_values = reinterpret_cast<double*>(memory + layout.move_value_offset);
}

// Makes the shared plan at `obs` for start states [lowest, highest] in one lane.
template <class Forecaster>
SPOTSWEEP_HD SharedPlan make_shared_plan(const JobSpec& job, const SlotObservation& obs,
                                         const Forecaster& forecaster, const ChcParams& params,
                                         int32_t lowest, int32_t highest,
                                         const SharedPlanLayout& layout, unsigned char* memory) {
  SharedPlanWork work;
  prepare_shared_plan(job, obs, forecaster, params, lowest, highest, layout, memory, &work);
  work.solve();
  return work.plan;
}

// The members of one key that plan at this slot, and what a shared plan must cover for them:
// their start states on the absolute lattice and the most slots any of them commits to. Counts
// merge in any order (a CUDA block's threads each count their members, then merge).
struct PlannersAtSlot {
  int32_t count = 0;
  int32_t lowest = 0x7fffffff;
  int32_t highest = -1;
  int32_t stored_slots = 0;

  // Counts a live member in: it plans now with the exact planner on the job as the key's
  // members see it (`job`), at progress work_done.
  SPOTSWEEP_HD_INLINE void add(const ChcPolicy<MemberForecaster>& policy, const JobSpec& job,
                               const JobSpec& seen, double work_done, double tick_s) {
    if (seen.work != job.work || policy.params.lagrange_iters != 0) return;  // it plans alone
    const double step = chc_progress_step(job, tick_s, policy.params);
    const int32_t bucket =
        absolute_lattice_bucket(work_done, step, absolute_lattice_buckets(job, step));
    lowest = min_i(lowest, bucket);
    highest = max_i(highest, bucket);
    stored_slots = max_i(stored_slots, policy.params.commit);
    ++count;
  }
};

// One member of a key's lockstep run: its job's simulation and its policy.
struct ChcMemberRun {
  JobRun<SafetyNet::on, ModelMode::spotsweep> run;
  ChcFamily::Policy policy;
};

// Runs a key's members on one job in lockstep, from `members[i].run.begin(...)` and their fresh
// policies to their ends, and calls done(i, outcome) as each ends. At each slot the members that
// plan share one plan, made in `table_memory` (table_layout for the most any of them commits
// to); the others, and those that plan alone (the Lagrangian planner, a workload estimate
// outlived), plan in their own solve_scratch. The market must cover the job's horizon.
template <class OnOutcome>
SPOTSWEEP_HD void run_chc_key_job(const JobSpec& job, ChcMemberRun* members, int32_t count,
                                  const MemberForecaster& forecaster, const ChcParams& key_params,
                                  const SharedPlanLayout& table_layout, unsigned char* table_memory,
                                  OnOutcome&& done) {
  // As the members see the job before any progress: L̂ under a workload estimate.
  const JobSpec seen0 = policy_view(job, JobState{});
  NullSlotLogger log;
  int32_t live = 0;
  for (int32_t i = 0; i < count; ++i)
    if (!members[i].run.ended)
      ++live;
    else
      done(i, members[i].run.finish(job));
  SharedPlan table;
  while (live > 0) {
    int32_t any = 0;
    while (members[any].run.ended)
      ++any;
    const SlotObservation obs = members[any].run.observe();
    PlannersAtSlot planners;
    for (int32_t i = 0; i < count; ++i) {
      const ChcMemberRun& m = members[i];
      if (m.run.ended || !m.policy.plans_at(obs)) continue;
      planners.add(m.policy, seen0, policy_view(job, m.run.state), m.run.state.work_done,
                   obs.tick_s);
    }
    table.planning_slot = -1;
    if (planners.count > 0) {
      SharedPlanLayout layout = table_layout;
      layout.stored_slots = planners.stored_slots;
      table = make_shared_plan(seen0, obs, forecaster, key_params, planners.lowest,
                               planners.highest, layout, table_memory);
    }
    for (int32_t i = 0; i < count; ++i) {
      ChcMemberRun& m = members[i];
      if (m.run.ended) continue;
      m.policy.shared = table.planning_slot >= 0 ? &table : nullptr;
      m.run.step(job, m.policy, log);
      if (m.run.ended) {
        done(i, m.run.finish(job));
        --live;
      }
    }
  }
}

}  // namespace spotsweep

// Plan tables (docs/chc.md, "Plan tables"): a plan shared by a key's members gives each the
// choices it would make alone, bit for bit; the lockstep run of a key equals its members run
// alone; and sharing keeps CHC's guarantee against the plan a member certifies on its own.
#include "spotsweep/engine/chc_tables.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include "spotsweep/backend/cpu_sweep.hpp"
#include "spotsweep/sweep/opt.hpp"
#include "spotsweep/sweep/sweep.hpp"
#include "spotsweep/tools/simulate.hpp"

#include "../../support/instances.hpp"
#include "../../support/sweep_fixture.hpp"

namespace spotsweep {
namespace {

using testing::Instance;

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

PlanMarket window_of(const Instance& in, int32_t first_slot, int32_t n) {
  PlanMarket m;
  m.spot_price = in.spot_price.data() + first_slot;
  m.spot_avail = in.spot_avail.data() + first_slot;
  m.od_price = in.od_price;
  m.tick_s = in.tick_s;
  m.n_slots = n;
  return m;
}

// One table over start states [lo, hi] and each start state's own plan (first = top = b) agree:
// the same value at the start state and the same allocations followed from it.
TEST(PlanTables, SharedPlanEqualsEachStartStatesOwnPlan) {
  std::mt19937_64 rng(7);
  int tested = 0;
  while (tested < 200) {
    const Instance in = testing::random_instance(rng, 30, 4, tested % 3 == 0);
    const JobSpec& job = in.job;
    const int32_t horizon = horizon_slots(job, in.tick_s);
    if (horizon < 6) continue;
    const int32_t t = static_cast<int32_t>(rng() % (horizon / 2));
    const int32_t n = std::min(8, horizon - t);
    const double step = in.tick_s * throughput(job, job.n_min) / (1 + rng() % 4);
    const int32_t lattice = absolute_lattice_buckets(job, step);
    const int32_t lo = static_cast<int32_t>(rng() % std::max(1, lattice / 2));
    const int32_t hi = std::min(lattice - 1, lo + static_cast<int32_t>(rng() % 12));
    const PlanMarket market = window_of(in, t, n);
    const OnDemandTerminal terminal{job, in.od_price, t + n >= horizon};
    const int32_t stored = 1 + static_cast<int32_t>(rng() % n);
    PlanStart start;
    start.elapsed_s = t * in.tick_s;
    const PlanShape table = absolute_plan_shape(job, in.tick_s, n, step, lo, hi);
    std::vector<double> va(table.states()), vb(table.states());
    std::vector<double> moves(plan_move_values(table.buckets));
    std::vector<int16_t> choice(static_cast<size_t>(table.states()) * stored);
    start.bucket = lo;
    solve_plan(job, market, start, table, Rounding::down, terminal, va.data(), vb.data(),
               moves.data(), choice.data(), stored);
    const std::vector<double> table_values = n % 2 ? vb : va;  // layer 0 after n swaps
    for (int32_t b = lo; b <= hi; ++b) {
      const PlanShape own = absolute_plan_shape(job, in.tick_s, n, step, b, b);
      std::vector<double> oa(own.states()), ob(own.states());
      std::vector<double> own_moves(plan_move_values(own.buckets));
      std::vector<int16_t> own_choice(static_cast<size_t>(own.states()) * stored);
      for (int32_t a = 0; a < own.space.size(); ++a) {
        start.bucket = b;
        start.prev = own.space.at(a);
        start.overhead_s = a == 0 ? 0.0 : job.reconfig_s * (rng() % 2);
        const double value =
            solve_plan(job, market, start, own, Rounding::down, terminal, oa.data(), ob.data(),
                       own_moves.data(), own_choice.data(), stored);
        int32_t a0, s0;
        plan_start_state(job, own, start, in.tick_s, &a0, &s0);
        EXPECT_TRUE(same_bits(value, table_values[table.state_index(a0, s0, b)]))
            << "instance " << tested << ", bucket " << b;
        std::vector<Allocation> from_table(stored), alone(stored);
        const int32_t lt =
            follow_plan(job, market, start, table, choice.data(), stored, from_table.data());
        const int32_t la =
            follow_plan(job, market, start, own, own_choice.data(), stored, alone.data());
        ASSERT_EQ(lt, la);
        for (int32_t k = 0; k < lt; ++k)
          EXPECT_EQ(from_table[k], alone[k]) << "instance " << tested << ", slot " << k;
      }
    }
    ++tested;
  }
}

// The planner split into lanes (a CUDA block's threads, docs/chc.md "Plan tables"), run here one
// lane after another within each layer, gives the one-lane plan bit for bit: every value of the
// start layer and every stored choice, for lane counts that do and do not divide the buckets.
TEST(PlanTables, LanesSolveThePlanOneLaneSolves) {
  std::mt19937_64 rng(11);
  int tested = 0;
  while (tested < 60) {
    const Instance in = testing::random_instance(rng, 30, 4, tested % 3 == 0);
    const JobSpec& job = in.job;
    const int32_t horizon = horizon_slots(job, in.tick_s);
    if (horizon < 6) continue;
    const int32_t t = static_cast<int32_t>(rng() % (horizon / 2));
    const int32_t n = std::min(8, horizon - t);
    const double step = in.tick_s * throughput(job, job.n_min) / (1 + rng() % 4);
    const int32_t lattice = absolute_lattice_buckets(job, step);
    const int32_t lo = static_cast<int32_t>(rng() % std::max(1, lattice / 2));
    const int32_t hi = std::min(lattice - 1, lo + static_cast<int32_t>(rng() % 12));
    const PlanMarket market = window_of(in, t, n);
    const OnDemandTerminal terminal{job, in.od_price, t + n >= horizon};
    const PlanShape shape = absolute_plan_shape(job, in.tick_s, n, step, lo, hi);
    PlanStart start;
    start.elapsed_s = t * in.tick_s;
    start.bucket = lo;
    // Every buffer starts poisoned alike, so the two runs must write the same entries too.
    std::vector<double> va(shape.states(), 12345.0), vb(shape.states(), 12345.0);
    std::vector<double> moves(plan_move_values(shape.buckets), 12345.0);
    std::vector<int16_t> choice(static_cast<size_t>(shape.states()) * n, int16_t{-7});
    const double value = solve_plan(job, market, start, shape, Rounding::down, terminal, va.data(),
                                    vb.data(), moves.data(), choice.data(), n);
    const std::vector<double>& values = n % 2 ? vb : va;
    for (const int32_t lanes : {2, 3, 32}) {
      std::vector<double> la(shape.states(), 12345.0), lb(shape.states(), 12345.0);
      std::vector<double> lmoves(plan_move_values(shape.buckets), 12345.0);
      std::vector<int16_t> lchoice(choice.size(), int16_t{-7});
      std::vector<PlanSolver<OnDemandTerminal>> solvers;
      for (int32_t lane = 0; lane < lanes; ++lane)
        solvers.push_back(plan_solver(job, market, start, shape, Rounding::down, terminal,
                                      la.data(), lb.data(), lmoves.data(), lchoice.data(), n, lane,
                                      lanes));
      for (auto& solver : solvers)
        solver.begin();
      for (int32_t k = n - 1; k >= 0; --k)
        for (auto& solver : solvers)
          solver.layer(k);
      EXPECT_TRUE(same_bits(solvers[0].start_value(), value)) << "lanes " << lanes;
      const std::vector<double>& lane_values = n % 2 ? lb : la;
      for (size_t at = 0; at < values.size(); ++at)
        ASSERT_TRUE(same_bits(lane_values[at], values[at]))
            << "instance " << tested << ", lanes " << lanes << ", state " << at;
      ASSERT_EQ(lchoice, choice) << "instance " << tested << ", lanes " << lanes;
    }
    ++tested;
  }
}

// Every member of a CHC grid lies in exactly one key, with its key's values on the keyed axes.
TEST(PlanTables, KeysPartitionTheGrid) {
  const SweepPlan plan = testing::fixture_plan(R"toml(
[pool.chc]
window = [4, 6]
commit = [1, 2, 4]
eps = [0, 0.3, 0.6]
growth = [0.5, 1]
replan_deviation = [0, 0.2]
mode = [0, 1]
)toml");
  const FamilyGrid& grid = plan.pool.families.back();
  const std::vector<double> values = grid.flat_values();
  const ChcKeyLayout layout = chc_key_layout(grid.view(values.data()));
  EXPECT_EQ(layout.keys, 2 * 3 * 2);
  EXPECT_EQ(layout.members_per_key, 3 * 2 * 2);
  std::set<int64_t> seen;
  for (int64_t key = 0; key < layout.keys; ++key) {
    const std::vector<int32_t> first =
        plan.pool.digits(grid.first_member + layout.member_local(key, 0));
    for (int64_t j = 0; j < layout.members_per_key; ++j) {
      const int64_t local = layout.member_local(key, j);
      EXPECT_TRUE(seen.insert(local).second) << "member " << local << " in two keys";
      const std::vector<int32_t> digits = plan.pool.digits(grid.first_member + local);
      for (int32_t axis = 0; axis < layout.n_axes; ++axis) {
        if (chc_axis_keys_plans(axis)) {
          EXPECT_EQ(digits[axis], first[axis]);
        }
      }
    }
  }
  EXPECT_EQ(static_cast<int64_t>(seen.size()), grid.size);
}

// The sweep runs CHC by key, sharing plans; every member's every job equals the member run alone
// (simulate's path), including members that plan alone: the Lagrangian planner, and a workload
// estimate that the job outlives (its members then see another L).
TEST(PlanTables, SweepMembersEqualMembersRunAlone) {
  // Lines appended to the fixture's [job] table, then the pool.
  for (const char* job :
       {"", "work_error = -0.3\n", "trigger = \"composition\"\nbilling = \"per_second\"\n"}) {
    const SweepPlan plan = testing::fixture_plan(std::string(job) + R"toml(
[pool.chc]
window = [5, 8]
commit = [1, 3, 5]
eps = [0, 0.4]
growth = [0.5]
resolution = [2]
replan_deviation = [0, 0.15]
mode = [0, 1]
lagrange_iters = [0, 2]
)toml");
    const FamilyGrid& grid = plan.pool.families.back();
    SweepOptions options;
    options.exec.threads = 2;
    // Every fifth member (each key and each non-keyed value is among them), every job.
    for (int64_t m = grid.first_member; m < grid.first_member + grid.size; m += 5)
      options.trace_members.push_back(m);
    const SweepResult result = run_sweep_cpu(plan, options);
    for (size_t k = 0; k < options.trace_members.size(); ++k) {
      const std::vector<double> params = plan.pool.parameters(options.trace_members[k]);
      for (int32_t s = 0; s < plan.scenarios.count; ++s) {
        for (int32_t r = 0; r < plan.rounds; ++r) {
          NullSlotLogger log;
          const Outcome alone = simulate_member_alone(grid.family, params.data(),
                                                      plan.scenarios.view().context(s, nullptr),
                                                      plan.job(s, r), plan.round_start[r], log);
          const Outcome& got = result.traced[(k * plan.scenarios.count + s) * plan.rounds + r];
          ASSERT_TRUE(same_bits(got.utility, alone.utility))
              << "member " << options.trace_members[k] << ", scenario " << s << ", round " << r;
          EXPECT_TRUE(same_bits(got.cost, alone.cost));
          EXPECT_EQ(got.slots, alone.slots);
          EXPECT_EQ(got.reconfigs, alone.reconfigs);
        }
      }
    }
  }
}

// What a member certifies on its own: with perfect forecasts and a window to the horizon, its
// first plan (made at slot 0, where the absolute lattice and a lattice from its own progress are
// one) is achievable, and re-planning from a state at least as far along never loses ground. So
// no member run through a shared plan may end below that plan's value: here, every committed
// member of one key, run in lockstep, against OPT's down-rounded value on the same lattice.
TEST(PlanTables, NoMemberFallsBelowItsOwnCertifiedPlan) {
  std::mt19937_64 rng(2026);
  int tested = 0;
  while (tested < 60) {
    const Instance in = testing::random_instance(rng, 20, 3, false);
    const JobSpec& job = in.job;
    const MarketView market = in.market();
    const int32_t horizon = horizon_slots(job, in.tick_s);
    if (horizon > kMaxForecastWindow) continue;
    std::vector<ChcMemberRun> members(6);
    std::vector<std::vector<unsigned char>> scratch(members.size());
    MemberContext context;
    context.market = context.forecast_market = market;
    context.capacity = job.n_max;
    double params[kMaxAxes] = {};
    params[ChcFamily::window] = horizon;
    params[ChcFamily::resolution] = 8;
    for (size_t i = 0; i < members.size(); ++i) {
      params[ChcFamily::commit] = std::min<int32_t>(horizon, 1 + static_cast<int32_t>(i));
      scratch[i].resize(ChcFamily::scratch_bytes(params, params, job, in.tick_s));
      context.scratch = scratch[i].data();
      members[i].policy = ChcFamily::make(params, job, context);
      members[i].run.begin(job, market, 0);
    }
    const ChcParams key = members[0].policy.params;
    const SharedPlanLayout layout = shared_plan_layout(job, in.tick_s, key, horizon);
    std::vector<unsigned char> table(layout.bytes);
    std::vector<Outcome> outcomes(members.size());
    run_chc_key_job(job, members.data(), static_cast<int32_t>(members.size()),
                    members[0].policy.forecaster, key, layout, table.data(),
                    [&](int32_t i, const Outcome& o) { outcomes[i] = o; });
    OptOptions options;
    options.progress_step = chc_progress_step(job, in.tick_s, key);
    options.upper_bound = false;
    const OptResult certified = solve_opt(job, market, 0, options);
    for (size_t i = 0; i < members.size(); ++i)
      EXPECT_GE(outcomes[i].utility,
                certified.utility_lower - 1e-9 * (1.0 + std::fabs(certified.utility_lower)))
          << "instance " << tested << ", commit " << i + 1;
    ++tested;
  }
}

}  // namespace
}  // namespace spotsweep

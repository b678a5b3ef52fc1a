// Unit tests of the per-slot model (docs/model.md §2, §3) and the simulator loop.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "spotsweep/model/policies.hpp"
#include "spotsweep/model/simulator.hpp"
#include "spotsweep/model/slot.hpp"

#include "../../support/instances.hpp"

using namespace spotsweep;

namespace {

// Can't Be Late's ADRS setting: 48 h of work on one GPU (1 sample/s), deadline 52 h.
JobSpec cbl_job(double restart_hours) {
  JobSpec job;
  job.work = 48 * 3600.0;
  job.soft_deadline_s = 52 * 3600.0;
  job.hard_factor = 1.0;
  job.n_min = job.n_max = 1;
  job.alpha = 1.0;
  job.beta = 0.0;
  job.reconfig_s = restart_hours * 3600.0;
  return job;
}

// A market with a constant spot price and availability, long enough for the CBL jobs.
spotsweep::testing::Instance flat_market(double spot_price, int32_t spot_avail, double od_price) {
  spotsweep::testing::Instance in;
  in.spot_price.assign(400, spot_price);
  in.spot_avail.assign(400, spot_avail);
  in.od_price = od_price;
  in.tick_s = 600.0;
  return in;
}

}  // namespace

TEST(Model, ThroughputIsLinearAndZeroWhenIdle) {
  JobSpec job;
  job.alpha = 2.0;
  job.beta = 0.5;
  EXPECT_DOUBLE_EQ(throughput(job, 0), 0.0);
  EXPECT_DOUBLE_EQ(throughput(job, 3), 6.5);
}

TEST(Model, ValueShapes) {
  JobSpec job;
  job.soft_deadline_s = 100.0;
  job.hard_factor = 2.0;
  job.value_max = 10.0;
  job.miss_penalty = 4.0;
  EXPECT_DOUBLE_EQ(completion_value(job, 50.0), 10.0);
  EXPECT_DOUBLE_EQ(completion_value(job, 100.0), 10.0);
  EXPECT_DOUBLE_EQ(completion_value(job, 150.0), 5.0);
  EXPECT_DOUBLE_EQ(completion_value(job, 200.0), 0.0);
  EXPECT_DOUBLE_EQ(completion_value(job, 200.1), -4.0);
  job.value_shape = ValueShape::step;
  job.value_shape_param = 0.25;
  EXPECT_DOUBLE_EQ(completion_value(job, 150.0), 2.5);
  job.value_shape = ValueShape::exponential;
  job.value_shape_param = 2.0;
  EXPECT_NEAR(completion_value(job, 150.0),
              10.0 * (std::exp(-1.0) - std::exp(-2.0)) / (1 - std::exp(-2.0)), 1e-12);
  EXPECT_NEAR(completion_value(job, 200.0), 0.0, 1e-12);
}

TEST(Model, ReconfigurationTriggers) {
  JobSpec job;
  const Allocation idle{0, 0}, od2{2, 0}, mixed{1, 1}, od3{3, 0};
  job.trigger = ReconfigTrigger::total;
  EXPECT_TRUE(is_reconfiguration(job, idle, od2));    // starting from idle
  EXPECT_FALSE(is_reconfiguration(job, od2, idle));   // going idle costs nothing
  EXPECT_FALSE(is_reconfiguration(job, od2, mixed));  // same total
  EXPECT_TRUE(is_reconfiguration(job, od2, od3));
  job.trigger = ReconfigTrigger::composition;
  EXPECT_TRUE(is_reconfiguration(job, od2, mixed));
  EXPECT_FALSE(is_reconfiguration(job, mixed, mixed));
}

TEST(Model, RestartLossSpansSlots) {
  JobSpec job;
  job.work = 1e9;
  job.reconfig_s = 1500.0;  // 2.5 ticks of 600 s
  SlotProgress s = run_slot(job, 600.0, job.reconfig_s, 0.0, 1);
  EXPECT_DOUBLE_EQ(s.work_after, 0.0);
  EXPECT_DOUBLE_EQ(s.overhead_after_s, 900.0);
  s = run_slot(job, 600.0, s.overhead_after_s, s.work_after, 1);
  EXPECT_DOUBLE_EQ(s.overhead_after_s, 300.0);
  s = run_slot(job, 600.0, s.overhead_after_s, s.work_after, 1);
  EXPECT_DOUBLE_EQ(s.work_after, 300.0);
  EXPECT_DOUBLE_EQ(s.overhead_after_s, 0.0);
}

TEST(Model, ClampMakesProposalsFeasible) {
  JobSpec job;
  job.n_min = 2;
  job.n_max = 4;
  EXPECT_EQ(clamp_allocation(job, {0, 5}, 3), (Allocation{0, 3}));
  EXPECT_EQ(clamp_allocation(job, {3, 3}, 3), (Allocation{1, 3}));
  EXPECT_EQ(clamp_allocation(job, {0, 1}, 3), (Allocation{1, 1}));  // topped up to N_min
  EXPECT_EQ(clamp_allocation(job, {0, 0}, 3), (Allocation{0, 0}));
}

// docs/cbl-semantics.md §13: on-demand with d = 0.2 h bills 290 ticks of 0.51 $, finish 48.33 h.
TEST(Simulator, OnDemandMatchesCantBeLateWorkedExample) {
  const JobSpec job = cbl_job(0.2);
  const auto flat = flat_market(0.9731, 0, 3.06);
  OnDemandOnlyPolicy od{1};
  const Outcome out = simulate(job, flat.market(), 0, od);
  EXPECT_EQ(out.slots, 290);
  EXPECT_NEAR(out.cost, 147.9, 1e-9);
  EXPECT_NEAR(out.finish_s, 48 * 3600.0 + 720.0, 1e-6);
  EXPECT_EQ(out.missed, 0);
  EXPECT_EQ(out.reconfigs, 1);
}

TEST(Simulator, PerSecondBillingChargesTheLastSlotPartly) {
  JobSpec job = cbl_job(0.2);
  job.billing = Billing::per_second;
  const auto flat = flat_market(0.9731, 0, 3.06);
  OnDemandOnlyPolicy od{1};
  const Outcome out = simulate(job, flat.market(), 0, od);
  EXPECT_NEAR(out.cost, 3.06 * (48 * 3600.0 + 720.0) / 3600.0, 1e-9);
}

TEST(Simulator, SpotFirstGreedyIsCheaperThanOnDemandWhenSpotIsUp) {
  const JobSpec job = cbl_job(0.2);
  const auto flat = flat_market(0.9731, 1, 3.06);
  GreedyPolicy greedy;
  const Outcome out = simulate(job, flat.market(), 0, greedy);
  EXPECT_EQ(out.missed, 0);
  EXPECT_NEAR(out.spot_share(), 1.0, 1e-12);
  EXPECT_NEAR(out.cost, 290 * 0.9731 * 600.0 / 3600.0, 1e-9);
}

// Greedy and Uniform Progress on N GPUs where at most one spot GPU is ever up (docs/model.md
// §4.2): a partial spot allocation cannot keep the rate the deadline rules time the work at, so
// the rules move it to N_max on-demand. Every job leaves room for the rules' switch (work at
// N_max plus 2R plus 2 ticks within d), so both must finish by d itself, never leaning on the
// hard-deadline safety net; before the generalisation Greedy rode one spot GPU past d.
TEST(Policies, PartialSpotMeetsDeadline) {
  std::mt19937_64 rng(19);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int i = 0; i < 400; ++i) {
    spotsweep::testing::Instance in;
    in.tick_s = 195.0;
    in.od_price = 3.06;
    JobSpec& job = in.job;
    job.n_min = 1;
    job.n_max = 2 + i % 7;
    job.alpha = 0.64;
    job.beta = 0.57 * (i % 2);
    job.soft_deadline_s = 8 * 3600.0;
    job.hard_factor = 1.5;
    job.reconfig_s = i % 3 == 0 ? 0.0 : 600.0;
    job.value_max = 200.0;
    job.miss_penalty = 100.0;
    const double room = job.soft_deadline_s - 2.0 * job.reconfig_s - 3.0 * in.tick_s;
    job.work = room * throughput(job, job.n_max) * (0.3 + 0.7 * u(rng));
    const int32_t n_slots = horizon_slots(job, in.tick_s);
    in.spot_price.assign(n_slots, 0.97);
    in.spot_avail.resize(n_slots);
    // Availability: on/off runs of random length, 0 or 1 GPU (the V100 traces' pattern).
    const double p_flip = 0.02 + 0.3 * u(rng);
    int32_t up = u(rng) < 0.5;
    for (int32_t t = 0; t < n_slots; ++t) {
      if (u(rng) < p_flip) up = 1 - up;
      in.spot_avail[t] = up;
    }
    GreedyPolicy greedy;
    const Outcome g = simulate(job, in.market(), 0, greedy);
    EXPECT_EQ(g.missed, 0) << "greedy, instance " << i;
    EXPECT_LE(g.finish_s, job.soft_deadline_s + kDeadlineTolS) << "greedy, instance " << i;
    EXPECT_EQ(g.net_overrides, 0) << "greedy leaned on the safety net, instance " << i;
    UniformProgressPolicy progress;
    const Outcome p = simulate(job, in.market(), 0, progress);
    EXPECT_LE(p.finish_s, job.soft_deadline_s + kDeadlineTolS) << "UP, instance " << i;
  }
}

// The safety net's guarantee: no policy misses a feasible job, whatever the market does.
TEST(Simulator, NoPolicyMissesAFeasibleJob) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    const auto in = spotsweep::testing::random_instance(rng, 60, 8);
    const MarketView market = in.market();
    OnDemandOnlyPolicy od;
    GreedyPolicy greedy;
    UniformProgressPolicy up;
    PredictionFreePolicy pf;
    pf.theta = 0.2 + 0.8 * (i % 5) / 4.0;
    pf.kappa = 0.5 + 0.1 * (i % 6);
    EXPECT_EQ(simulate(in.job, market, 0, od).missed, 0) << "on-demand, instance " << i;
    EXPECT_EQ(simulate(in.job, market, 0, greedy).missed, 0) << "greedy, instance " << i;
    EXPECT_EQ(simulate(in.job, market, 0, up).missed, 0) << "UP, instance " << i;
    EXPECT_EQ(simulate(in.job, market, 0, pf).missed, 0) << "PF, instance " << i;
  }
}

// Idling forever is the worst proposal; the net must still finish the job by γ·d.
TEST(Simulator, SafetyNetRescuesAnIdlePolicy) {
  struct IdlePolicy {
    Allocation decide(const JobSpec&, const SlotObservation&, const JobState&) const { return {}; }
  };
  std::mt19937_64 rng(11);
  for (int i = 0; i < 1000; ++i) {
    const auto in = spotsweep::testing::random_instance(rng, 40, 6);
    IdlePolicy idle;
    const Outcome out = simulate(in.job, in.market(), 0, idle);
    EXPECT_EQ(out.missed, 0);
    EXPECT_LE(out.finish_s, in.job.hard_deadline_s() + kDeadlineTolS);
    EXPECT_GT(out.net_overrides, 0);
  }
}

TEST(Policies, GpusForRateIsTheFewestThatSuffice) {
  JobSpec job;
  job.n_min = 2;
  job.n_max = 8;
  job.alpha = 1.5;
  job.beta = 0.3;
  for (double rate : {0.0, 3.3, 3.31, 6.3, 9.0, 12.3, 100.0}) {
    const int32_t n = gpus_for_rate(job, rate);
    EXPECT_GE(n, job.n_min);
    EXPECT_LE(n, job.n_max);
    if (n < job.n_max) {
      EXPECT_GE(throughput(job, n), rate);
    }
    if (n > job.n_min) {
      EXPECT_LT(throughput(job, n - 1), rate);
    }
  }
}

TEST(Policies, PredictionFreeRidesCheapSpotAndCatchesUpWithOnDemand) {
  JobSpec job;
  job.work = 1000.0;
  job.soft_deadline_s = 1000.0;
  job.n_min = 1;
  job.n_max = 4;
  job.alpha = 1.0;
  PredictionFreePolicy pf;
  pf.theta = 0.5;
  pf.kappa = 1.0;
  pf.rho = 1.0;
  JobState state;
  SlotObservation obs;
  obs.tick_s = 100.0;
  obs.od_price = 1.0;
  obs.spot_price = 0.4;
  obs.spot_avail = 4;
  // On the line at τ = 0 and spot cheap: rides spot at the required rate (1 GPU).
  Allocation a = pf.decide(job, obs, state);
  EXPECT_EQ(a, (Allocation{0, 1}));
  // Behind the line, spot too dear: on-demand at the required rate.
  obs.elapsed_s = 500.0;
  obs.spot_price = 0.9;
  state.work_done = 0.0;
  a = pf.decide(job, obs, state);
  EXPECT_EQ(a.n_spot, 0);
  EXPECT_EQ(a.n_od, 2);
}

// Policies that declare kProposesFeasible skip the simulator's clamp: their proposals must be
// what the clamp would make of them, on every slot of random jobs (both triggers, N_min > 1,
// workload estimates, the Can't Be Late mode), or results would change.
TEST(Policies, ProposalsDeclaredFeasibleAre) {
  static_assert(ProposesFeasible<GreedyPolicy>::value);
  static_assert(ProposesFeasible<UniformProgressPolicy>::value);
  static_assert(ProposesFeasible<PredictionFreePolicy>::value);
  static_assert(ProposesFeasible<OnlySpotPolicy>::value);
  static_assert(!ProposesFeasible<OnDemandOnlyPolicy>::value);  // n_gpus may exceed N_max
  std::mt19937_64 rng(17);
  int64_t slots = 0;
  int64_t failures = 0;
  const auto check = [&](const JobSpec& job, const MarketView& market, auto policy) {
    auto log = [&](const SlotRecord& rec) {
      ++slots;
      if (clamp_allocation(job, rec.proposed, rec.obs.spot_avail) != rec.proposed) ++failures;
    };
    simulate(job, market, 0, policy, log);
  };
  for (int i = 0; i < 1500; ++i) {
    auto in = spotsweep::testing::random_instance(rng, 50, 8);
    if (i % 4 == 1) in.job.work_estimate = in.job.work * (0.5 + (i % 7) * 0.2);
    if (i % 4 == 2) in.set_mode(ModelMode::cant_be_late);
    const MarketView market = in.market();
    GreedyPolicy greedy;
    greedy.deadline_factor = 0.6 + 0.1 * (i % 6);
    UniformProgressPolicy up;
    up.deadline_factor = 0.6 + 0.1 * (i % 5);
    PredictionFreePolicy pf;
    pf.theta = 0.2 + 0.2 * (i % 5);
    pf.kappa = 0.5 + 0.1 * (i % 6);
    pf.rho = 0.5 + 0.5 * (i % 4);
    OnlySpotPolicy spot;
    spot.n_gpus = i % (in.job.n_max + 3);
    check(in.job, market, greedy);
    check(in.job, market, up);
    check(in.job, market, pf);
    check(in.job, market, spot);
  }
  EXPECT_GT(slots, 100000);
  EXPECT_EQ(failures, 0);
}

// The simulator makes the net's quick test once every few slots while it holds far ahead; it
// must give the answer of the test made at every slot.
TEST(Simulator, NetLookAheadGivesTheTestOfEverySlot) {
  std::mt19937_64 rng(23);
  int64_t slots = 0;
  int64_t binding = 0;
  for (int i = 0; i < 1500; ++i) {
    const auto in = spotsweep::testing::random_instance(rng, 120, 8);
    const MarketView market = in.market();
    PredictionFreePolicy pf;
    pf.theta = 0.2 + 0.2 * (i % 5);
    pf.kappa = 0.8 + 0.1 * (i % 4);
    NullSlotLogger log;
    JobRun<SafetyNet::on, ModelMode::spotsweep> run;
    run.begin(in.job, market, 0);
    while (!run.ended) {
      const bool every_slot = net_cannot_bind(in.job, run.hard_s, run.rate_max, run.t * run.tick,
                                              run.tick, run.state.work_done);
      ASSERT_EQ(run.net_cannot_bind_now(in.job), every_slot)
          << "instance " << i << " slot " << run.t;
      ++slots;
      binding += every_slot ? 0 : 1;
      run.step(in.job, pf, log);
    }
  }
  EXPECT_GT(binding, 1000);  // the net's region near the deadline is reached
  EXPECT_GT(slots, 10 * binding);
}

// Greedy and Uniform Progress test "far from the deadline" once every few slots; it must give
// the answer of the test made at every slot, whatever the target deadline.
TEST(Policies, FarFromDeadlineLookAheadGivesTheTestOfEverySlot) {
  struct Checked {
    double deadline_s = 0.0;
    FarFromDeadline far;
    int64_t* calls;
    int64_t* near;
    int64_t* failures;
    Allocation decide(const JobSpec& job, const SlotObservation& obs, const JobState& state) {
      const bool every_slot =
          deadline_rules_cannot_fire(job, obs.elapsed_s, obs.tick_s, state.work_done, deadline_s);
      if (far.holds(job, obs, state, deadline_s) != every_slot) ++*failures;
      ++*calls;
      *near += every_slot ? 0 : 1;
      return all_spot_or_idle(job, obs.spot_avail);
    }
  };
  std::mt19937_64 rng(29);
  int64_t calls = 0, near = 0, failures = 0;
  for (int i = 0; i < 1500; ++i) {
    auto in = spotsweep::testing::random_instance(rng, 120, 8);
    if (i % 3 == 1) in.set_mode(ModelMode::cant_be_late);
    Checked policy{(0.5 + 0.1 * (i % 7)) * in.job.soft_deadline_s, {}, &calls, &near, &failures};
    simulate(in.job, in.market(), 0, policy);
  }
  EXPECT_GT(near, 1000);
  EXPECT_GT(calls - near, 10000);
  EXPECT_EQ(failures, 0);
}

// The fast-forward (JobRun::fast_forward) must give what running every slot gives, bit for
// bit: simulate() with a logger runs every slot through step(), without one it fast-forwards.
// Markets in runs of equal slots (as real traces are), with and without an on-demand price
// series, both triggers and billings, and policies that promise a steady proposal.
TEST(Simulator, FastForwardEqualsEverySlot) {
  std::mt19937_64 rng(31);
  int64_t compared = 0;
  int64_t mismatches = 0;
  int64_t stepped_slots = 0;
  int64_t skipped_slots = 0;
  const auto same = [](const Outcome& a, const Outcome& b) {
    return std::memcmp(&a.utility, &b.utility, sizeof(double)) == 0 &&
           std::memcmp(&a.cost, &b.cost, sizeof(double)) == 0 &&
           std::memcmp(&a.finish_s, &b.finish_s, sizeof(double)) == 0 &&
           std::memcmp(&a.od_gpu_s, &b.od_gpu_s, sizeof(double)) == 0 &&
           std::memcmp(&a.spot_gpu_s, &b.spot_gpu_s, sizeof(double)) == 0 && a.missed == b.missed &&
           a.reconfigs == b.reconfigs && a.net_overrides == b.net_overrides && a.slots == b.slots;
  };
  for (int i = 0; i < 3000; ++i) {
    auto in = spotsweep::testing::random_instance(rng, 150, 8);
    // Runs of equal slots, 1 to 40 long.
    const int32_t n_slots = static_cast<int32_t>(in.spot_avail.size());
    std::vector<double> od_series(n_slots, in.od_price);
    for (int32_t m = 1; m < n_slots; ++m) {
      if (rng() % (1 + rng() % 40) != 0) {
        in.spot_price[m] = in.spot_price[m - 1];
        in.spot_avail[m] = in.spot_avail[m - 1];
      }
      od_series[m] = rng() % 30 == 0 ? in.od_price * (0.8 + 0.1 * (rng() % 5)) : od_series[m - 1];
    }
    MarketView market = in.market();
    if (i % 3 == 0) market.od_price_series = od_series.data();
    const auto compare = [&](auto policy) {
      auto stepped_policy = policy;
      auto log = [](const SlotRecord&) {};
      const Outcome fast = simulate(in.job, market, 0, policy);
      const Outcome stepped = simulate(in.job, market, 0, stepped_policy, log);
      ++compared;
      if (!same(fast, stepped)) ++mismatches;
    };
    OnDemandOnlyPolicy od;
    od.n_gpus = static_cast<int32_t>(i % (in.job.n_max + 2));
    compare(od);
    // How many slots fast_forward advances for on-demand (so that this test can fail).
    OnDemandOnlyPolicy counted = od;
    JobRun<SafetyNet::on, ModelMode::spotsweep> run;
    run.begin(in.job, market, 0);
    NullSlotLogger null_log;
    while (!run.ended) {
      run.step(in.job, counted, null_log);
      ++stepped_slots;
      const int32_t before = run.t;
      run.fast_forward(in.job, counted);
      skipped_slots += run.t - before;
    }
    OnlySpotPolicy spot;
    spot.n_gpus = static_cast<int32_t>(i % (in.job.n_max + 3));
    compare(spot);
    GreedyPolicy greedy;
    greedy.deadline_factor = 0.5 + 0.1 * (i % 8);
    compare(greedy);
    PredictionFreePolicy pf;
    pf.theta = 0.2 + 0.2 * (i % 5);
    pf.kappa = 0.5 + 0.1 * (i % 6);
    pf.rho = 0.5 + 0.5 * (i % 4);
    pf.hysteresis = 0.02 * (i % 3);
    compare(pf);
  }
  EXPECT_EQ(compared, 12000);
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(skipped_slots, stepped_slots);
}

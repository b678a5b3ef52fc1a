#pragma once
// Random small instances (market + job) for the model, OPT and policy tests.
#include <cstdint>
#include <random>
#include <vector>

#include "spotsweep/model/job.hpp"
#include "spotsweep/model/market.hpp"
#include "spotsweep/model/simulator.hpp"
#include "spotsweep/model/slot.hpp"

namespace spotsweep::testing {

struct Instance {
  JobSpec job;
  std::vector<double> spot_price;
  std::vector<int32_t> spot_avail;
  double od_price = 3.0;
  double tick_s = 600.0;

  // Switches the job to `mode` and keeps the market covering its horizon, which the Can't Be
  // Late mode makes one slot longer (horizon_slots): the market repeats its last slot.
  void set_mode(ModelMode mode) {
    job.mode = mode;
    const size_t slots = static_cast<size_t>(horizon_slots(job, tick_s));
    if (spot_price.size() < slots) {
      spot_price.resize(slots, spot_price.back());
      spot_avail.resize(slots, spot_avail.back());
    }
  }
  MarketView market() const {
    MarketView m;
    m.spot_price = spot_price.data();
    m.spot_avail = spot_avail.data();
    m.od_price = od_price;
    m.tick_seconds = tick_s;
    m.n_slots = static_cast<int32_t>(spot_avail.size());
    return m;
  }
};

// A feasible random job whose horizon is at most max_slots slots, with N_max ≤ max_gpus.
inline Instance random_instance(std::mt19937_64& rng, int32_t max_slots, int32_t max_gpus,
                                bool allow_composition = true) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto pick = [&](int32_t lo, int32_t hi) {
    return std::uniform_int_distribution<int32_t>(lo, hi)(rng);
  };
  for (;;) {
    Instance in;
    in.tick_s = 600.0;
    in.od_price = 2.0 + 2.0 * u(rng);
    JobSpec& job = in.job;
    job.n_max = pick(1, max_gpus);
    job.n_min = pick(1, job.n_max);
    job.alpha = 0.5 + u(rng);
    job.beta = (u(rng) - 0.3) * 0.5 * job.alpha;
    if (throughput(job, job.n_min) <= 0) continue;
    const int32_t horizon = pick(2, max_slots);
    job.hard_factor = 1.0 + (u(rng) < 0.3 ? 0.0 : u(rng));
    job.soft_deadline_s = horizon * in.tick_s / job.hard_factor;
    const double r = u(rng);
    job.reconfig_s = r < 0.2 ? 0.0 : (r < 0.8 ? u(rng) * in.tick_s : (1.0 + u(rng)) * in.tick_s);
    job.trigger =
        (allow_composition && u(rng) < 0.3) ? ReconfigTrigger::composition : ReconfigTrigger::total;
    job.billing = u(rng) < 0.3 ? Billing::per_second : Billing::full_slot;
    const double s = u(rng);
    job.value_shape =
        s < 0.5 ? ValueShape::linear : (s < 0.75 ? ValueShape::step : ValueShape::exponential);
    job.value_shape_param =
        job.value_shape == ValueShape::exponential ? 0.5 + 2.0 * u(rng) : u(rng);
    // Work: a fraction of what N_max can do by the hard deadline, after one restart.
    const double capacity = (job.hard_deadline_s() - job.reconfig_s) * throughput(job, job.n_max);
    if (capacity <= 0) continue;
    job.work = capacity * (0.15 + 0.8 * u(rng));
    const double od_cost_all = job.n_max * in.od_price * horizon * in.tick_s / 3600.0;
    job.value_max = od_cost_all * (0.3 + 1.5 * u(rng));
    job.miss_penalty = od_cost_all * u(rng);
    if (!job_is_feasible(job)) continue;
    const int32_t n_slots = horizon_slots(job, in.tick_s);
    in.spot_price.resize(n_slots);
    in.spot_avail.resize(n_slots);
    for (int32_t m = 0; m < n_slots; ++m) {
      in.spot_price[m] = in.od_price * (u(rng) < 0.1 ? 1.1 : 0.2 + 0.6 * u(rng));
      in.spot_avail[m] = pick(0, job.n_max + 1);
    }
    return in;
  }
}

}  // namespace spotsweep::testing

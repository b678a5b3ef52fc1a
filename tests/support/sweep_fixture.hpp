#pragma once
// A small synthetic market and sweep file shared by the sweep tests: fast to run, with
// prices around the threshold and availability that comes and goes, so every policy branch
// is taken.
#include <cstdint>
#include <string>

#include "spotsweep/config/toml.hpp"
#include "spotsweep/sweep/sweep.hpp"

namespace spotsweep::testing {

// 10-minute ticks, p_o = 3 USD/GPU-h, spot 0.6–3.3 USD with runs, 0–8 GPUs with runs.
inline Trace fixture_trace(int32_t slots = 3000) {
  Trace t;
  t.name = "fixture";
  t.tick_seconds = 600.0;
  t.od_price = 3.0;
  t.capacity = 8;
  uint64_t state = 12345;
  auto next = [&]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  double price = 1.2;
  int32_t avail = 4;
  for (int32_t i = 0; i < slots; ++i) {
    if (next() % 5 == 0) price = 0.6 + (next() % 28) * 0.1;
    if (next() % 4 == 0) avail = static_cast<int32_t>(next() % 9);
    t.spot_price.push_back(price);
    t.spot_avail.push_back(avail);
  }
  return t;
}

inline const char* fixture_sweep_toml() {
  return R"toml(# sweep fixture
[pool.pf]
theta = [0.3, 0.6, 0.9]
kappa = [0.7, 0.9]
rho = "[1:2:1]"
hysteresis = [0, 0.05]

[pool.greedy]
deadline_factor = [0.8, 1]

[pool.uniform_progress]
deadline_factor = [0.9, 1.0]

[pool.on_demand]
n_gpus = [0, 4, 8]

[workload]
trace = "fixture.h5"
scenarios = 4
scenario_stride = 200
rounds = 5
round_stride = 20
seed = 7

[job]
work = "uniform(2e6, 5e6)"
deadline_h = 4
gamma = 1.5
n_min = 1
n_max = 8
alpha = 100
beta = 0
value = "uniform(40, 80)"
miss_penalty = 20
reconfig_s = 300
)toml";
}

inline SweepConfig fixture_config(const std::string& extra_job_lines = "") {
  return parse_sweep_config(
      parse_toml_text(std::string(fixture_sweep_toml()) + extra_job_lines, "fixture.toml"));
}

inline SweepPlan fixture_plan(const std::string& extra_job_lines = "") {
  return make_plan(fixture_config(extra_job_lines), fixture_trace());
}

}  // namespace spotsweep::testing

#pragma once
// Host-side checks of the model's inputs (jobs, their trace windows, forecast noise) with
// one-line InputErrors naming where the values came from. Policy parameters are checked
// against their family's axis table (config/pool.hpp).
#include <cstdint>
#include <string>

#include "spotsweep/model/forecast.hpp"
#include "spotsweep/model/job.hpp"
#include "spotsweep/model/market.hpp"

namespace spotsweep {

// Checks the job's own fields; `source` names where they came from (a config file, "--option").
void validate_job(const JobSpec& job, const std::string& source);

// Checks that the market window from start_slot covers the job's hard deadline.
void validate_job_window(const JobSpec& job, const MarketView& market, int start_slot,
                         const std::string& trace_file);

// The noisy oracle, its parameters checked (window ≤ kMaxForecastWindow, ε ≥ 0): a
// LogicError on a broken precondition, since callers validate user input first.
NoisyOracle make_noisy_oracle(uint64_t seed, uint32_t scenario, double eps, double growth,
                              int32_t avail_max, int32_t window,
                              AvailNoise avail_noise = AvailNoise::multiplicative);

}  // namespace spotsweep

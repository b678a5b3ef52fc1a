#pragma once
// Host-side checks of the model's inputs (jobs and their trace windows) with
// one-line InputErrors naming where the values came from. Policy parameters, forecast noise
// among them, are checked against their family's axis table (config/pool.hpp).
#include <string>

#include "spotsweep/model/job.hpp"
#include "spotsweep/model/market.hpp"

namespace spotsweep {

// Checks the job's own fields; `source` names where they came from (a config file, "--option").
void validate_job(const JobSpec& job, const std::string& source);

// Checks that the market window from start_slot covers the job's hard deadline.
void validate_job_window(const JobSpec& job, const MarketView& market, int start_slot,
                         const std::string& trace_file);

}  // namespace spotsweep

#pragma once
// Host-side checks of a JobSpec against a market, with one-line InputErrors.
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

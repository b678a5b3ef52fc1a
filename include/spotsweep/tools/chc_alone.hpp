#pragma once
// Host-side owner of CHC's working memory: runs one CHC simulation on the CPU.
#include <vector>

#include "spotsweep/model/chc.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/model/simulator.hpp"

namespace spotsweep {

// Checks CHC parameters; throws InputError naming `source` and the field.
void validate_chc_params(const ChcParams& params, const std::string& source);

template <class Forecaster, class SlotLogger>
Outcome simulate_chc(const JobSpec& job, const MarketView& market, int32_t start_slot,
                     const ChcParams& params, const Forecaster& forecaster, SlotLogger& log,
                     int32_t* plans_made = nullptr, double* largest_plan_gap = nullptr) {
  ChcPolicy<Forecaster> policy;
  policy.params = params;
  policy.forecaster = forecaster;
  policy.layout = chc_scratch_layout(job, market.tick_seconds, params);
  std::vector<unsigned char> scratch(policy.layout.bytes);
  policy.scratch = scratch.data();
  const Outcome out = simulate(job, market, start_slot, policy, log);
  if (plans_made) *plans_made = policy.plans_made;
  if (largest_plan_gap) *largest_plan_gap = policy.largest_plan_gap;
  return out;
}

template <class Forecaster>
Outcome simulate_chc(const JobSpec& job, const MarketView& market, int32_t start_slot,
                     const ChcParams& params, const Forecaster& forecaster,
                     int32_t* plans_made = nullptr) {
  NullSlotLogger log;
  return simulate_chc(job, market, start_slot, params, forecaster, log, plans_made);
}

}  // namespace spotsweep

#pragma once
// CHC's per-run bound on its gap to OPT (docs/chc.md, "A per-run bound on CHC's gap to OPT"):
// for each traced CHC member and job, CHC re-simulated alone with the bound's terms accumulated
// by the policy itself (model/chc.hpp, ChcBoundTerms, device-safe), its utility checked against
// the traced one, and the optimum on CHC's own lattice on the realised market. Host-only.
#include <cstdint>

#include "spotsweep/model/chc.hpp"
#include "spotsweep/model/job.hpp"
#include "spotsweep/model/market.hpp"
#include "spotsweep/sweep/opt.hpp"
#include "spotsweep/sweep/plan.hpp"
#include "spotsweep/sweep/sweep.hpp"

namespace spotsweep {

// V_q: the best value on CHC's absolute lattice (step Δ·H(N_min)/m, progress rounded down) over
// the whole horizon of the job starting at start_slot, on the realised market: what CHC's first
// plan would be worth with exact forecasts and a window reaching γd. kInfeasibleValue or below
// when no finishing schedule survives the rounding.
double chc_lattice_optimum(const JobSpec& job, const MarketView& market, int32_t start_slot,
                           const ChcParams& params);

// Fills result.chc_bound ([traced member][scenario][round]) for the plan's traced members: the
// bound's terms for CHC members, NaN for the others. `opt` (may be empty: bound NaN) gives OPT's
// upper value per job. Throws LogicError if a re-simulated CHC member's utility differs from its
// traced one (the bound would then describe another run).
void attach_chc_bounds(const SweepPlan& plan, const OptTable& opt, SweepResult& result,
                       int threads);

// Whether any traced member of the plan is a CHC member.
bool traces_chc_member(const SweepPlan& plan, const std::vector<int64_t>& traced);

}  // namespace spotsweep

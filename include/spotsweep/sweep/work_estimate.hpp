#pragma once
// What a sweep's members cost, estimated before they run, so that progress and its ETA tell the
// truth on mixed pools (docs/sweep.md, "Progress"): policy-slot steps, each weighted by what a
// step costs. A rule-based policy's step costs 1; a CHC step adds its share of a plan, whose
// cost follows the planner's size (states × window × allocations, times the prices tried by the
// Lagrangian planner). Host-only.
#include <cstdint>

#include "spotsweep/config/pool.hpp"
#include "spotsweep/sweep/plan.hpp"

namespace spotsweep {

// Policy-slot steps one member is expected to simulate over all the plan's jobs: each job
// until its soft deadline (or its horizon, if shorter).
double expected_member_steps(const SweepPlan& plan);

// What one step of a member with these parameters costs, in rule-based steps (1 for every
// family but CHC), averaged over a few of the plan's jobs.
double step_cost(const FamilyGrid& grid, const double* params, const SweepPlan& plan);

// The estimated work of a plan's members, in rule-based steps (each member's expected steps
// times its step cost); the plan must outlive it.
class WorkEstimate {
 public:
  explicit WorkEstimate(const SweepPlan& plan);
  // One member of `grid` (a grid of the plan's pool, or a sub-grid of one) by its local index.
  double member(const FamilyGrid& grid, int64_t local) const;
  // Members [first_local, first_local + count) of `grid`; a large CHC range is sampled evenly.
  double members(const FamilyGrid& grid, int64_t first_local, int64_t count) const;

 private:
  const SweepPlan& plan_;
  double steps_ = 0.0;
};

}  // namespace spotsweep

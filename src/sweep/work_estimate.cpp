// Work estimates for progress: steps per member and CHC's planner cost per step.
#include "spotsweep/sweep/work_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "spotsweep/engine/families.hpp"
#include "spotsweep/model/chc.hpp"
#include "spotsweep/model/planner.hpp"
#include "spotsweep/model/simulator.hpp"

namespace spotsweep {

namespace {

// What one plan costs, in rule-based steps, from the planner's size X = states × window ×
// allocations: power laws fitted by least squares to single-member sweeps on the build host (PF
// 2.95e-8 s per step; exact CHC w = 4…32, m = 1, 4, v = 1, 4; Lagrangian w = 12…48,
// k = 1…8), each within about 25 % (docs/sweep.md, "Progress").
double plan_cost(double size, int32_t lagrange_iters) {
  if (lagrange_iters == 0) return 0.0913 * std::pow(size, 0.85);
  return 0.0196 * std::pow(size, 1.21) * std::pow(static_cast<double>(lagrange_iters), 0.49);
}

// Up to 8 jobs spread over the plan, so that a large plan's estimate stays cheap.
std::vector<const JobSpec*> sample_jobs(const SweepPlan& plan) {
  std::vector<const JobSpec*> jobs;
  const size_t n = plan.jobs.size(), take = std::min<size_t>(n, 8);
  for (size_t i = 0; i < take; ++i)
    jobs.push_back(&plan.jobs[i * n / take]);
  return jobs;
}

double chc_step_cost(const double* params, const SweepPlan& plan) {
  const ChcParams c = ChcFamily::params(params);
  const double tick = plan.scenarios.tick_seconds;
  double total = 0.0;
  const std::vector<const JobSpec*> jobs = sample_jobs(plan);
  for (const JobSpec* job : jobs) {
    const ChcScratchLayout layout = chc_scratch_layout(*job, tick, c);
    const double allocations = static_cast<double>(allocation_space(*job).size());
    // One plan visits the states of every slot of the window and tries each allocation.
    const double size = static_cast<double>(layout.states) * c.window * allocations;
    // The committed controller plans every v slots; the averaged one starts a plan every slot.
    const double plans_per_step = c.mode == ChcMode::averaged ? 1.0 : 1.0 / c.commit;
    total += 1.0 + plan_cost(size, c.lagrange_iters) * plans_per_step;
  }
  return jobs.empty() ? 1.0 : total / static_cast<double>(jobs.size());
}

}  // namespace

double expected_member_steps(const SweepPlan& plan) {
  const double tick = plan.scenarios.tick_seconds;
  double steps = 0.0;
  for (const JobSpec& job : plan.jobs)
    steps += std::min<double>(horizon_slots(job, tick), std::ceil(job.soft_deadline_s / tick));
  return steps;
}

double step_cost(const FamilyGrid& grid, const double* params, const SweepPlan& plan) {
  if (grid.family != family_id<ChcFamily>) return 1.0;
  return chc_step_cost(params, plan);
}

WorkEstimate::WorkEstimate(const SweepPlan& plan)
    : plan_(plan), steps_(expected_member_steps(plan)) {}

double WorkEstimate::member(const FamilyGrid& grid, int64_t local) const {
  if (grid.family != family_id<ChcFamily>) return steps_;
  const std::vector<double> values = grid.flat_values();
  double params[kMaxAxes];
  decode_member(grid.view(values.data()), local, params);
  return steps_ * step_cost(grid, params, plan_);
}

double WorkEstimate::members(const FamilyGrid& grid, int64_t first_local, int64_t count) const {
  if (grid.family != family_id<ChcFamily>) return steps_ * static_cast<double>(count);
  const int64_t stride = std::max<int64_t>(1, count / 4096);
  const std::vector<double> values = grid.flat_values();
  const FamilyGridView view = grid.view(values.data());
  double cost = 0.0;
  int64_t sampled = 0;
  double params[kMaxAxes];
  for (int64_t i = 0; i < count; i += stride, ++sampled) {
    decode_member(view, first_local + i, params);
    cost += step_cost(grid, params, plan_);
  }
  return steps_ * cost * static_cast<double>(count) / static_cast<double>(sampled);
}

}  // namespace spotsweep

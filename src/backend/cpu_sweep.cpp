// The sweep's CPU backend: OpenMP over members, each member's (scenario, round) loop in the
// fixed order the CUDA backend also uses, nearest-rank percentiles by sorting; CHC members by
// planning key, sharing their plans (engine/chc_tables.hpp).
#include "spotsweep/backend/cpu_sweep.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "spotsweep/backend/cpu_chc_key.hpp"
#include "spotsweep/backend/device.hpp"
#include "spotsweep/detail/error.hpp"

namespace spotsweep {

namespace {

// scenario_rows, when given, receives each scenario's ScenarioStat row.
template <class Family>
OutcomeSums evaluate_member(const SweepPlan& plan, const ScenarioBatchView& scenarios,
                            const double* params, const PercentileKeys& keys, Outcome* traced,
                            double* scenario_rows, unsigned char* scratch) {
  OutcomeSums total;
  const int32_t rounds = plan.rounds;
  for (int32_t s = 0; s < scenarios.count; ++s) {
    const int64_t first_job = static_cast<int64_t>(s) * rounds;
    const OutcomeSums part = evaluate_member_scenario<Family>(
        params, scenarios.context(s, scratch), plan.jobs.data() + first_job,
        plan.round_start.data(), rounds, keys, 0, first_job, traced ? traced + first_job : nullptr);
    total.add(part);
    if (scenario_rows) finish_scenario_stats(part, scenario_rows + s * kScenarioStatCount);
  }
  return total;
}

// What the loop hands out: one member, or every member of one CHC planning key (member < 0).
struct WorkUnit {
  int32_t grid = 0;
  int64_t key = -1;
  int64_t member = -1;
};

// Where a member's results go, and its percentile keys while they are gathered.
struct MemberOutputs {
  int64_t member = 0;
  Outcome* traced = nullptr;        // [job], or null
  double* scenario_rows = nullptr;  // [scenario][ScenarioStat], or null
  std::vector<float> keys;          // [metric][job], when percentiles are on
};

// Every member of one CHC planning key on every (scenario, round), in that order: per job the
// members run in lockstep and share their plans (engine/chc_tables.hpp). Each member's sums add
// its rounds in order per scenario and its scenarios in order, as evaluate_member does.
std::vector<OutcomeSums> evaluate_chc_key(const SweepPlan& plan, const ScenarioBatchView& scenarios,
                                          const FamilyGridView& grid, const ChcKeyLayout& layout,
                                          int64_t key, std::vector<MemberOutputs>& outputs) {
  CpuChcKey chc(grid, layout, key, plan.jobs, scenarios.tick_seconds);
  const int64_t count = chc.members();
  std::vector<OutcomeSums> total(static_cast<size_t>(count)), part(static_cast<size_t>(count));
  const int64_t jobs = plan.jobs_per_member();
  for (int32_t s = 0; s < scenarios.count; ++s) {
    std::fill(part.begin(), part.end(), OutcomeSums{});
    for (int32_t r = 0; r < plan.rounds; ++r) {
      const int64_t job_index = static_cast<int64_t>(s) * plan.rounds + r;
      chc.run(scenarios, s, plan.job(s, r), plan.round_start[r], [&](int32_t j, const Outcome& o) {
        part[j].add(o);
        MemberOutputs& out = outputs[j];
        if (!out.keys.empty()) PercentileKeys{out.keys.data(), 1, jobs}.store(0, job_index, o);
        if (out.traced) out.traced[job_index] = o;
      });
    }
    for (int64_t j = 0; j < count; ++j) {
      total[j].add(part[j]);
      if (outputs[j].scenario_rows)
        finish_scenario_stats(part[j], outputs[j].scenario_rows + s * kScenarioStatCount);
    }
  }
  return total;
}

}  // namespace

SweepResult run_sweep_cpu(const SweepPlan& plan, const SweepOptions& options,
                          const ProgressCallback& progress) {
  check_trace_members(plan, options.trace_members);
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t members = plan.pool.size;
  const int64_t jobs = plan.jobs_per_member();
  const ScenarioBatchView scenarios = plan.scenarios.view();
  const int threads = options.exec.cpu_threads();
  // Per thread, for members evaluated alone (CHC goes by planning key).
  const size_t scratch_bytes = max_scratch_bytes(plan, family_id<ChcFamily>);

  SweepResult result;
  result.members = members;
  result.stats.assign(static_cast<size_t>(members) * kStatCount,
                      std::numeric_limits<double>::quiet_NaN());  // percentiles stay NaN when off
  result.traced_members = options.trace_members;
  result.traced.resize(options.trace_members.size() * static_cast<size_t>(jobs));
  result.backend = Backend::cpu;
  result.threads = threads;
  result.device = cpu_device_label(threads);
  if (options.per_scenario)
    result.scenario_stats.assign(
        static_cast<size_t>(members) * scenarios.count * kScenarioStatCount, 0.0);

  std::vector<std::vector<double>> family_values;
  for (const FamilyGrid& g : plan.pool.families)
    family_values.push_back(g.flat_values());
  // CHC grids go by planning key, heaviest work first; every other member alone.
  std::vector<WorkUnit> units;
  for (size_t f = 0; f < plan.pool.families.size(); ++f) {
    const FamilyGrid& g = plan.pool.families[f];
    if (g.family != family_id<ChcFamily>) continue;
    const ChcKeyLayout layout = chc_key_layout(g.view(family_values[f].data()));
    for (int64_t key = 0; key < layout.keys; ++key)
      units.push_back(WorkUnit{static_cast<int32_t>(f), key, -1});
  }
  for (size_t f = 0; f < plan.pool.families.size(); ++f) {
    const FamilyGrid& g = plan.pool.families[f];
    if (g.family == family_id<ChcFamily>) continue;
    for (int64_t local = 0; local < g.size; ++local)
      units.push_back(WorkUnit{static_cast<int32_t>(f), -1, g.first_member + local});
  }
  const auto outputs_of = [&](int64_t member) {
    MemberOutputs out;
    out.member = member;
    for (size_t k = 0; k < options.trace_members.size(); ++k)
      if (options.trace_members[k] == member) out.traced = result.traced.data() + k * jobs;
    if (options.per_scenario)
      out.scenario_rows = result.scenario_stats.data() +
                          static_cast<size_t>(member) * scenarios.count * kScenarioStatCount;
    if (options.percentiles) out.keys.resize(static_cast<size_t>(kPercentileMetrics * jobs));
    return out;
  };
  // The member's statistics from its sums and (percentiles on) its keys, sorted here.
  const auto finish = [&](const OutcomeSums& sums, MemberOutputs& out) {
    double* row = result.stats.data() + static_cast<size_t>(out.member) * kStatCount;
    finish_member_stats(sums, row);
    if (!options.percentiles) return;
    for (int32_t m = 0; m < kPercentileMetrics; ++m) {
      float* run = out.keys.data() + static_cast<size_t>(m) * jobs;
      std::sort(run, run + jobs);
      for (int32_t p = 0; p < kPercentileCount; ++p)
        row[static_cast<int32_t>(percentile_stat(static_cast<PercentileMetric>(m), p))] =
            run[percentile_index(percentile_percent(p), jobs)];
    }
  };

  int64_t steps = 0;
  int64_t done = 0;
  int64_t last_reported = 0;  // touched by thread 0 only
  const int64_t report_every = std::max<int64_t>(1, members / 200);
  const int64_t n_units = static_cast<int64_t>(units.size());
#pragma omp parallel num_threads(threads) reduction(+ : steps)
  {
    std::vector<unsigned char> scratch(scratch_bytes);
    double params[kMaxAxes];
    // One unit at a time: a unit is at least one member's whole job list, so the shared counter
    // costs little, and a pool of a few costly CHC keys still fills every core.
#pragma omp for schedule(dynamic, 1)
    for (int64_t u = 0; u < n_units; ++u) {
      const WorkUnit unit = units[u];
      const FamilyGrid& grid = plan.pool.families[unit.grid];
      const FamilyGridView view = grid.view(family_values[unit.grid].data());
      int64_t finished = 0;
      if (unit.key >= 0) {
        const ChcKeyLayout layout = chc_key_layout(view);
        std::vector<MemberOutputs> outputs;
        for (int64_t j = 0; j < layout.members_per_key; ++j)
          outputs.push_back(outputs_of(grid.first_member + layout.member_local(unit.key, j)));
        const std::vector<OutcomeSums> sums =
            evaluate_chc_key(plan, scenarios, view, layout, unit.key, outputs);
        for (size_t j = 0; j < outputs.size(); ++j) {
          steps += sums[j].slots;
          finish(sums[j], outputs[j]);
        }
        finished = static_cast<int64_t>(outputs.size());
      } else {
        MemberOutputs out = outputs_of(unit.member);
        decode_member(view, unit.member - grid.first_member, params);
        const PercentileKeys keys{options.percentiles ? out.keys.data() : nullptr, 1, jobs};
        const OutcomeSums sums = visit_family(grid.family, [&](auto family) {
          return evaluate_member<decltype(family)>(plan, scenarios, params, keys, out.traced,
                                                   out.scenario_rows, scratch.data());
        });
        steps += sums.slots;
        finish(sums, out);
        finished = 1;
      }
      int64_t now_done;
#pragma omp atomic capture
      now_done = done += finished;
      if (progress && omp_get_thread_num() == 0 && now_done - last_reported >= report_every) {
        last_reported = now_done;
        progress(now_done, members);
      }
    }
  }
  if (progress) progress(members, members);
  result.policy_slot_steps = steps;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace spotsweep

// The sweep's CPU backend: OpenMP over members, each member's (scenario, round) loop in the
// fixed order the CUDA backend also uses, nearest-rank percentiles by sorting; CHC members by
// planning key, sharing their plans (engine/chc_tables.hpp).
#include "spotsweep/backend/cpu_sweep.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>

#include "spotsweep/backend/cpu_chc_key.hpp"
#include "spotsweep/backend/device.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/stop.hpp"

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
    total.add_scenario(part);
    if (scenario_rows) finish_scenario_stats(part, scenario_rows + s * kScenarioStatCount);
  }
  return total;
}

// What the loop hands out: one member alone, or members of one CHC planning key (key >= 0), each
// with the row its results go to.
struct WorkUnit {
  int32_t grid = 0;
  int64_t key = -1;
  int64_t member = -1, row = -1;  // alone
  std::vector<int64_t> within;    // by key: the members' places j in the key, ascending
  std::vector<int64_t> rows;      // by key: their result rows
};

// Where a member's results go, and its percentile keys while they are gathered.
struct MemberOutputs {
  int64_t row = 0;
  Outcome* traced = nullptr;        // [job], or null
  double* scenario_rows = nullptr;  // [scenario][ScenarioStat], or null
  float* keys = nullptr;            // [metric][job], when percentiles are on
};

// A CHC grid member's planning key and its place j in the key (ChcKeyLayout::member_local's
// inverse).
void split_local(const ChcKeyLayout& layout, int64_t local, int64_t& key, int64_t& j) {
  int64_t digit[kMaxAxes];
  for (int32_t i = layout.n_axes - 1; i >= 0; --i) {
    digit[i] = local % layout.axis_size[i];
    local /= layout.axis_size[i];
  }
  key = 0;
  j = 0;
  for (int32_t i = 0; i < layout.n_axes; ++i) {
    int64_t& rest = chc_axis_keys_plans(i) ? key : j;
    rest = rest * layout.axis_size[i] + digit[i];
  }
}

// The given members of one CHC planning key (places `within`, any subset of the key: each
// member's outcomes do not depend on which others share its plans) on every (scenario, round),
// in that order: per job the members run in lockstep and share their plans
// (engine/chc_tables.hpp). Each member's sums add its rounds in order per scenario and its
// scenarios in order, as evaluate_member does.
std::vector<OutcomeSums> evaluate_chc_key(const SweepPlan& plan, const ScenarioBatchView& scenarios,
                                          const FamilyGridView& grid, const ChcKeyLayout& layout,
                                          int64_t key, const std::vector<int64_t>& within,
                                          std::vector<MemberOutputs>& outputs) {
  CpuChcKey chc(grid, layout, key, within, plan.jobs, scenarios.tick_seconds);
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
        if (out.keys) PercentileKeys{out.keys, 1, jobs}.store(0, job_index, o);
        if (out.traced) out.traced[job_index] = o;
      });
    }
    for (int64_t j = 0; j < count; ++j) {
      total[j].add_scenario(part[j]);
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
  // The members run: options.members, or the range [begin, end) (an MPI rank's share, or the
  // whole pool), whose rows start at member `begin`.
  int64_t begin = 0, end = 0;
  sweep_member_range(plan, options, &begin, &end);
  const bool listed = !options.members.empty();
  const int64_t members = listed ? static_cast<int64_t>(options.members.size()) : end - begin;
  for (int64_t m : options.members)
    SPOTSWEEP_EXPECTS(m >= 0 && m < plan.pool.size, "members of the pool");
  const int64_t jobs = plan.jobs_per_member();
  const ScenarioBatchView scenarios = plan.scenarios.view();
  const int threads = options.exec.cpu_threads();
  // Per thread, for members evaluated alone (CHC goes by planning key).
  const size_t scratch_bytes = max_scratch_bytes(plan, family_id<ChcFamily>);

  SweepResult result;
  result.first_member = listed ? 0 : begin;
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
  // CHC members go by planning key, heaviest work first; every other member alone. Each member
  // of the run (the pool, or options.members) is in one unit, with its result row.
  std::vector<WorkUnit> units, alone;
  std::vector<ChcKeyLayout> layouts(plan.pool.families.size());
  std::vector<std::map<int64_t, size_t>> key_unit(plan.pool.families.size());
  for (size_t f = 0; f < plan.pool.families.size(); ++f)
    layouts[f] = chc_key_layout(plan.pool.families[f].view(family_values[f].data()));
  for (int64_t row = 0; row < members; ++row) {
    const int64_t member = listed ? options.members[row] : begin + row;
    const MemberRef ref = plan.pool.locate(member);
    const int32_t f = ref.family_index;
    if (plan.pool.families[f].family != family_id<ChcFamily>) {
      WorkUnit unit;
      unit.grid = f;
      unit.member = member;
      unit.row = row;
      alone.push_back(std::move(unit));
      continue;
    }
    int64_t key = 0, j = 0;
    split_local(layouts[f], ref.local, key, j);
    const auto found = key_unit[f].emplace(key, units.size());
    if (found.second) {
      WorkUnit unit;
      unit.grid = f;
      unit.key = key;
      units.push_back(std::move(unit));
    }
    units[found.first->second].within.push_back(j);
    units[found.first->second].rows.push_back(row);
  }
  for (WorkUnit& unit : alone)
    units.push_back(std::move(unit));
  // Where member `member`'s results go; its percentile keys go to `keys` (percentiles on).
  const auto outputs_of = [&](int64_t member, int64_t row, float* keys) {
    MemberOutputs out;
    out.row = row;
    for (size_t k = 0; k < options.trace_members.size(); ++k)
      if (options.trace_members[k] == member) out.traced = result.traced.data() + k * jobs;
    if (options.per_scenario)
      out.scenario_rows = result.scenario_stats.data() +
                          static_cast<size_t>(row) * scenarios.count * kScenarioStatCount;
    if (options.percentiles) out.keys = keys;
    return out;
  };
  // The member's statistics from its sums and (percentiles on) its keys, sorted here.
  const auto finish = [&](const OutcomeSums& sums, MemberOutputs& out) {
    double* row = result.stats.data() + static_cast<size_t>(out.row) * kStatCount;
    finish_member_stats(sums, row);
    if (!options.percentiles) return;
    for (int32_t m = 0; m < kPercentileMetrics; ++m) {
      float* run = out.keys + static_cast<size_t>(m) * jobs;
      std::sort(run, run + jobs);
      for (int32_t p = 0; p < kPercentileCount; ++p)
        row[static_cast<int32_t>(percentile_stat(static_cast<PercentileMetric>(m), p))] =
            run[percentile_index(percentile_percent(p), jobs)];
    }
  };

  int64_t steps = 0;
  int64_t done = 0;  // under the progress lock
  const int64_t n_units = static_cast<int64_t>(units.size());
#pragma omp parallel num_threads(threads) reduction(+ : steps)
  {
    std::vector<unsigned char> scratch(scratch_bytes);
    // The percentile keys of the thread's member alone, or of a whole CHC key's members.
    const size_t member_keys = options.percentiles ? kPercentileMetrics * jobs : 0;
    std::vector<float> keys(member_keys);
    double params[kMaxAxes];
    // One unit at a time: a unit is at least one member's whole job list, so the shared counter
    // costs little, and a pool of a few costly CHC keys still fills every core.
#pragma omp for schedule(dynamic, 1)
    for (int64_t u = 0; u < n_units; ++u) {
      if (stop_requested()) continue;  // SIGINT/SIGTERM: the rest is skipped, then thrown below
      const WorkUnit& unit = units[u];
      const FamilyGrid& grid = plan.pool.families[unit.grid];
      const FamilyGridView view = grid.view(family_values[unit.grid].data());
      int64_t finished = 0;
      if (unit.key >= 0) {
        const ChcKeyLayout& layout = layouts[unit.grid];
        std::vector<MemberOutputs> outputs;
        keys.resize(std::max(keys.size(), member_keys * unit.within.size()));
        for (size_t i = 0; i < unit.within.size(); ++i)
          outputs.push_back(
              outputs_of(grid.first_member + layout.member_local(unit.key, unit.within[i]),
                         unit.rows[i], keys.data() + member_keys * i));
        const std::vector<OutcomeSums> sums =
            evaluate_chc_key(plan, scenarios, view, layout, unit.key, unit.within, outputs);
        for (size_t i = 0; i < outputs.size(); ++i) {
          steps += sums[i].slots;
          finish(sums[i], outputs[i]);
        }
        finished = static_cast<int64_t>(outputs.size());
      } else {
        MemberOutputs out = outputs_of(unit.member, unit.row, keys.data());
        decode_member(view, unit.member - grid.first_member, params);
        const PercentileKeys key_view{out.keys, 1, jobs};
        const OutcomeSums sums = visit_family(grid.family, [&](auto family) {
          return evaluate_member<decltype(family)>(plan, scenarios, params, key_view, out.traced,
                                                   out.scenario_rows, scratch.data());
        });
        steps += sums.slots;
        finish(sums, out);
        finished = 1;
      }
      // Every completion is reported, from whichever thread finished it: a unit is at least
      // one member's whole job list, so the lock costs little, and a run of a few costly CHC
      // keys still shows its progress as it happens.
      if (progress) {
#pragma omp critical(spotsweep_sweep_progress)
        progress(done += finished, members);
      }
    }
  }
  throw_if_stop_requested();
  result.policy_slot_steps = steps;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace spotsweep

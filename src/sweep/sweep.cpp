// The sweep's backend dispatch, and the statistics both backends compute from a member's sums.
#include "spotsweep/sweep/sweep.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "spotsweep/backend/cpu_sweep.hpp"
#include "spotsweep/backend/cuda.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"

namespace spotsweep {

double sweep_table_bytes(const SweepPlan& plan, const SweepOptions& options) {
  // The rows this process holds: a member list, or its range of the pool (an MPI rank's share).
  const int64_t end = options.member_end < 0 ? plan.pool.size : options.member_end;
  const double members =
      static_cast<double>(options.members.empty() ? std::max<int64_t>(end - options.member_begin, 0)
                                                  : static_cast<int64_t>(options.members.size()));
  const double jobs = static_cast<double>(plan.jobs_per_member());
  double bytes = members * kStatCount * sizeof(double);
  if (options.per_scenario)
    bytes += members * plan.scenarios.count * kScenarioStatCount * sizeof(double);
  bytes += static_cast<double>(options.trace_members.size()) * jobs * sizeof(Outcome);
  return bytes;
}

double sweep_thread_bytes(const SweepPlan& plan, const SweepOptions& options) {
  // The percentile keys of one member and its planner scratch.
  const double jobs = static_cast<double>(plan.jobs_per_member());
  return (options.percentiles ? kPercentileMetrics * jobs * sizeof(float) : 0) +
         static_cast<double>(max_scratch_bytes(plan));
}

double sweep_host_bytes(const SweepPlan& plan, const SweepOptions& options) {
  const double bytes = sweep_table_bytes(plan, options);
  // Writing, after the threads are done: the output file holds the tables again, built in
  // memory by HDF5 and copied once into the image that is written (h5::write_file_atomically).
  return bytes +
         std::max(sweep_thread_bytes(plan, options) * options.exec.cpu_threads(), 2.0 * bytes);
}

void check_sweep_host_memory(const SweepPlan& plan, const SweepOptions& options) {
  check_host_memory(sweep_host_bytes(plan, options),
                    "the result tables of " + std::to_string(plan.pool.size) + " members",
                    plan.config_file, "pool", std::to_string(plan.pool.size) + " members",
                    "shrink the pool, drop --per-scenario or --trace-members, or lower --threads");
}

SweepResult run_sweep(const SweepPlan& plan, const SweepOptions& options,
                      const ProgressCallback& progress) {
  check_sweep_host_memory(plan, options);
  return run_on_backend(
      options.exec.backend, [&] { return run_sweep_cpu(plan, options, progress); },
      [&] {
        SPOTSWEEP_EXPECTS(options.members.empty(), "a member subset runs on the CPU backend only");
        return run_sweep_cuda(plan, options, progress);
      });
}

const char* stat_name(Stat stat) {
  static const char* const names[] = {"utility_mean",       "utility_p5",      "utility_p50",
                                      "utility_p95",        "cost_mean",       "cost_p5",
                                      "cost_p50",           "cost_p95",        "finish_s_mean",
                                      "finish_s_p5",        "finish_s_p50",    "finish_s_p95",
                                      "miss_rate",          "spot_share_mean", "reconfigs_mean",
                                      "net_overrides_mean", "utility_se"};
  return names[static_cast<int32_t>(stat)];
}

StatMeaning stat_meaning(Stat stat) {
  static const StatMeaning meanings[] = {
      {"USD", "mean utility V(T) - cost per job"},
      {"USD", "5th percentile of utility per job"},
      {"USD", "median utility per job"},
      {"USD", "95th percentile of utility per job"},
      {"USD", "mean cost per job"},
      {"USD", "5th percentile of cost per job"},
      {"USD", "median cost per job"},
      {"USD", "95th percentile of cost per job"},
      {"s", "mean completion time of the finished jobs, from each job's start"},
      {"s", "5th percentile of completion time (a miss counts as +inf)"},
      {"s", "median completion time (a miss counts as +inf)"},
      {"s", "95th percentile of completion time (a miss counts as +inf)"},
      {"1", "fraction of jobs not finished by the hard deadline"},
      {"1", "mean share of spot GPU-seconds in each job's rented GPU-seconds"},
      {"1", "mean restarts per job, the first launch included"},
      {"1", "mean slots per job in which the safety net replaced the proposal"},
      {"USD", "standard error of utility_mean across scenarios"}};
  return meanings[static_cast<int32_t>(stat)];
}

StatMeaning scenario_stat_meaning(ScenarioStat stat) {
  static const StatMeaning meanings[] = {{"USD", "mean utility per job in each scenario"},
                                         {"USD", "mean cost per job in each scenario"},
                                         {"1", "fraction of each scenario's jobs missed"}};
  return meanings[static_cast<int32_t>(stat)];
}

Stat percentile_stat(PercentileMetric metric, int32_t percentile_index) {
  // Each metric's mean column is followed by its kPercentileCount percentile columns.
  return static_cast<Stat>(static_cast<int32_t>(metric) * (1 + kPercentileCount) + 1 +
                           percentile_index);
}

void finish_member_stats(const OutcomeSums& sums, double* row) {
  const double jobs = static_cast<double>(sums.jobs);
  row[static_cast<int32_t>(Stat::utility_mean)] = sums.utility / jobs;
  row[static_cast<int32_t>(Stat::cost_mean)] = sums.cost / jobs;
  row[static_cast<int32_t>(Stat::finish_s_mean)] =
      sums.finished > 0 ? sums.finish_s / static_cast<double>(sums.finished)
                        : std::numeric_limits<double>::quiet_NaN();
  row[static_cast<int32_t>(Stat::miss_rate)] = static_cast<double>(sums.missed) / jobs;
  row[static_cast<int32_t>(Stat::spot_share_mean)] = sums.spot_share / jobs;
  row[static_cast<int32_t>(Stat::reconfigs_mean)] = static_cast<double>(sums.reconfigs) / jobs;
  row[static_cast<int32_t>(Stat::net_overrides_mean)] =
      static_cast<double>(sums.net_overrides) / jobs;
  // The spread of the scenario means: scenarios, not jobs, are the independent draws (the jobs
  // of one scenario share its market window).
  const double n = static_cast<double>(sums.scenario_count);
  row[static_cast<int32_t>(Stat::utility_se)] =
      sums.scenario_count > 1 ? std::sqrt(sums.scenario_m2 / (n - 1.0)) / std::sqrt(n)
                              : std::numeric_limits<double>::quiet_NaN();
}

const char* scenario_stat_name(ScenarioStat stat) {
  static const char* const names[] = {"utility_mean", "cost_mean", "miss_rate"};
  return names[static_cast<int32_t>(stat)];
}

void finish_scenario_stats(const OutcomeSums& sums, double* row) {
  const double jobs = static_cast<double>(sums.jobs);
  row[static_cast<int32_t>(ScenarioStat::utility_mean)] = sums.utility / jobs;
  row[static_cast<int32_t>(ScenarioStat::cost_mean)] = sums.cost / jobs;
  row[static_cast<int32_t>(ScenarioStat::miss_rate)] = static_cast<double>(sums.missed) / jobs;
}

void sweep_member_range(const SweepPlan& plan, const SweepOptions& options, int64_t* begin,
                        int64_t* end) {
  *end = options.member_end < 0 ? plan.pool.size : std::min(options.member_end, plan.pool.size);
  *begin = std::min(std::max<int64_t>(options.member_begin, 0), *end);
}

void check_trace_members(const SweepPlan& plan, const std::vector<int64_t>& members) {
  for (int64_t m : members)
    if (m < 0 || m >= plan.pool.size)
      throw input_error("", "--trace-members", std::to_string(m),
                        "outside the pool's " + std::to_string(plan.pool.size) + " members");
  // A member listed twice would get two rows of which only one is filled.
  std::vector<int64_t> sorted = members;
  std::sort(sorted.begin(), sorted.end());
  const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
  if (twice != sorted.end())
    throw input_error("", "--trace-members", std::to_string(*twice), "listed twice");
}

}  // namespace spotsweep

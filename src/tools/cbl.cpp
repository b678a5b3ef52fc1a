// Can't Be Late replay (docs/cbl.md): the preset job, the benchmark's windows and traces, the
// plan that runs them on the batch engine, and the results file and summary.
#include "spotsweep/tools/cbl.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>

#include "spotsweep/backend/device.hpp"
#include "spotsweep/config/validation.hpp"
#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/engine/evaluate.hpp"
#include "spotsweep/market/import/text.hpp"
#include "spotsweep/market/importers.hpp"

namespace spotsweep {

namespace {

// sky_spot's on-demand price table: the first key found in the trace path wins (§9).
struct PriceKey {
  const char* key;
  double od_price;
};
const PriceKey kOnDemandPrices[] = {{"v100_1", kCblOnDemandPrice},
                                    {"v100_8", kCblOnDemandPrice},
                                    {"k80_1", kCblOnDemandPrice},
                                    {"k80_8", kCblOnDemandPrice}};

const char* const kAdrsTestEnvs[] = {"us-west-2a_k80_1", "us-west-2a_v100_1", "us-west-2b_k80_1",
                                     "us-west-2b_v100_1"};
const int32_t kAdrsTestIds[] = {0,   8,   9,   20,  21,  33,  42,  51,  61,  70,
                                99,  107, 117, 126, 135, 145, 154, 163, 172, 182,
                                191, 219, 228, 238, 247, 256, 266, 275, 284, 294};

int32_t parse_tick(const std::string& where, const std::string& field, const std::string& text) {
  try {
    size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size() && v >= 0 && v <= INT32_MAX) return static_cast<int32_t>(v);
  } catch (const std::exception&) {}
  throw input_error(where, field, text, "expected a non-negative integer");
}

std::string hours_text(double h) { return format_number(h) + " h"; }

}  // namespace

const std::vector<CblPolicy>& cbl_policies() {
  // deadline_factor 1 for greedy and uniform_progress (their defaults), one GPU for on_demand,
  // 0 (= N_max = 1) for only_spot. Each is named as its pool family is, in every command.
  static const std::vector<CblPolicy> policies = {
      {"greedy", "greedy", "deadline_factor", 1.0},
      {"uniform_progress", "uniform_progress", "deadline_factor", 1.0},
      {"on_demand", "on_demand", "n_gpus", 1.0},
      {"only_spot", "only_spot", "n_gpus", 0.0},
  };
  return policies;
}

CblPolicy parse_cbl_policy(const std::string& text, const std::string& source,
                           const std::string& field) {
  // "up" (Can't Be Late's own name) and dashed spellings are older spellings (the CLI notes
  // them); the columns of the summary are as wide as "uniform_progress".
  std::string name = text == "up" ? "uniform_progress" : text;
  std::replace(name.begin(), name.end(), '-', '_');
  for (const CblPolicy& p : cbl_policies())
    if (name == p.name || name == p.family) return p;
  throw input_error(source, field, text,
                    "unknown policy (greedy, uniform_progress, on_demand, only_spot)");
}

void check_cbl_job(const JobSpec& job, const std::string& source) {
  // sky_spot's own pre-check first, in its words; then the model's field checks.
  if (!(job.work + job.reconfig_s <= job.hard_deadline_s()))
    throw input_error(source, "deadline", hours_text(job.hard_deadline_s() / 3600.0),
                      "task infeasible: work + overhead = " +
                          hours_text((job.work + job.reconfig_s) / 3600.0) + " exceeds it");
  validate_job(job, source);
}

double cbl_on_demand_price(const std::string& trace_path) {
  for (const PriceKey& k : kOnDemandPrices)
    if (trace_path.find(k.key) != std::string::npos) return k.od_price;
  throw input_error(trace_path, "env", std::filesystem::path(trace_path).stem().string(),
                    "no on-demand price: the name must contain v100_1, v100_8, k80_1 or k80_8");
}

double cbl_spot_price(double od_price) {
  return od_price / (kCblSpotDivisorNumerator / kCblSpotDivisorDenominator);
}

std::vector<CblWindow> read_cbl_windows(const std::string& path) {
  if (!std::ifstream(path))
    throw input_error(path, "--windows", path, "cannot open the windows file");
  const std::vector<detail::CsvRow> rows = detail::read_csv(path);
  const char* const header = "env,window_id,start_tick,end_tick";
  if (rows.empty()) throw input_error(path, "header", "", "the file is empty");
  std::string first;
  for (const std::string& field : rows.front().fields)
    first += (first.empty() ? "" : ",") + field;
  if (rows.front().line != 1 || first != header)
    throw input_error(path + ":1", "header", first, std::string("expected ") + header);
  std::vector<CblWindow> windows;
  for (size_t r = 1; r < rows.size(); ++r) {
    const detail::CsvRow& row = rows[r];
    detail::expect_columns(row, 4, path, header);
    const std::string where = detail::at_line(path, row.line);
    CblWindow w;
    w.env = row.fields[0];
    if (w.env.empty()) throw input_error(where, "env", "", "is empty");
    w.window_id = parse_tick(where, "window_id", row.fields[1]);
    w.start_tick = parse_tick(where, "start_tick", row.fields[2]);
    w.end_tick = parse_tick(where, "end_tick", row.fields[3]);
    if (w.end_tick <= w.start_tick)
      throw input_error(where, "end_tick", row.fields[3],
                        "must exceed start_tick = " + row.fields[2]);
    windows.push_back(w);
  }
  if (windows.empty()) throw input_error(path, "rows", "0", "the file lists no windows");
  return windows;
}

bool is_adrs_test_window(const std::string& env, int32_t window_id) {
  const bool env_in =
      std::find(std::begin(kAdrsTestEnvs), std::end(kAdrsTestEnvs), env) != std::end(kAdrsTestEnvs);
  return env_in && std::find(std::begin(kAdrsTestIds), std::end(kAdrsTestIds), window_id) !=
                       std::end(kAdrsTestIds);
}

Pool cbl_pool(const std::vector<CblPolicy>& policies) {
  Pool pool;
  for (const CblPolicy& p : policies) {
    const FamilyInfo* info = find_family(p.family);
    SPOTSWEEP_EXPECTS(info != nullptr, "a benchmark policy names a family");
    FamilyGrid grid;
    grid.family = info->id;
    grid.name = info->name;
    for (const AxisSpec& a : info->axes)
      grid.axes.push_back({a.name, {a.name == std::string(p.axis) ? p.value : a.default_value}});
    grid.size = 1;
    grid.first_member = pool.size;
    pool.families.push_back(grid);
    pool.size += 1;
  }
  return pool;
}

CblRuns run_cbl_replay(const CblReplay& replay, const ExecOptions& exec) {
  if (resolve_backend(exec.backend, query_device()) != Backend::cuda)
    return run_cbl_replay_cpu(replay, exec.threads);
  SweepOptions options;
  options.exec = exec;
  options.exec.backend = Backend::cuda;
  options.percentiles = false;
  for (int64_t m = 0; m < replay.plan.pool.size; ++m)
    options.trace_members.push_back(m);
  SweepResult result = run_sweep(replay.plan, options);
  CblRuns runs;
  runs.outcomes = std::move(result.traced);
  runs.ticks = result.policy_slot_steps;
  runs.seconds = result.seconds;
  runs.backend = result.backend;
  runs.device = result.device;
  runs.threads = result.threads;
  return runs;
}

CblReplay make_cbl_replay(const std::vector<CblWindow>& windows, const std::string& windows_file,
                          const std::string& trace_dir, const std::vector<CblSetting>& settings,
                          const std::vector<CblPolicy>& policies, double task_h) {
  if (!std::filesystem::is_directory(trace_dir))
    throw input_error(trace_dir, "--traces", trace_dir, "not a directory");
  std::vector<std::string> envs;
  for (const CblWindow& w : windows)
    if (std::find(envs.begin(), envs.end(), w.env) == envs.end()) envs.push_back(w.env);
  std::vector<Trace> traces;
  for (const std::string& env : envs) {
    const std::string path = (std::filesystem::path(trace_dir) / (env + ".json")).string();
    if (!std::filesystem::is_regular_file(path))
      throw input_error(windows_file, "env", env, "no trace file " + path);
    ImportOptions o;
    o.format = TraceFormat::skypilot_json;
    o.input = path;
    // skypilot-org counts instances obtainable: sky_spot's "not data[k]" on the ADRS windows.
    o.convention = Convention::available;
    o.od_price = cbl_on_demand_price(path);
    o.spot_price = cbl_spot_price(*o.od_price);
    o.name = env;
    traces.push_back(import_trace(o));
  }
  return make_cbl_replay(windows, windows_file, envs, traces, settings, policies, task_h);
}

CblReplay make_cbl_replay(const std::vector<CblWindow>& windows, const std::string& windows_file,
                          const std::vector<std::string>& env_names,
                          const std::vector<Trace>& traces, const std::vector<CblSetting>& settings,
                          const std::vector<CblPolicy>& policies, double task_h) {
  SPOTSWEEP_EXPECTS(env_names.size() == traces.size(), "one trace per env");
  if (windows.empty()) throw input_error(windows_file, "rows", "0", "no windows to replay");
  if (settings.empty())
    throw input_error("command line", "--deadlines", "", "no settings to replay");
  if (policies.empty())
    throw input_error("command line", "--policies", "", "no policies to replay");
  CblReplay replay;
  replay.windows = windows;
  replay.settings = settings;
  replay.policies = policies;
  const double tick = traces.front().tick_seconds;
  for (size_t i = 0; i < traces.size(); ++i)
    if (traces[i].tick_seconds != tick)
      throw input_error(traces[i].source, "gap_seconds", format_number(traces[i].tick_seconds),
                        "differs from " + env_names[0] + "'s " + format_number(tick) +
                            " s; one replay needs one tick");

  SweepPlan& plan = replay.plan;
  plan.pool = cbl_pool(policies);
  plan.rounds = static_cast<int32_t>(settings.size());
  plan.round_start.assign(settings.size(), 0);  // every setting runs from the window's start
  plan.trace_name = "cant-be-late";
  std::vector<JobSpec> setting_jobs;
  int32_t window_slots = 1;
  for (const CblSetting& s : settings) {
    const JobSpec job = cbl_job(task_h, s.deadline_h, s.overhead_h);
    check_cbl_job(job, "command line: deadline " + hours_text(s.deadline_h) + ", overhead " +
                           hours_text(s.overhead_h));
    setting_jobs.push_back(job);
    window_slots = std::max(window_slots, checked_horizon_slots(job, tick, "command line"));
  }
  ScenarioSet& set = plan.scenarios;
  set.count = static_cast<int32_t>(windows.size());
  set.slots = window_slots;
  set.tick_seconds = tick;
  for (size_t wi = 0; wi < windows.size(); ++wi) {
    const CblWindow& w = windows[wi];
    const size_t t = static_cast<size_t>(std::find(env_names.begin(), env_names.end(), w.env) -
                                         env_names.begin());
    SPOTSWEEP_EXPECTS(t < traces.size(), "every window's env has a trace");
    const Trace& trace = traces[t];
    const std::string where =
        windows_file + ": " + w.env + " window " + std::to_string(w.window_id);
    if (w.end_tick > trace.n_slots())
      throw input_error(
          where, "end_tick", std::to_string(w.end_tick),
          "past the end of " + w.env + ".json (" + std::to_string(trace.n_slots()) + " ticks)");
    if (w.end_tick - w.start_tick < window_slots)
      throw input_error(where, "end_tick", std::to_string(w.end_tick),
                        "the window has " + std::to_string(w.end_tick - w.start_tick) +
                            " ticks; the longest deadline needs " + std::to_string(window_slots) +
                            " (one past the deadline, for the net's one-tick-late finish)");
    set.source_slot.push_back(w.start_tick);
    set.od_price.push_back(trace.od_price);
    set.spot_price.insert(set.spot_price.end(), trace.spot_price.begin() + w.start_tick,
                          trace.spot_price.begin() + w.start_tick + window_slots);
    set.spot_avail.insert(set.spot_avail.end(), trace.spot_avail.begin() + w.start_tick,
                          trace.spot_avail.begin() + w.start_tick + window_slots);
    set.capacity = std::max(set.capacity, trace.capacity);
    plan.jobs.insert(plan.jobs.end(), setting_jobs.begin(), setting_jobs.end());
  }
  return replay;
}

CblRuns run_cbl_replay_cpu(const CblReplay& replay, int threads) {
  const SweepPlan& plan = replay.plan;
  const int64_t members = plan.pool.size;
  const int32_t scenarios = plan.scenarios.count;
  const int32_t rounds = plan.rounds;
  CblRuns runs;
  runs.backend = Backend::cpu;
  // CPU: the sweep's per-(member, scenario) evaluator, parallel over (member, scenario) pairs
  // rather than members, since a replay has a handful of members and thousands of windows.
  const auto t0 = std::chrono::steady_clock::now();
  const int n_threads = threads > 0 ? threads : omp_get_max_threads();
  runs.outcomes.resize(static_cast<size_t>(members) * scenarios * rounds);
  const ScenarioBatchView view = plan.scenarios.view();
  std::vector<std::vector<double>> family_values;
  for (const FamilyGrid& g : plan.pool.families)
    family_values.push_back(g.flat_values());
  const int64_t tasks = members * scenarios;
  int64_t ticks = 0;
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 16) reduction(+ : ticks)
  for (int64_t task = 0; task < tasks; ++task) {
    const int64_t member = task / scenarios;
    const int32_t s = static_cast<int32_t>(task % scenarios);
    const MemberRef ref = plan.pool.locate(member);
    const FamilyGrid& grid = plan.pool.families[ref.family_index];
    double params[kMaxAxes];
    decode_member(grid.view(family_values[ref.family_index].data()), ref.local, params);
    const int64_t first_job = static_cast<int64_t>(s) * rounds;
    Outcome* out = runs.outcomes.data() + (member * scenarios + s) * rounds;
    const OutcomeSums sums = visit_family(grid.family, [&](auto family) {
      return evaluate_member_scenario<decltype(family)>(
          params, view.context(s, nullptr), plan.jobs.data() + first_job, plan.round_start.data(),
          rounds, PercentileKeys{}, 0, first_job, out);
    });
    ticks += sums.slots;
  }
  runs.ticks = ticks;
  runs.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  runs.threads = n_threads;
  runs.device = cpu_device_label(n_threads);
  return runs;
}

CblScore adrs_test_score(const CblReplay& replay, const CblRuns& runs, size_t policy) {
  std::vector<double> costs;
  for (size_t w = 0; w < replay.windows.size(); ++w) {
    if (!is_adrs_test_window(replay.windows[w].env, replay.windows[w].window_id)) continue;
    for (size_t s = 0; s < replay.settings.size(); ++s)
      costs.push_back(runs.at(replay, policy, w, s).cost);
  }
  CblScore score;
  score.runs = static_cast<int64_t>(costs.size());
  if (costs.empty()) return score;
  double sum = 0.0;
  for (double c : costs)
    sum += c;
  score.mean_cost = sum / static_cast<double>(costs.size());
  double squares = 0.0;
  for (double c : costs)
    squares += (c - score.mean_cost) * (c - score.mean_cost);
  score.std_cost = std::sqrt(squares / static_cast<double>(costs.size()));
  score.score = -score.mean_cost - 0.25 * score.std_cost;
  return score;
}

void write_cbl_csv(const std::string& path, const CblReplay& replay, const CblRuns& runs) {
  OutputFile output(path, "--out");
  write_cbl_csv(output, replay, runs);
}

void write_cbl_csv(OutputFile& output, const CblReplay& replay, const CblRuns& runs) {
  AtomicTextFile file(output);
  std::ostream& out = file.stream();
  out << "env,window_id,deadline_h,overhead_h,policy,cost,finish_h,deadline_met\n";
  char line[512];
  for (size_t w = 0; w < replay.windows.size(); ++w) {
    const CblWindow& win = replay.windows[w];
    for (size_t s = 0; s < replay.settings.size(); ++s) {
      for (size_t p = 0; p < replay.policies.size(); ++p) {
        const Outcome& o = runs.at(replay, p, w, s);
        const double finish_h = o.finish_s >= 0.0 ? o.finish_s / 3600.0 : -1.0;
        std::snprintf(line, sizeof line, "%s,%d,%s,%s,%s,%.17g,%.17g,%d\n", win.env.c_str(),
                      win.window_id, format_number(replay.settings[s].deadline_h).c_str(),
                      format_number(replay.settings[s].overhead_h).c_str(), replay.policies[p].name,
                      o.cost, finish_h, o.missed ? 0 : 1);
        out << line;
      }
    }
  }
  file.commit();
}

void print_cbl_summary(std::ostream& out, const CblReplay& replay, const CblRuns& runs) {
  char buf[256];
  const size_t P = replay.policies.size();
  out << "mean cost (USD) per setting; misses = runs that finished after the deadline\n";
  std::snprintf(buf, sizeof buf, "%-11s %-11s", "deadline_h", "overhead_h");
  out << buf;
  for (size_t p = 0; p < P; ++p) {
    std::snprintf(buf, sizeof buf, " %16s", replay.policies[p].name);
    out << buf;
  }
  out << "\n";
  std::vector<int64_t> misses(P, 0);
  for (size_t s = 0; s < replay.settings.size(); ++s) {
    std::snprintf(buf, sizeof buf, "%-11s %-11s",
                  format_number(replay.settings[s].deadline_h).c_str(),
                  format_number(replay.settings[s].overhead_h).c_str());
    out << buf;
    for (size_t p = 0; p < P; ++p) {
      double sum = 0.0;
      for (size_t w = 0; w < replay.windows.size(); ++w) {
        const Outcome& o = runs.at(replay, p, w, s);
        sum += o.cost;
        misses[p] += o.missed;
      }
      std::snprintf(buf, sizeof buf, " %16.4f", sum / static_cast<double>(replay.windows.size()));
      out << buf;
    }
    out << "\n";
  }
  std::snprintf(buf, sizeof buf, "%-23s", "misses");
  out << buf;
  for (size_t p = 0; p < P; ++p) {
    std::snprintf(buf, sizeof buf, " %16lld", static_cast<long long>(misses[p]));
    out << buf;
  }
  out << "\n\nADRS test split (4 envs x 30 windows, all settings): score = -mean - 0.25*std\n";
  std::snprintf(buf, sizeof buf, "%-16s %6s %12s %12s %12s\n", "policy", "runs", "mean_cost",
                "std_cost", "score");
  out << buf;
  for (size_t p = 0; p < P; ++p) {
    const CblScore sc = adrs_test_score(replay, runs, p);
    if (sc.runs == 0) {
      std::snprintf(buf, sizeof buf, "%-16s %6d %12s %12s %12s\n", replay.policies[p].name, 0, "-",
                    "-", "-");
    } else {
      std::snprintf(buf, sizeof buf, "%-16s %6lld %12.4f %12.4f %12.4f\n", replay.policies[p].name,
                    static_cast<long long>(sc.runs), sc.mean_cost, sc.std_cost, sc.score);
    }
    out << buf;
  }
}

}  // namespace spotsweep

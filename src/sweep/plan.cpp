// The plan of a sweep file: its jobs drawn, its scenario windows copied from a trace or drawn
// from the synthetic market.
#include "spotsweep/sweep/plan.hpp"

#include <algorithm>
#include <fstream>

#include "spotsweep/config/validation.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"
#include "spotsweep/engine/families.hpp"
#include "spotsweep/market/learned_predictor.hpp"
#include "spotsweep/market/trace_io.hpp"
#include "spotsweep/model/limits.hpp"

namespace spotsweep {

ScenarioBatchView ScenarioSet::view() const {
  ScenarioBatchView v;
  v.spot_price = spot_price.data();
  v.spot_avail = spot_avail.data();
  v.od_price = od_price.data();
  v.count = count;
  v.slots = slots;
  v.tick_seconds = tick_seconds;
  v.capacity = capacity;
  v.seed = seed;
  if (!forecast_spot_price.empty()) {
    v.forecast_spot_price = forecast_spot_price.data();
    v.forecast_spot_avail = forecast_spot_avail.data();
  }
  if (!learned.empty()) v.learned_tables = learned.views().data();
  return v;
}

LearnedTables::LearnedTables(const LearnedTables& other)
    : count_(other.count_), slots_(other.slots_) {
  for (int32_t m = 0; m < kLearnedModels; ++m) {
    window_[m] = other.window_[m];
    price_[m] = other.price_[m];
    avail_[m] = other.avail_[m];
  }
  point_views();
}

LearnedTables& LearnedTables::operator=(const LearnedTables& other) {
  if (this != &other) *this = LearnedTables(other);
  return *this;
}

void LearnedTables::reset(int32_t count, int32_t slots, const std::vector<int32_t>& windows) {
  SPOTSWEEP_EXPECTS(windows.size() == static_cast<size_t>(kLearnedModels),
                    "one table window per learned model");
  count_ = count;
  slots_ = slots;
  for (int32_t m = 0; m < kLearnedModels; ++m) {
    window_[m] = windows[static_cast<size_t>(m)];
    const size_t n = window_[m] == 0 ? 0 : static_cast<size_t>(count) * slots * window_[m];
    price_[m].assign(n, 0.0);
    avail_[m].assign(n, 0);
  }
  point_views();
}

void LearnedTables::append(const LearnedTables& other) {
  SPOTSWEEP_EXPECTS(other.slots_ == slots_ || other.count_ == 0 || count_ == 0,
                    "appended learned tables have these windows' slots");
  for (int32_t m = 0; m < kLearnedModels; ++m) {
    SPOTSWEEP_EXPECTS(other.window_[m] == window_[m], "appended learned tables use these windows");
    price_[m].insert(price_[m].end(), other.price_[m].begin(), other.price_[m].end());
    avail_[m].insert(avail_[m].end(), other.avail_[m].begin(), other.avail_[m].end());
  }
  count_ += other.count_;
  if (slots_ == 0) slots_ = other.slots_;
  point_views();
}

double* LearnedTables::price_of(int32_t m, int32_t scenario) {
  SPOTSWEEP_EXPECTS(window_[m] > 0 && scenario >= 0 && scenario < count_, "a table to fill");
  return price_[m].data() + static_cast<size_t>(scenario) * slots_ * window_[m];
}

int32_t* LearnedTables::avail_of(int32_t m, int32_t scenario) {
  SPOTSWEEP_EXPECTS(window_[m] > 0 && scenario >= 0 && scenario < count_, "a table to fill");
  return avail_[m].data() + static_cast<size_t>(scenario) * slots_ * window_[m];
}

void LearnedTables::point_views() {
  views_.clear();
  bool used = false;
  for (int32_t m = 0; m < kLearnedModels; ++m)
    used = used || window_[m] > 0;
  if (!used) return;
  views_.resize(static_cast<size_t>(count_) * kLearnedModels);
  for (int32_t s = 0; s < count_; ++s)
    for (int32_t m = 0; m < kLearnedModels; ++m) {
      if (window_[m] == 0) continue;
      ForecastTableView& t = views_[static_cast<size_t>(s) * kLearnedModels + m];
      const size_t first = static_cast<size_t>(s) * slots_ * window_[m];
      t.price = price_[m].data() + first;
      t.avail = avail_[m].data() + first;
      t.first_slot = 0;
      t.n_planning_slots = slots_;
      t.window = window_[m];
    }
}

std::vector<int32_t> learned_table_windows(const Pool& pool) {
  std::vector<int32_t> windows(kLearnedModels, 0);
  for (const FamilyGrid& grid : pool.families) {
    if (grid.family != family_id<ChcFamily>) continue;
    const std::vector<double>& window = grid.axes[ChcFamily::window].values;
    const int32_t widest = static_cast<int32_t>(*std::max_element(window.begin(), window.end()));
    for (double predictor : grid.axes[ChcFamily::predictor].values)
      if (predictor != 0.0) {
        int32_t& w = windows[static_cast<size_t>(predictor) - 1];
        w = std::max(w, widest);
      }
  }
  return windows;
}

size_t max_scratch_bytes(const SweepPlan& plan, FamilyId except) {
  size_t most = 0;
  for (const FamilyGrid& grid : plan.pool.families) {
    if (grid.family == except) continue;
    double largest[kMaxAxes] = {}, smallest[kMaxAxes] = {};
    for (size_t i = 0; i < grid.axes.size(); ++i) {
      const auto range =
          std::minmax_element(grid.axes[i].values.begin(), grid.axes[i].values.end());
      smallest[i] = *range.first;
      largest[i] = *range.second;
    }
    for (const JobSpec& job : plan.jobs)
      most = std::max(most, visit_family(grid.family, [&](auto family) {
                        return decltype(family)::scratch_bytes(largest, smallest, job,
                                                               plan.scenarios.tick_seconds);
                      }));
  }
  return most;
}

namespace {

// The learned predictors' tables (docs/predict.md, "In pools"): for each model the pool's CHC
// members use, one table per scenario made by make_forecast_table on the whole of trace_of(s),
// which the scenario's window was cut from at source_slot[s] (or its forecast trace), with a
// planning slot at every slot of the window: so a forecast at the window's first slot has
// learned from every slot of the trace before it, and the model's state runs on through the
// window as in `simulate --predictor`. One table per (scenario, model), each built once, in
// parallel; its window is the largest of the members using the model, and members with a
// smaller window read its first lookaheads.
template <class TraceOf>
void build_learned_tables(ScenarioSet& set, const Pool& pool, const TraceOf& trace_of,
                          const std::string& file) {
  const std::vector<int32_t> windows = learned_table_windows(pool);
  double bytes = 0.0;
  std::vector<int32_t> models;
  for (int32_t m = 0; m < kLearnedModels; ++m) {
    if (windows[static_cast<size_t>(m)] == 0) continue;
    models.push_back(m);
    bytes += static_cast<double>(set.count) * set.slots * windows[static_cast<size_t>(m)] *
             (sizeof(double) + sizeof(int32_t));
  }
  if (models.empty()) {
    set.learned = LearnedTables();
    return;
  }
  bytes += static_cast<double>(set.count) * kLearnedModels * sizeof(ForecastTableView);  // views
  check_host_memory(bytes, "the learned predictors' forecast tables", file, "workload.scenarios",
                    std::to_string(set.count),
                    "lower [workload] scenarios, or the windows of learned CHC members");
  set.learned.reset(set.count, set.slots, windows);
  const int64_t tasks = static_cast<int64_t>(set.count) * static_cast<int64_t>(models.size());
  LearnedPredictorOptions options;
  options.avail_max = set.capacity;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t task = 0; task < tasks; ++task) {
    const int32_t s = static_cast<int32_t>(task / static_cast<int64_t>(models.size()));
    const int32_t m = models[static_cast<size_t>(task % static_cast<int64_t>(models.size()))];
    const ForecastTable table =
        make_forecast_table(trace_of(s).view(), static_cast<int32_t>(set.source_slot[s]), set.slots,
                            set.learned.window(m), static_cast<LearnedModel>(m), options);
    std::copy(table.price.begin(), table.price.end(), set.learned.price_of(m, s));
    std::copy(table.avail.begin(), table.avail.end(), set.learned.avail_of(m, s));
  }
}

// The plan on scenario windows [first_slot(s), + window) of market(s), for s < S.
template <class MarketOf, class FirstSlotOf>
SweepPlan build_plan(const SweepConfig& config, const MarketOf& market,
                     const FirstSlotOf& first_slot_of, const std::string& source_name) {
  const WorkloadSpec& w = config.workload;
  const Trace& trace = market(0);
  SweepPlan plan;
  plan.pool = config.pool;
  plan.seed = config.seed;
  plan.rounds = w.rounds;
  plan.config_toml = config_to_toml(config);
  plan.config_file = config.file;
  plan.trace_name = trace.name;
  for (int32_t r = 0; r < w.rounds; ++r) {
    const int64_t start = static_cast<int64_t>(r) * w.round_stride;
    if (start > INT32_MAX / 2)
      throw input_error(config.file, "workload.round_stride", std::to_string(w.round_stride),
                        "round starts overflow the slot index");
    plan.round_start.push_back(static_cast<int32_t>(start));
  }
  // Every scenario window has the length its most demanding round needs.
  const double jobs = static_cast<double>(w.scenarios) * w.rounds;
  check_host_memory(jobs * sizeof(JobSpec), "the plan's jobs", config.file, "workload.rounds",
                    std::to_string(w.rounds), "lower [workload] scenarios or rounds");
  int64_t window = 1;
  plan.jobs.reserve(static_cast<size_t>(w.scenarios) * w.rounds);
  for (int32_t s = 0; s < w.scenarios; ++s) {
    for (int32_t r = 0; r < w.rounds; ++r) {
      const JobSpec job = draw_job(config.job, config.seed, s, r);
      const std::string where =
          config.file + ": [job] scenario " + std::to_string(s) + " round " + std::to_string(r);
      validate_job(job, where);
      window = std::max<int64_t>(
          window, plan.round_start[r] + checked_horizon_slots(job, trace.tick_seconds, where));
      plan.jobs.push_back(job);
    }
  }
  if (window > kMaxSlots)
    throw input_error(config.file, "workload.round_stride", std::to_string(w.round_stride),
                      "the last round's job ends " + std::to_string(window) +
                          " ticks into its scenario window, more than the 2^30 a window may have");
  check_host_memory(static_cast<double>(w.scenarios) * static_cast<double>(window) *
                        (sizeof(double) + sizeof(int32_t)),
                    "the scenario windows (" + std::to_string(w.scenarios) + " x " +
                        std::to_string(window) + " ticks)",
                    config.file, "workload.scenarios", std::to_string(w.scenarios),
                    "lower [workload] scenarios, or the jobs' deadlines");
  ScenarioSet& set = plan.scenarios;
  set.count = w.scenarios;
  set.slots = static_cast<int32_t>(window);
  set.tick_seconds = trace.tick_seconds;
  set.seed = config.seed;
  for (int32_t s = 0; s < w.scenarios; ++s) {
    const Trace& source = market(s);
    set.capacity = std::max(set.capacity, source.capacity);
    const int64_t first = first_slot_of(s);
    if (first + window > source.n_slots())
      throw input_error(config.file, "workload.scenarios", std::to_string(w.scenarios),
                        "scenario " + std::to_string(s) + " needs slots [" + std::to_string(first) +
                            ", " + std::to_string(first + window) + ") for its rounds' jobs, but " +
                            source_name + " has " + std::to_string(source.n_slots()) + " slots");
    set.source_slot.push_back(first);
    set.od_price.push_back(source.od_price);
    set.spot_price.insert(set.spot_price.end(), source.spot_price.begin() + first,
                          source.spot_price.begin() + first + window);
    set.spot_avail.insert(set.spot_avail.end(), source.spot_avail.begin() + first,
                          source.spot_avail.begin() + first + window);
  }
  // CHC's planners, at each grid's largest window, resolution and commit: lattices within the
  // planner's limits, and one policy's scratch with a planning key's shared plan within the
  // memory budget (run_sweep counts it once per thread).
  for (const FamilyGrid& grid : plan.pool.families) {
    if (grid.family != family_id<ChcFamily>) continue;
    const auto largest = [&](int32_t axis) {
      return *std::max_element(grid.axes[axis].values.begin(), grid.axes[axis].values.end());
    };
    const double window = largest(ChcFamily::window), resolution = largest(ChcFamily::resolution),
                 commit = largest(ChcFamily::commit);
    const bool exact = *std::min_element(grid.axes[ChcFamily::lagrange_iters].values.begin(),
                                         grid.axes[ChcFamily::lagrange_iters].values.end()) == 0.0;
    const std::string field = "pool." + grid.name + ".resolution";
    double most = 0.0;
    for (const JobSpec& job : plan.jobs)
      most =
          std::max(most, check_chc_planner(job, trace.tick_seconds, window, resolution, exact,
                                           config.file, field, format_number(resolution), commit));
    check_host_memory(most, "CHC's planner scratch", config.file, field, format_number(resolution),
                      "lower pool." + grid.name + ".window or .resolution, or use lagrange_iters");
  }
  // Every utility must be a finite float: the dearest price any job can meet bounds its cost.
  double dearest = 0.0;
  for (double p : set.spot_price)
    dearest = std::max(dearest, p);
  for (double p : set.od_price)
    dearest = std::max(dearest, p);
  for (int32_t s = 0; s < w.scenarios; ++s)
    for (int32_t r = 0; r < w.rounds; ++r)
      validate_job_cost(
          plan.job(s, r), set.tick_seconds, dearest,
          config.file + " [job] scenario " + std::to_string(s) + " round " + std::to_string(r),
          source_name);
  build_learned_tables(set, plan.pool, market, config.file);
  return plan;
}

}  // namespace

SweepPlan make_plan(const SweepConfig& config, const Trace& trace) {
  const WorkloadSpec& w = config.workload;
  return build_plan(
      config, [&](int32_t) -> const Trace& { return trace; },
      [&](int32_t s) { return w.first_slot + static_cast<int64_t>(s) * w.scenario_stride; },
      w.trace_path);
}

void set_forecast_market(SweepPlan& plan, const Trace& forecast, const std::string& source_name) {
  ScenarioSet& set = plan.scenarios;
  if (forecast.tick_seconds != set.tick_seconds)
    throw input_error(source_name, "tick_seconds", format_number(forecast.tick_seconds),
                      "the forecast trace must have the market's tick (" +
                          format_number(set.tick_seconds) + " s)");
  set.forecast_spot_price.clear();
  set.forecast_spot_avail.clear();
  for (int32_t s = 0; s < set.count; ++s) {
    const int64_t first = set.source_slot[s];
    if (first + set.slots > forecast.n_slots())
      throw input_error(source_name, "n_slots", std::to_string(forecast.n_slots()),
                        "the forecast trace ends before scenario " + std::to_string(s) +
                            "'s window [" + std::to_string(first) + ", " +
                            std::to_string(first + set.slots) + ")");
    set.forecast_spot_price.insert(set.forecast_spot_price.end(),
                                   forecast.spot_price.begin() + first,
                                   forecast.spot_price.begin() + first + set.slots);
    set.forecast_spot_avail.insert(set.forecast_spot_avail.end(),
                                   forecast.spot_avail.begin() + first,
                                   forecast.spot_avail.begin() + first + set.slots);
    set.capacity = std::max(set.capacity, forecast.capacity);
  }
  // The learned predictors learn from what forecasters read: the forecast trace's history.
  build_learned_tables(
      set, plan.pool, [&](int32_t) -> const Trace& { return forecast; }, source_name);
}

SweepPlan make_synthetic_plan(const SweepConfig& config) {
  const WorkloadSpec& w = config.workload;
  std::vector<Trace> draws;
  for (int32_t s = 0; s < w.scenarios; ++s)
    draws.push_back(generate_synthetic(w.synthetic_spec, config.seed, static_cast<uint64_t>(s)));
  SweepPlan plan = build_plan(
      config, [&](int32_t s) -> const Trace& { return draws[s]; },
      [&](int32_t) { return static_cast<int64_t>(w.first_slot); }, "[synthetic] (n_slots)");
  plan.trace_name = "synthetic";
  return plan;
}

namespace {

// A trace the sweep file names must be readable: reported with the key that names it.
void check_readable(const std::string& path, const std::string& where, const char* key) {
  if (path.empty() || std::ifstream(path)) return;
  throw input_error(where.empty() ? std::string() : where, key, "\"" + path + "\"",
                    "cannot open the file (missing or unreadable)");
}

}  // namespace

SweepPlan make_plan(const SweepConfig& config) {
  if (!config.scenario_axes.empty()) return make_plan(sweep_config_at(config, 0));
  if (config.workload.synthetic) return make_synthetic_plan(config);
  check_readable(config.workload.trace_path, config.workload.trace_where, "workload.trace");
  check_readable(config.workload.forecast_trace_path, config.workload.forecast_trace_where,
                 "workload.forecast_trace");
  SweepPlan plan = make_plan(config, load_trace(config.workload.trace_path));
  if (!config.workload.forecast_trace_path.empty())
    set_forecast_market(plan, load_trace(config.workload.forecast_trace_path),
                        config.workload.forecast_trace_path);
  return plan;
}

std::vector<double> SweepGrid::point_values(int64_t point) const {
  std::vector<double> values(axes.size());
  for (size_t i = axes.size(); i-- > 0;) {
    const int64_t n = static_cast<int64_t>(axes[i].values.size());
    values[i] = axes[i].values[static_cast<size_t>(point % n)];
    point /= n;
  }
  return values;
}

SweepGrid make_sweep_grid(const SweepConfig& config) {
  SweepGrid grid;
  grid.axes = config.scenario_axes;
  grid.config_toml = config_to_toml(config);
  const int64_t points = scenario_point_count(config);
  // Trace windows are loaded once per point; a trace shared by every point is read again, which
  // costs far less than the sweep.
  for (int64_t p = 0; p < points; ++p) {
    const SweepConfig at = sweep_config_at(config, p);
    try {
      grid.plans.push_back(make_plan(at));
    } catch (const InputError& e) {
      if (grid.axes.empty()) throw;  // one point: nothing to add
      // Say which point of which axis, and where the axis was given.
      std::string point;
      const std::vector<double> values = grid.point_values(p);
      for (size_t a = 0; a < grid.axes.size(); ++a)
        point += (a ? ", " : "") + grid.axes[a].key + " = " + format_number(values[a]) + " (" +
                 grid.axes[a].where + ")";
      throw InputError(std::string(e.what()) + "; at the scenario-axis point " + point);
    }
  }
  return grid;
}

SweepGrid single_point_grid(SweepPlan plan) {
  SweepGrid grid;
  grid.config_toml = plan.config_toml;
  grid.plans.push_back(std::move(plan));
  return grid;
}

}  // namespace spotsweep

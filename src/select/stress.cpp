// Stress tests of the online selector (docs/stress.md): the suite's runs (an adversary with one
// value of each swept parameter), each run's market as a selector plan, and the per-(run, seed)
// summaries of the regret against its bound.
#include "spotsweep/select/stress.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "spotsweep/config/toml.hpp"
#include "spotsweep/config/validation.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/names.hpp"
#include "spotsweep/sweep/opt.hpp"

namespace spotsweep {

namespace {

constexpr NamedValue<AdversaryKind> kAdversaryNames[] = {
    {"stationary", AdversaryKind::stationary},
    {"regime_flip", AdversaryKind::regime_flip},
    {"deadline_trap", AdversaryKind::deadline_trap},
    {"poisoning", AdversaryKind::poisoning},
    {"adaptive", AdversaryKind::adaptive}};

// Keys the workload decides: the market must cover the scenario windows, and the trap must
// sit before the jobs the workload starts.
bool workload_owned(AdversaryKind kind, const std::string& key) {
  if (key == "n_slots") return true;
  return kind == AdversaryKind::deadline_trap &&
         (key == "job_start_slot" || key == "round_stride_slots");
}

// The market recipe a kind's settings go into; the adaptive adversary keeps its two
// components in the regime flip's calm and storm specs.
MarketRecipe base_recipe(AdversaryKind kind) {
  MarketRecipe r;
  switch (kind) {
    case AdversaryKind::stationary:
      r.kind = MarketKind::synthetic;
      r.synthetic = default_calm_market();
      break;
    case AdversaryKind::regime_flip:
    case AdversaryKind::adaptive: r.kind = MarketKind::regime_flip; break;
    case AdversaryKind::deadline_trap: r.kind = MarketKind::deadline_trap; break;
    case AdversaryKind::poisoning: r.kind = MarketKind::poisoning; break;
  }
  return r;
}

// `where` names the setting's origin in errors: a file:line, or --param.
void apply_setting(MarketRecipe& recipe, AdversaryKind kind, const std::string& key,
                   const std::string& value, const std::string& where = "") {
  const std::string prefix = std::string("stress.") + adversary_name(kind) + ".";
  if (workload_owned(kind, key))
    throw input_error(where, prefix + key, value,
                      "is set by [workload] (the scenario windows and round starts)");
  if (kind == AdversaryKind::adaptive && key.find('.') == std::string::npos &&
      key != "tick_seconds" && key != "capacity" && key != "od_price")
    throw input_error(where, prefix + key, value,
                      "unknown parameter of adaptive (calm.<field>, storm.<field>, tick_seconds, "
                      "capacity, od_price)");
  set_market_parameter(recipe, key, value, where, prefix);
}

MarketRecipe recipe_of(const StressRun& run) {
  MarketRecipe recipe = base_recipe(run.kind);
  for (const auto& [key, value] : run.settings)
    apply_setting(recipe, run.kind, key, value);
  return recipe;
}

double recipe_tick(const MarketRecipe& r) {
  switch (r.kind) {
    case MarketKind::synthetic: return r.synthetic.tick_seconds;
    case MarketKind::deadline_trap: return r.deadline_trap.base.tick_seconds;
    case MarketKind::poisoning: return r.poisoning.calm.tick_seconds;
    case MarketKind::regime_flip:
    default: return r.regime_flip.calm.tick_seconds;
  }
}

bool has_setting(const StressRun& run, const std::string& key) {
  return std::any_of(run.settings.begin(), run.settings.end(),
                     [&](const auto& kv) { return kv.first == key; });
}

std::vector<std::string> split_values(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    const auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    out.push_back(b == std::string::npos ? std::string() : item.substr(b, e - b + 1));
  }
  return out;
}

void put_parameter(StressSuite& suite, AdversaryKind kind, const std::string& key,
                   std::vector<std::string> values) {
  auto& list = suite.parameters[static_cast<int32_t>(kind)];
  for (StressParameter& p : list)
    if (p.key == key) return void(p.values = std::move(values));
  list.push_back(StressParameter{key, std::move(values)});
}

}  // namespace

const char* adversary_name(AdversaryKind kind) { return name_of(kAdversaryNames, kind); }

AdversaryKind parse_adversary(const std::string& name, const std::string& file,
                              const std::string& field) {
  return parse_named(kAdversaryNames, name, file, field);
}

std::vector<AdversaryKind> all_adversaries() {
  return {AdversaryKind::regime_flip, AdversaryKind::deadline_trap, AdversaryKind::poisoning,
          AdversaryKind::adaptive};
}

std::string adversary_parameter_help(AdversaryKind kind) {
  switch (kind) {
    case AdversaryKind::stationary:
      return "  any synthetic field (docs/synthetic.md); default: the calm component (capacity 8,\n"
             "  spot at 0.3 p_o, lambda 2/h, mu 0.1/h, no price regimes)\n";
    case AdversaryKind::regime_flip: return market_parameter_help(MarketKind::regime_flip);
    case AdversaryKind::deadline_trap:
      return "  deadline_slots (the jobs' shortest soft deadline): trap ends this many slots after "
             "each\n"
             "    job's start\n"
             "  trap_slots (8): trap length, ending at the deadline\n"
             "  trap_avail_fraction (0): availability kept in the trap\n"
             "  trap_price_multiplier (4): price factor in the trap\n"
             "  base.<field>: the market outside the trap (default: the calm component)\n"
             "  (job_start_slot and round_stride_slots follow [workload])\n";
    case AdversaryKind::poisoning:
      return market_parameter_help(MarketKind::poisoning) +
             "  forecasters (CHC members) read the calm component throughout: exact in calm, wrong "
             "in storms\n";
    case AdversaryKind::adaptive:
    default:
      return "  calm.<field>, storm.<field>: the two regimes' synthetic fields; each round, per "
             "scenario,\n"
             "  it plays the regime in which the member with the most weight trails the round's "
             "best\n"
             "  member by the most (inside the selector loop, on either backend)\n";
  }
}

std::string StressRun::label() const {
  std::string text = adversary_name(kind);
  for (const auto& [key, value] : settings)
    text += " " + key + "=" + value;
  return text;
}

void read_stress_suite(const TomlDocument& doc, StressSuite& suite) {
  for (const TomlSection& section : doc.sections) {
    if (section.name == "stress") {
      for (const TomlEntry& e : section.entries) {
        if (e.key == "adversaries") {
          suite.adversaries.clear();
          for (const TomlValue& item : toml_array(doc, e)) {
            const AdversaryKind kind =
                parse_adversary(toml_string(doc, e.path, item), where(doc, e), e.path);
            if (kind != AdversaryKind::stationary) suite.adversaries.push_back(kind);
          }
        } else if (e.key == "seeds") {
          suite.seeds.clear();
          for (const TomlValue& item : toml_array(doc, e)) {
            if (item.type != TomlValue::Type::integer || item.integer < 0)
              throw input_error(where(doc, item), e.path, item.text,
                                "expected a non-negative integer");
            suite.seeds.push_back(static_cast<uint64_t>(item.integer));
          }
          if (suite.seeds.empty())
            throw input_error(where(doc, e), e.path, e.value.text, "needs at least one seed");
        } else if (e.key == "opt_buckets") {
          const long long v = toml_integer(doc, e);
          if (v < 0 || v > 1 << 20)
            throw input_error(where(doc, e), e.path, e.value.text, "must be in [0, 1048576]");
          suite.opt_buckets = static_cast<int32_t>(v);
        } else if (e.key == "opt_resolution") {
          const long long v = toml_integer(doc, e);
          if (v < 0 || v > 1 << 20)
            throw input_error(where(doc, e), e.path, e.value.text, "must be in [0, 1048576]");
          suite.opt_resolution = static_cast<int32_t>(v);
        } else {
          throw input_error(where(doc, e), e.path, e.value.text,
                            "unknown key (adversaries, seeds, opt_buckets, opt_resolution)");
        }
      }
    } else if (section.name.compare(0, 7, "stress.") == 0) {
      const std::string at = doc.file + ":" + std::to_string(section.line);
      const AdversaryKind kind =
          parse_adversary(section.name.substr(7), at, "section [" + section.name + "]");
      for (const TomlEntry& e : section.entries) {
        // One value, or a list of values to sweep; each goes to the market parsers as text.
        std::vector<std::string> values;
        if (e.value.is_array())
          for (const TomlValue& item : e.value.items)
            values.push_back(toml_scalar_text(doc, e.path, item));
        else
          values.push_back(toml_scalar_text(doc, e.path, e.value));
        if (values.empty())
          throw input_error(where(doc, e), e.path, e.value.text, "needs at least one value");
        // Check every value now, so a bad one names its line.
        for (const std::string& v : values) {
          MarketRecipe probe = base_recipe(kind);
          apply_setting(probe, kind, e.key, v, where(doc, e));
        }
        put_parameter(suite, kind, e.key, std::move(values));
      }
    }
  }
}

void set_stress_parameter(StressSuite& suite, const std::string& assignment) {
  const auto eq = assignment.find('='), dot = assignment.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq)
    throw input_error("", "--param", assignment, "expected <adversary>.<key>=<value>[,<value>...]");
  const AdversaryKind kind = parse_adversary(assignment.substr(0, dot), "", "--param");
  const std::string key = assignment.substr(dot + 1, eq - dot - 1);
  std::vector<std::string> values = split_values(assignment.substr(eq + 1));
  for (const std::string& v : values) {
    MarketRecipe probe = base_recipe(kind);
    apply_setting(probe, kind, key, v, "--param");
  }
  put_parameter(suite, kind, key, std::move(values));
}

SweepConfig parse_stress_sweep_config(const TomlDocument& doc) {
  TomlDocument sweep;
  sweep.file = doc.file;
  for (const TomlSection& s : doc.sections) {
    if (s.name == "stress" || s.name.compare(0, 7, "stress.") == 0) continue;
    if (s.name == "synthetic")
      throw input_error(
          doc.file + ":" + std::to_string(s.line), "section", "[synthetic]",
          "stress draws its own markets (set the stationary market with [stress.stationary])");
    sweep.sections.push_back(s);
    if (s.name != "workload") continue;
    TomlSection& w = sweep.sections.back();
    for (const TomlEntry& e : w.entries)
      if (e.key == "trace" || e.key == "forecast_trace" || e.key == "synthetic" ||
          e.key == "first_slot" || e.key == "scenario_stride")
        throw input_error(
            where(doc, e), e.path, e.value.text,
            "stress draws its own markets and lays the scenario windows back to back");
    // Placeholders that make_stress_market replaces with the drawn market and its windows.
    w.entries.push_back(
        TomlEntry{"trace", "workload.trace", TomlValue::of_string("stress market"), w.line, 0});
    w.entries.push_back(TomlEntry{"scenario_stride", "workload.scenario_stride",
                                  TomlValue::of_integer(1), w.line, 0});
  }
  if (!sweep.find("workload"))
    throw input_error(doc.file, "section", "[workload]",
                      "missing: scenarios, rounds, round_stride and seed");
  SweepConfig config = parse_sweep_config(sweep);
  config.workload.trace_path = "(drawn by spotsweep stress)";
  return config;
}

std::vector<StressRun> expand_stress_runs(const StressSuite& suite) {
  std::vector<AdversaryKind> kinds = {AdversaryKind::stationary};
  for (AdversaryKind k : suite.adversaries)
    if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
  std::vector<StressRun> runs;
  for (AdversaryKind kind : kinds) {
    const auto& params = suite.parameters[static_cast<int32_t>(kind)];
    // Mixed-radix count over the swept values, the first parameter slowest.
    size_t combos = 1;
    for (const StressParameter& p : params)
      combos *= p.values.size();
    for (size_t c = 0; c < combos; ++c) {
      StressRun run;
      run.kind = kind;
      size_t rest = c;
      std::vector<size_t> digit(params.size());
      for (size_t i = params.size(); i-- > 0;) {
        digit[i] = rest % params[i].values.size();
        rest /= params[i].values.size();
      }
      for (size_t i = 0; i < params.size(); ++i)
        run.settings.emplace_back(params[i].key, params[i].values[digit[i]]);
      (void)recipe_of(run);  // every setting of the run, applied together
      runs.push_back(std::move(run));
    }
  }
  return runs;
}

StressMarket make_stress_market(const SweepConfig& config, const StressRun& run, uint64_t seed) {
  MarketRecipe recipe = recipe_of(run);
  const double tick = recipe_tick(recipe);
  const WorkloadSpec& w = config.workload;
  // Scenario windows back to back, each as long as its most demanding round needs, rounded up
  // to whole round strides so that every job starts on the deadline trap's grid.
  int64_t window = 1, shortest_deadline = std::numeric_limits<int64_t>::max();
  for (int32_t s = 0; s < w.scenarios; ++s)
    for (int32_t r = 0; r < w.rounds; ++r) {
      const JobSpec job = draw_job(config.job, config.seed, s, r);
      const std::string where =
          config.file + ": [job] scenario " + std::to_string(s) + " round " + std::to_string(r);
      validate_job(job, where);
      window = std::max<int64_t>(window, static_cast<int64_t>(r) * w.round_stride +
                                             checked_horizon_slots(job, tick, where));
      shortest_deadline = std::min<int64_t>(
          shortest_deadline, static_cast<int64_t>(std::floor(job.soft_deadline_s / tick + 1e-9)));
    }
  if (w.round_stride > 0) window = (window + w.round_stride - 1) / w.round_stride * w.round_stride;
  const int64_t n_slots = window * w.scenarios;
  if (n_slots > INT32_MAX / 2)
    throw input_error(config.file, "workload.scenarios", std::to_string(w.scenarios),
                      "the stress market would need " + std::to_string(n_slots) + " slots");
  set_market_parameter(recipe, "n_slots", std::to_string(n_slots));

  SweepConfig c = config;
  c.workload.synthetic = false;
  c.workload.trace_path = run.label();
  c.workload.forecast_trace_path.clear();
  c.workload.first_slot = 0;
  c.workload.scenario_stride = static_cast<int32_t>(window);

  StressMarket out;
  std::vector<uint8_t> storm;
  if (run.kind == AdversaryKind::adaptive) {
    const Trace calm = generate_synthetic(recipe.regime_flip.calm, seed, 0, kCalmStream);
    const Trace stormy = generate_synthetic(recipe.regime_flip.storm, seed, 0, kStormStream);
    out.plan = make_regime_plan(c, {calm, stormy});
    out.regimes = 2;
  } else {
    if (run.kind == AdversaryKind::deadline_trap) {
      DeadlineTrapSpec& trap = recipe.deadline_trap;
      trap.job_start_slot = 0;
      trap.round_stride_slots = w.round_stride;
      if (!has_setting(run, "deadline_slots")) {
        trap.deadline_slots = static_cast<int32_t>(std::max<int64_t>(1, shortest_deadline));
        if (trap.trap_slots > trap.deadline_slots)
          throw input_error(
              "", "stress.deadline_trap.trap_slots", std::to_string(trap.trap_slots),
              "longer than the jobs' deadline (" + std::to_string(trap.deadline_slots) + " slots)");
      }
    }
    AdversarialMarket market = generate_market(recipe, seed, 0);
    out.plan = make_plan(c, market.trace);
    if (run.kind == AdversaryKind::poisoning)
      set_forecast_market(out.plan, market.decoy, "poisoning decoy");
    storm = market.storm;
  }
  out.plan.trace_name = run.label();
  if (!storm.empty()) {
    double stormy = 0.0;
    for (uint8_t s : storm)
      stormy += s;
    out.storm_share = stormy / static_cast<double>(storm.size());
  }
  return out;
}

StressSummary summarize_stress(const SelectResult& r) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  StressSummary out;
  out.worst_regret = -std::numeric_limits<double>::infinity();
  out.max_ratio = -std::numeric_limits<double>::infinity();
  double opt_sum = 0.0;
  bool have_opt = true;
  for (int32_t s = 0; s < r.scenarios; ++s) {
    for (int32_t t = 0; t < r.rounds; ++t) {
      const double regret = r.at(r.regret, s, t), bound = r.at(r.regret_bound, s, t);
      if (regret > out.worst_regret) {
        out.worst_regret = regret;
        out.worst_scenario = s;
        out.worst_round = t + 1;
        out.bound_at_worst = bound;
      }
      const double ratio = bound > 0.0 ? regret / bound : 0.0;
      if (ratio > out.max_ratio) {
        out.max_ratio = ratio;
        out.max_ratio_scenario = s;
        out.max_ratio_round = t + 1;
      }
      const double opt = r.at(r.opt_utility, s, t);
      if (std::isnan(opt)) have_opt = false;
      opt_sum += opt;
    }
    out.selector_utility += r.at(r.selector_cumulative, s, r.rounds - 1);
    out.best_utility += r.at(r.best_cumulative, s, r.rounds - 1);
    out.final_regret += r.at(r.regret, s, r.rounds - 1);
    out.final_uniform_regret += r.at(r.uniform_regret, s, r.rounds - 1);
    out.final_ftl_regret += r.at(r.ftl_regret, s, r.rounds - 1);
  }
  out.ratio_at_worst = out.bound_at_worst > 0.0 ? out.worst_regret / out.bound_at_worst : 0.0;
  out.opt_utility = have_opt ? opt_sum : nan;
  out.selector_vs_best = out.best_utility != 0.0 ? out.selector_utility / out.best_utility : nan;
  out.selector_vs_opt = have_opt && opt_sum != 0.0 ? out.selector_utility / opt_sum : nan;
  return out;
}

void check_stress_runs(const SweepConfig& config, const std::vector<StressRun>& runs,
                       const StressSuite& suite, const SelectOptions& options) {
  SPOTSWEEP_EXPECTS(!suite.seeds.empty(), "at least one seed");
  for (const StressRun& run : runs)
    check_opt_table(make_stress_market(config, run, suite.seeds.front()).plan, suite.opt_buckets,
                    options.exec.threads, suite.opt_resolution);
}

std::vector<StressRecord> run_stress(const SweepConfig& config, const std::vector<StressRun>& runs,
                                     const StressSuite& suite, const SelectOptions& options,
                                     const StressProgress& progress) {
  // Every setting's market is drawn once first, so that a bad one, or an OPT lattice past the
  // planner's limits, fails before any selector runs.
  check_stress_runs(config, runs, suite, options);
  std::vector<StressRecord> records;
  const int32_t total = static_cast<int32_t>(runs.size() * suite.seeds.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    for (uint64_t seed : suite.seeds) {
      StressMarket market = make_stress_market(config, runs[i], seed);
      SelectOptions o = options;
      o.regimes = market.regimes;
      StressRecord record;
      record.result = run_selection(market.plan, o, suite.opt_buckets, {}, suite.opt_resolution);
      record.summary = summarize_stress(record.result);
      record.summary.run = static_cast<int32_t>(i);
      record.summary.seed = seed;
      if (market.regimes > 1) {
        // The adaptive adversary's storm share is that of the rounds it played in the storm.
        double stormy = 0.0;
        for (int32_t g : record.result.regime)
          stormy += g != 0;
        record.summary.storm_share =
            record.result.regime.empty() ? 0.0 : stormy / record.result.regime.size();
      } else {
        record.summary.storm_share = market.storm_share;
      }
      records.push_back(std::move(record));
      if (progress) progress(static_cast<int32_t>(records.size()), total);
    }
  }
  return records;
}

}  // namespace spotsweep

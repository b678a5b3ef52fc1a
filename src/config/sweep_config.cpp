// Sweep files: [workload] and [job] parsing, Philox job draws, and the plan they make.
#include "spotsweep/config/sweep_config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "spotsweep/config/validation.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/model/job.hpp"

namespace spotsweep {

namespace {

std::string num(double v) { return format_number(v); }

template <class Enum, size_t N>
Enum parse_choice(const TomlDocument& doc, const TomlEntry& e, const NamedValue<Enum> (&names)[N]) {
  return parse_named(names, toml_string(doc, e), where(doc, e), e.path);
}

int32_t to_int32(const TomlDocument& doc, const TomlEntry& e, long long lo, long long hi) {
  const long long v = toml_integer(doc, e);
  if (v < lo || v > hi)
    throw input_error(where(doc, e), e.path, e.value.text,
                      "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int32_t>(v);
}

FieldDistribution parse_distribution(const TomlDocument& doc, const TomlEntry& e) {
  FieldDistribution d;
  if (!e.value.is_string()) {
    d.a = toml_number(doc, e);
    return d;
  }
  const std::string& text = e.value.string;
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  const auto comma = text.find(',');
  const std::string& field = e.path;
  if (open == std::string::npos || close != text.size() - 1 || comma == std::string::npos)
    throw input_error(where(doc, e), field, text,
                      "expected a number, \"uniform(a, b)\" or \"loguniform(a, b)\"");
  const std::string kind = text.substr(0, open);
  d.a = toml_number_in_string(doc, field, e.value, text.substr(open + 1, comma - open - 1));
  d.b = toml_number_in_string(doc, field, e.value, text.substr(comma + 1, close - comma - 1));
  if (kind == "uniform")
    d.kind = FieldDistribution::Kind::uniform;
  else if (kind == "loguniform")
    d.kind = FieldDistribution::Kind::loguniform;
  else
    throw input_error(where(doc, e), field, text,
                      "unknown distribution '" + kind + "' (uniform, loguniform)");
  if (!(d.a <= d.b)) throw input_error(where(doc, e), field, text, "needs a <= b");
  if (d.kind == FieldDistribution::Kind::loguniform && !(d.a > 0))
    throw input_error(where(doc, e), field, text, "loguniform needs a > 0");
  return d;
}

std::string distribution_text(const FieldDistribution& d) {
  switch (d.kind) {
    case FieldDistribution::Kind::uniform: return "\"uniform(" + num(d.a) + ", " + num(d.b) + ")\"";
    case FieldDistribution::Kind::loguniform:
      return "\"loguniform(" + num(d.a) + ", " + num(d.b) + ")\"";
    case FieldDistribution::Kind::fixed:
    default: return num(d.a);
  }
}

// A path from the sweep file, relative to the file's folder, made absolute and lexically
// normal: the resolved configuration stored in outputs must work from any current folder.
std::string resolve_path(const std::string& config_file, const std::string& path) {
  if (path.empty()) return path;
  namespace fs = std::filesystem;
  const fs::path joined = fs::path(config_file).parent_path() / path;  // `/` keeps an absolute path
  return fs::absolute(joined).lexically_normal().string();
}

// [synthetic] sets SyntheticMarketSpec fields by name (set_synthetic_parameter, synthetic.hpp).
void parse_synthetic(const TomlDocument& doc, const TomlSection& section,
                     SyntheticMarketSpec& spec) {
  for (const TomlEntry& e : section.entries)
    set_synthetic_parameter(spec, e.key, toml_scalar_text(doc, e.path, e.value), where(doc, e));
  try {
    validate_synthetic_spec(spec);
  } catch (const InputError& err) {
    throw InputError(doc.file + ": " + err.what());
  }
}

}  // namespace

namespace {

// [job] mode = "cbl" (docs/cbl.md): one GPU, work in seconds (H(1) = 1), γ = 1, a change of
// instance kind restarts, full-slot billing, no value and no miss penalty. Only work,
// deadline_h and reconfig_s stay free; they default to the ADRS job (48 h, 52 h, 0.2 h).
void apply_cbl_preset(const TomlDocument& doc, const TomlSection& section, SweepConfig& config) {
  JobTemplate& job = config.job;
  bool given[kJobFieldCount] = {};
  for (const TomlEntry& e : section.entries) {
    bool free_key = e.key == "mode";
    for (int32_t f = 0; f < kJobFieldCount; ++f) {
      if (e.key != job_field_name(static_cast<JobField>(f))) continue;
      given[f] = true;
      const JobField field = static_cast<JobField>(f);
      free_key =
          field == JobField::work || field == JobField::deadline_h || field == JobField::reconfig_s;
    }
    if (!free_key)
      throw input_error(
          where(doc, e), e.path, e.value.text,
          "is fixed by mode = \"cbl\" (only work, deadline_h and reconfig_s may be set)");
  }
  // The fields the file leaves out come from the ADRS job, cbl_job's, as do the fixed ones.
  const JobSpec preset = cbl_job(kCblTaskHours, 52.0, 0.2);
  JobSpec base = preset;
  for (int32_t f = 0; f < kJobFieldCount; ++f) {
    const JobField field = static_cast<JobField>(f);
    if (given[f]) {
      set_job_field(base, field, job_field_value(job.base, field));
    } else {
      job.fields[f] = FieldDistribution{};
      job.fields[f].a = job_field_value(preset, field);
    }
  }
  job.base = base;
  for (const FamilyGrid& grid : config.pool.families)
    if (grid.family == family_id<ChcFamily>)
      throw input_error(doc.file, "pool.chc", grid.name,
                        "CHC plans with the spotsweep model; it cannot run under mode = \"cbl\"");
}

}  // namespace

SweepConfig parse_sweep_config(const TomlDocument& doc) {
  SweepConfig config;
  config.file = doc.file;
  config.pool = parse_pool(doc);
  // A job with every field set to a working default, so a [job] may name only what differs.
  JobTemplate& job = config.job;
  const double defaults[kJobFieldCount] = {2.0e7, 24.0, 1.5, 100.0, 0.0,
                                           100.0, 0.5,  0.0, 300.0, 0.0};
  for (int32_t f = 0; f < kJobFieldCount; ++f) {
    job.fields[f].a = defaults[f];
    set_job_field(job.base, static_cast<JobField>(f), defaults[f]);
  }
  job.base.n_min = 1;
  job.base.n_max = 8;

  for (const TomlSection& section : doc.sections) {
    const bool known =
        section.name.empty() || section.name == "workload" || section.name == "job" ||
        section.name == "synthetic" ||
        section.name ==
            "select" ||  // read by spotsweep select (read_select_options, src/select.cpp)
        section.name.compare(0, 5, "pool.") == 0;
    if (!known)
      throw input_error(
          doc.file + ":" + std::to_string(section.line), "section", "[" + section.name + "]",
          "unknown section ([pool.<family>], [workload], [job], [synthetic], [select])");
  }
  if (const TomlSection* top = doc.find("")) {
    for (const TomlEntry& e : top->entries)
      throw input_error(where(doc, e), e.path, e.value.text, "keys go under [workload] or [job]");
  }
  if (const TomlSection* w = doc.find("workload")) {
    WorkloadSpec& wl = config.workload;
    for (const TomlEntry& e : w->entries) {
      if (e.key == "trace")
        wl.trace_path = resolve_path(doc.file, toml_string(doc, e));
      else if (e.key == "forecast_trace")
        wl.forecast_trace_path = resolve_path(doc.file, toml_string(doc, e));
      else if (e.key == "first_slot")
        wl.first_slot = to_int32(doc, e, 0, INT32_MAX);
      else if (e.key == "scenarios")
        wl.scenarios = to_int32(doc, e, 1, 1 << 20);
      else if (e.key == "scenario_stride")
        wl.scenario_stride = to_int32(doc, e, 0, INT32_MAX);
      else if (e.key == "rounds")
        wl.rounds = to_int32(doc, e, 1, 1 << 20);
      else if (e.key == "round_stride")
        wl.round_stride = to_int32(doc, e, 0, INT32_MAX);
      else if (e.key == "seed") {
        const long long s = toml_integer(doc, e);
        if (s < 0) throw input_error(where(doc, e), e.path, e.value.text, "must be non-negative");
        config.seed = static_cast<uint64_t>(s);
      } else if (e.key == "synthetic")
        wl.synthetic = toml_bool(doc, e);
      else
        throw input_error(where(doc, e), e.path, e.value.text,
                          "unknown key (trace, forecast_trace, synthetic, first_slot, scenarios, "
                          "scenario_stride, "
                          "rounds, round_stride, seed)");
    }
    if (!wl.synthetic && wl.scenarios > 1 && wl.scenario_stride == 0)
      throw input_error(doc.file, "workload.scenario_stride", "0",
                        "must be positive when scenarios > 1");
  }
  const WorkloadSpec& wl = config.workload;
  if (wl.synthetic && !wl.trace_path.empty())
    throw input_error(doc.file, "workload.synthetic", "true",
                      "give either trace or synthetic, not both");
  if (wl.synthetic && !wl.forecast_trace_path.empty())
    throw input_error(doc.file, "workload.forecast_trace", wl.forecast_trace_path,
                      "needs a trace workload (synthetic scenarios have no fixed slots to match)");
  if (!wl.synthetic && wl.trace_path.empty())
    throw input_error(doc.file, "workload.trace", "",
                      "missing: name the market trace file, or set synthetic = true");
  if (const TomlSection* syn = doc.find("synthetic")) {
    if (!wl.synthetic)
      throw input_error(doc.file + ":" + std::to_string(syn->line), "section", "[synthetic]",
                        "needs synthetic = true in [workload]");
    parse_synthetic(doc, *syn, config.workload.synthetic_spec);
  }
  if (const TomlSection* j = doc.find("job")) {
    for (const TomlEntry& e : j->entries) {
      bool matched = false;
      for (int32_t f = 0; f < kJobFieldCount && !matched; ++f) {
        if (e.key != job_field_name(static_cast<JobField>(f))) continue;
        job.fields[f] = parse_distribution(doc, e);
        set_job_field(job.base, static_cast<JobField>(f), job.fields[f].a);
        // Every draw lies in [a, b], so checking a here covers all of them.
        if (static_cast<JobField>(f) == JobField::work_error && !(job.fields[f].a > -1.0))
          throw input_error(where(doc, e), e.path, e.value.text,
                            "must be above -1 (policies see L·(1 + work_error) > 0)");
        matched = true;
      }
      if (matched) continue;
      if (e.key == "mode")
        job.base.mode = parse_choice(doc, e, kModelModeNames);
      else if (e.key == "n_min")
        job.base.n_min = to_int32(doc, e, 1, 1 << 20);
      else if (e.key == "n_max")
        job.base.n_max = to_int32(doc, e, 1, 1 << 20);
      else if (e.key == "value_shape")
        job.base.value_shape = parse_choice(doc, e, kValueShapeNames);
      else if (e.key == "trigger")
        job.base.trigger = parse_choice(doc, e, kTriggerNames);
      else if (e.key == "billing")
        job.base.billing = parse_choice(doc, e, kBillingNames);
      else
        throw input_error(where(doc, e), e.path, e.value.text,
                          "unknown key (mode, work, work_error, deadline_h, gamma, n_min, n_max, "
                          "alpha, beta, value, value_shape, value_shape_param, miss_penalty, "
                          "reconfig_s, trigger, billing)");
    }
    if (job.base.cant_be_late()) apply_cbl_preset(doc, *j, config);
  }
  return config;
}

SweepConfig load_sweep_config(const std::string& path) {
  return parse_sweep_config(read_toml_file(path));
}

std::string config_to_toml(const SweepConfig& config) {
  std::ostringstream s;
  s << "# resolved by spotsweep from " << config.file << "\n\n" << pool_to_toml(config.pool);
  const WorkloadSpec& w = config.workload;
  s << "[workload]\n";
  if (w.synthetic)
    s << "synthetic = true\n";
  else
    s << "trace = \"" << w.trace_path << "\"\n";
  if (!w.forecast_trace_path.empty()) s << "forecast_trace = \"" << w.forecast_trace_path << "\"\n";
  s << "first_slot = " << w.first_slot << "\nscenarios = " << w.scenarios
    << "\nscenario_stride = " << w.scenario_stride << "\nrounds = " << w.rounds
    << "\nround_stride = " << w.round_stride << "\nseed = " << config.seed << "\n\n[job]\n";
  const JobSpec& b = config.job.base;
  if (b.cant_be_late()) {
    // The preset fixes every other field; writing them would make the file unreadable.
    s << "mode = \"cbl\"\n";
    for (JobField f : {JobField::work, JobField::deadline_h, JobField::reconfig_s})
      s << job_field_name(f) << " = "
        << distribution_text(config.job.fields[static_cast<int32_t>(f)]) << "\n";
    if (w.synthetic) s << "\n" << synthetic_spec_to_toml(w.synthetic_spec);
    return s.str();
  }
  for (int32_t f = 0; f < kJobFieldCount; ++f)
    s << job_field_name(static_cast<JobField>(f)) << " = "
      << distribution_text(config.job.fields[f]) << "\n";
  s << "n_min = " << b.n_min << "\nn_max = " << b.n_max << "\nvalue_shape = \""
    << name_of(kValueShapeNames, b.value_shape) << "\"\ntrigger = \""
    << name_of(kTriggerNames, b.trigger) << "\"\nbilling = \"" << name_of(kBillingNames, b.billing)
    << "\"\n";
  if (w.synthetic) s << "\n" << synthetic_spec_to_toml(w.synthetic_spec);
  return s.str();
}

}  // namespace spotsweep

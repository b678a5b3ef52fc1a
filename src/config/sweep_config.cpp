// Sweep files: [workload] and [job] parsing, Philox job draws, and the plan they make.
#include "spotsweep/config/sweep_config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "spotsweep/config/validation.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/text.hpp"
#include "spotsweep/model/job.hpp"

namespace spotsweep {

namespace {

std::string num(double v) { return format_number(v); }

// Tables of the subcommands' options ([sweep], [select], [heatmap], ...), which a sweep file may
// hold beside the pool (docs/sweep.md, "One file"); the command line reads them, the sweep does
// not.
bool is_command_table(const std::string& first) {
  static const char* const names[] = {"sweep", "select", "stress", "simulate", "heatmap",
                                      "table", "cbl",    "bench",  "predict",  "traces"};
  for (const char* n : names)
    if (first == n) return true;
  return false;
}

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

namespace {

// One point of the sweep file: every [job], [workload] and [synthetic] value a single one.
SweepConfig parse_one_point(const TomlDocument& doc) {
  SweepConfig config;
  config.file = doc.file;
  config.pool = parse_pool(doc);
  // A job with every field set to a working default, so a [job] may name only what differs.
  JobTemplate& job = config.job;
  job = default_job_template();

  for (const TomlSection& section : doc.sections) {
    const std::string first = section.name.substr(0, section.name.find('.'));
    const bool known = section.name.empty() || section.name == "workload" ||
                       section.name == "job" || section.name == "synthetic" ||
                       section.name.compare(0, 5, "pool.") == 0 || is_command_table(first);
    if (!known)
      throw input_error(doc.file + ":" + std::to_string(section.line), "section",
                        "[" + section.name + "]",
                        "unknown section ([pool.<family>], [workload], [job], [synthetic], or a "
                        "subcommand's table such as [sweep], [select], [stress])");
  }
  if (const TomlSection* top = doc.find("")) {
    for (const TomlEntry& e : top->entries)
      throw input_error(where(doc, e), e.path, e.value.text, "keys go under [workload] or [job]");
  }
  if (const TomlSection* w = doc.find("workload")) {
    WorkloadSpec& wl = config.workload;
    for (const TomlEntry& e : w->entries) {
      if (e.key == "trace") {
        wl.trace_path = resolve_path(doc.file, toml_string(doc, e));
        wl.trace_where = where(doc, e);
      } else if (e.key == "forecast_trace") {
        wl.forecast_trace_path = resolve_path(doc.file, toml_string(doc, e));
        wl.forecast_trace_where = where(doc, e);
      } else if (e.key == "first_slot")
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

bool is_integral(double v) { return std::floor(v) == v && std::fabs(v) < 9.0e15; }

// Keys whose values must be whole numbers when they are axes.
bool integer_key(const std::string& section, const std::string& key) {
  if (section == "job") return key == "n_min" || key == "n_max";
  if (section == "workload") return true;
  return key == "n_slots" || key == "capacity";
}

// Whether a value gives several values: a list, or a range string "[start:stop:step]".
bool several_values(const TomlValue& v) {
  if (v.is_array()) return true;
  return v.is_string() && v.string.size() >= 2 && v.string.front() == '[' &&
         v.string.back() == ']' && v.string.find(':') != std::string::npos;
}

// The scenario axes of a sweep file: [job], [workload] and [synthetic] keys given several
// values, in file order (docs/sweep.md, "Scenario axes").
std::vector<ScenarioAxis> find_scenario_axes(const TomlDocument& doc) {
  std::vector<ScenarioAxis> axes;
  const std::vector<std::string> synthetic_keys = synthetic_parameter_names();
  for (const TomlSection& section : doc.sections) {
    if (section.name != "job" && section.name != "workload" && section.name != "synthetic")
      continue;
    for (const TomlEntry& e : section.entries) {
      if (!several_values(e.value)) continue;
      const auto refuse = [&](const std::string& why) {
        return input_error(where(doc, e), e.path, e.value.text, why);
      };
      if (section.name == "job" && !job_key_meaning(e.key).units)
        throw refuse("only a numeric [job] key can be a scenario axis");
      if (section.name == "workload") {
        if (e.key == "scenarios" || e.key == "rounds")
          throw refuse(
              "sets the shape of every outcome, so it cannot be a scenario axis (run one sweep "
              "per value)");
        if (e.key != "first_slot" && e.key != "scenario_stride" && e.key != "round_stride" &&
            e.key != "seed")
          throw refuse(
              "only first_slot, scenario_stride, round_stride and seed of [workload] can be "
              "scenario axes");
      }
      if (section.name == "synthetic" &&
          (e.key == "availability_model" ||
           std::find(synthetic_keys.begin(), synthetic_keys.end(), e.key) == synthetic_keys.end()))
        throw refuse("only a numeric [synthetic] key can be a scenario axis");
      ScenarioAxis axis;
      axis.section = section.name;
      axis.key = e.key;
      axis.where = where(doc, e);
      axis.values = parse_axis_values(doc, e.path, e.value);
      if (axis.values.empty()) throw refuse("empty axis");
      if (static_cast<int64_t>(axis.values.size()) > kMaxAxisValues)
        throw refuse("more than " + std::to_string(kMaxAxisValues) + " values on one axis");
      for (double v : axis.values)
        if (integer_key(section.name, e.key) && !is_integral(v))
          throw input_error(where(doc, e), e.path, num(v), "must be an integer");
      for (const ScenarioAxis& other : axes)
        if (other.key == axis.key)
          throw refuse("a scenario axis of this name is already given in [" + other.section + "]");
      axes.push_back(std::move(axis));
    }
  }
  return axes;
}

// The document with every scenario axis set to one of its values (digits[i] for axis i).
TomlDocument document_at(const TomlDocument& doc, const std::vector<ScenarioAxis>& axes,
                         const std::vector<int64_t>& digits) {
  TomlDocument out = doc;
  for (size_t i = 0; i < axes.size(); ++i) {
    const double v = axes[i].values[static_cast<size_t>(digits[i])];
    for (TomlSection& section : out.sections) {
      if (section.name != axes[i].section) continue;
      for (TomlEntry& e : section.entries) {
        if (e.key != axes[i].key) continue;
        TomlValue scalar;
        if (is_integral(v)) {
          scalar.type = TomlValue::Type::integer;
          scalar.integer = static_cast<long long>(v);
        } else {
          scalar.type = TomlValue::Type::number;
        }
        scalar.number = v;
        scalar.text = num(v);
        scalar.line = e.value.line;
        scalar.column = e.value.column;
        scalar.origin = e.value.origin;
        e.value = scalar;
      }
    }
  }
  return out;
}

std::vector<int64_t> point_digits(const std::vector<ScenarioAxis>& axes, int64_t point) {
  std::vector<int64_t> digits(axes.size());
  for (size_t i = axes.size(); i-- > 0;) {
    const int64_t n = static_cast<int64_t>(axes[i].values.size());
    digits[i] = point % n;
    point /= n;
  }
  return digits;
}

// Replaces the value of `key` in section [section] of TOML text written by config_to_toml.
std::string substitute_value(const std::string& text, const std::string& section,
                             const std::string& key, const std::string& value) {
  std::istringstream in(text);
  std::ostringstream out;
  std::string line, current;
  bool done = false;
  while (std::getline(in, line)) {
    if (line.size() > 2 && line.front() == '[' && line.back() == ']')
      current = line.substr(1, line.size() - 2);
    if (!done && current == section && line.compare(0, key.size() + 3, key + " = ") == 0) {
      line = key + " = " + value;
      done = true;
    }
    out << line << "\n";
  }
  return out.str();
}

}  // namespace

SweepConfig parse_sweep_config(const TomlDocument& doc) {
  const std::vector<ScenarioAxis> axes = find_scenario_axes(doc);
  if (axes.empty()) {
    SweepConfig config = parse_one_point(doc);
    config.document = doc;
    return config;
  }
  int64_t points = 1;
  for (const ScenarioAxis& a : axes) {
    if (points > kMaxPoolMembers / static_cast<int64_t>(a.values.size()))
      throw input_error(doc.file, "scenario axes", "more than 2^40 points", "too many to index");
    points *= static_cast<int64_t>(a.values.size());
  }
  SweepConfig config = parse_one_point(document_at(doc, axes, point_digits(axes, 0)));
  // Every point is read now, so that a bad value fails before anything runs.
  for (int64_t p = 1; p < points; ++p)
    (void)parse_one_point(document_at(doc, axes, point_digits(axes, p)));
  config.scenario_axes = axes;
  config.document = doc;
  return config;
}

int64_t scenario_point_count(const SweepConfig& config) {
  int64_t points = 1;
  for (const ScenarioAxis& a : config.scenario_axes)
    points *= static_cast<int64_t>(a.values.size());
  return points;
}

std::vector<double> scenario_point_values(const SweepConfig& config, int64_t point) {
  std::vector<double> values;
  const std::vector<int64_t> digits = point_digits(config.scenario_axes, point);
  for (size_t i = 0; i < digits.size(); ++i)
    values.push_back(config.scenario_axes[i].values[static_cast<size_t>(digits[i])]);
  return values;
}

SweepConfig sweep_config_at(const SweepConfig& config, int64_t point) {
  SPOTSWEEP_EXPECTS(point >= 0 && point < scenario_point_count(config), "point of the grid");
  if (config.scenario_axes.empty()) return config;
  SweepConfig at = parse_one_point(document_at(config.document, config.scenario_axes,
                                               point_digits(config.scenario_axes, point)));
  return at;
}

KeyMeaning scenario_axis_meaning(const ScenarioAxis& axis) {
  if (axis.section == "job") return job_key_meaning(axis.key);
  if (axis.section == "workload") {
    if (axis.key == "seed") return {"1", "seed of the job draws and synthetic scenarios"};
    if (axis.key == "first_slot") return {"slots", "trace slot where scenario 0 starts"};
    if (axis.key == "scenario_stride") return {"slots", "trace slots between scenario starts"};
    return {"slots", "slots between round starts"};
  }
  if (axis.key == "tick_seconds") return {"s", "synthetic market slot length"};
  if (axis.key == "od_price") return {"USD/GPU/h", "on-demand price"};
  if (axis.key == "n_slots") return {"slots", "synthetic market length"};
  if (axis.key == "capacity") return {"GPUs", "synthetic market capacity"};
  if (axis.key.find("per_sqrt_hour") != std::string::npos)
    return {"h-1/2", "synthetic market volatility"};
  if (axis.key.find("per_hour") != std::string::npos ||
      axis.key.find("per_gpu_hour") != std::string::npos)
    return {"1/h", "synthetic market rate"};
  if (axis.key.find("hours") != std::string::npos) return {"h", "synthetic market duration"};
  return {"1", "synthetic market parameter"};
}

SweepConfig load_sweep_config(const std::string& path) {
  return parse_sweep_config(read_toml_file(path));
}

namespace {

std::string point_to_toml(const SweepConfig& config) {
  std::ostringstream s;
  s << "# resolved by spotsweep: every default filled in, paths absolute\n\n"
    << pool_to_toml(config.pool);
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

}  // namespace

std::string config_to_toml(const SweepConfig& config) {
  std::string text = point_to_toml(config);
  for (const ScenarioAxis& axis : config.scenario_axes) {
    std::string list = "[";
    for (size_t i = 0; i < axis.values.size(); ++i)
      list += (i ? ", " : "") + num(axis.values[i]);
    text = substitute_value(text, axis.section, axis.key, list + "]");
  }
  return text;
}

namespace {

void set_origin(TomlValue& v, const std::string& origin) {
  v.origin = origin;
  for (TomlValue& item : v.items)
    set_origin(item, origin);
}

// VALUES of `-a KEY=VALUES` as a TOML value: a range stays a string, `a,b,c` becomes a list,
// anything else is read as TOML (a number, a list, a quoted string) or, failing that, as a
// bare word.
TomlValue override_value(const std::string& key, const std::string& text) {
  const bool bracketed = !text.empty() && text.front() == '[';
  if (bracketed && text.find(':') != std::string::npos) return TomlValue::of_string(text);
  std::string literal = text;
  if (!bracketed && text.find(',') != std::string::npos) literal = "[" + text + "]";
  try {
    TomlDocument parsed = parse_toml_text("v = " + literal, "command line");
    return parsed.sections.front().entries.front().value;
  } catch (const InputError&) {
    if (!bracketed && literal != text) {
      // a,b,c of bare words (chc.predictor=ar,last): a list of strings.
      TomlValue list;
      list.type = TomlValue::Type::array;
      list.text = literal;
      for (size_t begin = 0, end = 0; end != std::string::npos; begin = end + 1) {
        end = text.find(',', begin);
        const std::string item =
            trim(text.substr(begin, end == std::string::npos ? end : end - begin));
        list.items.push_back(item.empty() ? TomlValue{} : override_value(key, item));
      }
      bool words = true;
      for (const TomlValue& item : list.items)
        words = words && item.is_string() && !item.string.empty();
      if (words) return list;
    }
    if (bracketed || literal != text)
      throw input_error("command line", "-a " + key, text,
                        "expected a number, a list a,b,c or [a, b, c], or a range "
                        "[start:stop:step]");
    return TomlValue::of_string(text);
  }
}

bool workload_key(const std::string& key) {
  static const char* const keys[] = {"trace",      "forecast_trace", "synthetic",
                                     "first_slot", "scenarios",      "scenario_stride",
                                     "rounds",     "round_stride",   "seed"};
  for (const char* k : keys)
    if (key == k) return true;
  return false;
}

}  // namespace

void apply_axis_override(TomlDocument& doc, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == assignment.size())
    throw input_error("command line", "-a", assignment,
                      "expected KEY=VALUES, e.g. job.deadline_h=[4:12:2] or pf.theta=0.3,0.5");
  const std::string key = trim(assignment.substr(0, eq)), text = trim(assignment.substr(eq + 1));
  std::string section, name;
  const auto dot = key.rfind('.');
  if (dot != std::string::npos) {
    section = key.substr(0, dot);
    name = key.substr(dot + 1);
    if (section != "job" && section != "workload" && section != "synthetic" &&
        section.compare(0, 5, "pool.") != 0)
      section = "pool." + section;
    if (section.compare(0, 5, "pool.") == 0) {
      const std::string family = section.substr(5, section.find('.', 5) - 5);
      if (!find_family(family))
        throw input_error("command line", "-a", assignment,
                          "'" + key.substr(0, dot) +
                              "' is not job, workload, synthetic or a pool family (" +
                              family_names() + ")");
    }
  } else {
    name = key;
    std::vector<std::string> found;
    if (job_key_meaning(name).units || name == "mode" || name == "value_shape" ||
        name == "trigger" || name == "billing")
      found.push_back("job");
    if (workload_key(name)) found.push_back("workload");
    const std::vector<std::string> synthetic = synthetic_parameter_names();
    if (std::find(synthetic.begin(), synthetic.end(), name) != synthetic.end())
      found.push_back("synthetic");
    for (const TomlSection& s : doc.sections) {
      if (s.name.compare(0, 5, "pool.") != 0) continue;
      const FamilyInfo* info = find_family(s.name.substr(5, s.name.find('.', 5) - 5));
      if (info && axis_index(*info, name) >= 0) found.push_back(s.name);
    }
    if (found.size() != 1)
      throw input_error("command line", "-a", assignment,
                        found.empty() ? "unknown key; write section.key (job.deadline_h, "
                                        "workload.seed, synthetic.capacity, pf.theta)"
                                      : "ambiguous; write section.key, one of: " + join(found));
    section = found.front();
  }
  const std::string origin = "command line: -a " + key;
  TomlValue value = override_value(key, text);
  set_origin(value, origin);
  TomlSection* target = nullptr;
  for (TomlSection& s : doc.sections)
    if (s.name == section) target = &s;
  if (!target) {
    doc.sections.push_back(TomlSection{section, 0, {}});
    target = &doc.sections.back();
  }
  const std::string path = section + "." + name;
  for (TomlEntry& e : target->entries)
    if (e.key == name) {
      e.value = value;
      return;
    }
  target->entries.push_back(TomlEntry{name, path, value, 0, 0});
}

}  // namespace spotsweep

#pragma once
// The [job] table of a sweep file as a template (docs/sweep.md, "[job]"): fixed fields, and
// fields drawn per (scenario, round) from a distribution, by Philox keyed by the draw's
// purpose (model/random.hpp). Host-only.
#include <cstdint>
#include <string>

#include "spotsweep/detail/names.hpp"
#include "spotsweep/model/job.hpp"

namespace spotsweep {

// The [job] words of the model's enums (docs/sweep.md, "[job]"), first names as written back;
// `simulate`'s shorter words are older spellings.
constexpr NamedValue<ValueShape> kValueShapeNames[] = {{"linear", ValueShape::linear},
                                                       {"step", ValueShape::step},
                                                       {"exponential", ValueShape::exponential},
                                                       {"exp", ValueShape::exponential}};
constexpr NamedValue<ReconfigTrigger> kTriggerNames[] = {
    {"total", ReconfigTrigger::total}, {"composition", ReconfigTrigger::composition}};
constexpr NamedValue<Billing> kBillingNames[] = {{"full_slot", Billing::full_slot},
                                                 {"per_second", Billing::per_second},
                                                 {"slot", Billing::full_slot},
                                                 {"second", Billing::per_second}};
constexpr NamedValue<ModelMode> kModelModeNames[] = {{"spotsweep", ModelMode::spotsweep},
                                                     {"cbl", ModelMode::cant_be_late}};

// Job fields that [job] may draw from a distribution, in Philox field-id order.
enum class JobField : int32_t {
  work = 0,
  deadline_h,
  gamma,
  alpha,
  beta,
  value,
  value_shape_param,
  miss_penalty,
  reconfig_s,
  work_error,  // ε_L: policies see L̂ = L·(1 + ε_L) (docs/model.md §2); 0 = they know L
  count
};
constexpr int32_t kJobFieldCount = static_cast<int32_t>(JobField::count);
const char* job_field_name(JobField field);

// A job field's value: fixed (a), "uniform(a, b)" or "loguniform(a, b)".
struct FieldDistribution {
  enum class Kind : int32_t { fixed = 0, uniform = 1, loguniform = 2 } kind = Kind::fixed;
  double a = 0.0, b = 0.0;
};

struct JobTemplate {
  JobSpec base;  // integer and enum fields, and every fixed value
  FieldDistribution fields[kJobFieldCount];
};

// The [job] table's defaults (docs/sweep.md, "[job]"): every field fixed, N_min = 1, N_max = 8,
// linear value shape, total trigger, full-slot billing. `simulate` starts from the same job.
JobTemplate default_job_template();

// Units and a long name of each numeric [job] key, for outputs (CF attributes) and messages;
// {nullptr, nullptr} for a key that is not one.
struct KeyMeaning {
  const char* units;
  const char* long_name;
};
KeyMeaning job_key_meaning(const std::string& key);

// Sets one field of a job from its [job] value (deadline_h in hours, the rest in model units);
// work_error is applied by draw_job once L is known.
void set_job_field(JobSpec& job, JobField field, double value);
// The [job] value of one field of a job (the inverse of set_job_field).
double job_field_value(const JobSpec& job, JobField field);

// Draws job r of scenario s: Philox4x32-10 keyed by the seed, counter (s, r, field id, 0).
JobSpec draw_job(const JobTemplate& job, uint64_t seed, int32_t scenario, int32_t round);

}  // namespace spotsweep

// The job template of a sweep file: which fields are drawn, and the draws themselves.
#include "spotsweep/config/job_template.hpp"

#include <cmath>

#include "spotsweep/model/random.hpp"

namespace spotsweep {

const char* job_field_name(JobField field) {
  static const char* const names[] = {
      "work",  "deadline_h",        "gamma",        "alpha",      "beta",
      "value", "value_shape_param", "miss_penalty", "reconfig_s", "work_error"};
  return names[static_cast<int32_t>(field)];
}

JobTemplate default_job_template() {
  JobTemplate job;
  const double defaults[kJobFieldCount] = {2.0e7, 24.0, 1.5, 100.0, 0.0,
                                           100.0, 0.5,  0.0, 300.0, 0.0};
  for (int32_t f = 0; f < kJobFieldCount; ++f) {
    job.fields[f].a = defaults[f];
    set_job_field(job.base, static_cast<JobField>(f), defaults[f]);
  }
  job.base.n_min = 1;
  job.base.n_max = 8;
  return job;
}

KeyMeaning job_key_meaning(const std::string& key) {
  struct Entry {
    const char* key;
    KeyMeaning meaning;
  };
  static const Entry table[] = {
      {"work", {"samples", "work L of each job"}},
      {"deadline_h", {"h", "soft deadline d of each job"}},
      {"gamma", {"1", "hard deadline factor gamma (hard deadline gamma * d)"}},
      {"alpha", {"samples/s", "throughput per GPU alpha in H(n) = alpha * n + beta"}},
      {"beta", {"samples/s", "throughput offset beta in H(n) = alpha * n + beta"}},
      {"value", {"USD", "value V of finishing by the soft deadline"}},
      {"value_shape_param", {"1", "step level or exponential rate of the value's decay"}},
      {"miss_penalty", {"USD", "penalty for missing the hard deadline"}},
      {"reconfig_s", {"s", "compute lost per reconfiguration R"}},
      {"work_error", {"1", "relative error of the policies' work estimate"}},
      {"n_min", {"GPUs", "fewest GPUs N_min while running"}},
      {"n_max", {"GPUs", "most GPUs N_max"}},
  };
  for (const Entry& e : table)
    if (key == e.key) return e.meaning;
  return {nullptr, nullptr};
}

void set_job_field(JobSpec& job, JobField field, double v) {
  switch (field) {
    case JobField::work: job.work = v; break;
    case JobField::deadline_h: job.soft_deadline_s = v * 3600.0; break;
    case JobField::gamma: job.hard_factor = v; break;
    case JobField::alpha: job.alpha = v; break;
    case JobField::beta: job.beta = v; break;
    case JobField::value: job.value_max = v; break;
    case JobField::value_shape_param: job.value_shape_param = v; break;
    case JobField::miss_penalty: job.miss_penalty = v; break;
    case JobField::reconfig_s: job.reconfig_s = v; break;
    case JobField::work_error: break;  // applied by draw_job once L is known
    default: break;
  }
}

double job_field_value(const JobSpec& job, JobField field) {
  switch (field) {
    case JobField::work: return job.work;
    case JobField::deadline_h: return job.soft_deadline_s / 3600.0;
    case JobField::gamma: return job.hard_factor;
    case JobField::alpha: return job.alpha;
    case JobField::beta: return job.beta;
    case JobField::value: return job.value_max;
    case JobField::value_shape_param: return job.value_shape_param;
    case JobField::miss_penalty: return job.miss_penalty;
    case JobField::reconfig_s: return job.reconfig_s;
    case JobField::work_error:  // applied by draw_job once L is known
    default: return 0.0;
  }
}

JobSpec draw_job(const JobTemplate& tmpl, uint64_t seed, int32_t scenario, int32_t round) {
  JobSpec job = tmpl.base;
  double work_error = tmpl.fields[static_cast<int32_t>(JobField::work_error)].a;
  for (int32_t f = 0; f < kJobFieldCount; ++f) {
    const FieldDistribution& d = tmpl.fields[f];
    if (d.kind == FieldDistribution::Kind::fixed) continue;
    const PhiloxBlock bits =
        philox_block(seed, static_cast<uint32_t>(scenario), static_cast<uint32_t>(round),
                     static_cast<uint32_t>(f), 0u);
    const double u = uniform_from_53_bits(bits[0], bits[1]);
    const double v = d.kind == FieldDistribution::Kind::uniform
                         ? d.a + (d.b - d.a) * u
                         : std::exp(std::log(d.a) + (std::log(d.b) - std::log(d.a)) * u);
    set_job_field(job, static_cast<JobField>(f), v);
    if (static_cast<JobField>(f) == JobField::work_error) work_error = v;
  }
  if (work_error != 0.0) job.work_estimate = job.work * (1.0 + work_error);
  return job;
}

}  // namespace spotsweep

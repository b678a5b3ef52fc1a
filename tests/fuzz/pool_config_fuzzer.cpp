// libFuzzer harness: sweep files (TOML: [pool.*] grids, [workload], [job], [synthetic],
// [select], [stress]). Every input must parse or be an InputError; on success the resolved
// configuration must parse again, and the first jobs drawn from it must validate or be refused
// with an InputError. Anything else (a signal, a sanitizer report, another exception) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "spotsweep/config/sweep_config.hpp"
#include "spotsweep/config/toml.hpp"
#include "spotsweep/config/validation.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/select/select.hpp"
#include "spotsweep/select/stress.hpp"

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spotsweep::fuzz::limit_memory();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spotsweep;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  TomlDocument doc;
  try {
    doc = parse_toml_text(text, "fuzz.toml");
  } catch (const InputError&) {
    return 0;
  }
  try {
    SelectOptions select;
    read_select_options(doc, select);
  } catch (const InputError&) {}
  try {
    StressSuite suite;
    read_stress_suite(doc, suite);
  } catch (const InputError&) {}
  SweepConfig config;
  try {
    config = parse_sweep_config(doc);
  } catch (const InputError&) {
    return 0;
  }
  // The resolved configuration is what outputs store: it must read back.
  const SweepConfig again = parse_sweep_config(parse_toml_text(config_to_toml(config), "again"));
  if (again.pool.size != config.pool.size) __builtin_trap();
  for (int32_t s = 0; s < 2; ++s)
    for (int32_t r = 0; r < 2; ++r) {
      try {
        const JobSpec job = draw_job(config.job, config.seed, s, r);
        validate_job(job, "fuzz");
        checked_horizon_slots(job, 195.0, "fuzz");
      } catch (const InputError&) {}
    }
  return 0;
}

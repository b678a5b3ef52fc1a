// libFuzzer harness: the native trace reader (read_trace_h5) on arbitrary bytes. Every input
// must read as a valid trace or be an InputError; the checksum gate stands in front of libhdf5,
// so a crash inside the library on a file the gate would refuse is fixed by the gate.
#include <cstddef>
#include <cstdint>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/market/trace.hpp"
#include "spotsweep/market/trace_io.hpp"

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spotsweep::fuzz::limit_memory();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spotsweep;
  const std::string path = fuzz::scratch_file(".h5", data, size);
  try {
    const Trace trace = read_trace_h5(path);
    validate_trace(trace, path);
  } catch (const InputError&) {}
  return 0;
}

#pragma once
// The native trace format: one HDF5 file per trace. The layout is a contract, documented in
// docs/trace-format.md. Host-only.
#include <cstdint>
#include <string>

#include "spotsweep/market/trace.hpp"

namespace spotsweep {

// Version written in the file's `format_version` attribute; readers refuse other versions.
constexpr int32_t kTraceFormatVersion = 1;

// Validates `trace`, writes it under a per-process temporary name beside `path` and renames that
// onto `path`, so a failed write never leaves a partial file. Errors are InputError naming the
// file, and `option` (the command's output option) where the path itself is at fault.
void write_trace_h5(const Trace& trace, const std::string& path,
                    const std::string& option = "--output");

// Reads and validates a native trace. Errors are InputError naming the file and the field.
Trace read_trace_h5(const std::string& path);

// What commands call to open a trace given on the command line: the native format only, with
// a message that says how to convert when `path` is something else (a CSV, a JSON, ...).
Trace load_trace(const std::string& path);

}  // namespace spotsweep

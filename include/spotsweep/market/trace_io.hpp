#pragma once
// The native trace format: one HDF5 file per trace. The layout is a contract, documented in
// docs/trace-format.md. Host-only.
#include <cstdint>
#include <string>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/market/trace.hpp"

namespace spotsweep {

// Version written in the file's `format_version` attribute; readers refuse other versions.
// Version 2 is version 1 sealed: a 512-byte user block with the file's length and SHA-256
// (detail/seal.hpp), and Fletcher32 checksums on the datasets' chunks.
constexpr int32_t kTraceFormatVersion = 2;

// Validates `trace`, writes it under a per-process temporary name beside `path`, seals it and
// renames it onto `path`, so a failed write never leaves a partial file. Errors are InputError
// naming the file, and `option` (the command's output option) where the path itself is at
// fault.
void write_trace_h5(const Trace& trace, const std::string& path,
                    const std::string& option = "--output");
// The same into an output reserved when the command started (detail/atomic_file.hpp).
void write_trace_h5(const Trace& trace, OutputFile& output);

// Reads and validates a native trace: its length and checksum first, with plain reads, so a
// corrupt or truncated file is an error line before the HDF5 library parses anything; then
// every declared size against the bytes the file stores, before allocating. Errors are
// InputError naming the file and the field.
Trace read_trace_h5(const std::string& path);

// What commands call to open a trace given on the command line: the native format only, with
// a message that says how to convert when `path` is something else (a CSV, a JSON, ...).
Trace load_trace(const std::string& path);

}  // namespace spotsweep

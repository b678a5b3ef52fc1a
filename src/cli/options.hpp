#pragma once
// What the subcommands share: the execution options every command that evaluates a pool
// registers the same way, option checks and reporting helpers.
#include <CLI/CLI.hpp>

#include <cstddef>
#include <string>

#include "spotsweep/backend/exec.hpp"

namespace spotsweep::cli {

// The command-line form of ExecOptions.
struct ExecArgs {
  std::string backend = "auto";
  std::string max_device_mem = "80%";
  std::string max_host_mem = "80%";
  int threads = 0;
};
// Registers --backend, --max-device-mem, --max-host-mem and --threads on `command`, storing
// into `args`.
void add_exec_options(CLI::App& command, ExecArgs& args);
// The options given, checked: one-line InputErrors naming the option. The backend is resolved
// (auto becomes cpu or cuda), so that a run says which one it used before it starts; --threads
// above the hardware threads is capped there, with a note; the host-memory budget is applied.
ExecOptions exec_options(const ExecArgs& args);

// --max-host-mem alone, for commands that evaluate no pool (simulate, traces import): the
// budget of detail/memory.hpp, applied by apply_host_memory_option.
void add_host_memory_option(CLI::App& command, std::string& text);
void apply_host_memory_option(const std::string& text);

// "80%" of free device memory (sets fraction, bytes = 0), or BYTES with an optional K, M, G or
// T suffix (powers of 1024); an InputError naming `option` otherwise.
void parse_device_memory(const std::string& text, std::size_t& bytes, double& fraction,
                         const char* option = "--max-device-mem");
// An InputError "command line: OPTION = VALUE: must be >= MINIMUM" when value < minimum.
void check_at_least(const char* option, long long value, long long minimum);
// Peak resident host memory of this process (VmHWM), bytes; 0 when /proc is not there.
std::size_t host_peak_bytes();
// e.g. "12.5 MiB".
std::string mib(std::size_t bytes);

}  // namespace spotsweep::cli

#include "options.hpp"

#include <omp.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"

namespace spotsweep::cli {

void add_exec_options(CLI::App& command, ExecArgs& args) {
  command.add_option("--backend", args.backend, "auto, cpu or cuda")->capture_default_str();
  command
      .add_option("--max-device-mem", args.max_device_mem,
                  "Device memory budget: BYTES, 12G or 80% of free")
      ->capture_default_str();
  add_host_memory_option(command, args.max_host_mem);
  command.add_option("--threads", args.threads, "CPU threads (0 = all)")->capture_default_str();
}

ExecOptions exec_options(const ExecArgs& args) {
  ExecOptions exec;
  exec.backend = resolve_backend(parse_backend(args.backend), query_device());
  parse_device_memory(args.max_device_mem, exec.max_device_mem_bytes, exec.max_device_mem_fraction);
  parse_device_memory(args.max_host_mem, exec.max_host_mem_bytes, exec.max_host_mem_fraction,
                      "--max-host-mem");
  exec.apply_host_memory_budget();
  check_at_least("--threads", args.threads, 0);
  exec.threads = args.threads;
  // More threads than the hardware runs only add contention (and libgomp's stacks).
  const int hardware = omp_get_num_procs();
  if (exec.threads > hardware) {
    std::cerr << "note: --threads " << exec.threads << " capped at the " << hardware
              << " hardware threads\n";
    exec.threads = hardware;
  }
  return exec;
}

void add_host_memory_option(CLI::App& command, std::string& text) {
  command
      .add_option("--max-host-mem", text,
                  "Host memory budget: BYTES, 12G or 80% of physical; larger runs are refused")
      ->capture_default_str();
}

void apply_host_memory_option(const std::string& text) {
  std::size_t bytes = 0;
  double fraction = 0.8;
  parse_device_memory(text, bytes, fraction, "--max-host-mem");
  set_host_memory_budget(bytes, fraction);
}

// "80%" (of free device memory, or of physical memory for --max-host-mem), or bytes with an
// optional K, M, G or T (powers of 1024).
void parse_device_memory(const std::string& text, std::size_t& bytes, double& fraction,
                         const char* option) {
  const auto fail = [&] {
    return spotsweep::input_error("", option, text, "expected BYTES, 12G or 80%");
  };
  if (text.empty() || text.find_first_of("xX") != std::string::npos) throw fail();
  std::size_t used = 0;
  double number = 0;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    throw fail();
  }
  const std::string unit = text.substr(used);
  if (unit == "%") {
    if (!(number > 0 && number <= 100)) throw fail();
    fraction = number / 100;
    bytes = 0;
    return;
  }
  const std::string units = "KMGT";
  double scale = 1;
  if (unit.size() == 1 && units.find(unit[0]) != std::string::npos)
    scale = std::pow(1024.0, static_cast<double>(units.find(unit[0]) + 1));
  else if (!unit.empty())
    throw fail();
  if (!(number * scale >= 1) || !(number * scale < 1.8e19)) throw fail();
  bytes = static_cast<std::size_t>(number * scale);
}

void check_at_least(const char* option, long long value, long long minimum) {
  if (value < minimum)
    throw spotsweep::input_error("command line", option, std::to_string(value),
                                 "must be >= " + std::to_string(minimum));
}

// Peak resident host memory of this process (VmHWM), bytes; 0 when /proc is not there.
std::size_t host_peak_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.compare(0, 6, "VmHWM:") == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

std::string mib(std::size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

}  // namespace spotsweep::cli

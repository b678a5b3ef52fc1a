#pragma once
// Option parsing and reporting helpers shared by the subcommands; free of CLI11 so that
// cli_util.cpp compiles quickly.
#include <cstddef>
#include <string>

namespace spotsweep::cli {

// "80%" of free device memory (sets fraction, bytes = 0), or BYTES with an optional K, M, G or
// T suffix (powers of 1024); an InputError naming --max-device-mem otherwise.
void parse_device_memory(const std::string& text, std::size_t& bytes, double& fraction);
// An InputError "command line: OPTION = VALUE: must be >= MINIMUM" when value < minimum.
void check_at_least(const char* option, long long value, long long minimum);
// Peak resident host memory of this process (VmHWM), bytes; 0 when /proc is not there.
std::size_t host_peak_bytes();
// e.g. "12.5 MiB".
std::string mib(std::size_t bytes);

}  // namespace spotsweep::cli

#pragma once
// What the libFuzzer harnesses share (docs/reliability.md, "Fuzzing"): a small host-memory
// budget, so that an input whose estimate is refused is an InputError and an allocation that
// escapes every estimate shows as libFuzzer's out-of-memory; and a per-process scratch file,
// for the readers that take a path.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "spotsweep/detail/memory.hpp"

namespace spotsweep::fuzz {

// 16 MiB: far below libFuzzer's default -rss_limit_mb=2048, and small enough that an input
// allowed by the estimates still runs in milliseconds.
inline void limit_memory() { set_host_memory_budget(std::size_t(16) << 20); }

// A file of this process holding `size` bytes of `data`, rewritten on each call; its name ends
// with `suffix`.
inline std::string scratch_file(const char* suffix, const uint8_t* data, size_t size) {
  const char* dir = std::getenv("TMPDIR");
  const std::string path = std::string(dir && *dir ? dir : "/tmp") + "/spotsweep_fuzz_" +
                           std::to_string(::getpid()) + suffix;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace spotsweep::fuzz

#include "spotsweep/detail/memory.hpp"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>

#include "spotsweep/detail/error.hpp"

namespace spotsweep {

namespace {
std::atomic<std::size_t> g_budget_bytes{0};
std::atomic<double> g_budget_fraction{0.8};
}  // namespace

std::size_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 0;
  return static_cast<std::size_t>(pages) * static_cast<std::size_t>(page);
}

void set_host_memory_budget(std::size_t bytes, double fraction) {
  g_budget_bytes = bytes;
  g_budget_fraction = fraction;
}

std::size_t host_memory_budget() {
  if (g_budget_bytes.load() > 0) return g_budget_bytes.load();
  const std::size_t physical = physical_memory_bytes();
  // Unknown physical memory: no limit from this check (allocation failure still reports).
  if (physical == 0) return static_cast<std::size_t>(-1);
  return static_cast<std::size_t>(g_budget_fraction.load() * static_cast<double>(physical));
}

std::string host_memory_budget_text() {
  if (g_budget_bytes.load() > 0)
    return "--max-host-mem = " + format_bytes(static_cast<double>(g_budget_bytes.load()));
  char text[64];
  std::snprintf(text, sizeof text, "%g %% of physical memory", 100.0 * g_budget_fraction.load());
  return text;
}

std::string format_bytes(double bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 6) {
    bytes /= 1024.0;
    ++unit;
  }
  char text[64];
  if (!std::isfinite(bytes) || bytes >= 1e6)
    std::snprintf(text, sizeof text, "%.3g %s", bytes, units[unit]);
  else
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return text;
}

void check_host_memory(double bytes, const std::string& what, const std::string& source,
                       const std::string& field, const std::string& value,
                       const std::string& shrink) {
  const double budget = static_cast<double>(host_memory_budget());
  if (bytes <= budget) return;
  throw input_error(source, field, value,
                    "needs an estimated " + format_bytes(bytes) + " of host memory for " + what +
                        ", over the budget of " + format_bytes(budget) + " (" +
                        host_memory_budget_text() + "); " + shrink);
}

}  // namespace spotsweep

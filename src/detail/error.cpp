#include "spotsweep/detail/error.hpp"

#include <cstdio>
#include <cstdlib>

namespace spotsweep {

std::string format_number(double value) {
  // Twelve significant digits read back exactly for the values people type (3.06, 600, 0.1);
  // the rest need all seventeen.
  char text[40];
  std::snprintf(text, sizeof text, "%.12g", value);
  if (std::strtod(text, nullptr) != value) std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

}  // namespace spotsweep

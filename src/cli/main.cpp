// The spotsweep command line. (Being assembled.)
#include <iostream>

#include "spotsweep/version.hpp"

int main() {
  std::cout << "spotsweep " << SPOTSWEEP_VERSION << "\n";
  return 0;
}

// Placeholder: replaced by the command's implementation in this session.
#include "commands.hpp"

namespace spotsweep::cli {

void add_select_command(CLI::App& app) { (void)app; }

}  // namespace spotsweep::cli

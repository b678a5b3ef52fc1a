#pragma once
// The command line that made an output, kept beside the version in every file spotsweep writes
// (a provenance attribute: bit identity leaves it out, DEVELOPERS.md). Set once by main().
// Host-only.
#include <string>

namespace spotsweep {

// Records argv as one shell-quoted line ("spotsweep sweep --pool 'my pool.toml' ...").
void set_command_line(int argc, const char* const* argv);
// The recorded line; "" in a program that never set it (tests).
const std::string& command_line();
// `word` quoted for a POSIX shell when it needs quoting.
std::string shell_quote(const std::string& word);

}  // namespace spotsweep

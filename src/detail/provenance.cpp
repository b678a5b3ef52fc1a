#include "spotsweep/detail/provenance.hpp"

namespace spotsweep {

namespace {
std::string& recorded() {
  static std::string line;
  return line;
}
}  // namespace

std::string shell_quote(const std::string& word) {
  if (!word.empty() &&
      word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             "@%+=:,./_-") == std::string::npos)
    return word;
  std::string out = "'";
  for (char c : word)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void set_command_line(int argc, const char* const* argv) {
  std::string line;
  for (int i = 0; i < argc; ++i)
    line += (i ? " " : "") + shell_quote(argv[i]);
  recorded() = line;
}

const std::string& command_line() { return recorded(); }

}  // namespace spotsweep

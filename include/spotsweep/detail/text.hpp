#pragma once
// Small text helpers shared by the parsers and reports. Host-only.
#include <string>
#include <string_view>
#include <vector>

namespace spotsweep {

// `text` without leading and trailing spaces, tabs, CR and LF.
std::string trim(std::string_view text);

// The whole file; InputError "<path>: file = <path>: cannot open (missing or unreadable)" when
// it cannot be read.
std::string read_text_file(const std::string& path);

// "a, b, c".
std::string join(const std::vector<std::string>& items, const std::string& separator = ", ");

}  // namespace spotsweep

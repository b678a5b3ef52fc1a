#pragma once
// A small TOML subset for pool and sweep files (docs/pool.md): `[section]` and
// `[section.sub]` headers, `key = value` with numbers, "strings", true/false, one-line
// arrays `[a, b, c]`, and the bare range form `[start:stop:step]`; `#` comments. Host-only.
#include <map>
#include <string>
#include <vector>

#include "spotsweep/detail/error.hpp"

namespace spotsweep {

// One `key = value` line, its value kept as written so callers can parse it per field.
struct TomlEntry {
  std::string key;       // e.g. "theta"
  std::string raw;       // the value text, trimmed, comment removed
  int line = 0;          // 1-based line in the file
};

// A section (`[pool.pf]` has name "pool.pf") and its entries in file order.
struct TomlSection {
  std::string name;
  int line = 0;
  std::vector<TomlEntry> entries;
};

struct TomlDocument {
  std::string file;                   // path, for error messages
  std::vector<TomlSection> sections;  // in file order; keys before any header go to section ""
  const TomlSection* find(const std::string& name) const;
};

// Parses text; throws InputError "<file>:<line>: ..." on a malformed line or a repeated
// section or key.
TomlDocument parse_toml_subset(const std::string& text, const std::string& file);
// Reads and parses a file; throws InputError when it cannot be read.
TomlDocument read_toml_subset(const std::string& path);

// Value helpers; each throws InputError naming file:line, the key and the value.
std::string where(const TomlDocument& doc, const TomlEntry& e);  // "file:line"
double toml_number(const TomlDocument& doc, const TomlEntry& e);
long long toml_integer(const TomlDocument& doc, const TomlEntry& e);
bool toml_bool(const TomlDocument& doc, const TomlEntry& e);
std::string toml_string(const TomlDocument& doc, const TomlEntry& e);
bool toml_is_string(const TomlEntry& e);
// Splits "[a, b, c]" into its trimmed items; throws when the brackets are missing.
std::vector<std::string> toml_array_items(const TomlDocument& doc, const TomlEntry& e);

}  // namespace spotsweep

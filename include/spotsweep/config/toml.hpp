#pragma once
// The program's one view of a TOML file (pool, sweep, select and stress files; docs/pool.md):
// sections in file order, each a list of typed `key = value` entries that keep the line and
// column they came from, so that every error can name file:line, the key and the value.
// src/config/toml.cpp reads files with toml++, which stays out of this header (it is slow to
// compile). Host-only.
#include <string>
#include <string_view>
#include <vector>

#include "spotsweep/detail/error.hpp"

namespace spotsweep {

// A value as TOML types it. Dates and times are refused when the file is read.
struct TomlValue {
  enum class Type { integer, number, string, boolean, array };

  Type type = Type::integer;
  long long integer = 0;         // Type::integer
  double number = 0.0;           // Type::number: a TOML float
  std::string string;            // Type::string: the contents, escapes resolved
  bool boolean = false;          // Type::boolean
  std::vector<TomlValue> items;  // Type::array, in order
  std::string text;              // as written, for messages: `0.50`, `"abc"`, `[1, 2]`
  int line = 0;                  // 1-based position of the value's first character
  int column = 0;
  // Where a value made by the program came from, for messages instead of file:line (a
  // command-line override such as `-a job.deadline_h=[4:12:2]`); empty for values read.
  std::string origin;

  bool is_string() const { return type == Type::string; }
  bool is_array() const { return type == Type::array; }
  // Values made by the program rather than read (placeholders, tests).
  static TomlValue of_string(std::string contents);
  static TomlValue of_integer(long long value);
};

// One `key = value`. Dotted keys and inline tables below a section header stay entries of that
// section under their dotted key: `storm.volatility = 0.1` under [stress.regime_flip] is the
// entry "storm.volatility" of section "stress.regime_flip".
struct TomlEntry {
  std::string key;   // relative to the section, e.g. "theta" or "storm.volatility"
  std::string path;  // the section and the key, for messages: "pool.pf.theta"
  TomlValue value;
  int line = 0;  // 1-based position of the key
  int column = 0;
};

// The table a `[header]` opens, named by its dotted path: `[pool.pf]` is "pool.pf" and
// `[pool.chc.short]` is "pool.chc.short". Tables that exist only as the parents of others
// (`pool` above) are not sections.
struct TomlSection {
  std::string name;
  int line = 0;                    // of the header; 0 for the keys before any header
  std::vector<TomlEntry> entries;  // in file order
};

struct TomlDocument {
  std::string file;                   // path, for error messages
  std::vector<TomlSection> sections;  // in file order; the first, "", holds keys before any header
  const TomlSection* find(const std::string& name) const;
};

// Parses text; a TOML error (syntax, a key or table defined twice, a bare range
// `[0.6:1.0:0.2]`, a date) throws InputError "<file>:<line>:<column>: ...". `file` only names
// the text in messages.
TomlDocument parse_toml_text(std::string_view text, const std::string& file);
// Reads and parses a file; throws InputError when it cannot be read.
TomlDocument read_toml_file(const std::string& path);

// "file:line" of an entry or a value, the first part of their errors.
std::string where(const TomlDocument& doc, const TomlEntry& e);
std::string where(const TomlDocument& doc, const TomlValue& v);

// Typed reads. Each throws InputError "file:line: field = value: expected ..." naming the
// entry's path, or `field` for a value such as an array item.
// A number is an integer or a float; an integer is an integer only, so `1.0` is refused where
// a count is needed, and "5" (a string) is never a number.
double toml_number(const TomlDocument& doc, const TomlEntry& e);
double toml_number(const TomlDocument& doc, const std::string& field, const TomlValue& v);
long long toml_integer(const TomlDocument& doc, const TomlEntry& e);
long long toml_integer(const TomlDocument& doc, const std::string& field, const TomlValue& v);
bool toml_bool(const TomlDocument& doc, const TomlEntry& e);
const std::string& toml_string(const TomlDocument& doc, const TomlEntry& e);
const std::string& toml_string(const TomlDocument& doc, const std::string& field,
                               const TomlValue& v);
const std::vector<TomlValue>& toml_array(const TomlDocument& doc, const TomlEntry& e);

// A number written inside a string value, such as a bound of "[0.6:1.0:0.2]" or of
// "uniform(1, 2)": the whole of `part` (spaces trimmed) must be the number (strtod's grammar).
double toml_number_in_string(const TomlDocument& doc, const std::string& field, const TomlValue& v,
                             const std::string& part);

// A single value as text, for the parsers that take text (synthetic-market and adversary
// settings): a string's contents, an integer in decimal, a float as written, true or false.
// Throws on an array.
std::string toml_scalar_text(const TomlDocument& doc, const std::string& field, const TomlValue& v);

}  // namespace spotsweep

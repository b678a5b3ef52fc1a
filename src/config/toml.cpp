// The TOML subset of docs/pool.md: enough for pool grids, workloads and jobs.
#include "spotsweep/config/toml.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "spotsweep/detail/error.hpp"

namespace spotsweep {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// Drops a `#` comment that is not inside a string.
std::string strip_comment(const std::string& line) {
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"' && (i == 0 || line[i - 1] != '\\')) in_string = !in_string;
    if (line[i] == '#' && !in_string) return line.substr(0, i);
  }
  return line;
}

bool valid_key(const std::string& k) {
  if (k.empty()) return false;
  for (char c : k)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return false;
  return true;
}

}  // namespace

const TomlSection* TomlDocument::find(const std::string& name) const {
  for (const auto& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

TomlDocument parse_toml_subset(const std::string& text, const std::string& file) {
  TomlDocument doc;
  doc.file = file;
  doc.sections.push_back(TomlSection{"", 0, {}});
  std::set<std::string> seen_sections;
  std::set<std::string> seen_keys;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  auto fail = [&](const std::string& field, const std::string& value, const std::string& why) {
    return input_error(file + ":" + std::to_string(number), field, value, why);
  };
  while (std::getline(in, line)) {
    ++number;
    const std::string t = trim(strip_comment(line));
    if (t.empty()) continue;
    if (t.front() == '[') {
      if (t.back() != ']' || t.size() < 3) throw fail("section", t, "expected [name]");
      const std::string name = trim(t.substr(1, t.size() - 2));
      if (!valid_key(name)) throw fail("section", t, "not a valid section name");
      if (!seen_sections.insert(name).second) throw fail("section", t, "appears twice");
      doc.sections.push_back(TomlSection{name, number, {}});
      seen_keys.clear();
      continue;
    }
    const auto eq = t.find('=');
    if (eq == std::string::npos) throw fail("line", t, "expected key = value");
    TomlEntry e;
    e.key = trim(t.substr(0, eq));
    e.raw = trim(t.substr(eq + 1));
    e.line = number;
    if (!valid_key(e.key)) throw fail("key", e.key, "not a valid key");
    if (e.raw.empty()) throw fail(e.key, "", "missing value");
    if (e.raw.front() == '[' && e.raw.back() != ']')
      throw fail(e.key, e.raw, "arrays must open and close on one line");
    if (!seen_keys.insert(e.key).second) throw fail(e.key, e.raw, "key appears twice");
    doc.sections.back().entries.push_back(e);
  }
  return doc;
}

TomlDocument read_toml_subset(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw input_error(path, "file", "", "cannot be read");
  std::ostringstream s;
  s << f.rdbuf();
  return parse_toml_subset(s.str(), path);
}

std::string where(const TomlDocument& doc, const TomlEntry& e) {
  return doc.file + ":" + std::to_string(e.line);
}

double toml_number(const TomlDocument& doc, const TomlEntry& e) {
  const std::string& s = e.raw;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE)
    throw input_error(where(doc, e), e.key, s, "expected a number");
  return v;
}

long long toml_integer(const TomlDocument& doc, const TomlEntry& e) {
  const std::string& s = e.raw;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE)
    throw input_error(where(doc, e), e.key, s, "expected an integer");
  return v;
}

bool toml_bool(const TomlDocument& doc, const TomlEntry& e) {
  if (e.raw == "true") return true;
  if (e.raw == "false") return false;
  throw input_error(where(doc, e), e.key, e.raw, "expected true or false");
}

bool toml_is_string(const TomlEntry& e) {
  return e.raw.size() >= 2 && e.raw.front() == '"' && e.raw.back() == '"';
}

std::string toml_string(const TomlDocument& doc, const TomlEntry& e) {
  if (!toml_is_string(e)) throw input_error(where(doc, e), e.key, e.raw, "expected a \"string\"");
  std::string out;
  for (size_t i = 1; i + 1 < e.raw.size(); ++i) {
    if (e.raw[i] == '\\' && i + 2 < e.raw.size()) ++i;
    out += e.raw[i];
  }
  return out;
}

std::vector<std::string> toml_array_items(const TomlDocument& doc, const TomlEntry& e) {
  if (e.raw.size() < 2 || e.raw.front() != '[' || e.raw.back() != ']')
    throw input_error(where(doc, e), e.key, e.raw, "expected [a, b, ...]");
  std::vector<std::string> items;
  const std::string body = e.raw.substr(1, e.raw.size() - 2);
  if (trim(body).empty()) return items;
  std::string item;
  std::istringstream in(body);
  while (std::getline(in, item, ',')) items.push_back(trim(item));
  if (!items.empty() && items.back().empty()) items.pop_back();  // a trailing comma
  return items;
}


}  // namespace spotsweep

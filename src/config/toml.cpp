// The TOML facade of include/spotsweep/config/toml.hpp over toml++: toml++ parses, and this file
// flattens its tree into sections in file order and turns its errors into the program's
// one-line InputErrors. The only file that includes toml++.
#include "spotsweep/config/toml.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "spotsweep/detail/text.hpp"

namespace spotsweep {

namespace {

// A string value as a message shows it: quoted, and kept on one line.
std::string quoted_for_message(const std::string& contents) {
  std::string out = "\"";
  for (char c : contents) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c == '"' || c == '\\')
      out += std::string("\\") + c;
    else
      out += c;
  }
  return out + "\"";
}

bool same_position(const toml::source_position& a, const toml::source_position& b) {
  return a.line == b.line && a.column == b.column;
}

// The lines of the text, to show values as written and to explain errors. toml++ counts
// columns in code points, so positions become byte offsets by walking UTF-8.
class SourceLines {
 public:
  explicit SourceLines(std::string_view text) : text_(text) {
    starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') starts_.push_back(i + 1);
  }

  // Line `line` (1-based) without its line break; empty past the end.
  std::string_view line(size_t line) const {
    if (line == 0 || line > starts_.size()) return {};
    const size_t begin = starts_[line - 1];
    size_t end = line < starts_.size() ? starts_[line] - 1 : text_.size();
    if (end > begin && text_[end - 1] == '\r') --end;
    return text_.substr(begin, end - begin);
  }

  size_t offset(const toml::source_position& p) const {
    if (p.line == 0 || p.line > starts_.size()) return text_.size();
    size_t at = starts_[p.line - 1];
    for (size_t column = 1; column < p.column && at < text_.size(); ++column) {
      ++at;
      while (at < text_.size() && (static_cast<unsigned char>(text_[at]) & 0xC0) == 0x80)
        ++at;
    }
    return at;
  }

  // The text of a region that lies on one line, trimmed; "" for one that spans lines.
  std::string single_line_text(const toml::source_region& r) const {
    if (r.begin.line != r.end.line) return "";
    const size_t begin = offset(r.begin), end = offset(r.end);
    return end > begin ? trim(text_.substr(begin, end - begin)) : "";
  }

 private:
  std::string_view text_;
  std::vector<size_t> starts_;
};

// Drops a `#` comment that is not inside a string.
std::string_view without_comment(std::string_view line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == '\\' && quote == '"')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#') {
      return line.substr(0, i);
    }
  }
  return line;
}

// The `key = value` of one line, used only to explain an error on that line: the key with the
// spaces around its dots removed, and the value up to a comment.
struct LineAssignment {
  std::string key;
  std::string value;
};

bool line_assignment(std::string_view line, LineAssignment& out) {
  const std::string_view text = without_comment(line);
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) return false;
  std::string key;
  for (char c : text.substr(0, eq))
    if (c != ' ' && c != '\t') key += c;
  if (key.empty() || key.front() == '[') return false;
  out.key = key;
  out.value = trim(text.substr(eq + 1));
  return true;
}

// The dotted name of the last `[header]` above `line`, for the path of a key on an error line.
std::string header_above(const SourceLines& lines, size_t line) {
  for (size_t l = line; l-- > 1;) {
    const std::string text = trim(without_comment(lines.line(l)));
    if (text.size() < 3 || text.front() != '[' || text[1] == '[') continue;
    const auto close = text.find(']');
    if (close == std::string::npos) continue;
    std::string name;
    for (char c : text.substr(1, close - 1))
      if (c != ' ' && c != '\t') name += c;
    return name;
  }
  return "";
}

// `key = [0.6:1.0:0.2]`, the range form of the old pool grammar, is not TOML (or is read as a
// time, `[10:20:30]`). Returns its one-line error when line `line` holds one, else "".
std::string bare_range_error(const SourceLines& lines, size_t line, const std::string& file) {
  LineAssignment a;
  if (!line_assignment(lines.line(line), a)) return "";
  const std::string& v = a.value;
  if (v.size() < 3 || v.front() != '[' || v.back() != ']') return "";
  const std::string body = v.substr(1, v.size() - 2);
  if (body.find(':') == std::string::npos || body.find_first_of("\"',[]{}") != std::string::npos)
    return "";
  const std::string section = header_above(lines, line);
  const std::string key = section.empty() ? a.key : section + "." + a.key;
  return input_error(file + ":" + std::to_string(line), key, v,
                     "a range is a string in TOML: write \"" + v + "\"")
      .what();
}

// toml++'s "Error while parsing X: reason" as "error while parsing X: reason", on one line.
std::string describe(std::string_view description) {
  std::string out(description);
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z')
    out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

InputError syntax_error(const toml::parse_error& e, const SourceLines& lines,
                        const std::string& file) {
  const size_t line = e.source().begin.line;
  const std::string range = bare_range_error(lines, line, file);
  if (!range.empty()) return InputError(range);
  const std::string at =
      file + ":" + std::to_string(line) + ":" + std::to_string(e.source().begin.column);
  LineAssignment a;
  if (line_assignment(lines.line(line), a)) {
    const std::string section = header_above(lines, line);
    return input_error(at, section.empty() ? a.key : section + "." + a.key, a.value,
                       describe(e.description()));
  }
  return InputError(at + ": " + describe(e.description()));
}

// Flattens toml++'s tree: one section per table opened by a `[header]`, holding the table's
// values, with those of its dotted-key and inline sub-tables under dotted keys.
class DocumentBuilder {
 public:
  DocumentBuilder(std::string_view text, const std::string& file) : lines_(text) {
    doc_.file = file;
  }

  TomlDocument build(const toml::table& root) {
    doc_.sections.push_back(TomlSection{"", 0, {}});
    add_table(root, "", 0, "");
    // toml++ keeps keys sorted; the program wants file order.
    std::stable_sort(doc_.sections.begin(), doc_.sections.end(),
                     [](const TomlSection& a, const TomlSection& b) { return a.line < b.line; });
    for (TomlSection& s : doc_.sections)
      std::stable_sort(s.entries.begin(), s.entries.end(),
                       [](const TomlEntry& a, const TomlEntry& b) {
                         return a.line != b.line ? a.line < b.line : a.column < b.column;
                       });
    return std::move(doc_);
  }

 private:
  std::string at(const toml::source_position& p) const {
    return doc_.file + ":" + std::to_string(p.line);
  }

  // A table toml++ made for a `[header]` has the header's position; one made for a dotted key
  // has the key's position.
  static bool from_header(const toml::key& k, const toml::table& t) {
    return !t.is_inline() && !same_position(k.source().begin, t.source().begin);
  }

  // A header also makes its missing parents (`[pool.pf]` makes `pool`), giving them its own
  // position; a table is a header's own only when no table below it shares its position.
  static bool made_for_descendant(const toml::table& t, const toml::source_position& p) {
    for (auto&& [k, node] : t)
      if (const toml::table* child = node.as_table())
        if (same_position(child->source().begin, p) || made_for_descendant(*child, p)) return true;
    return false;
  }

  // `path`: the table's dotted name; `section`: the index of the section its values go to, or
  // -1 for a parent made by a header; `key_prefix`: the dotted key of a sub-table in it.
  void add_table(const toml::table& t, const std::string& path, int section,
                 const std::string& key_prefix) {
    for (auto&& [k, node] : t) {
      const std::string name(k.str());
      const std::string child_path = path.empty() ? name : path + "." + name;
      if (const toml::table* child = node.as_table()) {
        if (from_header(k, *child)) {
          int child_section = -1;
          if (!made_for_descendant(*child, child->source().begin)) {
            child_section = static_cast<int>(doc_.sections.size());
            doc_.sections.push_back(
                TomlSection{child_path, static_cast<int>(child->source().begin.line), {}});
          }
          add_table(*child, child_path, child_section, "");
        } else {
          add_table(*child, child_path, section, key_prefix + name + ".");
        }
        continue;
      }
      SPOTSWEEP_EXPECTS(section >= 0, "only a header's own table holds values");
      TomlEntry e;
      e.key = key_prefix + name;
      e.path = child_path;
      e.line = static_cast<int>(k.source().begin.line);
      e.column = static_cast<int>(k.source().begin.column);
      if (const toml::array* array = node.as_array(); array && array->is_array_of_tables())
        throw input_error(at(node.source().begin), e.path, lines_.single_line_text(node.source()),
                          "arrays of tables are not supported");
      e.value = value_of(node, e.path);
      doc_.sections[section].entries.push_back(std::move(e));
    }
  }

  TomlValue value_of(const toml::node& node, const std::string& path) const {
    TomlValue v;
    v.line = static_cast<int>(node.source().begin.line);
    v.column = static_cast<int>(node.source().begin.column);
    v.text = lines_.single_line_text(node.source());
    switch (node.type()) {
      case toml::node_type::integer:
        v.type = TomlValue::Type::integer;
        v.integer = node.as_integer()->get();
        if (v.text.empty()) v.text = std::to_string(v.integer);
        break;
      case toml::node_type::floating_point:
        v.type = TomlValue::Type::number;
        v.number = node.as_floating_point()->get();
        if (v.text.empty()) v.text = format_number(v.number);
        break;
      case toml::node_type::string:
        v.type = TomlValue::Type::string;
        v.string = node.as_string()->get();
        if (v.text.empty()) v.text = quoted_for_message(v.string);
        break;
      case toml::node_type::boolean:
        v.type = TomlValue::Type::boolean;
        v.boolean = node.as_boolean()->get();
        v.text = v.boolean ? "true" : "false";
        break;
      case toml::node_type::array: {
        v.type = TomlValue::Type::array;
        v.text = "[";
        for (const toml::node& item : *node.as_array()) {
          if (item.is_table())
            throw input_error(at(item.source().begin), path, "{...}",
                              "tables inside arrays are not supported");
          v.items.push_back(value_of(item, path));
          v.text += (v.items.size() > 1 ? ", " : "") + v.items.back().text;
        }
        v.text += "]";
        break;
      }
      case toml::node_type::date:
      case toml::node_type::time:
      case toml::node_type::date_time: {
        const std::string range = bare_range_error(lines_, node.source().begin.line, doc_.file);
        if (!range.empty()) throw InputError(range);
        throw input_error(at(node.source().begin), path, v.text,
                          "dates and times are not supported (quote it to make it a string)");
      }
      case toml::node_type::table:
      case toml::node_type::none:
      default: SPOTSWEEP_EXPECTS(false, "tables are handled by add_table");
    }
    return v;
  }

  SourceLines lines_;
  TomlDocument doc_;
};

}  // namespace

TomlValue TomlValue::of_string(std::string contents) {
  TomlValue v;
  v.type = Type::string;
  v.text = quoted_for_message(contents);
  v.string = std::move(contents);
  return v;
}

TomlValue TomlValue::of_integer(long long value) {
  TomlValue v;
  v.type = Type::integer;
  v.integer = value;
  v.text = std::to_string(value);
  return v;
}

const TomlSection* TomlDocument::find(const std::string& name) const {
  for (const auto& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

TomlDocument parse_toml_text(std::string_view text, const std::string& file) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& e) {
    throw syntax_error(e, SourceLines(text), file);
  }
  return DocumentBuilder(text, file).build(root);
}

TomlDocument read_toml_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw input_error(path, "file", "", "cannot be read");
  std::ostringstream s;
  s << f.rdbuf();
  return parse_toml_text(s.str(), path);
}

std::string where(const TomlDocument& doc, const TomlEntry& e) {
  if (!e.value.origin.empty()) return e.value.origin;
  return doc.file + ":" + std::to_string(e.line);
}

std::string where(const TomlDocument& doc, const TomlValue& v) {
  if (!v.origin.empty()) return v.origin;
  return doc.file + ":" + std::to_string(v.line);
}

double toml_number(const TomlDocument& doc, const TomlEntry& e) {
  return toml_number(doc, e.path, e.value);
}

double toml_number(const TomlDocument& doc, const std::string& field, const TomlValue& v) {
  if (v.type == TomlValue::Type::integer) return static_cast<double>(v.integer);
  if (v.type == TomlValue::Type::number) return v.number;
  throw input_error(where(doc, v), field, v.text,
                    v.is_string() ? "expected a number, not a string" : "expected a number");
}

long long toml_integer(const TomlDocument& doc, const TomlEntry& e) {
  return toml_integer(doc, e.path, e.value);
}

long long toml_integer(const TomlDocument& doc, const std::string& field, const TomlValue& v) {
  if (v.type == TomlValue::Type::integer) return v.integer;
  throw input_error(where(doc, v), field, v.text,
                    v.is_string() ? "expected an integer, not a string" : "expected an integer");
}

bool toml_bool(const TomlDocument& doc, const TomlEntry& e) {
  if (e.value.type == TomlValue::Type::boolean) return e.value.boolean;
  throw input_error(where(doc, e), e.path, e.value.text, "expected true or false");
}

const std::string& toml_string(const TomlDocument& doc, const TomlEntry& e) {
  return toml_string(doc, e.path, e.value);
}

const std::string& toml_string(const TomlDocument& doc, const std::string& field,
                               const TomlValue& v) {
  if (!v.is_string()) throw input_error(where(doc, v), field, v.text, "expected a \"string\"");
  return v.string;
}

const std::vector<TomlValue>& toml_array(const TomlDocument& doc, const TomlEntry& e) {
  if (!e.value.is_array())
    throw input_error(where(doc, e), e.path, e.value.text, "expected [a, b, ...]");
  return e.value.items;
}

double toml_number_in_string(const TomlDocument& doc, const std::string& field, const TomlValue& v,
                             const std::string& part) {
  const std::string s = trim(part);
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size())
    throw input_error(where(doc, v), field, v.text, "'" + s + "' is not a number");
  // strtod reads hexadecimal too; a value in a file is decimal, as TOML's own numbers are.
  if (s.find_first_of("xX") != std::string::npos)
    throw input_error(where(doc, v), field, v.text,
                      "'" + s + "' is hexadecimal; write the number in decimal");
  // ERANGE on underflow still gives the nearest value (a denormal, or 0); only an overflow,
  // which strtod turns into ±HUGE_VAL, is refused.
  if (errno == ERANGE && std::isinf(value))
    throw input_error(where(doc, v), field, v.text, "'" + s + "' is out of a double's range");
  return value;
}

std::string toml_scalar_text(const TomlDocument& doc, const std::string& field,
                             const TomlValue& v) {
  switch (v.type) {
    case TomlValue::Type::string: return v.string;
    case TomlValue::Type::integer: return std::to_string(v.integer);
    case TomlValue::Type::boolean: return v.boolean ? "true" : "false";
    case TomlValue::Type::number:
      // TOML allows 1_000.5; the text parsers do not.
      return v.text.empty() || v.text.find('_') != std::string::npos ? format_number(v.number)
                                                                     : v.text;
    case TomlValue::Type::array:
    default:
      throw input_error(where(doc, v), field, v.text, "expected a single value, not an array");
  }
}

}  // namespace spotsweep

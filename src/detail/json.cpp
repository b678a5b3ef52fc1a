// The strict JSON reader behind the trace importers.
#include "spotsweep/detail/json.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>

#include "spotsweep/market/import/text.hpp"
#include "spotsweep/detail/error.hpp"

namespace spotsweep {

namespace {
// Containers nested deeper than this are refused rather than risking the stack.
constexpr int kMaxDepth = 256;
}  // namespace

class JsonParser {
 public:
  JsonParser(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  JsonValue parse_document() {
    skip_space();
    JsonValue root = parse_value(0);
    skip_space();
    if (pos_ != text_.size()) fail(pos_, "unexpected text after the top-level value");
    return root;
  }

 private:
  [[noreturn]] void fail(size_t at, const std::string& reason) const {
    std::string token;
    if (at < text_.size()) {
      size_t end = at;
      // The token: up to the next delimiter, at most 12 characters.
      while (end < text_.size() && end - at < 12 &&
             std::strchr(" \t\r\n,:[]{}", text_[end]) == nullptr)
        ++end;
      if (end == at) ++end;  // a delimiter itself is the offending character
      // Bytes that are not printable ASCII (a binary file given as JSON) are shown as \xNN.
      token = "'";
      for (const char c : text_.substr(at, end - at)) {
        const unsigned char byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f) {
          token += c;
        } else {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02X", byte);
          token += hex;
        }
      }
      token += "'";
    } else {
      token = "end of file";
    }
    throw input_error(file_, "byte " + std::to_string(at), token, reason);
  }

  void skip_space() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  bool starts_with(std::string_view word) const { return text_.substr(pos_, word.size()) == word; }

  JsonValue parse_value(int depth) {
    if (pos_ >= text_.size()) fail(pos_, "expected a JSON value");
    JsonValue value;
    value.offset_ = pos_;
    const char c = text_[pos_];
    if (c == '{') {
      parse_object(value, depth);
    } else if (c == '[') {
      parse_array(value, depth);
    } else if (c == '"') {
      value.kind_ = JsonValue::Kind::string;
      value.string_ = parse_string();
    } else if (starts_with("true")) {
      value.kind_ = JsonValue::Kind::boolean;
      value.boolean_ = true;
      pos_ += 4;
    } else if (starts_with("false")) {
      value.kind_ = JsonValue::Kind::boolean;
      pos_ += 5;
    } else if (starts_with("null")) {
      pos_ += 4;
    } else if (starts_with("NaN") || starts_with("Infinity") || starts_with("-Infinity")) {
      // Python's json.dump writes these by default; they are not JSON and not a number we
      // could use anyway.
      fail(pos_, "not a number (NaN/Infinity are not valid JSON)");
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      value.kind_ = JsonValue::Kind::number;
      value.number_ = parse_number();
    } else {
      fail(pos_, "expected a JSON value");
    }
    return value;
  }

  void parse_object(JsonValue& value, int depth) {
    if (depth >= kMaxDepth) fail(pos_, "nested too deeply");
    value.kind_ = JsonValue::Kind::object;
    ++pos_;  // '{'
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return;
    }
    while (true) {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"') fail(pos_, "expected a string key");
      const size_t key_at = pos_;
      std::string key = parse_string();
      for (const auto& member : value.members_)
        if (member.first == key) fail(key_at, "duplicate key");
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != ':') fail(pos_, "expected ':'");
      ++pos_;
      skip_space();
      value.members_.emplace_back(std::move(key), parse_value(depth + 1));
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return;
      }
      fail(pos_, "expected ',' or '}'");
    }
  }

  void parse_array(JsonValue& value, int depth) {
    if (depth >= kMaxDepth) fail(pos_, "nested too deeply");
    value.kind_ = JsonValue::Kind::array;
    ++pos_;  // '['
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return;
    }
    while (true) {
      skip_space();
      value.items_.push_back(parse_value(depth + 1));
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return;
      }
      fail(pos_, "expected ',' or ']'");
    }
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  uint32_t parse_hex4() {
    if (pos_ + 4 > text_.size()) fail(pos_, "truncated \\u escape");
    uint32_t cp = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = text_[pos_ + i];
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= h - '0';
      else if (h >= 'a' && h <= 'f') cp |= h - 'a' + 10;
      else if (h >= 'A' && h <= 'F') cp |= h - 'A' + 10;
      else fail(pos_ + i, "bad hex digit in \\u escape");
    }
    pos_ += 4;
    return cp;
  }

  std::string parse_string() {
    const size_t start = pos_;
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) fail(start, "unterminated string");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail(pos_, "control character in string");
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= text_.size()) fail(start, "unterminated string");
      const char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = parse_hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // surrogate pair
            if (!starts_with("\\u")) fail(pos_, "unpaired surrogate in \\u escape");
            pos_ += 2;
            const uint32_t low = parse_hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail(pos_ - 6, "bad low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail(pos_ - 6, "unpaired surrogate in \\u escape");
          }
          append_utf8(out, cp);
          break;
        }
        default: fail(pos_ - 2, "unknown escape in string");
      }
    }
  }

  // Validates the RFC 8259 number grammar, then converts with strtod (locale "C" assumed;
  // the program never changes LC_NUMERIC).
  double parse_number() {
    const size_t start = pos_;
    auto digit = [&](size_t i) { return i < text_.size() && text_[i] >= '0' && text_[i] <= '9'; };
    if (text_[pos_] == '-') ++pos_;
    if (!digit(pos_)) fail(start, "malformed number");
    if (text_[pos_] == '0') {
      ++pos_;
      if (digit(pos_)) fail(start, "malformed number (leading zero)");
    } else {
      while (digit(pos_)) ++pos_;
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!digit(pos_)) fail(start, "malformed number");
      while (digit(pos_)) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digit(pos_)) fail(start, "malformed number");
      while (digit(pos_)) ++pos_;
    }
    const std::string literal(text_.substr(start, pos_ - start));
    errno = 0;
    const double v = std::strtod(literal.c_str(), nullptr);
    if (!std::isfinite(v)) fail(start, "number out of range");
    return v;
  }

  std::string_view text_;
  const std::string& file_;
  size_t pos_ = 0;
};

const JsonValue* JsonValue::find(std::string_view key) const {
  for (const auto& member : members_)
    if (member.first == key) return &member.second;
  return nullptr;
}

std::string JsonValue::brief() const {
  switch (kind_) {
    case Kind::null: return "null";
    case Kind::boolean: return boolean_ ? "true" : "false";
    case Kind::number: return detail::format_number(number_);
    case Kind::string:
      return "\"" + (string_.size() > 40 ? string_.substr(0, 40) + "..." : string_) + "\"";
    case Kind::array: return "[...]";
    case Kind::object: return "{...}";
  }
  return "?";
}

JsonValue parse_json(std::string_view text, const std::string& file) {
  return JsonParser(text, file).parse_document();
}

JsonValue read_json_file(const std::string& path) {
  const std::string text = detail::read_text_file(path);
  return parse_json(text, path);
}

// ---- JsonDocument: checked access --------------------------------------------------------

const JsonValue& JsonDocument::member(const JsonValue& object, const std::string& path,
                                      const std::string& key) const {
  const JsonValue* found = optional_member(object, path, key);
  if (!found)
    throw input_error(file_, path.empty() ? key : path + "." + key, "", "missing field");
  return *found;
}

const JsonValue* JsonDocument::optional_member(const JsonValue& object, const std::string& path,
                                               const std::string& key) const {
  expect_object(object, path);
  return object.find(key);
}

void JsonDocument::expect_object(const JsonValue& value, const std::string& path) const {
  if (!value.is_object())
    throw input_error(file_, path.empty() ? "top level" : path, value.brief(),
                      "expected a JSON object");
}

const std::vector<JsonValue>& JsonDocument::array(const JsonValue& value,
                                                  const std::string& path) const {
  if (!value.is_array()) throw input_error(file_, path, value.brief(), "expected a JSON array");
  return value.items();
}

double JsonDocument::number(const JsonValue& value, const std::string& path) const {
  if (!value.is_number()) throw input_error(file_, path, value.brief(), "not a number");
  return value.number();
}

int64_t JsonDocument::integer(const JsonValue& value, const std::string& path) const {
  const double v = number(value, path);
  if (v != std::floor(v) || std::fabs(v) > 9.0e15)
    throw input_error(file_, path, value.brief(), "expected an integer");
  return static_cast<int64_t>(v);
}

const std::string& JsonDocument::string(const JsonValue& value, const std::string& path) const {
  if (!value.is_string()) throw input_error(file_, path, value.brief(), "expected a string");
  return value.string();
}

std::vector<double> JsonDocument::numbers(const JsonValue& value, const std::string& path) const {
  const auto& items = array(value, path);
  std::vector<double> out;
  out.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    // The element path is built only for the error message.
    if (!items[i].is_number()) number(items[i], path + "[" + std::to_string(i) + "]");
    out.push_back(items[i].number());
  }
  return out;
}

std::vector<int64_t> JsonDocument::integers(const JsonValue& value,
                                            const std::string& path) const {
  const auto& items = array(value, path);
  std::vector<int64_t> out;
  out.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const double v = items[i].is_number() ? items[i].number() : 0.5;  // 0.5: not an integer
    if (v != std::floor(v) || std::fabs(v) > 9.0e15)
      integer(items[i], path + "[" + std::to_string(i) + "]");  // throws with the path
    out.push_back(static_cast<int64_t>(v));
  }
  return out;
}

}  // namespace spotsweep

// The trace importers' JSON reader: nlohmann-json parses, a SAX handler builds the JsonValue
// tree and refuses keys given twice (nlohmann keeps the last), and errors become one-line
// InputErrors. The only file that includes nlohmann-json.
#include "spotsweep/detail/json.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <unordered_set>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"
#include "spotsweep/detail/text.hpp"

namespace spotsweep {

namespace {

// Containers nested deeper than this are refused: the tree is freed recursively.
constexpr size_t kMaxDepth = 256;

// The text at a syntax error, for its message: up to the next delimiter, at most 12 characters,
// bytes that are not printable ASCII (a binary file given as JSON) shown as \xNN.
std::string token_at(std::string_view text, size_t at) {
  if (at >= text.size()) return "end of file";
  size_t end = at;
  while (end < text.size() && end - at < 12 && std::strchr(" \t\r\n,:[]{}", text[end]) == nullptr)
    ++end;
  if (end == at) ++end;  // a delimiter itself is the offending character
  std::string token = "'";
  for (const char c : text.substr(at, end - at)) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      token += c;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", byte);
      token += hex;
    }
  }
  return token + "'";
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1,
// column 7: " prefix (the caller names the place) and without "; last read: '...'", which can
// hold the rest of the file after an unterminated string.
std::string reason_of(const nlohmann::detail::exception& e) {
  std::string reason = e.what();
  if (!reason.empty() && reason.front() == '[') {
    const auto close = reason.find("] ");
    if (close != std::string::npos) reason.erase(0, close + 2);
  }
  if (reason.compare(0, 14, "parse error at") == 0) {
    const auto colon = reason.find(": ");
    if (colon != std::string::npos) reason.erase(0, colon + 2);
  }
  const auto last_read = reason.find("; last read: '");
  if (last_read != std::string::npos) {
    const auto expected = reason.find("'; expected", last_read);
    reason.erase(last_read,
                 expected == std::string::npos ? std::string::npos : expected + 1 - last_read);
  }
  return reason;
}

}  // namespace

// Builds the JsonValue tree from nlohmann-json's SAX events; nlohmann checks the grammar. It
// records the first error and stops the parse by returning false.
class JsonBuilder : public nlohmann::json_sax<nlohmann::json> {
 public:
  using json = nlohmann::json;

  JsonBuilder(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  JsonValue parse() {
    const bool ok = json::sax_parse(text_.data(), text_.data() + text_.size(), this,
                                    json::input_format_t::json, /*strict=*/true,
                                    /*ignore_comments=*/false);
    if (!ok) {
      SPOTSWEEP_EXPECTS(error_.has_value(), "a failed JSON parse has an error");
      throw *error_;
    }
    return std::move(root_);
  }

  bool null() override { return add(JsonValue()) != nullptr; }
  bool boolean(bool value) override {
    JsonValue v;
    v.kind_ = JsonValue::Kind::boolean;
    v.boolean_ = value;
    return add(std::move(v)) != nullptr;
  }
  bool number_integer(json::number_integer_t value) override {
    return add_number(static_cast<double>(value));
  }
  bool number_unsigned(json::number_unsigned_t value) override {
    return add_number(static_cast<double>(value));
  }
  // nlohmann refuses numbers that overflow a double, so `value` is finite.
  bool number_float(json::number_float_t value, const json::string_t&) override {
    return add_number(value);
  }
  bool string(json::string_t& value) override {
    JsonValue v;
    v.kind_ = JsonValue::Kind::string;
    v.string_ = std::move(value);
    return add(std::move(v)) != nullptr;
  }
  bool binary(json::binary_t&) override { return false; }  // not produced by JSON text
  bool start_object(std::size_t) override { return open(JsonValue::Kind::object); }
  bool key(json::string_t& key) override {
    // nlohmann keeps the last of two equal keys; a trace file with both is ambiguous.
    if (!open_.back().keys.insert(key).second) {
      error_ = input_error(file_, path_of_key(key), "", "duplicate key");
      return false;
    }
    pending_key_ = std::move(key);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(JsonValue::Kind::array); }
  bool end_array() override { return close(); }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    // `position` counts the bytes read, the offending one included.
    size_t at = std::min(position > 0 ? position - 1 : 0, text_.size());
    if (e.id == 406)  // number overflow: point at the number, not at its last digit
      while (at > 0 && std::strchr("0123456789+-.eE", text_[at - 1]) != nullptr)
        --at;
    const std::string token = token_at(text_, at);
    const bool nan_or_infinity =
        token.find("NaN") == 1 || token.find("Infinity") == 1 || token.find("-Infinity") == 1;
    // Python's json.dump writes NaN and Infinity by default; they are not JSON.
    const std::string reason =
        nan_or_infinity ? "not a number (NaN/Infinity are not valid JSON)" : reason_of(e);
    const long line = 1 + std::count(text_.begin(), text_.begin() + at, '\n');
    error_ = input_error(file_ + ":" + std::to_string(line), "byte " + std::to_string(at), token,
                         reason);
    return false;
  }

 private:
  struct OpenContainer {
    JsonValue* value;
    std::unordered_set<std::string> keys;  // an object's keys so far
  };

  // Puts v into the innermost open container (or makes it the root); returns where it went.
  // Pointers to open containers stay valid: only the innermost one grows.
  JsonValue* add(JsonValue v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    JsonValue& parent = *open_.back().value;
    if (parent.kind_ == JsonValue::Kind::array) {
      parent.items_.push_back(std::move(v));
      return &parent.items_.back();
    }
    parent.members_.emplace_back(std::move(pending_key_), std::move(v));
    return &parent.members_.back().second;
  }

  bool add_number(double value) {
    JsonValue v;
    v.kind_ = JsonValue::Kind::number;
    v.number_ = value;
    return add(std::move(v)) != nullptr;
  }

  bool open(JsonValue::Kind kind) {
    if (open_.size() >= kMaxDepth) {
      error_ = input_error(file_, "nesting", std::to_string(open_.size() + 1) + " levels",
                           "containers nested more than " + std::to_string(kMaxDepth) + " deep");
      return false;
    }
    JsonValue v;
    v.kind_ = kind;
    open_.push_back(OpenContainer{add(std::move(v)), {}});
    return true;
  }

  bool close() {
    open_.pop_back();
    return true;
  }

  // The path of `key` in the innermost open object, written as the importers' messages write
  // paths: "metadata.price_info.components[0].label".
  std::string path_of_key(const std::string& key) const {
    std::string path;
    for (size_t i = 0; i + 1 < open_.size(); ++i) {  // each holds the next as its last element
      const JsonValue& container = *open_[i].value;
      if (container.kind_ == JsonValue::Kind::array)
        path += "[" + std::to_string(container.items_.size() - 1) + "]";
      else
        path += (path.empty() ? "" : ".") + container.members_.back().first;
    }
    return path + (path.empty() ? "" : ".") + key;
  }

  std::string_view text_;
  const std::string& file_;
  JsonValue root_;
  std::vector<OpenContainer> open_;
  std::string pending_key_;
  std::optional<InputError> error_;
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
    case Kind::number: return format_number(number_);
    case Kind::string:
      return "\"" + (string_.size() > 40 ? string_.substr(0, 40) + "..." : string_) + "\"";
    case Kind::array: return "[...]";
    case Kind::object: return "{...}";
  }
  return "?";
}

JsonValue parse_json(std::string_view text, const std::string& file) {
  return JsonBuilder(text, file).parse();
}

JsonValue read_json_file(const std::string& path) {
  const std::string text = read_text_file(path);
  // The tree costs at most about 64 bytes per byte of text ("[0,0,0,...]").
  check_host_memory(64.0 * static_cast<double>(text.size()), "the parsed JSON", path, "file",
                    std::to_string(text.size()) + " bytes", "split the file");
  return parse_json(text, path);
}

// ---- JsonDocument: checked access --------------------------------------------------------

const JsonValue& JsonDocument::member(const JsonValue& object, const std::string& path,
                                      const std::string& key) const {
  const JsonValue* found = optional_member(object, path, key);
  if (!found) throw input_error(file_, path.empty() ? key : path + "." + key, "", "missing field");
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

std::vector<int64_t> JsonDocument::integers(const JsonValue& value, const std::string& path) const {
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

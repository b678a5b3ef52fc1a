#pragma once
// JSON documents for the trace importers, read strictly (RFC 8259) by nlohmann-json in
// src/detail/json.cpp, which stays out of this header. No extensions: NaN, Infinity, comments,
// trailing commas and duplicate keys are errors. Every error is a one-line InputError naming
// the file and either the line and byte offset (syntax: "x.json:3: byte 41 = 'NaN': ...") or
// the field's path (content: "x.json: data[12] = \"a\": not a number"). Host-only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spotsweep {

class JsonValue {
 public:
  enum class Kind { null, boolean, number, string, array, object };

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::null; }
  bool is_number() const { return kind_ == Kind::number; }
  bool is_string() const { return kind_ == Kind::string; }
  bool is_array() const { return kind_ == Kind::array; }
  bool is_object() const { return kind_ == Kind::object; }

  // Raw accessors; they assume the kind (check it first, or use the JsonDocument helpers).
  bool boolean() const { return boolean_; }
  double number() const { return number_; }
  const std::string& string() const { return string_; }
  const std::vector<JsonValue>& items() const { return items_; }
  const std::vector<std::pair<std::string, JsonValue>>& members() const { return members_; }

  // The member named `key` of an object, or nullptr when absent (or not an object).
  const JsonValue* find(std::string_view key) const;

  // A short rendering for error messages: numbers and short strings as written, containers
  // as "[...]"/"{...}".
  std::string brief() const;

 private:
  friend class JsonBuilder;
  Kind kind_ = Kind::null;
  bool boolean_ = false;
  double number_ = 0.0;
  std::string string_;
  std::vector<JsonValue> items_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

// Parses `text` (the contents of `file`, used only in messages). A key given twice in one
// object is an error naming its path ("x.json: metadata.gap_seconds: key given twice").
JsonValue parse_json(std::string_view text, const std::string& file);

// Reads and parses a whole file; a missing or unreadable file is an InputError.
JsonValue read_json_file(const std::string& path);

// Checked access that produces "file: path = value: reason" errors. `path` is the field's
// JSON path as the user would write it ("metadata.gap_seconds", "data[3]").
class JsonDocument {
 public:
  JsonDocument(std::string file, JsonValue root) : file_(std::move(file)), root_(std::move(root)) {}
  static JsonDocument read(const std::string& path) { return {path, read_json_file(path)}; }

  const std::string& file() const { return file_; }
  const JsonValue& root() const { return root_; }

  // The member `key` of object `object` (found at `path`); throws when missing.
  const JsonValue& member(const JsonValue& object, const std::string& path,
                          const std::string& key) const;
  // Same, but nullptr when the member is absent.
  const JsonValue* optional_member(const JsonValue& object, const std::string& path,
                                   const std::string& key) const;

  void expect_object(const JsonValue& value, const std::string& path) const;
  const std::vector<JsonValue>& array(const JsonValue& value, const std::string& path) const;
  double number(const JsonValue& value, const std::string& path) const;
  int64_t integer(const JsonValue& value, const std::string& path) const;
  const std::string& string(const JsonValue& value, const std::string& path) const;

  // Whole arrays of numbers; the element path in errors is "path[i]".
  std::vector<double> numbers(const JsonValue& value, const std::string& path) const;
  std::vector<int64_t> integers(const JsonValue& value, const std::string& path) const;

 private:
  std::string file_;
  JsonValue root_;
};

}  // namespace spotsweep

#pragma once
// Names of an enum's values, one table per enum, and the one way every command reads a name
// back: an unknown name is an InputError "<where>: <field> = <text>: expected one of a, b, c".
// A value's first name is how outputs write it; later entries are older spellings, accepted on
// input. Host-only.
#include <cstddef>
#include <string>

#include "spotsweep/detail/error.hpp"

namespace spotsweep {

template <class Enum>
struct NamedValue {
  const char* name;
  Enum value;
};

// The first name of `value` in the table ("?" when the table lacks it: a bug).
template <class Enum, std::size_t N>
const char* name_of(const NamedValue<Enum> (&table)[N], Enum value) {
  for (const NamedValue<Enum>& entry : table)
    if (entry.value == value) return entry.name;
  return "?";
}

// Every value's first name, "a, b, c", for messages and help texts.
template <class Enum, std::size_t N>
std::string names_of(const NamedValue<Enum> (&table)[N]) {
  std::string list;
  for (std::size_t i = 0; i < N; ++i) {
    if (name_of(table, table[i].value) != table[i].name) continue;  // an older spelling
    list += (list.empty() ? "" : ", ") + std::string(table[i].name);
  }
  return list;
}

// Whether `text` names a value of the table; *value is set when it does.
template <class Enum, std::size_t N>
bool find_named(const NamedValue<Enum> (&table)[N], const std::string& text, Enum* value) {
  for (const NamedValue<Enum>& entry : table)
    if (text == entry.name) {
      *value = entry.value;
      return true;
    }
  return false;
}

// The value `text` names, or the one-line InputError naming where, field and text.
template <class Enum, std::size_t N>
Enum parse_named(const NamedValue<Enum> (&table)[N], const std::string& text,
                 const std::string& where, const std::string& field) {
  Enum value{};
  if (!find_named(table, text, &value))
    throw input_error(where, field, text, "expected one of " + names_of(table));
  return value;
}

}  // namespace spotsweep

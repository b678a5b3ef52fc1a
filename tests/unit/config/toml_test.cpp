// The TOML facade over toml++: sections in file order, typed entries with their positions,
// and one-line errors naming file:line, the dotted key and the value.
#include "spotsweep/config/toml.hpp"

#include <gtest/gtest.h>

#include <string>

#include "../../support/trace_test_support.hpp"

namespace spotsweep {
namespace {

using testing::expect_input_error;

TomlDocument parse(const std::string& text) { return parse_toml_text(text, "t.toml"); }

std::vector<std::string> section_names(const TomlDocument& doc) {
  std::vector<std::string> names;
  for (const TomlSection& s : doc.sections)
    names.push_back(s.name);
  return names;
}

std::vector<std::string> keys(const TomlSection& section) {
  std::vector<std::string> names;
  for (const TomlEntry& e : section.entries)
    names.push_back(e.key);
  return names;
}

TEST(Toml, SectionsAndEntriesKeepFileOrder) {
  // toml++ sorts keys; the facade gives them back as written.
  const TomlDocument doc = parse(
      "top = 1\n"
      "[workload]\nzeta = 1\nalpha = 2\n"
      "[pool.pf]\ntheta = [0.5]\n"
      "[job]\nwork = 3\n"
      "[pool.chc]\nwindow = [8]\n");
  EXPECT_EQ(section_names(doc),
            (std::vector<std::string>{"", "workload", "pool.pf", "job", "pool.chc"}));
  EXPECT_EQ(keys(doc.sections[0]), (std::vector<std::string>{"top"}));
  EXPECT_EQ(keys(doc.sections[1]), (std::vector<std::string>{"zeta", "alpha"}));
  EXPECT_EQ(doc.sections[2].line, 5);
  EXPECT_EQ(doc.find("pool"), nullptr);  // only the parent of [pool.pf] and [pool.chc]
  ASSERT_NE(doc.find("job"), nullptr);
  EXPECT_EQ(doc.find("job")->entries[0].path, "job.work");
}

TEST(Toml, DeeperTableIsADottedSection) {
  const TomlDocument doc = parse("[pool.chc.short]\nwindow = [4]\n[pool.chc]\nwindow = [8]\n");
  EXPECT_EQ(section_names(doc), (std::vector<std::string>{"", "pool.chc.short", "pool.chc"}));
  const TomlSection* deep = doc.find("pool.chc.short");
  ASSERT_NE(deep, nullptr);
  EXPECT_EQ(deep->line, 1);
  ASSERT_EQ(deep->entries.size(), 1u);
  EXPECT_EQ(deep->entries[0].path, "pool.chc.short.window");
  EXPECT_EQ(doc.find("pool.chc")->line, 3);
}

TEST(Toml, DottedKeysAndInlineTablesStayInTheirSection) {
  const TomlDocument doc = parse(
      "[stress.regime_flip]\nperiod_slots = [40, 160]\nstorm.mean = 0.9\n"
      "calm = {lambda = 2, mu.x = 0.1}\nstorm.vol = 0.1\n");
  EXPECT_EQ(section_names(doc), (std::vector<std::string>{"", "stress.regime_flip"}));
  const TomlSection& s = doc.sections[1];
  EXPECT_EQ(keys(s), (std::vector<std::string>{"period_slots", "storm.mean", "calm.lambda",
                                               "calm.mu.x", "storm.vol"}));
  EXPECT_EQ(s.entries[1].path, "stress.regime_flip.storm.mean");
  EXPECT_EQ(s.entries[1].line, 3);
}

TEST(Toml, TypedValuesWithPositionsAndText) {
  const TomlDocument doc = parse(
      "[s]\ni = 24\nf = 0.50  # a comment\nstr = \"a\\tb\"\nb = true\n"
      "a = [1, 2.5,\n  \"x\"]\n");
  const auto& e = doc.sections[1].entries;
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].value.type, TomlValue::Type::integer);
  EXPECT_EQ(e[0].value.integer, 24);
  EXPECT_EQ(e[1].value.type, TomlValue::Type::number);
  EXPECT_EQ(e[1].value.number, 0.5);
  EXPECT_EQ(e[1].value.text, "0.50");  // as written
  EXPECT_EQ(e[1].line, 3);
  EXPECT_EQ(e[1].column, 1);
  EXPECT_EQ(e[1].value.column, 5);
  EXPECT_EQ(e[2].value.string, "a\tb");
  EXPECT_EQ(e[2].value.text, "\"a\\tb\"");
  EXPECT_TRUE(toml_bool(doc, e[3]));
  ASSERT_EQ(e[4].value.items.size(), 3u);
  EXPECT_EQ(e[4].value.items[2].line, 7);
  EXPECT_EQ(e[4].value.text, "[1, 2.5, \"x\"]");
  EXPECT_EQ(toml_number(doc, e[0]), 24.0);  // an integer is a number
  EXPECT_EQ(toml_scalar_text(doc, "s.f", e[1].value), "0.50");
  EXPECT_EQ(toml_scalar_text(doc, "s.str", e[2].value), "a\tb");
  EXPECT_EQ(toml_number_in_string(doc, "s.str", e[2].value, " 1e3 "), 1000.0);
}

TEST(Toml, WrongTypesNameFileLineKeyAndValue) {
  const TomlDocument doc = parse("[workload]\nrounds = 1.0\nseed = \"5\"\nsynthetic = 1\n");
  const auto& e = doc.sections[1].entries;
  expect_input_error([&] { toml_integer(doc, e[0]); },
                     {"t.toml:2: workload.rounds = 1.0: expected an integer"});
  expect_input_error([&] { toml_integer(doc, e[1]); },
                     {"t.toml:3: workload.seed = \"5\": expected an integer, not a string"});
  expect_input_error([&] { toml_number(doc, e[1]); }, {"workload.seed = \"5\": expected a number"});
  expect_input_error([&] { toml_bool(doc, e[2]); }, {"t.toml:4", "synthetic = 1", "true or false"});
  expect_input_error([&] { toml_string(doc, e[0]); }, {"workload.rounds = 1.0", "\"string\""});
  expect_input_error([&] { toml_array(doc, e[0]); }, {"workload.rounds = 1.0", "[a, b, ...]"});
  expect_input_error([&] { toml_number_in_string(doc, "workload.seed", e[1].value, "5x"); },
                     {"t.toml:3", "workload.seed = \"5\"", "'5x' is not a number"});
}

TEST(TomlErrors, SyntaxErrorNamesFileLineAndColumn) {
  expect_input_error([] { parse("[job]\nwork = 1\nalpha = [1, abc]\n"); },
                     {"t.toml:3:13: job.alpha = [1, abc]: error while parsing value"});
  expect_input_error([] { parse("[job\n"); }, {"t.toml:1:", "error while parsing table header"});
  expect_input_error([] { read_toml_file("/nonexistent/pool.toml"); },
                     {"/nonexistent/pool.toml", "cannot be read"});
}

TEST(TomlErrors, BareRangeSaysToWriteAString) {
  expect_input_error([] { parse("[pool.pf]\ntheta = [0.5]\nkappa = [0.6:1.0:0.2]\n"); },
                     {"t.toml:3: pool.pf.kappa = [0.6:1.0:0.2]: a range is a string in TOML: "
                      "write \"[0.6:1.0:0.2]\""});
  // toml++ reads [10:20:30] as a time.
  expect_input_error([] { parse("[pool.chc]\nwindow = [10:20:30]\n"); },
                     {"t.toml:2: pool.chc.window = [10:20:30]", "write \"[10:20:30]\""});
  EXPECT_NO_THROW(parse("[pool.pf]\nkappa = \"[0.6:1.0:0.2]\"\n"));
}

TEST(TomlErrors, KeysAndTablesDefinedTwice) {
  expect_input_error([] { parse("[pool.pf]\ntheta = [0.5]\ntheta = [0.7]\n"); },
                     {"t.toml:3:", "pool.pf.theta = [0.7]", "cannot redefine"});
  expect_input_error([] { parse("[job]\nwork = 1\n[pool.pf]\n[job]\n"); },
                     {"t.toml:4:", "cannot redefine existing table 'job'"});
}

TEST(TomlErrors, WhatTheProgramDoesNotUse) {
  expect_input_error([] { parse("[job]\nstart = 1979-05-27\n"); },
                     {"t.toml:2", "job.start = 1979-05-27", "dates and times are not supported"});
  expect_input_error([] { parse("[[job]]\nwork = 1\n"); },
                     {"t.toml:1", "job", "arrays of tables are not supported"});
  expect_input_error([] { parse("[job]\nx = [{a = 1}]\n"); },
                     {"t.toml:2", "job.x = [{a = 1}]", "arrays of tables are not supported"});
  expect_input_error([] { parse("[job]\nx = [1, {a = 1}]\n"); },
                     {"t.toml:2", "job.x", "tables inside arrays are not supported"});
}

}  // namespace
}  // namespace spotsweep

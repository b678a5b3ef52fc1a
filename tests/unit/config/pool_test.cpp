// Pool grids: sizes, mixed-radix decode/encode, the grid grammar, and one-line errors.
#include "spotsweep/config/pool.hpp"

#include <gtest/gtest.h>

#include <string>

#include "spotsweep/detail/error.hpp"

namespace spotsweep {
namespace {

Pool pool_from(const std::string& text) { return parse_pool(parse_toml_text(text, "p.toml")); }

// The InputError message of parsing text, or "" when it parses.
std::string error_of(const std::string& text) {
  try {
    pool_from(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Pool, SizesAndFamilyOffsets) {
  const Pool pool = pool_from(
      "[pool.pf]\ntheta = [0.3, 0.5, 0.7, 0.9]\nkappa = [0.8, 0.9]\n"
      "[pool.greedy]\ndeadline_factor = [0.9, 1]\n");
  ASSERT_EQ(pool.families.size(), 2u);
  EXPECT_EQ(pool.families[0].size, 8);  // rho and hysteresis default to one value each
  EXPECT_EQ(pool.families[0].axes.size(), 4u);
  EXPECT_EQ(pool.families[1].first_member, 8);
  EXPECT_EQ(pool.size, 10);
  EXPECT_EQ(pool.locate(9).family_index, 1);
  EXPECT_EQ(pool.locate(9).local, 1);
}

TEST(Pool, LastAxisVariesFastest) {
  const Pool pool =
      pool_from("[pool.pf]\ntheta = [0.3, 0.5]\nkappa = [0.8, 0.9]\nrho = [1, 2, 3]\n");
  EXPECT_EQ(pool.parameters(0), (std::vector<double>{0.3, 0.8, 1, 0.02}));
  EXPECT_EQ(pool.parameters(1), (std::vector<double>{0.3, 0.8, 2, 0.02}));
  EXPECT_EQ(pool.parameters(3), (std::vector<double>{0.3, 0.9, 1, 0.02}));
  EXPECT_EQ(pool.parameters(6), (std::vector<double>{0.5, 0.8, 1, 0.02}));
  EXPECT_EQ(pool.describe_member(11), "pf(theta=0.5, kappa=0.9, rho=3, hysteresis=0.02)");
}

TEST(Pool, DecodeEncodeRoundTrip) {
  const Pool pool = pool_from(
      "[pool.on_demand]\nn_gpus = [0, 2, 4]\n[pool.pf]\ntheta = \"[0.1:0.9:0.2]\"\n"
      "kappa = [0.6, 0.8, 1.0]\nrho = \"[1:64:pow2]\"\nhysteresis = [0, 0.1]\n"
      "[pool.uniform_progress]\ndeadline_factor = [0.5, 1]\n");
  EXPECT_EQ(pool.size, 3 + 5 * 3 * 7 * 2 + 2);
  for (int64_t m = 0; m < pool.size; ++m) {
    const MemberRef ref = pool.locate(m);
    EXPECT_EQ(pool.encode(ref.family_index, pool.digits(m)), m);
    const std::vector<int32_t> d = pool.digits(m);
    const std::vector<double> p = pool.parameters(m);
    for (size_t i = 0; i < d.size(); ++i)
      EXPECT_EQ(p[i], pool.families[ref.family_index].axes[i].values[d[i]]);
  }
}

TEST(Pool, GridGrammar) {
  auto axis = [](const std::string& value) {
    return pool_from("[pool.greedy]\ndeadline_factor = " + value + "\n").families[0].axes[0].values;
  };
  EXPECT_EQ(axis("\"[1:24:1]\"").size(), 24u);
  EXPECT_EQ(axis("\"[1:64:pow2]\""), (std::vector<double>{1, 2, 4, 8, 16, 32, 64}));
  EXPECT_EQ(axis("\"[0.5:1.0:0.25]\""), (std::vector<double>{0.5, 0.75, 1.0}));
  EXPECT_EQ(axis("\"[0.1:0.3:0.1]\"").size(), 3u);  // the stop is kept despite rounding
  EXPECT_EQ(axis("[0.9, 1.1, 1.3]  # a comment"), (std::vector<double>{0.9, 1.1, 1.3}));
  EXPECT_EQ(axis("[\n  0.9,  # one per line\n  2,\n]"), (std::vector<double>{0.9, 2}));
  EXPECT_EQ(axis("1.2"), (std::vector<double>{1.2}));
  EXPECT_EQ(axis("2"), (std::vector<double>{2}));
}

TEST(Pool, InfoAndToml) {
  const Pool pool = pool_from("[pool.pf]\ntheta = [0.3, 0.5]\n");
  const std::string info = describe_pool(pool);
  EXPECT_NE(info.find("pool: 2 members"), std::string::npos);
  EXPECT_NE(info.find("theta (2): 0.3, 0.5"), std::string::npos);
  const Pool again = pool_from(pool_to_toml(pool));
  EXPECT_EQ(again.size, pool.size);
  EXPECT_EQ(again.parameters(1), pool.parameters(1));
}

void expect_one_line_error(const std::string& text, const std::vector<std::string>& parts) {
  const std::string msg = error_of(text);
  ASSERT_FALSE(msg.empty()) << "no error for:\n" << text;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  for (const auto& p : parts)
    EXPECT_NE(msg.find(p), std::string::npos) << msg << " lacks " << p;
}

TEST(PoolErrors, EmptyAxis) {
  expect_one_line_error("[pool.pf]\ntheta = []\n", {"p.toml:2", "pf.theta", "empty axis"});
  expect_one_line_error("[pool.pf]\ntheta = \"[0.9:0.3:0.1]\"\n",
                        {"p.toml:2", "pf.theta", "empty axis"});
}

TEST(PoolErrors, ValueOutOfRange) {
  expect_one_line_error("[pool.pf]\ntheta = [0.5, 0]\n",
                        {"p.toml:2", "pf.theta = 0", "out of range (0, inf)"});
  expect_one_line_error("[pool.pf]\ntheta = -1\n", {"pf.theta = -1", "out of range"});
  expect_one_line_error("[pool.pf]\nhysteresis = [0, 2]\n",
                        {"pf.hysteresis = 2", "out of range [0, 1]"});
  expect_one_line_error("[pool.on_demand]\nn_gpus = [1.5]\n",
                        {"on_demand.n_gpus = 1.5", "integer"});
  expect_one_line_error("[pool.greedy]\ndeadline_factor = \"[1:2:0]\"\n",
                        {"deadline_factor", "step must be positive"});
}

TEST(PoolErrors, UnknownFamilyOrAxis) {
  expect_one_line_error("[pool.chcx]\nw = [1, 2]\n",
                        {"p.toml:1", "family = chcx", "unknown family", "pf"});
  expect_one_line_error("[pool.pf]\ntheta = [0.5]\ngamma = [1]\n",
                        {"p.toml:3", "pf.gamma = [1]", "unknown axis", "theta, kappa"});
  expect_one_line_error("[pool.pf]\ntheta = [0.5, abc]\n",
                        {"p.toml:2:15", "pool.pf.theta = [0.5, abc]"});
  expect_one_line_error("[pool.pf]\ntheta = [0.5, \"0.6\"]\n",
                        {"p.toml:2", "pf.theta = \"0.6\"", "expected a number"});
  expect_one_line_error("[pool.pf]\ntheta = \"0.6\"\n",
                        {"p.toml:2", "pf.theta = \"0.6\"", "a string axis is a range"});
  expect_one_line_error("[pool.pf]\ntheta = \"[0.1:x:0.2]\"\n",
                        {"p.toml:2", "pf.theta = \"[0.1:x:0.2]\"", "'x' is not a number"});
  expect_one_line_error("[pool.pf]\ntheta = true\n",
                        {"p.toml:2", "pf.theta = true", "expected a number"});
  expect_one_line_error("[pool.pf]\ntheta = [0.5, 0.6\n", {"p.toml:2", "theta", "end-of-file"});
  expect_one_line_error("[workload]\nrounds = 3\n", {"p.toml", "no [pool.<family>] section"});
}

// CHC's predictor axis (docs/pool.md): codes or names, the last axis, so a pool without it
// indexes its members as before; a learned predictor beside an oracle eps is refused.
TEST(Pool, ChcPredictorAxisTakesCodesOrNames) {
  const auto predictors = [](const std::string& value) {
    return pool_from("[pool.chc]\npredictor = " + value + "\n")
        .families[0]
        .axes[ChcFamily::predictor]
        .values;
  };
  EXPECT_EQ(predictors("[0, 4]"), (std::vector<double>{0, 4}));
  EXPECT_EQ(predictors("[\"oracle\", \"last\", \"seasonal\", \"holt-winters\", \"ar\"]"),
            (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_EQ(predictors("\"ar\""), (std::vector<double>{4}));
  EXPECT_EQ(predictors("\"[1:3:1]\""), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(ChcFamily::predictor, ChcFamily::axis_count - 1);
  expect_one_line_error("[pool.chc]\npredictor = [\"lstm\"]\n",
                        {"p.toml:2", "chc.predictor = \"lstm\"", "oracle, last, seasonal"});
  expect_one_line_error("[pool.chc]\npredictor = [5]\n", {"chc.predictor = 5", "out of range"});
}

// People read the predictor by name (pool info, table, the commands' summaries); the files keep
// the code, describe_member's text being part of select's outputs.
TEST(Pool, NamedAxisValuesPrintByName) {
  const Pool pool = pool_from(
      "[pool.chc]\nwindow = 4\npredictor = [\"oracle\", \"ar\"]\n[pool.pf]\ntheta = 0.5\n");
  const AxisSpec& predictor = ChcFamily::axes[ChcFamily::predictor];
  EXPECT_EQ(axis_value_text(predictor, 4), "ar");
  EXPECT_EQ(axis_value_text(predictor, 0), "oracle");
  EXPECT_EQ(axis_value_text(predictor, 2), "seasonal");
  EXPECT_EQ(axis_value_text(predictor, 5), "5");  // no code: the number
  EXPECT_EQ(axis_value_text(predictor, 1.5), "1.5");
  EXPECT_EQ(axis_value_text(ChcFamily::axes[ChcFamily::window], 4), "4");
  EXPECT_EQ(axis_value_text("chc.learned", "predictor", 3), "holt-winters");
  EXPECT_EQ(axis_value_text("pf", "theta", 0.5), "0.5");
  EXPECT_EQ(axis_value_text("nope", "predictor", 3), "3");
  EXPECT_NE(pool.describe_member_text(1).find(", predictor=ar)"), std::string::npos);
  EXPECT_NE(pool.describe_member(1).find(", predictor=4)"), std::string::npos);
  EXPECT_EQ(pool.describe_member_text(2), pool.describe_member(2));  // pf: no named axis
  EXPECT_NE(describe_pool(pool).find("predictor (2): oracle, ar\n"), std::string::npos);
}

TEST(PoolErrors, LearnedPredictorBesideOracleNoiseIsRefused) {
  expect_one_line_error("[pool.chc]\neps = [0, 0.2]\npredictor = [0, 3]\n",
                        {"p.toml:1", "chc.eps = 0.2", "predictor = 3", "Sub-pools"});
  expect_one_line_error(
      "[pool.chc]\npredictor = [\"ar\"]\n[pool.chc.a]\neps = [0.1]\n[pool.chc.b]\nwindow = 4\n",
      {"p.toml:3", "chc.a.eps = 0.1", "predictor = 4"});
  // The documented way: separate sub-pools.
  const Pool pool = pool_from(
      "[pool.chc.oracle]\neps = [0, 0.2]\n[pool.chc.learned]\npredictor = [\"last\", \"ar\"]\n");
  EXPECT_EQ(pool.size, 4);
}

// Ranges are strings in TOML; the bare form of the old grammar gets an error saying how to write
// it.
TEST(PoolErrors, BareRangeSaysToQuoteIt) {
  expect_one_line_error("# pool\n[pool.pf]\nkappa = [0.6:1.0:0.2]  # note\n",
                        {"p.toml:3: pool.pf.kappa = [0.6:1.0:0.2]: a range is a string in TOML: "
                         "write \"[0.6:1.0:0.2]\""});
  expect_one_line_error("[pool.chc]\nwindow = [1:64:pow2]\n",
                        {"p.toml:2", "write \"[1:64:pow2]\""});
  // [10:20:30] is a TOML time, not an error to toml++.
  expect_one_line_error("[pool.chc]\nwindow = [10:20:30]\n", {"p.toml:2", "write \"[10:20:30]\""});
}

// Named sub-pools give conditional grids: each is a grid of its own, taking the family table's
// axes and overriding them, in file order; the family table alone is then no grid.
TEST(Pool, NamedSubPools) {
  const Pool pool = pool_from(
      "[pool.chc]\ncommit = [1, 2]\neps = [0, 0.1]\n"
      "[pool.pf]\ntheta = [0.5]\n"
      "[pool.chc.short]\nwindow = [4]\n"
      "[pool.chc.long]\nwindow = [12, 24]\ncommit = [1, 6, 12]\n");
  ASSERT_EQ(pool.families.size(), 3u);
  EXPECT_EQ(pool.families[0].name, "pf");
  EXPECT_EQ(pool.families[1].name, "chc.short");
  EXPECT_EQ(pool.families[2].name, "chc.long");
  EXPECT_EQ(pool.families[1].family, family_id<ChcFamily>);
  EXPECT_EQ(pool.families[1].size, 1 * 2 * 2);  // window 4, commit {1, 2}, eps {0, 0.1}
  EXPECT_EQ(pool.families[2].size, 2 * 3 * 2);  // its own commit axis, the shared eps
  EXPECT_EQ(pool.size, 1 + 4 + 12);
  EXPECT_EQ(pool.describe_member(1),
            "chc.short(window=4, commit=1, eps=0, growth=0, resolution=4, "
            "replan_deviation=0, mode=0, lagrange_iters=0, avail_noise=0, predictor=0)");
  // v <= w is checked per sub-pool: commit 12 with window 12 is fine in chc.long only.
  expect_one_line_error("[pool.chc.short]\nwindow = [4]\ncommit = [6]\n",
                        {"p.toml:1", "chc.short.commit = 6", "exceeds window = 4"});
  expect_one_line_error("[pool.chc.short]\nwindow = [4]\ngap = [1]\n",
                        {"p.toml:3", "chc.short.gap", "unknown axis (chc has:"});
  expect_one_line_error("[pool.chc.a.b]\nwindow = [4]\n",
                        {"p.toml:1", "[pool.chc.a.b]", "not supported"});
  // The resolved grid reads back to the same pool.
  const Pool again = pool_from(pool_to_toml(pool));
  ASSERT_EQ(again.size, pool.size);
  for (int64_t m = 0; m < pool.size; ++m)
    EXPECT_EQ(again.describe_member(m), pool.describe_member(m));
}

TEST(PoolErrors, CrossAxisOrder) {
  // A CHC-like table with v <= w: every member must satisfy it, so max(v) <= min(w).
  // Axis 1 (v) must not exceed axis 0 (w).
  const FamilyInfo info{FamilyId{0}, "chc_like", "", {}, AxisOrders{1, {{1, 0}}}, {}};
  FamilyGrid grid;
  grid.name = "chc_like";
  grid.axes = {{"w", {4, 8}}, {"v", {1, 4}}};
  EXPECT_NO_THROW(check_axis_orders(info, grid, "c.toml:3"));
  grid.axes[1].values = {1, 6};
  try {
    check_axis_orders(info, grid, "c.toml:3");
    FAIL() << "v = 6 > w = 4 accepted";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "c.toml:3: chc_like.v = 6: exceeds w = 4; every member needs v <= w");
  }
}

TEST(PoolErrors, RangesAreCountedBeforeTheyAreEnumerated) {
  // Bounds and steps must be finite ("[1:inf:pow2]" never ended, "[0.1:1:inf]" made -nan).
  expect_one_line_error("[pool.greedy]\ndeadline_factor = \"[1:inf:pow2]\"\n",
                        {"p.toml:2", "greedy.deadline_factor", "'inf' is not a finite number"});
  expect_one_line_error("[pool.greedy]\ndeadline_factor = \"[0.1:1:inf]\"\n",
                        {"'inf' is not a finite number"});
  expect_one_line_error("[pool.greedy]\ndeadline_factor = \"[0.1:nan:0.1]\"\n",
                        {"'nan' is not a finite number"});
  // More than 2^20 values, counted first.
  expect_one_line_error("[pool.greedy]\ndeadline_factor = \"[1:2000000:1]\"\n",
                        {"more than 1048576 values"});
  // A step below the 12 digits a value keeps would repeat one member a million times.
  expect_one_line_error("[pool.greedy]\ndeadline_factor = \"[1e17:1.00000000001e17:1]\"\n",
                        {"the step 1 repeats the value 1e+17"});
  // Decimal only; a denormal is a number (strtod's underflow is not an error).
  expect_one_line_error("[pool.greedy]\ndeadline_factor = \"[0x1p-1:1:0.5]\"\n",
                        {"'0x1p-1' is hexadecimal"});
  EXPECT_EQ(pool_from("[pool.pf]\nhysteresis = \"[1e-310:1:0.5]\"\n").families[0].axes[3].values,
            (std::vector<double>{1e-310, 0.5, 1}));
}

TEST(PoolErrors, TooLargeToIndex) {
  expect_one_line_error(
      "[pool.pf]\ntheta = \"[1:100000:1]\"\nkappa = \"[1:100000:1]\"\nrho = \"[1:100000:1]\"\n",
      {"p.toml:1", "pool.pf", "pool too large to index"});
  expect_one_line_error("[pool.pf]\ntheta = \"[1:1e9:1]\"\n",
                        {"pf.theta", "more than 1048576 values"});
}

}  // namespace
}  // namespace spotsweep

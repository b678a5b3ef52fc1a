// Scoring predictors: known errors on a hand-checkable series, the scored range, bad options
// and the CSV output.
#include "spotsweep/market/predict_eval.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/market/trace_io.hpp"

namespace spotsweep {
namespace {

// Hourly ticks; price 1, 2, 1, 2, …; availability 0, 1, 0, 1, ….
Trace alternating(int32_t n) {
  Trace t;
  t.name = "alternating";
  t.source = "predict_eval_test";
  t.tick_seconds = 3600.0;
  t.od_price = 3.0;
  t.capacity = 1;
  for (int32_t m = 0; m < n; ++m) {
    t.spot_price.push_back(1.0 + m % 2);
    t.spot_avail.push_back(m % 2);
  }
  return t;
}

std::string scratch_dir() {
  const char* tmp = std::getenv("SPOTSWEEP_TEST_TMP");
  const std::string dir = std::string(tmp ? tmp : "/tmp") + "/predict_eval_test";
  std::filesystem::create_directories(dir);
  return dir;
}

PredictorChoice choice(const std::string& name) {
  PredictorChoice c;
  EXPECT_TRUE(parse_predictor(name, &c)) << name;
  return c;
}

TEST(PredictEval, ParsesPredictorNames) {
  EXPECT_TRUE(choice("oracle").is_oracle);
  EXPECT_EQ(choice("holt-winters").model, LearnedModel::holt_winters);
  EXPECT_EQ(choice("ar").model, LearnedModel::autoregressive);
  PredictorChoice unused;
  EXPECT_FALSE(parse_predictor("prophet", &unused));
}

TEST(PredictEval, LastValueErrorsOnAnAlternatingSeries) {
  const Trace market = alternating(24 * 3 + 3);
  PredictEvalOptions options;
  options.window = 4;
  options.warmup_days = 1.0;
  options.predictors = {choice("last")};
  const PredictEvaluation e = evaluate_predictors(market.view(), options);
  EXPECT_EQ(e.first_slot, 24);
  EXPECT_EQ(e.n_planning_slots, 24 * 3 + 3 - 4 + 1 - 24);  // 48 planning slots
  EXPECT_EQ(e.season_slots, 24);
  const PredictorErrors& p = e.predictors.at(0);
  ASSERT_EQ(p.price.size(), 4u);
  for (int k = 0; k < 4; ++k) {
    // y[t−1] and y[t+k] differ exactly when k is even.
    const double expected = k % 2 == 0 ? 1.0 : 0.0;
    EXPECT_EQ(p.price[k].n, 48);
    EXPECT_EQ(p.price[k].mae, expected);
    EXPECT_EQ(p.price[k].rmse, expected);
    EXPECT_EQ(p.avail[k].mae, expected);
    // Half of the targets are 1 and half 2: |e|/y averages (1 + ½)/2.
    EXPECT_DOUBLE_EQ(p.price[k].mape_percent, k % 2 == 0 ? 75.0 : 0.0);
    EXPECT_EQ(p.price[k].mape_skipped, 0);
    // Availability MAPE skips the 24 targets with a = 0; on the others the error is 100%.
    EXPECT_EQ(p.avail[k].mape_skipped, 24);
    EXPECT_DOUBLE_EQ(p.avail[k].mape_percent, k % 2 == 0 ? 100.0 : 0.0);
  }
}

TEST(PredictEval, ExactOracleHasNoError) {
  const Trace market = alternating(24 * 3);
  PredictEvalOptions options;
  options.window = 6;
  options.oracle_eps = 0.0;
  options.predictors = {choice("oracle"), choice("seasonal")};
  const PredictEvaluation e = evaluate_predictors(market.view(), options);
  ASSERT_EQ(e.predictors.size(), 2u);
  EXPECT_EQ(e.predictors[0].name, "oracle(eps=0,h=0)");
  for (int k = 0; k < 6; ++k)
    for (const PredictorErrors& p : e.predictors) {  // seasonal-naive is exact on a period-2 series
      EXPECT_EQ(p.price[k].mae, 0.0) << p.name;
      EXPECT_EQ(p.avail[k].rmse, 0.0) << p.name;
    }
}

TEST(PredictEval, RejectsOptionsTheTraceCannotSatisfy) {
  const Trace market = alternating(24 * 2);
  PredictEvalOptions options;
  options.predictors = {choice("last")};
  options.window = 0;
  EXPECT_THROW(evaluate_predictors(market.view(), options), InputError);
  options.window = kMaxForecastWindow + 1;
  EXPECT_THROW(evaluate_predictors(market.view(), options), InputError);
  options.window = 24;
  options.warmup_days = 2.0;  // leaves nothing to score
  EXPECT_THROW(evaluate_predictors(market.view(), options), InputError);
  options.warmup_days = 0.5;
  options.oracle_eps = -0.1;
  EXPECT_THROW(evaluate_predictors(market.view(), options), InputError);
}

TEST(PredictEval, WritesCsvAndTable) {
  const Trace market = alternating(24 * 3);
  PredictEvalOptions options;
  options.window = 3;
  options.warmup_days = 1.0;
  options.predictors = {choice("last"), choice("holt-winters")};
  const PredictEvaluation e = evaluate_predictors(market.view(), options);

  const std::string path = scratch_dir() + "/predict_eval_test.csv";
  write_predict_csv(e, path);
  std::ifstream f(path);
  ASSERT_TRUE(f.good());
  std::string line;
  std::getline(f, line);
  EXPECT_EQ(line, "predictor,quantity,lookahead,n,mae,rmse,mape_percent,mape_skipped");
  int rows = 0;
  while (std::getline(f, line))
    ++rows;
  EXPECT_EQ(rows, 2 * 2 * 3);
  EXPECT_FALSE(std::ifstream(path + ".tmp").good());

  std::ostringstream table;
  print_predict_table(e, table);
  EXPECT_NE(table.str().find("holt-winters  [price alpha="), std::string::npos);
  EXPECT_NE(table.str().find("price MAE"), std::string::npos);
}

// Runs the CLI; returns its exit status, with stdout and stderr in *output.
int run_cli(const std::string& args, std::string* output) {
  const std::string log = scratch_dir() + "/cli.log";
  const int status =
      std::system((std::string(SPOTSWEEP_BINARY) + " " + args + " > '" + log + "' 2>&1").c_str());
  std::ifstream f(log);
  std::ostringstream text;
  text << f.rdbuf();
  *output = text.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(PredictEval, CommandLine) {
  const Trace trace = alternating(24 * 4);
  const std::string trace_path = scratch_dir() + "/alternating.h5";
  write_trace_h5(trace, trace_path);
  const std::string csv = scratch_dir() + "/cli.csv";
  std::remove(csv.c_str());

  std::string output;
  ASSERT_EQ(run_cli("predict '" + trace_path +
                        "' --window 4 --warmup-days 1 --models last,oracle"
                        " --eps 0 --output '" +
                        csv + "'",
                    &output),
            0)
      << output;
  EXPECT_NE(output.find("oracle(eps=0,h=0)"), std::string::npos) << output;
  EXPECT_TRUE(std::ifstream(csv).good());

  EXPECT_EQ(run_cli("predict '" + trace_path + "' --models last,prophet", &output), 2);
  EXPECT_NE(output.find("--models = prophet: unknown predictor"), std::string::npos) << output;
  EXPECT_EQ(run_cli("predict '" + trace_path + "' --window 65", &output), 2);
  EXPECT_NE(output.find("--window = 65: must be in 1..64"), std::string::npos) << output;
  EXPECT_EQ(run_cli("predict '" + trace_path + "' --warmup-days 9", &output), 2);
}

}  // namespace
}  // namespace spotsweep

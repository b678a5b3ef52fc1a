// `spotsweep predict TRACE.h5`: forecast error per lookahead of each predictor on a trace
// (docs/predict.md).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/names.hpp"
#include "spotsweep/market/predict_eval.hpp"
#include "spotsweep/market/trace_io.hpp"

#include "commands.hpp"

namespace spotsweep::cli {

void add_predict_command(CLI::App& app) {
  struct PredictArgs {
    std::string trace_path;
    int32_t window = 24;
    std::vector<std::string> models{"seasonal", "holt-winters", "ar", "last", "oracle"};
    double eps = 0.1;
    double growth = 0.0;
    uint64_t seed = 0;
    std::string avail_noise = "multiplicative";
    double warmup_days = 2.0;
    int32_t season_slots = 0;
    int32_t ar_order = 8;
    int32_t fit_lookaheads = 0;
    std::string output;
  };
  auto args = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand(
      "predict", "Forecast error per lookahead (MAE, RMSE, MAPE) of the predictors on a trace");
  path_option(cmd->add_option("trace", args->trace_path, "Native trace (.h5)"))->required();
  cmd->add_option("--window", args->window, "Lookaheads k = 0..w-1 (at most 64)")
      ->capture_default_str();
  cmd->add_option("--models", args->models, "Predictors: seasonal, holt-winters, ar, last, oracle")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--eps", args->eps, "Oracle noise level at lookahead 0")->capture_default_str();
  cmd->add_option("--growth", args->growth, "Oracle noise growth h: eps_k = eps*(k+1)^h")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Oracle seed")->capture_default_str();
  cmd->add_option("--avail-noise", args->avail_noise,
                  "Oracle availability noise: multiplicative or capacity")
      ->capture_default_str();
  cmd->add_option("--warmup-days", args->warmup_days, "History before the first scored slot")
      ->capture_default_str();
  cmd->add_option("--season-slots", args->season_slots, "Season in slots; 0 = one day")
      ->capture_default_str();
  cmd->add_option("--ar-order", args->ar_order, "AR order p")->capture_default_str();
  cmd->add_option("--fit-lookaheads", args->fit_lookaheads,
                  "Lookaheads the Holt-Winters fit scores; 0 = the window")
      ->capture_default_str();
  path_option(cmd->add_option("--output", args->output, "Also write the errors as CSV"));
  cmd->callback([args] {
    PredictEvalOptions options;
    for (const std::string& name : args->models) {
      PredictorChoice choice;
      if (!parse_predictor(name, &choice))
        throw input_error("", "--models", name,
                          "unknown predictor (seasonal, holt-winters, ar, last, oracle)");
      options.predictors.push_back(choice);
    }
    constexpr NamedValue<AvailNoise> kAvailNoiseNames[] = {
        {"multiplicative", AvailNoise::multiplicative}, {"capacity", AvailNoise::capacity_scaled}};
    options.oracle_avail_noise =
        parse_named(kAvailNoiseNames, args->avail_noise, "", "--avail-noise");
    check_at_least("--season-slots", args->season_slots, 0);
    check_at_least("--fit-lookaheads", args->fit_lookaheads, 0);
    if (args->ar_order < 1 || args->ar_order > 64)
      throw input_error("", "--ar-order", std::to_string(args->ar_order), "must be in 1..64");
    options.window = args->window;
    options.warmup_days = args->warmup_days;
    options.oracle_eps = args->eps;
    options.oracle_growth = args->growth;
    options.oracle_seed = args->seed;
    options.learned.season_slots = args->season_slots;
    options.learned.ar_order = args->ar_order;
    options.learned.fit_lookaheads = args->fit_lookaheads;
    std::unique_ptr<OutputFile> output;
    if (!args->output.empty())
      output = std::make_unique<OutputFile>(args->output, "--output",
                                            std::vector<std::string>{args->trace_path});
    const Trace trace = load_trace(args->trace_path);
    options.avail_max = trace.capacity;
    const PredictEvaluation evaluation = evaluate_predictors(trace.view(), options);
    std::cout << "trace " << trace.name << " (" << args->trace_path << "), " << trace.n_slots()
              << " slots of " << trace.tick_seconds << " s, capacity " << trace.capacity << "\n";
    print_predict_table(evaluation, std::cout);
    if (output) write_predict_csv(evaluation, *output);
  });
}

}  // namespace spotsweep::cli

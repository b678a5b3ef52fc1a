// `spotsweep traces`: import the public trace formats to the native HDF5 trace and summarise
// it (docs/traces.md); fit the synthetic market to a trace, and write a synthetic or
// adversarial market as a native trace (docs/synthetic.md).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/market/adversarial.hpp"
#include "spotsweep/market/importers.hpp"
#include "spotsweep/market/market_fit.hpp"
#include "spotsweep/market/trace_io.hpp"

#include "commands.hpp"

namespace spotsweep::cli {

namespace {

// Writes `text` into a reserved output, renamed into place when complete.
void write_text_atomically(OutputFile& output, const std::string& text) {
  AtomicTextFile file(output);
  file.stream() << text;
  file.commit();
}

void print_fit(const std::string& path, const MarketFit& fit) {
  const SyntheticMarketSpec& s = fit.spec;
  const double slot_hours = s.tick_seconds / 3600.0;
  const AvailabilityStats& o = fit.observed;
  const AvailabilityStats& m = fit.model;
  std::printf("trace         %s: %d slots of %g s, capacity %d, p_o %g USD/GPU-h\n", path.c_str(),
              s.n_slots, s.tick_seconds, s.capacity, s.od_price);
  std::printf("model         %s (EM: %d iterations, log-likelihood %.5f per slot)\n\n",
              availability_model_name(s.availability_model), fit.em_iterations, fit.log_likelihood);
  std::printf("                          trace        model (%d slots drawn)\n",
              fit.model_check_slots);
  std::printf("avail fraction (a >= 1)   %-12.4f %.4f\n", o.avail_fraction, m.avail_fraction);
  std::printf("mean a / capacity         %-12.4f %.4f\n", o.mean_avail_share, m.mean_avail_share);
  std::printf("mean avail run (h)        %-12.3f %.3f\n", o.mean_avail_run_slots * slot_hours,
              m.mean_avail_run_slots * slot_hours);
  std::printf("mean unavail run (h)      %-12.3f %.3f\n", o.mean_unavail_run_slots * slot_hours,
              m.mean_unavail_run_slots * slot_hours);
  std::printf("avail / unavail runs      %d / %d\n\n", o.avail_runs, o.unavail_runs);
  std::printf("spot price    mean %.4f USD/GPU-h, sd of log %.4f, %d changes\n",
              fit.observed_price.mean, fit.observed_price.log_sd, fit.observed_price.changes);
  if (fit.price_lag_slots > 0)
    std::printf("price fit     log-price correlation %.4f at lag %d slots (%.2f h)\n\n",
                fit.price_lag_correlation, fit.price_lag_slots, fit.price_lag_slots * slot_hours);
  else
    std::printf("price fit     flat price: reversion left at its default, volatility 0\n\n");
  std::printf("%s", synthetic_spec_to_toml(s).c_str());
}

std::string market_kinds_help() {
  std::string text =
      "Kinds and their --param keys (default in parentheses). Every kind also takes n_slots,\n"
      "tick_seconds, capacity and od_price (all components). Details: docs/synthetic.md.\n";
  for (MarketKind kind : {MarketKind::synthetic, MarketKind::regime_flip, MarketKind::deadline_trap,
                          MarketKind::poisoning})
    text += std::string("\n") + market_kind_name(kind) + ":\n" + market_parameter_help(kind);
  return text;
}

// Conversion of the public trace formats to the native HDF5 trace, and its summary
// (docs/traces.md). The 0/1 convention is always given; the tick where the format lacks it.
void add_import_and_info_commands(CLI::App& traces) {
  struct ImportArgs {
    std::string format, convention, time_unit, resample = "min", gaps = "error",
                                               out_of_order = "error", output, max_host_mem = "80%";
    ImportOptions options;
    double tick = 0, od_price = 0, spot_price = 0, price_gpus = 0;
    int32_t capacity = 0;
  };
  auto args = std::make_shared<ImportArgs>();
  auto* import =
      traces.add_subcommand("import", "Convert a public trace file to the native HDF5 format");
  import->add_option("--format", args->format, "Input format")
      ->required()
      ->check(CLI::IsMember(format_names()));
  path_option(import->add_option("--input", args->options.input, "Availability file"))->required();
  path_option(
      import->add_option("--prices", args->options.prices, "Per-tick price JSON (skynomad-csv)"));
  import->add_option("--key", args->options.key, "Zone / series key");
  import
      ->add_option("--convention", args->convention,
                   "available: values count instances; preempted: 1 = unavailable")
      ->required();
  auto* tick = import->add_option("--tick", args->tick, "Tick length in seconds");
  auto* od = import->add_option("--od-price", args->od_price, "On-demand price, USD per GPU-hour");
  auto* spot =
      import->add_option("--spot-price", args->spot_price, "Constant spot price, USD per GPU-hour");
  auto* gpus = import->add_option("--price-gpus", args->price_gpus, "GPUs per priced instance");
  auto* unit = import->add_option("--time-unit", args->time_unit, "s|h|ms (bamboo-steps-csv)");
  auto* cap = import->add_option("--capacity", args->capacity, "a_max override");
  import->add_option("--resample", args->resample, "min|start")->capture_default_str();
  import->add_option("--gaps", args->gaps, "error|hold|unavailable")->capture_default_str();
  import->add_option("--out-of-order", args->out_of_order, "error|sort|supersede")
      ->capture_default_str();
  import->add_option("--name", args->options.name, "Trace name");
  path_option(import->add_option("--output", args->output, "Output .h5"))->required();
  add_host_memory_option(*import, args->max_host_mem);
  import->callback([=] {
    apply_host_memory_option(args->max_host_mem);
  ImportOptions o = args->options;
  // Reserved now: a bad path, or one of the inputs, is refused before anything is read.
  OutputFile output(args->output, "--output", {o.input, o.prices});
  o.format = parse_format(args->format);
  o.convention = parse_convention(args->convention);
  if (*tick) o.tick_seconds = args->tick;
  if (*od) o.od_price = args->od_price;
  if (*spot) o.spot_price = args->spot_price;
  if (*gpus) o.price_gpus = args->price_gpus;
  if (*unit) o.time_unit = parse_time_unit(args->time_unit);
  if (*cap) o.capacity = args->capacity;
  o.resample = parse_resample_rule(args->resample);
  o.gaps = parse_gap_policy(args->gaps);
  o.out_of_order = parse_out_of_order(args->out_of_order);
  const Trace trace = import_trace(o);
  write_trace_h5(trace, output);
  std::printf("wrote %s: %d ticks of %g s\n", args->output.c_str(), trace.n_slots(),
              trace.tick_seconds);
});

auto path = std::make_shared<std::string>();
auto* info = traces.add_subcommand("info", "Summarise a native trace");
path_option(info->add_option("trace", *path, "Native trace (.h5)"))->required();
info->callback([=] {
  const Trace t = load_trace(*path);
  const TraceSummary s = summarize(t);
  std::printf("name          %s\nsource        %s\nstart_time    %s\n", t.name.c_str(),
              t.source.c_str(), t.start_time.c_str());
  std::printf("slots         %d x %g s = %.1f h\ncapacity      %d\n", s.n_slots, s.tick_seconds,
              s.span_hours, t.capacity);
  std::printf("availability  %.3f of slots >= 1, mean %.2f, max %d\n", s.avail_fraction,
              s.mean_avail, s.max_avail);
  std::printf("spot price    min %.4f mean %.4f max %.4f USD/GPU-h, %d changes\n", s.spot_price_min,
              s.spot_price_mean, s.spot_price_max, s.price_changes);
  std::printf("on-demand     %.4f USD/GPU-h\n", s.od_price);
});
}  // namespace

void add_fit_and_synth_commands(CLI::App& traces) {
  struct FitArgs {
    std::string trace, model = "birth_death", out;
  };
  auto fit_args = std::make_shared<FitArgs>();
  auto* fit = traces.add_subcommand(
      "fit", "Fit the synthetic market (availability, price level, volatility, season) to a trace");
  path_option(fit->add_option("--trace", fit_args->trace, "Native trace (.h5)"))->required();
  fit->add_option("--model", fit_args->model, "Availability model: birth_death or markov_modulated")
      ->capture_default_str();
  path_option(fit->add_option("--out", fit_args->out,
                              "Also write the fitted [synthetic] table to this TOML file"));
  fit->callback([fit_args] {
    const AvailabilityModel model =
        parse_availability_model(fit_args->model, "command line", "--model");
    std::unique_ptr<OutputFile> out;
    if (!fit_args->out.empty())
      out = std::make_unique<OutputFile>(fit_args->out, "--out",
                                         std::vector<std::string>{fit_args->trace});
    const Trace trace = load_trace(fit_args->trace);
    const MarketFit result = fit_synthetic_market(trace, model, fit_args->trace);
    print_fit(fit_args->trace, result);
    if (out) {
      write_text_atomically(*out, "# fitted by spotsweep traces fit --trace " + fit_args->trace +
                                      " --model " + fit_args->model + "\n" +
                                      synthetic_spec_to_toml(result.spec));
      std::printf("\nwrote %s\n", fit_args->out.c_str());
    }
  });

  struct SynthArgs {
    std::string kind = "synthetic", out, regime_csv;
    uint64_t seed = 0, scenario = 0;
    std::vector<std::string> params;
  };
  auto synth_args = std::make_shared<SynthArgs>();
  auto* synth = traces.add_subcommand(
      "synth",
      "Write a synthetic or adversarial market (regime_flip, deadline_trap, poisoning) "
      "as a native trace");
  synth
      ->add_option("--kind", synth_args->kind, "synthetic, regime_flip, deadline_trap or poisoning")
      ->capture_default_str();
  synth->add_option("--seed", synth_args->seed, "Philox key")->capture_default_str();
  synth->add_option("--scenario", synth_args->scenario, "Scenario (counter word)")
      ->capture_default_str();
  synth->add_option("--param", synth_args->params, "key=value, repeatable (keys below)");
  path_option(synth->add_option("--out", synth_args->out, "Output .h5"))->required();
  path_option(synth->add_option(
      "--regime-csv", synth_args->regime_csv,
      "Also write slot,storm (1 = storm or trap) as CSV; poisoning adds the decoy's "
      "price and availability"));
  synth->footer(market_kinds_help());
  synth->callback([synth_args] {
    // Both outputs reserved now, and distinct: a bad --regime-csv leaves no .h5 behind.
    std::unique_ptr<OutputFile> csv_output;
    if (!synth_args->regime_csv.empty())
      check_distinct_outputs(
          {{synth_args->out, "--out"}, {synth_args->regime_csv, "--regime-csv"}});
    OutputFile out(synth_args->out, "--out");
    if (!synth_args->regime_csv.empty())
      csv_output = std::make_unique<OutputFile>(synth_args->regime_csv, "--regime-csv");
    MarketRecipe recipe;
    recipe.kind = parse_market_kind(synth_args->kind);
    for (const std::string& param : synth_args->params) {
      const auto eq = param.find('=');
      if (eq == std::string::npos || eq == 0)
        throw input_error("", "--param", param, "expected key=value");
      set_market_parameter(recipe, param.substr(0, eq), param.substr(eq + 1));
    }
    const AdversarialMarket market =
        generate_market(recipe, synth_args->seed, synth_args->scenario);
    // The CSV first, then the trace: either both are written or, on an error, neither.
    if (csv_output) {
      std::string csv =
          market.decoy.n_slots() ? "slot,storm,decoy_price,decoy_avail\n" : "slot,storm\n";
      for (int32_t t = 0; t < market.trace.n_slots(); ++t) {
        csv += std::to_string(t) + "," + std::to_string(market.storm[t]);
        if (market.decoy.n_slots())
          csv += "," + format_number(market.decoy.spot_price[t]) + "," +
                 std::to_string(market.decoy.spot_avail[t]);
        csv += "\n";
      }
      write_text_atomically(*csv_output, csv);
    }
    write_trace_h5(market.trace, out);
    const TraceSummary s = summarize(market.trace);
    int64_t storm = 0;
    for (uint8_t f : market.storm)
      storm += f;
    std::printf("wrote %s: %s, %d slots of %g s, capacity %d\n", synth_args->out.c_str(),
                market.trace.name.c_str(), s.n_slots, s.tick_seconds, market.trace.capacity);
    std::printf(
        "availability %.3f of slots >= 1, mean %.2f; spot price mean %.4f USD/GPU-h "
        "(p_o %g); storm slots %.3f\n",
        s.avail_fraction, s.mean_avail, s.spot_price_mean, s.od_price,
        static_cast<double>(storm) / s.n_slots);
  });
}

}  // namespace spotsweep::cli

void add_traces_command(CLI::App& app) {
  auto* traces = app.add_subcommand("traces", "Import public spot traces and summarise them");
  traces->require_subcommand(1);
  add_import_and_info_commands(*traces);
  add_fit_and_synth_commands(*traces);
}

}  // namespace spotsweep::cli

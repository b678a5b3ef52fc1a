// The spotsweep command line. CLI11 lives in this one translation unit (it is slow to
// compile); each subcommand's options and action sit in their own add_*_command function.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "spotsweep/error.hpp"
#include "spotsweep/version.hpp"

namespace {

// ---- traces import | info ------------------------------------------------------------
void add_traces_commands(CLI::App& app) {
  auto* traces = app.add_subcommand("traces", "Import public spot traces and summarise them");
  traces->require_subcommand(1);
}

// ---- simulate ----------------------------------------------------------------------------
void add_simulate_command(CLI::App& app) {
  app.add_subcommand("simulate", "Run one policy on one trace window, beside OPT");
}

// ---- predict (helper: predictors) --------------------------------------------------------
// (predict command goes here)

// ---- pool info | sweep | bench (helper: batch engine) --------------------------------------
// (pool, sweep and bench commands go here)

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"spotsweep: GPU-accelerated batch evaluation of deadline-aware spot scheduling "
               "policies for LLM fine-tuning"};
  app.set_version_flag("--version", std::string("spotsweep ") + SPOTSWEEP_VERSION);
  app.set_config("--config", "", "Read options from a TOML file; command-line options override it");
  app.require_subcommand(1);
  add_traces_commands(app);
  add_simulate_command(app);
  // (registration of predict, pool, sweep, bench goes here, one line each)
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const spotsweep::InputError& e) {
    std::cerr << "spotsweep: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "spotsweep: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

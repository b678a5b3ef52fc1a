// The spotsweep command line: one subcommand per cmd_*.cpp (commands.hpp), the configuration
// file, and the one place where errors become exit statuses (2: bad input, 1: internal).
#include <exception>
#include <iostream>
#include <memory>
#include <string>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/version.hpp"

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "spotsweep: GPU-accelerated batch evaluation of deadline-aware spot scheduling "
      "policies for LLM fine-tuning"};
  app.set_version_flag("--version", std::string("spotsweep ") + SPOTSWEEP_VERSION);
  auto config_path = std::make_shared<std::string>();
  app.set_config("--config", "", "Read options from a TOML file; command-line options override it")
      ->each([config_path](const std::string& path) { *config_path = path; });
  app.require_subcommand(1);
  // A key the subcommand does not know (a typo, `n_max` for `n-max`, a misspelt table) is an
  // error rather than silently ignored; subcommands added below inherit this.
  app.allow_config_extras(CLI::config_extras_mode::error);
  using namespace spotsweep::cli;
  add_traces_command(app);
  add_simulate_command(app, config_path);
  add_predict_command(app);
  add_pool_command(app);
  add_sweep_command(app);
  add_bench_command(app);
  add_select_command(app);
  add_stress_command(app);
  add_heatmap_command(app);
  add_cbl_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version end here with status 0; every other parse error is bad input.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    std::string message = e.what();
    const std::string extra = "INI was not able to parse ";
    if (message.rfind(extra, 0) == 0) {
      // CLI11 names a table it could not place "<table>.++".
      std::string key = message.substr(extra.size());
      const bool table = key.size() > 3 && key.compare(key.size() - 3, 3, ".++") == 0;
      if (table) key = "[" + key.substr(0, key.size() - 3) + "]";
      message = *config_path + ": " + key +
                (table ? ": not a subcommand" : ": not an option of that subcommand") +
                " (tables are subcommand names, keys are option names without the leading --, e.g. "
                "[simulate] n-max = 4)";
    } else if (!config_path->empty() && message.find(*config_path) == std::string::npos)
      message += " (in " + *config_path + ")";
    std::cerr << "spotsweep: error: " << message << "\n";
    return 2;
  } catch (const spotsweep::InputError& e) {
    std::cerr << "spotsweep: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "spotsweep: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

// The spotsweep command line: one subcommand per cmd_*.cpp (commands.hpp), the configuration
// files (config_file.hpp, docs/config.md), and the one place where errors become exit statuses
// (2: bad input, 1: internal).
#include <algorithm>
#include <exception>
#include <iostream>
#include <memory>
#include <string>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/mpi.hpp"
#include "spotsweep/detail/provenance.hpp"
#include "spotsweep/detail/text.hpp"
#include "spotsweep/version.hpp"

#include "commands.hpp"
#include "config_file.hpp"

namespace {

// Under several MPI ranks, an error only this rank knows about ends every rank (no rank waits
// forever); an agreed one (RankFailure) is known to all, and rank 0 alone prints it.
int fail(const std::string& message, int code) {
  using namespace spotsweep;
  if (mpi::size() > 1) {
    std::cerr << "spotsweep: error: rank " << mpi::rank() << ": " << message << "\n";
    mpi::abort(code);
  }
  std::cerr << "spotsweep: error: " << message << "\n";
  return code;
}

int run(int argc, char** argv);

}  // namespace

int main(int argc, char** argv) {
  spotsweep::mpi::init(&argc, &argv);
  const int code = run(argc, argv);
  spotsweep::mpi::finalize();
  return code;
}

namespace {

int run(int argc, char** argv) {
  spotsweep::set_command_line(argc, argv);
  CLI::App app{
      "spotsweep: GPU-accelerated batch evaluation of deadline-aware spot scheduling "
      "policies for LLM fine-tuning"};
  using namespace spotsweep::cli;
  // Set before the subcommands are added, which copy them: options after a subcommand that it
  // does not know (--config) go to the top level, and the files are read with toml++.
  app.name("spotsweep");
  app.fallthrough();
  app.config_formatter(std::make_shared<TomlConfigFormatter>(&app));
  app.set_version_flag("--version", std::string("spotsweep ") + SPOTSWEEP_VERSION);
  app.set_config("--config", "",
                 "Read options from a TOML file: one [<subcommand>] table each, snake_case keys "
                 "(docs/config.md); the command line overrides it");
  app.require_subcommand(1);
  // A key the subcommand does not know is an error rather than silently ignored (the formatter
  // names the file and line; this is the backstop).
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.footer(
      "Several GPUs or nodes: launch sweep, select, stress or bench under MPI, one rank per GPU, "
      "e.g. `mpirun -np 8 spotsweep sweep --pool P.toml --output out.h5` or `srun --ntasks=16 "
      "--gpus-per-task=1 spotsweep sweep ...`; the output is the same file for any number of "
      "ranks (docs/mpi.md).");
  auto config_path = std::make_shared<std::string>();
  add_traces_command(app);
  add_simulate_command(app, config_path);
  add_predict_command(app);
  add_pool_command(app);
  add_sweep_command(app);
  add_bench_command(app);
  add_select_command(app);
  add_stress_command(app);
  add_heatmap_command(app);
  add_table_command(app);
  add_cbl_command(app);
  try {
    std::vector<std::string> args = prepare_arguments(app, argc, argv);
    *config_path = config_file();
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    // --help and --version end here with status 0; every other parse error is bad input.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    std::string message = e.what();
    const ConfigSources& sources = config_sources();
    const std::string files = spotsweep::join(sources.files);
    if (e.get_name() == "RequiredError" && !sources.command.empty() && !files.empty())
      message += " (give it on the command line, or in the [" +
                 spotsweep::join(sources.command, ".") + "] table of " + files + ")";
    else if (!files.empty() && message.find(sources.files.front()) == std::string::npos)
      message += " (options read from " + files + ")";
    return fail(message, 2);
  } catch (const spotsweep::mpi::RankFailure& e) {
    if (spotsweep::mpi::is_root()) std::cerr << "spotsweep: error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const spotsweep::InputError& e) {
    return fail(e.what(), 2);
  } catch (const std::exception& e) {
    return fail(e.what(), 1);
  }
  return 0;
}

}  // namespace

// The spotsweep command line: one subcommand per cmd_*.cpp (commands.hpp), the configuration
// file, and the one place where errors become exit statuses (2: bad input, 1: internal).
#include <exception>
#include <iostream>
#include <memory>
#include <string>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/mpi.hpp"
#include "spotsweep/version.hpp"

#include "commands.hpp"

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
  CLI::App app{
      "spotsweep: GPU-accelerated batch evaluation of deadline-aware spot scheduling "
      "policies for LLM fine-tuning"};
  app.set_version_flag("--version", std::string("spotsweep ") + SPOTSWEEP_VERSION);
  auto config_path = std::make_shared<std::string>();
  app.set_config("--config", "", "Read options from a TOML file; command-line options override it")
      ->each([config_path](const std::string& path) { *config_path = path; });
  app.require_subcommand(1);
  app.footer(
      "Several GPUs or nodes: launch sweep, select, stress or bench under MPI, one rank per GPU, "
      "e.g. `mpirun -np 8 spotsweep sweep --pool P.toml --output out.h5` or `srun --ntasks=16 "
      "--gpus-per-task=1 spotsweep sweep ...`; the output is the same file for any number of "
      "ranks (docs/mpi.md).");
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

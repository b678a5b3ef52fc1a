// The spotsweep command line: one subcommand per cmd_*.cpp (commands.hpp), the configuration
// files (config_file.hpp, docs/config.md), and the one place where errors become exit statuses
// (2: bad input, 1: internal, 128 + n: stopped by signal n).
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <string>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/mpi.hpp"
#include "spotsweep/detail/provenance.hpp"
#include "spotsweep/detail/stop.hpp"
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
// Numbers on the command line are read as written, in decimal. CLI11 reads integers with
// strtoll/strtoull in base 0, so "-1" became 2^64 - 1 for an unsigned option, "010" octal 8,
// and a value past the type's range its largest value; floating values accepted hexadecimal.
std::string decimal_number_error(const std::string& text, const std::string& type) {
  const bool is_unsigned = type.rfind("UINT", 0) == 0;
  const bool is_integer = is_unsigned || type.rfind("INT", 0) == 0;
  const bool is_float = type.rfind("FLOAT", 0) == 0;
  if (!is_integer && !is_float) return "";
  if (text.find_first_of("xX") != std::string::npos)
    return "value " + text + " is hexadecimal; write numbers in decimal";
  if (!is_integer) return "";
  const size_t digits = text.empty() || (text[0] != '-' && text[0] != '+') ? 0 : 1;
  // Text that is no integer at all is left to CLI11's own "Could not convert" message.
  if (digits == text.size() || text.find_first_not_of("0123456789", digits) != std::string::npos)
    return "";
  if (text[digits] == '0' && text.size() > digits + 1)
    return "value " + text + " has leading zeros (read as octal); write it in decimal";
  if (is_unsigned && text[0] == '-')
    return "value " + text + " is negative; this option takes a count or seed >= 0";
  errno = 0;
  if (is_unsigned)
    (void)std::strtoull(text.c_str(), nullptr, 10);
  else
    (void)std::strtoll(text.c_str(), nullptr, 10);
  if (errno == ERANGE) return "value " + text + " is out of the option's range";
  return "";
}

void check_numbers_in_decimal(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    const std::string type = option->get_type_name();
    option->check(CLI::Validator(
        [type](std::string& text) { return decimal_number_error(text, type); }, "", "decimal"));
  }
  for (CLI::App* sub : app.get_subcommands({}))
    check_numbers_in_decimal(*sub);
}

}  // namespace

int main(int argc, char** argv) {
  spotsweep::mpi::init(&argc, &argv);
  const int code = run(argc, argv);
  spotsweep::mpi::finalize();
  return code;
}

namespace {

int run(int argc, char** argv) {
  spotsweep::install_stop_handlers();
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
  check_numbers_in_decimal(app);
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
  } catch (const spotsweep::Interrupted& e) {
    // Under several ranks, one this rank alone saw ends them all (as fail() does).
    std::cerr << "spotsweep: " << e.what() << "\n";
    if (spotsweep::mpi::size() > 1) spotsweep::mpi::abort(128 + e.signal_number);
    return 128 + e.signal_number;
  } catch (const spotsweep::InputError& e) {
    return fail(e.what(), 2);
  } catch (const std::exception& e) {
    return fail(e.what(), 1);
  }
  return 0;
}

}  // namespace

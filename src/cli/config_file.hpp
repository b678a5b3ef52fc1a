#pragma once
// One configuration dialect for every subcommand (docs/config.md): TOML read with toml++ (the
// reader of pool files), snake_case keys with the option names of the command line (kebab-case
// accepted), one table per subcommand ([sweep], [select], [heatmap], [traces.import], ...) beside
// the sweep file's own tables, and paths resolved against the file that names them. The command
// line beats every file; `--config FILE` beats the pool file (`--pool`), which is read as a
// configuration too, so that one file may hold the pool and every subcommand's table.
#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace spotsweep::cli {

// The files a run reads options from, most important first (set by prepare_arguments).
struct ConfigSources {
  std::string config;  // --config FILE, "" when not given
  std::vector<std::string> files;
  std::vector<std::string> command;    // the subcommand path, e.g. {"traces", "import"}
  std::vector<std::string> arguments;  // the command line as prepared, before any file's options
};
const ConfigSources& config_sources();
// The --config file, or "" (the default pool of sweep, select and stress).
const std::string& config_file();

// Whether the command line itself (not a configuration file) gives the long option, e.g.
// "--learner" (after prepare_arguments).
bool given_on_command_line(const std::string& option);

// Marks an option whose values are paths: from a file, relative paths resolve against the
// file's folder.
CLI::Option* path_option(CLI::Option* option);

// Rewrites argv for CLI11 once every subcommand is registered: `--snake_case` options become
// `--kebab-case`, options given before the subcommand move after it (so they behave alike),
// and when a pool file (--pool) is given without --config, it becomes the configuration file.
// Records the sources for the formatter. Returns the arguments without the program name.
std::vector<std::string> prepare_arguments(CLI::App& app, int argc, char** argv);

// The CLI11 formatter that reads the sources with toml++ (the stream CLI11 passes is ignored:
// config_sources() lists the files). Unknown tables and keys are one-line InputErrors naming
// file:line, the key and the options there are.
class TomlConfigFormatter : public CLI::Config {
 public:
  explicit TomlConfigFormatter(const CLI::App* root) : root_(root) {}
  std::string to_config(const CLI::App*, bool, bool, std::string) const override { return ""; }
  std::vector<CLI::ConfigItem> from_config(std::istream&) const override;

 private:
  const CLI::App* root_;
};

}  // namespace spotsweep::cli

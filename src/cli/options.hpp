#pragma once
// What the subcommands share: the execution options every command that evaluates a pool
// registers the same way, option checks and reporting helpers.
#include <CLI/CLI.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "spotsweep/backend/exec.hpp"
#include "spotsweep/config/sweep_config.hpp"
#include "spotsweep/config/toml.hpp"
#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/select/select.hpp"

namespace spotsweep::cli {

// The command-line form of ExecOptions.
struct ExecArgs {
  std::string backend = "auto";
  std::string max_device_mem = "80%";
  std::string max_host_mem = "80%";
  int threads = 0;
};
// Registers --backend, --max-device-mem, --max-host-mem and --threads on `command`, storing
// into `args`.
void add_exec_options(CLI::App& command, ExecArgs& args);
// The options given, checked: one-line InputErrors naming the option. The backend is resolved
// (auto becomes cpu or cuda), so that a run says which one it used before it starts; --threads
// above the hardware threads is capped there, with a note; the host-memory budget is applied.
ExecOptions exec_options(const ExecArgs& args);
// exec_options for select and stress: under several MPI ranks the selector splits the members
// on the CPU backend (docs/mpi.md), so auto means cpu there and cuda is an error every rank
// reports as one (exit 2).
ExecOptions selector_exec_options(ExecArgs args);

// --max-host-mem alone, for commands that evaluate no pool (simulate, traces import): the
// budget of detail/memory.hpp, applied by apply_host_memory_option.
void add_host_memory_option(CLI::App& command, std::string& text);
void apply_host_memory_option(const std::string& text);

// Registers the selector's --learner, --feedback, --feedback-delay and --eta (select, stress),
// read with apply_select_overrides.
void add_learner_options(CLI::App& command, std::string& learner, std::string& feedback,
                         std::string& delay, std::string& eta);
// Applies --learner, --feedback, --feedback-delay and --eta (apply_select_overrides) over the
// [select] table already read: first the values the configuration files gave these options, then
// the command line's, so that the command line beats every file (a --learner given there
// replaces a file's feedback, as it replaces the file's learner).
void apply_learner_args(SelectOptions& options, const std::string& learner,
                        const std::string& feedback, const std::string& delay,
                        const std::string& eta);
// "learner flipflop, full feedback, fed back when each job ends", for progress lines.
std::string describe_learner(const SelectOptions& options);

// "80%" of free device memory (sets fraction, bytes = 0), or BYTES with an optional K, M, G or
// T suffix (powers of 1024); an InputError naming `option` otherwise.
void parse_device_memory(const std::string& text, std::size_t& bytes, double& fraction,
                         const char* option = "--max-device-mem");
// An InputError "command line: OPTION = VALUE: must be >= MINIMUM" when value < minimum.
void check_at_least(const char* option, long long value, long long minimum);
// Peak resident host memory of this process (VmHWM), bytes; 0 when /proc is not there.
std::size_t host_peak_bytes();
// e.g. "12.5 MiB".
std::string mib(std::size_t bytes);

// The sweep file of sweep, select and stress: `path`, else the --config file; InputErrors name
// --pool when there is none or it cannot be read.
TomlDocument read_pool_file(const std::string& path, const char* what);

// select and stress run one set of scenarios: a sweep file with scenario axes is refused.
void refuse_scenario_axes(const SweepConfig& config, const char* command);
// The document with only the keys read_select_options reads in [select] (learner, feedback,
// feedback_delay, eta, top_k, seed, utility_range); the table's other keys are the select
// command's options, which the configuration reader applies and checks.
TomlDocument select_table_only(const TomlDocument& doc);

// Figures are drawn by scripts under the Debian interpreter, which has h5py and matplotlib.
constexpr const char* kPython = "/usr/bin/python3";
// experiments/<name> of the source tree the binary was built from.
std::string plot_script(const std::string& name);
// Checked before anything is written (docs/heatmap.md): the interpreter, the script and the
// PNG's folder; one-line InputErrors naming the option.
void check_png_output(const std::string& png, const std::string& script,
                      const std::string& option = "--png");
// Refuses a --png path, before the run, that is one of the command's other outputs (pairs of
// path and option) or the same file as one of its inputs (docs/reliability.md, "Outputs").
void check_png_target(const std::string& png,
                      const std::vector<std::pair<std::string, std::string>>& outputs,
                      const std::vector<std::string>& inputs);
// The command's output reserved when it starts (OutputFile): by rank 0 alone, which writes it,
// under MPI (null on the other ranks; docs/mpi.md). A refusal is every rank's RankFailure.
std::unique_ptr<OutputFile> reserve_output(const std::string& path, const std::string& option,
                                           const std::vector<std::string>& inputs);
// Runs `python3 SCRIPT INPUT PNG EXTRA...` (SCRIPT a path) without a shell; an InputError when it
// fails.
void render_png(const std::string& script, const std::string& input, const std::string& png,
                const std::vector<std::string>& extra = {});

}  // namespace spotsweep::cli

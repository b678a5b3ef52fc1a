#include "options.hpp"

#include <omp.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"
#include "spotsweep/detail/mpi.hpp"

#include "config_file.hpp"

extern char** environ;

namespace spotsweep::cli {

void add_exec_options(CLI::App& command, ExecArgs& args) {
  command.add_option("--backend", args.backend, "auto, cpu or cuda")->capture_default_str();
  command
      .add_option("--max-device-mem", args.max_device_mem,
                  "Device memory budget: BYTES, 12G or 80% of free")
      ->capture_default_str();
  add_host_memory_option(command, args.max_host_mem);
  command.add_option("--threads", args.threads, "CPU threads (0 = all)")->capture_default_str();
}

ExecOptions selector_exec_options(ExecArgs args) {
  if (mpi::size() > 1) {
    if (args.backend == "cuda")
      throw mpi::RankFailure(
          "command line: --backend = cuda: the CUDA selector runs on one rank; under mpirun "
          "select and stress run on the CPU backend (docs/mpi.md)",
          2);
    args.backend = "cpu";
  }
  return exec_options(args);
}

ExecOptions exec_options(const ExecArgs& args) {
  ExecOptions exec;
  exec.backend = resolve_backend(parse_backend(args.backend), query_device());
  parse_device_memory(args.max_device_mem, exec.max_device_mem_bytes, exec.max_device_mem_fraction);
  parse_device_memory(args.max_host_mem, exec.max_host_mem_bytes, exec.max_host_mem_fraction,
                      "--max-host-mem");
  exec.apply_host_memory_budget();
  check_at_least("--threads", args.threads, 0);
  exec.threads = args.threads;
  // More threads than the hardware runs only add contention (and libgomp's stacks).
  const int hardware = omp_get_num_procs();
  if (exec.threads > hardware) {
    std::cerr << "note: --threads " << exec.threads << " capped at the " << hardware
              << " hardware threads\n";
    exec.threads = hardware;
  }
  return exec;
}

void add_host_memory_option(CLI::App& command, std::string& text) {
  command
      .add_option("--max-host-mem", text,
                  "Host memory budget: BYTES, 12G, 12GB or 80% of physical; larger runs are "
                  "refused")
      ->capture_default_str();
}

void apply_host_memory_option(const std::string& text) {
  std::size_t bytes = 0;
  double fraction = 0.8;
  parse_device_memory(text, bytes, fraction, "--max-host-mem");
  set_host_memory_budget(bytes, fraction);
}

void add_learner_options(CLI::App& command, std::string& learner, std::string& feedback,
                         std::string& delay, std::string& eta) {
  command.add_option("--learner", learner,
                     "Learner: " + learner_names() + " (docs/select.md); default [select] or " +
                         learner_name(SelectOptions{}.learner));
  command.add_option("--feedback", feedback,
                     "full (every member observed) or bandit (only the played one); picks that "
                     "feedback's default learner when --learner is not given");
  command.add_option("--feedback-delay", delay,
                     "finish: a round's results reach the learner when its job ends; none: before "
                     "the next round (default [select] or finish)");
  command.add_option("--eta", eta,
                     "Hedge's rate: fixed, sqrt(8 ln K / T), or anytime, sqrt(8 ln K / n); "
                     "default [select] or fixed");
}

void apply_learner_args(SelectOptions& options, const std::string& learner,
                        const std::string& feedback, const std::string& delay,
                        const std::string& eta) {
  for (const bool command_line : {false, true}) {
    const auto from = [command_line](const std::string& value, const char* option) {
      return given_on_command_line(option) == command_line ? value : std::string();
    };
    apply_select_overrides(options, from(learner, "--learner"), from(feedback, "--feedback"),
                           from(delay, "--feedback-delay"), from(eta, "--eta"));
  }
}

std::string describe_learner(const SelectOptions& options) {
  return std::string("learner ") + learner_name(options.learner) +
         (options.learner == Learner::hedge
              ? std::string(" (") + eta_schedule_name(options.eta) + " eta)"
              : std::string()) +
         ", " + feedback_name(options.feedback()) + " feedback, " +
         (options.delay == FeedbackDelay::finish ? "fed back when each job ends"
                                                 : "fed back before the next round");
}

// "80%" (of free device memory, or of physical memory for --max-host-mem), or bytes with an
// optional K, M, G or T (powers of 1024).
void parse_device_memory(const std::string& text, std::size_t& bytes, double& fraction,
                         const char* option) {
  const auto fail = [&] {
    return spotsweep::input_error(
        "", option, text, "expected BYTES, a size such as 12G or 12GB (powers of 1024), or 80%");
  };
  if (text.empty() || text.find_first_of("xX") != std::string::npos) throw fail();
  std::size_t used = 0;
  double number = 0;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    throw fail();
  }
  std::string unit = text.substr(used);
  while (!unit.empty() && unit.front() == ' ')
    unit.erase(unit.begin());
  if (unit == "%") {
    if (!(number > 0 && number <= 100)) throw fail();
    fraction = number / 100;
    bytes = 0;
    return;
  }
  // K, M, G, T, optionally followed by B or iB (12G, 12GB, 12GiB, 12gb), all powers of 1024;
  // a bare B is bytes.
  for (char& c : unit)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() >= 2 && unit.compare(unit.size() - 2, 2, "IB") == 0)
    unit.resize(unit.size() - 2);
  else if (unit.size() >= 2 && unit.back() == 'B')
    unit.pop_back();
  else if (unit == "B")
    unit.clear();
  const std::string units = "KMGT";
  double scale = 1;
  if (unit.size() == 1 && units.find(unit[0]) != std::string::npos)
    scale = std::pow(1024.0, static_cast<double>(units.find(unit[0]) + 1));
  else if (!unit.empty())
    throw fail();
  if (!(number * scale >= 1) || !(number * scale < 1.8e19)) throw fail();
  bytes = static_cast<std::size_t>(number * scale);
}

void check_at_least(const char* option, long long value, long long minimum) {
  if (value < minimum)
    throw spotsweep::input_error("command line", option, std::to_string(value),
                                 "must be >= " + std::to_string(minimum));
}

// Peak resident host memory of this process (VmHWM), bytes; 0 when /proc is not there.
std::size_t host_peak_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.compare(0, 6, "VmHWM:") == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

std::string mib(std::size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

TomlDocument read_pool_file(const std::string& path, const char* what) {
  const std::string file = path.empty() ? config_file() : path;
  if (file.empty())
    throw input_error("", "--pool", "",
                      std::string("give the ") + what + ", or --config FILE holding [pool.*]");
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error))
    throw input_error(file, "--pool", "",
                      std::filesystem::exists(file, error) ? "not a file" : "no such file");
  return read_toml_file(file);
}

void refuse_scenario_axes(const SweepConfig& config, const char* command) {
  if (config.scenario_axes.empty()) return;
  const ScenarioAxis& a = config.scenario_axes.front();
  throw input_error(config.file, a.section + "." + a.key,
                    "[" + format_number(a.values.front()) + ", ...]",
                    std::string("a scenario axis; ") + command +
                        " runs one set of scenarios (sweep runs scenario axes)");
}

TomlDocument select_table_only(const TomlDocument& doc) {
  TomlDocument out = doc;
  for (TomlSection& s : out.sections) {
    if (s.name != "select") continue;
    std::vector<TomlEntry> kept;
    for (const TomlEntry& e : s.entries)
      if (e.key == "learner" || e.key == "feedback" || e.key == "feedback_delay" ||
          e.key == "eta" || e.key == "top_k" || e.key == "seed" || e.key == "utility_range")
        kept.push_back(e);
    s.entries = kept;
  }
  return out;
}

std::string plot_script(const std::string& name) {
  // src/cli/ → ../../experiments/
  const std::filesystem::path here(__FILE__);
  return (here.parent_path().parent_path().parent_path() / "experiments" / name).string();
}

void check_png_output(const std::string& png, const std::string& script,
                      const std::string& option) {
  if (::access(kPython, X_OK) != 0)
    throw input_error("", option, png,
                      std::string(kPython) +
                          " is missing; install python3-h5py and python3-matplotlib, or drop " +
                          option);
  if (::access(script.c_str(), R_OK) != 0)
    throw input_error("", "--plot-script", script, "cannot read the plotting script");
  check_output_path(png, option);
}

std::unique_ptr<OutputFile> reserve_output(const std::string& path, const std::string& option,
                                           const std::vector<std::string>& inputs) {
  std::unique_ptr<OutputFile> output;
  mpi::agreed([&] {
    if (mpi::is_root()) output = std::make_unique<OutputFile>(path, option, inputs);
  });
  return output;
}

void check_png_target(const std::string& png,
                      const std::vector<std::pair<std::string, std::string>>& outputs,
                      const std::vector<std::string>& inputs) {
  std::vector<std::pair<std::string, std::string>> all = outputs;
  all.emplace_back(png, "--png");
  check_distinct_outputs(all);
  for (const std::string& input : inputs)
    if (!input.empty() && same_file(png, input))
      throw input_error(png, "--png", "",
                        "is the same file as the input " + input +
                            ", which the figure would replace; choose another path");
}

void render_png(const std::string& script, const std::string& input, const std::string& png,
                const std::vector<std::string>& extra) {
  check_png_output(png, script);
  std::vector<std::string> args = {kPython, script, input, png};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, kPython, nullptr, nullptr, argv.data(), environ) != 0)
    throw input_error("", "--png", png, std::string("cannot start ") + kPython);
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw input_error("", "--png", png, "the plotting script failed (its message is above)");
}

}  // namespace spotsweep::cli

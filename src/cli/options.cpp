#include "options.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/mpi.hpp"

namespace spotsweep::cli {

void add_exec_options(CLI::App& command, ExecArgs& args) {
  command.add_option("--backend", args.backend, "auto, cpu or cuda")->capture_default_str();
  command
      .add_option("--max-device-mem", args.max_device_mem,
                  "Device memory budget: BYTES, 12G or 80% of free")
      ->capture_default_str();
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
  check_at_least("--threads", args.threads, 0);
  exec.threads = args.threads;
  return exec;
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

std::string describe_learner(const SelectOptions& options) {
  return std::string("learner ") + learner_name(options.learner) +
         (options.learner == Learner::hedge
              ? std::string(" (") + eta_schedule_name(options.eta) + " eta)"
              : std::string()) +
         ", " + feedback_name(options.feedback()) + " feedback, " +
         (options.delay == FeedbackDelay::finish ? "fed back when each job ends"
                                                 : "fed back before the next round");
}

// "80%" of free device memory, or bytes with an optional K, M, G or T (powers of 1024).
void parse_device_memory(const std::string& text, std::size_t& bytes, double& fraction) {
  const auto fail = [&] {
    return spotsweep::input_error("", "--max-device-mem", text, "expected BYTES, 12G or 80%");
  };
  if (text.empty()) throw fail();
  std::size_t used = 0;
  double number = 0;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    throw fail();
  }
  const std::string unit = text.substr(used);
  if (unit == "%") {
    if (!(number > 0 && number <= 100)) throw fail();
    fraction = number / 100;
    bytes = 0;
    return;
  }
  const std::string units = "KMGT";
  double scale = 1;
  if (unit.size() == 1 && units.find(unit[0]) != std::string::npos)
    scale = std::pow(1024.0, static_cast<double>(units.find(unit[0]) + 1));
  else if (!unit.empty())
    throw fail();
  if (!(number * scale >= 1)) throw fail();
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

}  // namespace spotsweep::cli

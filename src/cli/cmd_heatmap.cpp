// `spotsweep heatmap SWEEP.h5 --x AXIS --y AXIS --out PREFIX [--png OUT.png]`: a 2-D slice of
// one family's metric with a stability score per cell (docs/heatmap.md). The PNG is drawn by
// experiments/plot_heatmap.py under the Debian interpreter, which has h5py and matplotlib.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/tools/heatmap.hpp"

#include "commands.hpp"

extern char** environ;

namespace spotsweep::cli {

namespace {

constexpr const char* kPython = "/usr/bin/python3";

// The plotting script beside this source tree: src/cli/ → ../../experiments/.
std::string default_plot_script() {
  const std::filesystem::path here(__FILE__);
  return (here.parent_path().parent_path().parent_path() / "experiments" / "plot_heatmap.py")
      .string();
}

// "axis=value" from --fix.
std::pair<std::string, double> parse_fix(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw input_error("", "--fix", text, "expected AXIS=VALUE, e.g. eps=0.1");
  const std::string value = text.substr(eq + 1);
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || !std::isfinite(v))
    throw input_error("", "--fix", text, "the value is not a number");
  return {text.substr(0, eq), v};
}

// Runs the plotting script without a shell, so paths need no quoting.
void render_png(const std::string& script, const std::string& h5, const std::string& png) {
  if (::access(kPython, X_OK) != 0)
    throw input_error(
        "", "--png", png,
        std::string(kPython) +
            " is missing; install python3-h5py and python3-matplotlib, or drop --png");
  if (::access(script.c_str(), R_OK) != 0)
    throw input_error("", "--plot-script", script, "cannot read the plotting script");
  std::vector<std::string> args = {kPython, script, h5, png};
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

}  // namespace

void add_heatmap_command(CLI::App& app) {
  struct HeatmapArgs {
    HeatmapRequest request;
    std::string metric = "utility", reduce = "best", out, png, plot_script = default_plot_script();
    std::vector<std::string> fixes;
  };
  auto args = std::make_shared<HeatmapArgs>();
  HeatmapRequest& rq = args->request;
  auto* cmd = app.add_subcommand(
      "heatmap", "A 2-D sensitivity slice of a sweep file, with stability scores and a PNG");
  cmd->add_option("sweep", rq.sweep_path, "Sweep file (.h5) written by `spotsweep sweep`")
      ->required();
  cmd->add_option("--family", rq.family, "Family to plot (default: the file's only family)");
  cmd->add_option("--x", rq.x_axis, "Axis along the columns")->required();
  cmd->add_option("--y", rq.y_axis, "Axis along the rows")->required();
  cmd->add_option("--metric", args->metric, "utility, cost, miss_rate, regret or improvement")
      ->capture_default_str();
  cmd->add_option("--baseline", rq.baseline,
                  "improvement: a family of the file (its best member) or opt");
  cmd->add_option("--reduce", args->reduce, "Other axes: best, max, min or mean")
      ->capture_default_str();
  cmd->add_option("--fix", args->fixes, "Pin an axis to one of its values, AXIS=VALUE (repeatable)")
      ->allow_extra_args(false);  // one value per --fix, so a positional after it stays positional
  cmd->add_option("--out", args->out, "Write PREFIX.h5 and PREFIX.csv")->required();
  cmd->add_option("--png", args->png, "Also render this PNG with experiments/plot_heatmap.py");
  cmd->add_option("--plot-script", args->plot_script, "The plotting script")->capture_default_str();
  cmd->callback([args] {
    HeatmapRequest request = args->request;
    request.metric = parse_named(kHeatmapMetricNames, args->metric, "", "--metric");
    request.reduction = parse_named(kHeatmapReductionNames, args->reduce, "", "--reduce");
    if (!request.baseline.empty() && request.metric != HeatmapMetric::improvement)
      throw input_error("", "--baseline", request.baseline,
                        "only --metric improvement uses a baseline");
    for (const std::string& f : args->fixes)
      request.fixed.push_back(parse_fix(f));
    const std::string h5 = args->out + ".h5", csv = args->out + ".csv";
    // Reserved now: a bad prefix, or one naming the sweep file, is refused before any work.
    OutputFile h5_output(h5, "--out", {request.sweep_path});
    OutputFile csv_output(csv, "--out", {request.sweep_path});
    if (!args->png.empty()) check_output_path(args->png, "--png");
    if (!args->png.empty())
      check_distinct_outputs({{h5, "--out (.h5)"}, {csv, "--out (.csv)"}, {args->png, "--png"}});
    if (!args->png.empty() && same_file(args->png, request.sweep_path))
      throw input_error(args->png, "--png", "",
                        "is the same file as the input " + request.sweep_path +
                            ", which the output would replace; choose another path");
    const Heatmap h = make_heatmap(request);
    write_heatmap_h5(h, h5_output);
    write_heatmap_csv(h, csv_output);
    std::printf("%s: %s of %s, %s (%zu) x %s (%zu); %s\n", h.source.c_str(),
                heatmap_metric_name(h.metric), h.family.c_str(), h.y_name.c_str(),
                h.y_values.size(), h.x_name.c_str(), h.x_values.size(), h.reduction_text.c_str());
    if (!h.baseline.empty()) std::printf("baseline: %s\n", h.baseline.c_str());
    if (h.best_row >= 0) {
      const size_t best =
          static_cast<size_t>(h.best_row) * h.x_values.size() + static_cast<size_t>(h.best_col);
      std::printf(
          "best cell: %s = %s, %s = %s: %s = %.6g %s, stability drop %.6g\n", h.y_name.c_str(),
          format_number(h.y_values[static_cast<size_t>(h.best_row)]).c_str(), h.x_name.c_str(),
          format_number(h.x_values[static_cast<size_t>(h.best_col)]).c_str(),
          heatmap_metric_name(h.metric), h.value[best], h.metric_units.c_str(), h.stability[best]);
    }
    std::printf("wrote %s and %s\n", h5.c_str(), csv.c_str());
    if (!args->png.empty()) {
      render_png(args->plot_script, h5, args->png);
      std::printf("wrote %s\n", args->png.c_str());
    }
  });
}

}  // namespace spotsweep::cli

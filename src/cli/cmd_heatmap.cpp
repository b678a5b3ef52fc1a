// `spotsweep heatmap SWEEP.h5 --x AXIS --y AXIS --out PREFIX [--png OUT.png]`: a 2-D slice of
// one family's metric (a pool axis or a scenario axis on each of x, y and --facet) with a
// stability score and a standard error per cell (docs/heatmap.md). The PNG is drawn by
// experiments/plot_heatmap.py under the Debian interpreter, which has h5py and matplotlib.
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

namespace spotsweep::cli {

namespace {

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

std::string toml_quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text)
    out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

}  // namespace

void add_heatmap_command(CLI::App& app) {
  struct HeatmapArgs {
    HeatmapRequest request;
    std::string metric = "utility", reduce = "best", out, png, title,
                plot_script = spotsweep::cli::plot_script("plot_heatmap.py");
    std::vector<std::string> fixes;
  };
  auto args = std::make_shared<HeatmapArgs>();
  HeatmapRequest& rq = args->request;
  auto* cmd = app.add_subcommand(
      "heatmap", "A 2-D sensitivity slice of a sweep file, with stability scores and a PNG");
  path_option(
      cmd->add_option("sweep", rq.sweep_path, "Sweep file (.h5) written by `spotsweep sweep`"))
      ->required();
  cmd->add_option("--family", rq.family, "Family to plot (default: the file's only family)");
  cmd->add_option("--x", rq.x_axis, "Axis along the columns (a pool or scenario axis)")->required();
  cmd->add_option("--y", rq.y_axis, "Axis along the rows")->required();
  cmd->add_option("--facet", rq.facet, "A third axis: one panel per value");
  cmd->add_option("--metric", args->metric, "utility, cost, miss_rate, regret or improvement")
      ->capture_default_str();
  cmd->add_option("--baseline", rq.baseline,
                  "improvement: a family of the file (its best member) or opt");
  cmd->add_option("--reduce", args->reduce, "Other axes: best, max, min or mean")
      ->capture_default_str();
  cmd->add_option("--fix", args->fixes, "Pin an axis to one of its values, AXIS=VALUE (repeatable)")
      ->allow_extra_args(false);  // one value per --fix, so a positional after it stays positional
  path_option(cmd->add_option("--out", args->out, "Write PREFIX.h5 and PREFIX.csv"))->required();
  path_option(
      cmd->add_option("--png", args->png, "Also render this PNG with experiments/plot_heatmap.py"));
  cmd->add_option("--title", args->title, "Title of the PNG (default: family and metric)");
  path_option(cmd->add_option("--plot-script", args->plot_script,
                              "The plotting script (default: experiments/plot_heatmap.py of the "
                              "source tree)"));
  cmd->callback([args] {
    HeatmapRequest request = args->request;
    request.metric = parse_named(kHeatmapMetricNames, args->metric, "", "--metric");
    request.reduction = parse_named(kHeatmapReductionNames, args->reduce, "", "--reduce");
    if (!request.baseline.empty() && request.metric != HeatmapMetric::improvement)
      throw input_error("", "--baseline", request.baseline,
                        "only --metric improvement uses a baseline");
    for (const std::string& f : args->fixes)
      request.fixed.push_back(parse_fix(f));
    // A PNG that cannot be drawn is reported before anything is written.
    if (!args->png.empty()) check_png_output(args->png, args->plot_script);
    const std::string h5 = args->out + ".h5", csv = args->out + ".csv";
    // Reserved now: a bad prefix, or one naming the sweep file, is refused before any work.
    OutputFile h5_output(h5, "--out", {request.sweep_path});
    OutputFile csv_output(csv, "--out", {request.sweep_path});
    if (!args->png.empty())
      check_png_target(args->png, {{h5, "--out (.h5)"}, {csv, "--out (.csv)"}},
                       {request.sweep_path});
    const Heatmap h = make_heatmap(request);
    // The [heatmap] table that replays it: `spotsweep heatmap --config SAVED.toml --out NEW`.
    std::string config =
        "[heatmap]\nsweep = " +
        toml_quoted(std::filesystem::absolute(request.sweep_path).lexically_normal().string()) +
        "\nfamily = " + toml_quoted(h.family) + "\nx = " + toml_quoted(h.x_name) +
        "\ny = " + toml_quoted(h.y_name) + "\nmetric = " + toml_quoted(args->metric) +
        "\nreduce = " + toml_quoted(args->reduce) + "\n";
    if (!request.baseline.empty()) config += "baseline = " + toml_quoted(request.baseline) + "\n";
    if (!request.facet.empty()) config += "facet = " + toml_quoted(request.facet) + "\n";
    if (!args->fixes.empty()) {
      config += "fix = [";
      for (size_t i = 0; i < args->fixes.size(); ++i)
        config += (i ? ", " : "") + toml_quoted(args->fixes[i]);
      config += "]\n";
    }
    write_heatmap_h5(h, h5_output, config);
    write_heatmap_csv(h, csv_output);
    std::printf("%s: %s of %s, %s (%zu) x %s (%zu)", h.source.c_str(),
                heatmap_metric_name(h.metric), h.family.c_str(), h.y_name.c_str(),
                h.y_values.size(), h.x_name.c_str(), h.x_values.size());
    if (!h.facet_name.empty())
      std::printf(", one panel per %s (%zu)", h.facet_name.c_str(), h.facet_values.size());
    std::printf("; %s\n", h.reduction_text.c_str());
    if (!h.baseline.empty()) std::printf("baseline: %s\n", h.baseline.c_str());
    if (!h.opt_precision.empty()) std::printf("%s\n", h.opt_precision.c_str());
    if (h.all_equal) {
      std::printf("every cell holds %.6g %s: no cell is best\n", h.value[0],
                  h.metric_units.c_str());
    } else if (h.best_row >= 0) {
      const size_t best = static_cast<size_t>(h.best_facet) * h.cells() +
                          static_cast<size_t>(h.best_row) * h.x_values.size() +
                          static_cast<size_t>(h.best_col);
      std::string facet;
      if (!h.facet_name.empty())
        facet = h.facet_name + " = " +
                format_number(h.facet_values[static_cast<size_t>(h.best_facet)]) + ", ";
      std::printf(
          "best cell: %s%s = %s, %s = %s: %s = %.6g %s (standard error %.3g), stability "
          "drop %.6g\n",
          facet.c_str(), h.y_name.c_str(),
          format_number(h.y_values[static_cast<size_t>(h.best_row)]).c_str(), h.x_name.c_str(),
          format_number(h.x_values[static_cast<size_t>(h.best_col)]).c_str(),
          heatmap_metric_name(h.metric), h.value[best], h.metric_units.c_str(), h.se[best],
          h.stability[best]);
    }
    std::printf("wrote %s and %s\n", h5.c_str(), csv.c_str());
    if (!args->png.empty()) {
      std::vector<std::string> extra;
      if (!args->title.empty()) extra = {"--title", args->title};
      render_png(args->plot_script, h5, args->png, extra);
      std::printf("wrote %s\n", args->png.c_str());
    }
  });
}

}  // namespace spotsweep::cli

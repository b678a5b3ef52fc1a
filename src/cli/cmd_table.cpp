// `spotsweep table SWEEP.h5 [--top N] [--by STAT] [--csv|--json]`: the best members of a sweep,
// with their decoded parameters (docs/table.md).
#include <iostream>
#include <memory>
#include <string>

#include "spotsweep/tools/table.hpp"

#include "commands.hpp"

namespace spotsweep::cli {

void add_table_command(CLI::App& app) {
  struct TableArgs {
    TableRequest request;
    bool csv = false, json = false;
  };
  auto args = std::make_shared<TableArgs>();
  auto* cmd = app.add_subcommand(
      "table", "The best members of a sweep file, with their decoded parameters and statistics");
  path_option(cmd->add_option("sweep", args->request.sweep_path, "Sweep file (.h5)"))->required();
  cmd->add_option("--top", args->request.top, "Rows to list")->capture_default_str();
  cmd->add_option("--by", args->request.by,
                  "Statistic to rank by: utility_mean (highest first), cost_mean, miss_rate, "
                  "finish_s_mean (lowest first), or any other of the file's")
      ->capture_default_str();
  cmd->add_option("--family", args->request.family, "Only this family grid");
  auto* csv = cmd->add_flag("--csv", args->csv, "CSV: one column per parameter");
  auto* json = cmd->add_flag("--json", args->json, "JSON: one object per row");
  csv->excludes(json);
  cmd->callback([args] {
    const Table table = make_table(args->request);
    if (args->csv)
      print_table_csv(table, std::cout);
    else if (args->json)
      print_table_json(table, std::cout);
    else
      print_table_text(table, std::cout);
  });
}

}  // namespace spotsweep::cli

#pragma once
// Subcommands defined in their own translation units under src/cli/; main.cpp registers them.
#include <CLI/CLI.hpp>

#include "cli_util.hpp"

namespace spotsweep::cli {

void add_select_command(CLI::App& app);       // cmd_select.cpp: online policy selection
void add_stress_command(CLI::App& app);       // cmd_stress.cpp: adversarial markets
void add_heatmap_command(CLI::App& app);      // cmd_heatmap.cpp: sensitivity heatmaps
void add_cbl_command(CLI::App& app);          // cmd_cbl.cpp: Can't Be Late replay
void add_traces_fit_command(CLI::App& traces);  // cmd_traces_fit.cpp: `traces fit`

}  // namespace spotsweep::cli

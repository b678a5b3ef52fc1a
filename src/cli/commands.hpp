#pragma once
// The subcommands, one file each (cmd_<name>.cpp); main.cpp registers them in this order.
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "config_file.hpp"
#include "options.hpp"

namespace spotsweep::cli {

void add_traces_command(CLI::App& app);  // import, info, fit, synth
void add_simulate_command(CLI::App& app, std::shared_ptr<std::string> config_path);
void add_predict_command(CLI::App& app);  // forecast errors of the predictors
void add_pool_command(CLI::App& app);     // pool info
void add_sweep_command(CLI::App& app);    // a pool on many scenarios and rounds
void add_bench_command(CLI::App& app);    // policy-slot steps/s per family and backend
void add_select_command(CLI::App& app);   // online policy selection
void add_stress_command(CLI::App& app);   // the selector against adversarial markets
void add_heatmap_command(CLI::App& app);  // sensitivity heatmaps
void add_table_command(CLI::App& app);    // the best members of a sweep, decoded
void add_cbl_command(CLI::App& app);      // Can't Be Late replay

}  // namespace spotsweep::cli

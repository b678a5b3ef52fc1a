// `spotsweep pool info POOL.toml`: the size and axes of a policy pool (docs/pool.md).
#include <iostream>
#include <memory>
#include <string>

#include "spotsweep/config/pool.hpp"

#include "commands.hpp"

namespace spotsweep::cli {

void add_pool_command(CLI::App& app) {
  auto* pool = app.add_subcommand("pool", "Policy pools: grids of policy parameters");
  pool->require_subcommand(1);
  auto path = std::make_shared<std::string>();
  auto* info = pool->add_subcommand("info", "Print a pool file's size and axes (docs/pool.md)");
  info->add_option("pool", *path, "Pool or sweep file (TOML)")->required();
  info->callback([path] { std::cout << describe_pool(load_pool(*path)); });
}

}  // namespace spotsweep::cli

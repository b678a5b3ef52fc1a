// `spotsweep pool info POOL.toml [--member N]`: the size and axes of a policy pool, or one
// member decoded (docs/pool.md).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "spotsweep/config/pool.hpp"
#include "spotsweep/detail/error.hpp"

#include "commands.hpp"

namespace spotsweep::cli {

void add_pool_command(CLI::App& app) {
  auto* pool = app.add_subcommand("pool", "Policy pools: grids of policy parameters");
  pool->require_subcommand(1);
  struct PoolArgs {
    std::string path;
    std::vector<int64_t> members;
  };
  auto args = std::make_shared<PoolArgs>();
  auto* info = pool->add_subcommand("info", "Print a pool file's size and axes (docs/pool.md)");
  path_option(info->add_option("pool", args->path, "Pool or sweep file (TOML)"))->required();
  info->add_option("--member", args->members,
                   "Decode these members (global indices, e.g. 0,17): family, local index, axis "
                   "positions and values")
      ->delimiter(',');
  info->callback([args] {
    const Pool p = load_pool(args->path);
    if (args->members.empty()) {
      std::cout << describe_pool(p);
      return;
    }
    for (int64_t m : args->members) {
      if (m < 0 || m >= p.size)
        throw input_error(args->path, "--member", std::to_string(m),
                          "outside the pool's " + std::to_string(p.size) + " members [0, " +
                              std::to_string(p.size) + ")");
      const MemberRef ref = p.locate(m);
      const FamilyGrid& grid = p.families[static_cast<size_t>(ref.family_index)];
      const std::vector<int32_t> digits = p.digits(m);
      const std::vector<double> params = p.parameters(m);
      std::cout << "member " << m << ": " << p.describe_member_text(m) << "\n  grid " << grid.name
                << ", local index " << ref.local << " of " << grid.size << " (first member "
                << grid.first_member << ")\n";
      const FamilyInfo& info = family_info(grid.family);
      for (size_t a = 0; a < grid.axes.size(); ++a) {
        // A named axis's value by its name and code: "predictor = ar (4)".
        const std::string text = axis_value_text(info.axes[a], params[a]);
        const std::string number = format_number(params[a]);
        std::cout << "  " << grid.axes[a].name << " = " << text
                  << (text == number ? "" : " (" + number + ")") << "  (position " << digits[a]
                  << " of " << grid.axes[a].values.size() << ")\n";
      }
    }
  });
}

}  // namespace spotsweep::cli

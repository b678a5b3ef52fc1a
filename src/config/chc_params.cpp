#include <string>

#include "spotsweep/tools/chc_alone.hpp"

namespace spotsweep {

void validate_chc_params(const ChcParams& params, const std::string& source) {
  if (params.window < 1 || params.window > kMaxForecastWindow)
    throw input_error(source, "window", std::to_string(params.window),
                      "must be in [1, " + std::to_string(kMaxForecastWindow) + "]");
  if (params.commit < 1 || params.commit > params.window)
    throw input_error(source, "commit", std::to_string(params.commit),
                      "must be in [1, window = " + std::to_string(params.window) + "]");
  if (params.resolution < 1 || params.resolution > 1024)
    throw input_error(source, "resolution", std::to_string(params.resolution),
                      "must be in [1, 1024]");
  if (params.lagrange_iters < 0 || params.lagrange_iters > 64)
    throw input_error(source, "lagrange_iters", std::to_string(params.lagrange_iters),
                      "must be in [0, 64] (0 = the exact planner)");
  if (!(params.replan_deviation >= 0.0))
    throw input_error(source, "replan_deviation", std::to_string(params.replan_deviation),
                      "must be non-negative (0 turns early re-planning off)");
}

}  // namespace spotsweep

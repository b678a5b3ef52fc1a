#include <string>

#include "spotsweep/chc_host.hpp"

namespace spotsweep {

void validate_chc_params(const ChcParams& params, const std::string& source) {
  if (params.window < 1 || params.window > kMaxForecastWindow)
    throw input_error(source, "window", std::to_string(params.window),
                      "must be in [1, " + std::to_string(kMaxForecastWindow) + "]");
  if (params.commit < 1 || params.commit > params.window)
    throw input_error(source, "commit", std::to_string(params.commit),
                      "must be in [1, window = " + std::to_string(params.window) + "]");
  if (params.progress_buckets < 1 || params.progress_buckets > 1 << 20)
    throw input_error(source, "progress_buckets", std::to_string(params.progress_buckets),
                      "must be in [1, 1048576]");
  if (!(params.replan_deviation >= 0.0))
    throw input_error(source, "replan_deviation", std::to_string(params.replan_deviation),
                      "must be non-negative (0 turns early re-planning off)");
}

}  // namespace spotsweep

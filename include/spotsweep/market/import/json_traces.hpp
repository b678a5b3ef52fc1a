#pragma once
// Readers of the JSON trace formats: skypilot-org availability and SkyNomad's full JSON
// (docs/traces.md). Host-only.
#include "spotsweep/market/import/raw_trace.hpp"

namespace spotsweep::detail {

RawTrace read_skypilot_json(const ImportOptions& options);
RawTrace read_skynomad_full_json(const ImportOptions& options);

}  // namespace spotsweep::detail

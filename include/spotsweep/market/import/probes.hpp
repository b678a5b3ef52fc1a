#pragma once
// Readers of the probe logs: SkyNomad's availability CSV with its price JSON, and the H100
// probe CSV (docs/traces.md). Host-only.
#include "spotsweep/market/import/raw_trace.hpp"

namespace spotsweep::detail {

RawTrace read_skynomad_csv(const ImportOptions& options);
RawTrace read_h100_probes_csv(const ImportOptions& options);

}  // namespace spotsweep::detail

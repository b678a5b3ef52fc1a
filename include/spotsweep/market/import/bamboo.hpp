#pragma once
// Readers of Bamboo's AWS step and event logs and its GCP availability text (docs/traces.md).
// Host-only.
#include "spotsweep/market/import/raw_trace.hpp"

namespace spotsweep::detail {

RawTrace read_bamboo_steps_csv(const ImportOptions& options);
RawTrace read_bamboo_events_csv(const ImportOptions& options);
RawTrace read_bamboo_gcp_txt(const ImportOptions& options);

}  // namespace spotsweep::detail

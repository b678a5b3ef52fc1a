#pragma once
// The read-only view of one market realisation (a trace window or a synthetic draw) that
// every policy simulated on it shares. Owners (Trace, the batch engine's staged scenarios)
// hand it out; kernels take it by value.
#include <cstdint>

#include "spotsweep/model/macros.hpp"

namespace spotsweep {

struct MarketView {
  const double* spot_price = nullptr;       // p_s[m], USD per GPU-hour
  const int32_t* spot_avail = nullptr;      // a[m], spot GPUs obtainable in slot m
  const double* od_price_series = nullptr;  // p_o[m]; nullptr means the constant od_price
  double od_price = 0.0;                    // p_o, USD per GPU-hour
  double tick_seconds = 0.0;                // Δ
  int32_t n_slots = 0;

  SPOTSWEEP_HD_INLINE double spot_price_at(int32_t slot) const { return spot_price[slot]; }
  SPOTSWEEP_HD_INLINE int32_t avail_at(int32_t slot) const { return spot_avail[slot]; }
  SPOTSWEEP_HD_INLINE double od_price_at(int32_t slot) const {
    return od_price_series ? od_price_series[slot] : od_price;
  }
};

}  // namespace spotsweep

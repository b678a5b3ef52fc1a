#pragma once
// Randomness, keyed by what a draw is for (docs/architecture.md, "Randomness"). Every random
// number in spotsweep is one Philox4x32-10 block: the key is the 64-bit seed, the counter four
// 32-bit words that name the draw, so a result never depends on threads, batch sizes, call
// order or the backend. The counters of each purpose:
//   forecast noise   (scenario, planning slot, lookahead, kForecastDomain | quantity)  forecast.hpp
//   workload error   (scenario, round, 0, kForecastDomain | workload)                  forecast.hpp
//   played member    (scenario, round, 0, kSelectorDomain)                             hedge.hpp
//   job fields       (scenario, round, field id, 0)                        config/sweep_config.cpp
//   synthetic market (slot, stream·2^16 + quantity, scenario low, scenario high)
//   market/synthetic.cpp
// The bits become numbers with + − × ÷ only (the helpers below), which the CPU and the GPU
// round alike. Device-safe.
#include <Random123/philox.h>

#include <cstdint>

#include "spotsweep/model/macros.hpp"

namespace spotsweep {

using PhiloxBlock = r123::Philox4x32::ctr_type;

// The block for counter (c0, c1, c2, c3) under `seed` (low word first in the key).
SPOTSWEEP_HD_INLINE PhiloxBlock philox_block(uint64_t seed, uint32_t c0, uint32_t c1, uint32_t c2,
                                             uint32_t c3) {
  r123::Philox4x32 philox;
  const r123::Philox4x32::ctr_type counter = {{c0, c1, c2, c3}};
  const r123::Philox4x32::key_type key = {
      {static_cast<uint32_t>(seed & 0xffffffffu), static_cast<uint32_t>(seed >> 32)}};
  return philox(counter, key);
}

// Uniform on [0, 1) from 53 bits of two words: (hi ≫ 5)·2^26 + (lo ≫ 6), over 2^53.
SPOTSWEEP_HD_INLINE double uniform_from_53_bits(uint32_t hi, uint32_t lo) {
  return static_cast<double>((static_cast<uint64_t>(hi >> 5) << 26) | (lo >> 6)) *
         (1.0 / 9007199254740992.0);
}

// Uniform on (0, 1) from the top 53 bits of a 64-bit word: (k + ½)/2^53, never 0 or 1, so
// log() and inverse CDFs are safe.
SPOTSWEEP_HD_INLINE double open_uniform_from_64_bits(uint64_t bits) {
  return (static_cast<double>(bits >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

// Uniform on [0, 1) from one word: x/2^32.
SPOTSWEEP_HD_INLINE double uniform_from_32_bits(uint32_t word) {
  return static_cast<double>(word) * (1.0 / 4294967296.0);
}

// Uniform on (0, 1) from one word: (x + ½)/2^32.
SPOTSWEEP_HD_INLINE double open_uniform_from_32_bits(uint32_t word) {
  return (static_cast<double>(word) + 0.5) * (1.0 / 4294967296.0);
}

}  // namespace spotsweep

#pragma once
// Synthetic markets (docs/model.md §7): a mean-reverting spot price with a daily season and
// regime switches, and availability as a birth-death process, optionally Markov-modulated
// (calm/storm). All randomness is Philox4x32-10 keyed by what a draw is for:
//   key     = seed (two 32-bit words, low first)
//   counter = {slot, quantity id, scenario low word, scenario high word}
// so one (spec, seed, scenario) always gives the same trace, whatever calls it. Host-only.
#include <cstdint>
#include <string>

#include "spotsweep/market/trace.hpp"

namespace spotsweep {

enum class AvailabilityModel {
  birth_death,       // every GPU flips with constant rates λ (obtainable) and μ (lost)
  markov_modulated,  // the rates switch between a calm and a storm state (2-state Markov)
};

struct SyntheticMarketSpec {
  int32_t n_slots = 4032;       // 28 days of 10-minute slots
  double tick_seconds = 600.0;  // Δ
  int32_t capacity = 16;        // a_max, at most 1024
  double od_price = 3.06;       // p_o, USD per GPU-hour

  // Spot price p[t] = max(floor, p̄ · exp(x[t] − s²/2) · season(t) · regime(t)) where
  //   p̄ = mean_spot_fraction · od_price,
  //   x is an Ornstein-Uhlenbeck process (reversion θ per hour, volatility σ per √hour,
  //     stationary variance s² = σ²/(2θ)), sampled exactly at the slot times,
  //   season(t) = 1 + A · sin(2π · (hours since slot 0 − shift) / 24),
  //   regime(t) = regime_multiplier in the high-price regime, 1 otherwise,
  //   spike(t)  = 1 + spike_size during a price spike, 1 otherwise.
  double mean_spot_fraction = 0.35;
  double mean_reversion_per_hour = 0.2;   // θ > 0
  double volatility_per_sqrt_hour = 0.1;  // σ ≥ 0
  double daily_season_amplitude = 0.1;    // A in [0, 1)
  double daily_season_shift_hours = 0.0;  // shift in [0, 24): the season peaks at 6 h + shift
  double regime_enter_prob = 0.002;       // per slot, calm → high-price regime
  double regime_exit_prob = 0.02;         // per slot, high-price regime → calm
  double regime_multiplier = 1.8;         // > 0
  double price_floor_fraction = 0.01;     // floor = this · od_price, > 0
  // Price spikes, a two-state chain independent of the regime: off by default (rate 0), and
  // then no spike draws are made, so traces without spikes are bit-identical to older ones.
  double spike_rate_per_hour = 0.0;        // onsets per hour outside a spike, ≥ 0
  double spike_size = 2.0;                 // price × (1 + size) during a spike, > 0
  double spike_mean_duration_hours = 1.0;  // mean spike length (geometric in slots), > 0

  // Availability a[t] ∈ [0, capacity]: in one slot each unobtainable GPU becomes obtainable
  // with probability 1 − exp(−λΔ) and each obtainable one is lost with 1 − exp(−μΔ).
  AvailabilityModel availability_model = AvailabilityModel::birth_death;
  double birth_rate_per_gpu_hour = 0.5;   // λ
  double death_rate_per_gpu_hour = 0.25;  // μ
  // markov_modulated only: per-slot switching probabilities and the storm's rate factors.
  double storm_enter_prob = 0.005;
  double storm_exit_prob = 0.05;
  double storm_birth_multiplier = 0.2;
  double storm_death_multiplier = 5.0;
};

// Throws InputError ("synthetic: field = value: reason") for a spec that cannot be sampled.
void validate_synthetic_spec(const SyntheticMarketSpec& spec);

// One scenario of the synthetic market. name = "synthetic-s<seed>-c<scenario>"; source
// records the spec, the seed and the scenario, enough to regenerate it.
Trace generate_synthetic(const SyntheticMarketSpec& spec, uint64_t seed, uint64_t scenario);
// The same on draw stream `stream` (< 65536): stream 0 is the call above; other streams give
// independent traces for the same (seed, scenario). The name gets "-r<stream>" when ≠ 0.
Trace generate_synthetic(const SyntheticMarketSpec& spec, uint64_t seed, uint64_t scenario,
                         uint32_t stream);

// Named access to the spec's fields, for command-line `key=value` lists and TOML: the keys
// are the field names (n_slots, capacity, availability_model, mean_spot_fraction, ...), the
// same as a sweep file's [synthetic] table. Throws InputError naming `where` and the field,
// field_prefix + key.
void set_synthetic_parameter(SyntheticMarketSpec& spec, const std::string& key,
                             const std::string& value, const std::string& where,
                             const std::string& field_prefix = "synthetic.");
std::vector<std::string> synthetic_parameter_names();
// The strict conversions of `key=value` parameters: the whole text is the number; errors name
// where, the key and the text.
double parse_parameter_real(const std::string& text, const std::string& where,
                            const std::string& key);
int32_t parse_parameter_int(const std::string& text, const std::string& where,
                            const std::string& key, long long lo, long long hi);
const char* availability_model_name(AvailabilityModel model);
AvailabilityModel parse_availability_model(const std::string& name, const std::string& where,
                                           const std::string& field);
// A [synthetic] table (every field) that a sweep file reads back to the same spec.
std::string synthetic_spec_to_toml(const SyntheticMarketSpec& spec);

// The quantity ids in the Philox counter (word 1); fixed so that traces stay reproducible
// across versions. New quantities take new ids.
enum SyntheticQuantity : uint32_t {
  kQuantityPriceShock = 0,
  kQuantityPriceRegime = 1,
  kQuantityBirths = 2,
  kQuantityDeaths = 3,
  kQuantityStorm = 4,
  kQuantityInitialPrice = 5,
  kQuantityInitialRegime = 6,
  kQuantityInitialStorm = 7,
  kQuantityInitialAvail = 8,
  kQuantitySpike = 9,  // spike onset (outside a spike) or end (inside one)
  kQuantityInitialSpike = 10,
};
constexpr uint32_t kMaxSyntheticStream = 65535;

}  // namespace spotsweep

#pragma once
// Adversarial markets (docs/model.md §7): markets built to hurt an online selector. Each is a
// Trace like generate_synthetic's, plus the per-slot regime that made it; all are seeded and
// counter-based (components are generate_synthetic draws on their own streams, regime
// switches are Philox draws on stream kAdversaryStream). Parameters and why each market
// hurts a learner: docs/synthetic.md, "Adversarial markets". Host-only.
#include <cstdint>
#include <string>
#include <vector>

#include "spotsweep/market/synthetic.hpp"
#include "spotsweep/market/trace.hpp"

namespace spotsweep {

// Draw streams of the components (synthetic.hpp): calm and storm markets, and the regime
// chain's own draws.
constexpr uint32_t kCalmStream = 1;
constexpr uint32_t kStormStream = 2;
constexpr uint32_t kAdversaryStream = 3;
constexpr uint32_t kQuantityAdversaryRegime = 0;  // quantity id on kAdversaryStream

struct AdversarialMarket {
  Trace trace;                 // what policies see and pay
  std::vector<uint8_t> storm;  // per slot: 1 in the storm (or trap) regime, 0 in calm
  // Prediction poisoning only: the calm market the storm replaced. Forecasts built from it
  // (docs/synthetic.md) are exact in calm slots and wrong in storm slots; empty otherwise.
  Trace decoy;

  bool in_storm(int32_t slot) const { return storm[static_cast<size_t>(slot)] != 0; }
};

// The calm and storm components the adversaries splice. Calm: cheap spot that stays up for
// hours; storm: spot dearer than on-demand that flickers every slot or two. Both share
// n_slots, tick_seconds, capacity and od_price (set_adversarial_parameter keeps them equal).
SyntheticMarketSpec default_calm_market();
SyntheticMarketSpec default_storm_market();

// Regime flipping: calm and storm alternate every period_slots, calm first (after
// phase_slots of offset), so the family that is best flips with the regime.
struct RegimeFlipSpec {
  SyntheticMarketSpec calm = default_calm_market();
  SyntheticMarketSpec storm = default_storm_market();
  int32_t period_slots = 144;  // slots per regime, ≥ 1
  int32_t phase_slots = 0;     // slot 0 is at this offset into the first calm period, ≥ 0
};
AdversarialMarket generate_regime_flip(const RegimeFlipSpec& spec, uint64_t seed,
                                       uint64_t scenario);

// Deadline trap: the calm market, except that in the last trap_slots before each job's
// deadline availability collapses to trap_avail_fraction of itself and the price is
// multiplied by trap_price_multiplier. Jobs start at job_start_slot + r·round_stride_slots
// (r = 0, 1, ... while the window fits; a stride of 0 means one job).
struct DeadlineTrapSpec {
  SyntheticMarketSpec base = default_calm_market();
  int32_t job_start_slot = 0;          // ≥ 0
  int32_t deadline_slots = 24;         // the deadline policies run to, slots after the start, ≥ 1
  int32_t trap_slots = 8;              // 1 ≤ trap_slots ≤ deadline_slots
  int32_t round_stride_slots = 0;      // ≥ 0
  double trap_avail_fraction = 0.0;    // a[t] → floor(fraction · a[t]), in [0, 1]
  double trap_price_multiplier = 4.0;  // > 0
};
AdversarialMarket generate_deadline_trap(const DeadlineTrapSpec& spec, uint64_t seed,
                                         uint64_t scenario);

// Prediction poisoning: storms come and go as a two-state Markov chain; the market is the
// storm component in storm slots and the calm one elsewhere; `decoy` is the calm component
// throughout, what a forecaster that learned the calm market expects.
struct PoisoningSpec {
  SyntheticMarketSpec calm = default_calm_market();
  SyntheticMarketSpec storm = default_storm_market();
  double storm_enter_prob = 0.01;  // per slot, calm → storm
  double storm_exit_prob = 0.05;   // per slot, storm → calm
};
AdversarialMarket generate_poisoning(const PoisoningSpec& spec, uint64_t seed, uint64_t scenario);

// The adversaries by name, for `spotsweep traces synth --kind`: synthetic (plain
// generate_synthetic), regime_flip, deadline_trap, poisoning.
enum class MarketKind { synthetic, regime_flip, deadline_trap, poisoning };
MarketKind parse_market_kind(const std::string& name);  // InputError naming --kind
const char* market_kind_name(MarketKind kind);

// Every adversary's parameters in one place, set by `key=value`: the kind's own keys
// (period_slots, trap_slots, ...), "calm.<field>" / "storm.<field>" / "base.<field>" for a
// component's SyntheticMarketSpec field, and the shared n_slots, tick_seconds, capacity and
// od_price for every component at once.
struct MarketRecipe {
  MarketKind kind = MarketKind::synthetic;
  SyntheticMarketSpec synthetic;
  RegimeFlipSpec regime_flip;
  DeadlineTrapSpec deadline_trap;
  PoisoningSpec poisoning;
};
// Errors name `where` (a file:line, or --param) and the field field_prefix + key.
void set_market_parameter(MarketRecipe& recipe, const std::string& key, const std::string& value,
                          const std::string& where = "--param",
                          const std::string& field_prefix = "");
AdversarialMarket generate_market(const MarketRecipe& recipe, uint64_t seed, uint64_t scenario);
// One line per parameter of `kind`, "key (default): meaning", for --help.
std::string market_parameter_help(MarketKind kind);

}  // namespace spotsweep

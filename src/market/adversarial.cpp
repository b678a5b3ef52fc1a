// Adversarial markets: calm and storm components spliced by a regime sequence
// (docs/synthetic.md, "Adversarial markets").
#include "spotsweep/market/adversarial.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/names.hpp"
#include "spotsweep/model/random.hpp"

namespace spotsweep {

namespace {

// Uniform in (0, 1) at (slot, quantity) of stream kAdversaryStream, the same construction as
// generate_synthetic's draws, so regime switches never share a counter with a component.
double adversary_uniform(uint64_t seed, uint64_t scenario, int32_t slot, uint32_t quantity) {
  const PhiloxBlock bits =
      philox_block(seed, static_cast<uint32_t>(slot), (kAdversaryStream << 16) + quantity,
                   static_cast<uint32_t>(scenario), static_cast<uint32_t>(scenario >> 32));
  return open_uniform_from_64_bits((static_cast<uint64_t>(bits[0]) << 32) | bits[1]);
}

void require_same_frame(const SyntheticMarketSpec& a, const SyntheticMarketSpec& b,
                        const char* market, const char* other) {
  auto fail = [&](const char* field, const std::string& value) {
    throw input_error(market, std::string(other) + "." + field, value,
                      "must equal the calm market's (set it without a prefix)");
  };
  if (a.n_slots != b.n_slots) fail("n_slots", std::to_string(b.n_slots));
  if (a.tick_seconds != b.tick_seconds) fail("tick_seconds", format_number(b.tick_seconds));
  if (a.capacity != b.capacity) fail("capacity", std::to_string(b.capacity));
  if (a.od_price != b.od_price) fail("od_price", format_number(b.od_price));
}

// The calm component where storm[t] = 0, the storm component elsewhere.
Trace splice(const Trace& calm, const Trace& storm, const std::vector<uint8_t>& regime) {
  Trace out = calm;
  for (size_t t = 0; t < regime.size(); ++t)
    if (regime[t]) {
      out.spot_price[t] = storm.spot_price[t];
      out.spot_avail[t] = storm.spot_avail[t];
    }
  return out;
}

std::string frame(const char* kind, uint64_t seed, uint64_t scenario) {
  return std::string(kind) + "-s" + std::to_string(seed) + "-c" + std::to_string(scenario);
}

void require(bool ok, const char* market, const char* field, const std::string& value,
             const char* reason) {
  if (!ok) throw input_error(market, field, value, reason);
}

}  // namespace

SyntheticMarketSpec default_calm_market() {
  SyntheticMarketSpec s;
  s.capacity = 8;
  s.mean_spot_fraction = 0.3;
  s.volatility_per_sqrt_hour = 0.1;
  s.regime_enter_prob = 0.0;
  s.birth_rate_per_gpu_hour = 2.0;  // a lost GPU is back in half an hour ...
  s.death_rate_per_gpu_hour = 0.1;  // ... and one that is up stays up ten hours on average
  return s;
}

SyntheticMarketSpec default_storm_market() {
  SyntheticMarketSpec s = default_calm_market();
  s.mean_spot_fraction = 1.3;  // dearer than on-demand
  s.volatility_per_sqrt_hour = 0.3;
  s.birth_rate_per_gpu_hour = 3.0;  // GPUs come and go every slot or two
  s.death_rate_per_gpu_hour = 6.0;
  return s;
}

AdversarialMarket generate_regime_flip(const RegimeFlipSpec& spec, uint64_t seed,
                                       uint64_t scenario) {
  require(spec.period_slots >= 1, "regime_flip", "period_slots", std::to_string(spec.period_slots),
          "must be at least 1");
  require(spec.phase_slots >= 0, "regime_flip", "phase_slots", std::to_string(spec.phase_slots),
          "must be non-negative");
  require_same_frame(spec.calm, spec.storm, "regime_flip", "storm");
  const Trace calm = generate_synthetic(spec.calm, seed, scenario, kCalmStream);
  const Trace storm = generate_synthetic(spec.storm, seed, scenario, kStormStream);
  AdversarialMarket market;
  market.storm.resize(static_cast<size_t>(spec.calm.n_slots));
  for (int32_t t = 0; t < spec.calm.n_slots; ++t)
    market.storm[t] = ((static_cast<int64_t>(t) + spec.phase_slots) / spec.period_slots) % 2;
  market.trace = splice(calm, storm, market.storm);
  market.trace.name = frame("regime_flip", seed, scenario);
  market.trace.source = "regime_flip: period_slots=" + std::to_string(spec.period_slots) +
                        "; phase_slots=" + std::to_string(spec.phase_slots) + "; calm={" +
                        calm.source + "}; storm={" + storm.source + "}";
  return market;
}

AdversarialMarket generate_deadline_trap(const DeadlineTrapSpec& spec, uint64_t seed,
                                         uint64_t scenario) {
  const char* m = "deadline_trap";
  require(spec.job_start_slot >= 0, m, "job_start_slot", std::to_string(spec.job_start_slot),
          "must be non-negative");
  require(spec.deadline_slots >= 1, m, "deadline_slots", std::to_string(spec.deadline_slots),
          "must be at least 1");
  require(spec.trap_slots >= 1 && spec.trap_slots <= spec.deadline_slots, m, "trap_slots",
          std::to_string(spec.trap_slots), "must be in [1, deadline_slots]");
  require(spec.round_stride_slots >= 0, m, "round_stride_slots",
          std::to_string(spec.round_stride_slots), "must be non-negative");
  require(spec.trap_avail_fraction >= 0.0 && spec.trap_avail_fraction <= 1.0, m,
          "trap_avail_fraction", format_number(spec.trap_avail_fraction), "must be in [0, 1]");
  require(spec.trap_price_multiplier > 0.0 && std::isfinite(spec.trap_price_multiplier), m,
          "trap_price_multiplier", format_number(spec.trap_price_multiplier), "must be positive");
  const int32_t n = spec.base.n_slots;
  require(static_cast<int64_t>(spec.job_start_slot) + spec.deadline_slots <= n, m, "deadline_slots",
          std::to_string(spec.deadline_slots), "job_start_slot + deadline_slots exceeds n_slots");
  AdversarialMarket market;
  market.trace = generate_synthetic(spec.base, seed, scenario);
  market.storm.assign(static_cast<size_t>(n), 0);
  for (int64_t start = spec.job_start_slot; start + spec.deadline_slots <= n;
       start += spec.round_stride_slots) {
    for (int64_t t = start + spec.deadline_slots - spec.trap_slots; t < start + spec.deadline_slots;
         ++t)
      market.storm[t] = 1;
    if (spec.round_stride_slots == 0) break;
  }
  for (int32_t t = 0; t < n; ++t)
    if (market.storm[t]) {
      market.trace.spot_avail[t] =
          static_cast<int32_t>(std::floor(spec.trap_avail_fraction * market.trace.spot_avail[t]));
      market.trace.spot_price[t] *= spec.trap_price_multiplier;
    }
  market.trace.name = frame("deadline_trap", seed, scenario);
  market.trace.source = "deadline_trap: job_start_slot=" + std::to_string(spec.job_start_slot) +
                        "; deadline_slots=" + std::to_string(spec.deadline_slots) +
                        "; trap_slots=" + std::to_string(spec.trap_slots) +
                        "; round_stride_slots=" + std::to_string(spec.round_stride_slots) +
                        "; trap_avail_fraction=" + format_number(spec.trap_avail_fraction) +
                        "; trap_price_multiplier=" + format_number(spec.trap_price_multiplier) +
                        "; base={" + market.trace.source + "}";
  validate_trace(market.trace, m);
  return market;
}

AdversarialMarket generate_poisoning(const PoisoningSpec& spec, uint64_t seed, uint64_t scenario) {
  const char* m = "poisoning";
  require(spec.storm_enter_prob >= 0.0 && spec.storm_enter_prob <= 1.0, m, "storm_enter_prob",
          format_number(spec.storm_enter_prob), "must be a probability");
  require(spec.storm_exit_prob >= 0.0 && spec.storm_exit_prob <= 1.0, m, "storm_exit_prob",
          format_number(spec.storm_exit_prob), "must be a probability");
  require_same_frame(spec.calm, spec.storm, m, "storm");
  const Trace calm = generate_synthetic(spec.calm, seed, scenario, kCalmStream);
  const Trace storm = generate_synthetic(spec.storm, seed, scenario, kStormStream);
  AdversarialMarket market;
  const int32_t n = spec.calm.n_slots;
  market.storm.resize(static_cast<size_t>(n));
  const double total = spec.storm_enter_prob + spec.storm_exit_prob;
  bool in_storm = total > 0.0 && adversary_uniform(seed, scenario, 0, kQuantityAdversaryRegime) <
                                     spec.storm_enter_prob / total;
  for (int32_t t = 0; t < n; ++t) {
    if (t > 0) {
      const double u = adversary_uniform(seed, scenario, t, kQuantityAdversaryRegime);
      in_storm = in_storm ? !(u < spec.storm_exit_prob) : u < spec.storm_enter_prob;
    }
    market.storm[t] = in_storm;
  }
  market.trace = splice(calm, storm, market.storm);
  market.trace.name = frame("poisoning", seed, scenario);
  market.trace.source = "poisoning: storm_enter_prob=" + format_number(spec.storm_enter_prob) +
                        "; storm_exit_prob=" + format_number(spec.storm_exit_prob) + "; calm={" +
                        calm.source + "}; storm={" + storm.source + "}";
  market.decoy = calm;
  return market;
}

namespace {
constexpr NamedValue<MarketKind> kMarketKindNames[] = {{"synthetic", MarketKind::synthetic},
                                                       {"regime_flip", MarketKind::regime_flip},
                                                       {"deadline_trap", MarketKind::deadline_trap},
                                                       {"poisoning", MarketKind::poisoning}};
}  // namespace

MarketKind parse_market_kind(const std::string& name) {
  return parse_named(kMarketKindNames, name, "", "--kind");
}

const char* market_kind_name(MarketKind kind) { return name_of(kMarketKindNames, kind); }

namespace {

bool is_shared_key(const std::string& key) {
  return key == "n_slots" || key == "tick_seconds" || key == "capacity" || key == "od_price";
}

}  // namespace

void set_market_parameter(MarketRecipe& r, const std::string& key, const std::string& value,
                          const std::string& where, const std::string& field_prefix) {
  const std::string field_name = field_prefix + key;
  if (is_shared_key(key)) {
    for (SyntheticMarketSpec* s : {&r.synthetic, &r.regime_flip.calm, &r.regime_flip.storm,
                                   &r.deadline_trap.base, &r.poisoning.calm, &r.poisoning.storm})
      set_synthetic_parameter(*s, key, value, where, field_prefix);
    return;
  }
  const auto dot = key.find('.');
  if (dot != std::string::npos) {
    const std::string part = key.substr(0, dot), field = key.substr(dot + 1);
    SyntheticMarketSpec* target = nullptr;
    if (r.kind == MarketKind::regime_flip)
      target = part == "calm"    ? &r.regime_flip.calm
               : part == "storm" ? &r.regime_flip.storm
                                 : nullptr;
    else if (r.kind == MarketKind::poisoning)
      target = part == "calm" ? &r.poisoning.calm : part == "storm" ? &r.poisoning.storm : nullptr;
    else if (r.kind == MarketKind::deadline_trap && part == "base")
      target = &r.deadline_trap.base;
    if (!target)
      throw input_error(where, field_name, value,
                        std::string("no component '") + part + "' in " + market_kind_name(r.kind) +
                            " (regime_flip and poisoning: calm., storm.; deadline_trap: base.)");
    if (is_shared_key(field))
      throw input_error(where, field_name, value,
                        "set " + field + " without a prefix: every component shares it");
    set_synthetic_parameter(*target, field, value, where, field_prefix + part + ".");
    return;
  }
  switch (r.kind) {
    case MarketKind::synthetic:
      set_synthetic_parameter(r.synthetic, key, value, where, field_prefix);
      return;
    case MarketKind::regime_flip:
      if (key == "period_slots")
        return void(r.regime_flip.period_slots =
                        parse_parameter_int(value, where, field_name, 0, INT32_MAX));
      if (key == "phase_slots")
        return void(r.regime_flip.phase_slots =
                        parse_parameter_int(value, where, field_name, 0, INT32_MAX));
      break;
    case MarketKind::deadline_trap: {
      DeadlineTrapSpec& d = r.deadline_trap;
      if (key == "job_start_slot")
        return void(d.job_start_slot = parse_parameter_int(value, where, field_name, 0, INT32_MAX));
      if (key == "deadline_slots")
        return void(d.deadline_slots = parse_parameter_int(value, where, field_name, 0, INT32_MAX));
      if (key == "trap_slots")
        return void(d.trap_slots = parse_parameter_int(value, where, field_name, 0, INT32_MAX));
      if (key == "round_stride_slots")
        return void(d.round_stride_slots =
                        parse_parameter_int(value, where, field_name, 0, INT32_MAX));
      if (key == "trap_avail_fraction")
        return void(d.trap_avail_fraction = parse_parameter_real(value, where, field_name));
      if (key == "trap_price_multiplier")
        return void(d.trap_price_multiplier = parse_parameter_real(value, where, field_name));
      break;
    }
    case MarketKind::poisoning:
      if (key == "storm_enter_prob")
        return void(r.poisoning.storm_enter_prob = parse_parameter_real(value, where, field_name));
      if (key == "storm_exit_prob")
        return void(r.poisoning.storm_exit_prob = parse_parameter_real(value, where, field_name));
      break;
  }
  throw input_error(where, field_name, value,
                    std::string("unknown parameter of ") + market_kind_name(r.kind) +
                        " (see spotsweep traces synth --help)");
}

AdversarialMarket generate_market(const MarketRecipe& r, uint64_t seed, uint64_t scenario) {
  switch (r.kind) {
    case MarketKind::regime_flip: return generate_regime_flip(r.regime_flip, seed, scenario);
    case MarketKind::deadline_trap: return generate_deadline_trap(r.deadline_trap, seed, scenario);
    case MarketKind::poisoning: return generate_poisoning(r.poisoning, seed, scenario);
    case MarketKind::synthetic:
    default: {
      AdversarialMarket m;
      m.trace = generate_synthetic(r.synthetic, seed, scenario);
      m.storm.assign(m.trace.spot_avail.size(), 0);
      return m;
    }
  }
}

std::string market_parameter_help(MarketKind kind) {
  const RegimeFlipSpec flip;
  const DeadlineTrapSpec trap;
  const PoisoningSpec poison;
  std::ostringstream s;
  switch (kind) {
    case MarketKind::synthetic:
      s << "  any [synthetic] field, e.g. availability_model=markov_modulated, capacity=16,\n"
           "  mean_spot_fraction=0.35, spike_rate_per_hour=0.05 (docs/synthetic.md)\n";
      break;
    case MarketKind::regime_flip:
      s << "  period_slots (" << flip.period_slots
        << "): slots per regime; calm and storm alternate\n"
        << "  phase_slots (" << flip.phase_slots
        << "): offset of slot 0 into the first calm period\n"
        << "  calm.<field>, storm.<field>: the two components' synthetic fields\n";
      break;
    case MarketKind::deadline_trap:
      s << "  job_start_slot (" << trap.job_start_slot << "): first job's start slot\n"
        << "  deadline_slots (" << trap.deadline_slots << "): deadline, slots after the start\n"
        << "  trap_slots (" << trap.trap_slots << "): trap length, ending at the deadline\n"
        << "  round_stride_slots (" << trap.round_stride_slots
        << "): slots between job starts (0: one job)\n"
        << "  trap_avail_fraction (" << format_number(trap.trap_avail_fraction)
        << "): availability kept in the trap\n"
        << "  trap_price_multiplier (" << format_number(trap.trap_price_multiplier)
        << "): price factor in the trap\n"
        << "  base.<field>: the market outside the trap (synthetic fields)\n";
      break;
    case MarketKind::poisoning:
      s << "  storm_enter_prob (" << format_number(poison.storm_enter_prob)
        << "): per slot, calm -> storm\n"
        << "  storm_exit_prob (" << format_number(poison.storm_exit_prob)
        << "): per slot, storm -> calm\n"
        << "  calm.<field>, storm.<field>: the two components' synthetic fields\n";
      break;
  }
  return s.str();
}

}  // namespace spotsweep

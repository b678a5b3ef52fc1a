// Synthetic market generator (docs/model.md §7). Every random number is a Philox4x32-10 draw at a
// counter that names its slot and purpose, so results never depend on call order or threads.
#include "spotsweep/market/synthetic.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"
#include "spotsweep/detail/names.hpp"
#include "spotsweep/model/limits.hpp"
#include "spotsweep/model/random.hpp"

namespace spotsweep {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int32_t kMaxCapacity = 1024;  // keeps the binomial's first term above underflow

class DrawSource {
 public:
  DrawSource(uint64_t seed, uint64_t scenario, uint32_t stream)
      : seed_(seed), scenario_(scenario), stream_base_(stream << 16) {}

  // Two independent uniforms in (0, 1) for (slot, quantity), 53 bits each.
  void uniforms(int32_t slot, uint32_t quantity, double& u0, double& u1) const {
    const PhiloxBlock bits =
        philox_block(seed_, static_cast<uint32_t>(slot), stream_base_ + quantity,
                     static_cast<uint32_t>(scenario_), static_cast<uint32_t>(scenario_ >> 32));
    u0 = open_uniform_from_64_bits((static_cast<uint64_t>(bits[0]) << 32) | bits[1]);
    u1 = open_uniform_from_64_bits((static_cast<uint64_t>(bits[2]) << 32) | bits[3]);
  }

  double uniform(int32_t slot, uint32_t quantity) const {
    double u0, u1;
    uniforms(slot, quantity, u0, u1);
    return u0;
  }

  // Standard normal by Box-Muller on the pair.
  double normal(int32_t slot, uint32_t quantity) const {
    double u0, u1;
    uniforms(slot, quantity, u0, u1);
    return std::sqrt(-2.0 * std::log(u0)) * std::cos(2.0 * kPi * u1);
  }

 private:
  uint64_t seed_;
  uint64_t scenario_;
  uint32_t stream_base_;  // stream · 65536, added to the quantity id
};

// Binomial(n, p) by inversion of the CDF at u; p > 1/2 by symmetry so the first term
// (1-p)^n ≥ 2^-1024 stays representable for n ≤ kMaxCapacity.
int32_t binomial(int32_t n, double p, double u) {
  if (n <= 0 || p <= 0.0) return 0;
  if (p >= 1.0) return n;
  if (p > 0.5) return n - binomial(n, 1.0 - p, 1.0 - u);
  const double odds = p / (1.0 - p);
  double pmf = std::exp(n * std::log1p(-p));
  double cdf = pmf;
  int32_t k = 0;
  while (u > cdf && k < n) {
    pmf *= odds * static_cast<double>(n - k) / static_cast<double>(k + 1);
    ++k;
    cdf += pmf;
  }
  return k;
}

// A two-state Markov chain step: from `on`, leave with `exit_prob`; from off, enter with
// `enter_prob`.
bool markov_step(bool on, double enter_prob, double exit_prob, double u) {
  return on ? !(u < exit_prob) : u < enter_prob;
}

// Stationary probability of the "on" state, used for slot 0.
double stationary_on(double enter_prob, double exit_prob) {
  const double total = enter_prob + exit_prob;
  return total > 0.0 ? enter_prob / total : 0.0;
}

// Fields added after the first release are listed only when they differ from their
// defaults, so the source of an older trace (data/synthetic_mm16_s42_c0.h5) reads the same.
std::string describe(const SyntheticMarketSpec& s, uint64_t seed, uint64_t scenario,
                     uint32_t stream) {
  auto num = [](double v) { return format_number(v); };
  std::ostringstream out;
  out << "synthetic: seed=" << seed << "; scenario=" << scenario;
  if (stream != 0) out << "; stream=" << stream;
  out << "; n_slots=" << s.n_slots << "; tick_seconds=" << num(s.tick_seconds)
      << "; capacity=" << s.capacity << "; od_price=" << num(s.od_price)
      << "; mean_spot_fraction=" << num(s.mean_spot_fraction)
      << "; mean_reversion_per_hour=" << num(s.mean_reversion_per_hour)
      << "; volatility_per_sqrt_hour=" << num(s.volatility_per_sqrt_hour)
      << "; daily_season_amplitude=" << num(s.daily_season_amplitude);
  if (s.daily_season_shift_hours != 0.0)
    out << "; daily_season_shift_hours=" << num(s.daily_season_shift_hours);
  out << "; regime_enter_prob=" << num(s.regime_enter_prob)
      << "; regime_exit_prob=" << num(s.regime_exit_prob)
      << "; regime_multiplier=" << num(s.regime_multiplier)
      << "; price_floor_fraction=" << num(s.price_floor_fraction);
  if (s.spike_rate_per_hour > 0.0)
    out << "; spike_rate_per_hour=" << num(s.spike_rate_per_hour)
        << "; spike_size=" << num(s.spike_size)
        << "; spike_mean_duration_hours=" << num(s.spike_mean_duration_hours);
  out << "; availability_model=" << availability_model_name(s.availability_model)
      << "; birth_rate_per_gpu_hour=" << num(s.birth_rate_per_gpu_hour)
      << "; death_rate_per_gpu_hour=" << num(s.death_rate_per_gpu_hour);
  if (s.availability_model == AvailabilityModel::markov_modulated)
    out << "; storm_enter_prob=" << num(s.storm_enter_prob)
        << "; storm_exit_prob=" << num(s.storm_exit_prob)
        << "; storm_birth_multiplier=" << num(s.storm_birth_multiplier)
        << "; storm_death_multiplier=" << num(s.storm_death_multiplier);
  out << "; generator=Philox4x32-10 key=seed counter={slot,quantity,scenario}";
  return out.str();
}

void require(bool ok, const char* field, double value, const char* reason) {
  if (!ok) {
    std::ostringstream text;
    text << value;
    throw input_error("synthetic", field, text.str(), reason);
  }
}

bool probability(double p) { return p >= 0.0 && p <= 1.0; }

}  // namespace

void validate_synthetic_spec(const SyntheticMarketSpec& s) {
  require(s.n_slots >= 1, "n_slots", s.n_slots, "must be at least 1");
  require(s.n_slots <= kMaxSlots, "n_slots", s.n_slots, "must be at most 2^30 (1073741824)");
  require(s.tick_seconds > 0.0 && std::isfinite(s.tick_seconds), "tick_seconds", s.tick_seconds,
          "must be positive");
  check_tick_seconds(s.tick_seconds, "synthetic", "tick_seconds");
  require(s.capacity >= 1 && s.capacity <= kMaxCapacity, "capacity", s.capacity,
          "must be between 1 and 1024");
  require(s.od_price > 0.0 && std::isfinite(s.od_price), "od_price", s.od_price,
          "must be positive");
  require(s.mean_spot_fraction > 0.0 && std::isfinite(s.mean_spot_fraction), "mean_spot_fraction",
          s.mean_spot_fraction, "must be positive");
  require(s.mean_reversion_per_hour > 0.0 && std::isfinite(s.mean_reversion_per_hour),
          "mean_reversion_per_hour", s.mean_reversion_per_hour, "must be positive");
  require(s.volatility_per_sqrt_hour >= 0.0 && std::isfinite(s.volatility_per_sqrt_hour),
          "volatility_per_sqrt_hour", s.volatility_per_sqrt_hour, "must be non-negative");
  require(s.daily_season_amplitude >= 0.0 && s.daily_season_amplitude < 1.0,
          "daily_season_amplitude", s.daily_season_amplitude, "must be in [0, 1)");
  require(s.daily_season_shift_hours >= 0.0 && s.daily_season_shift_hours < 24.0,
          "daily_season_shift_hours", s.daily_season_shift_hours, "must be in [0, 24)");
  require(probability(s.regime_enter_prob), "regime_enter_prob", s.regime_enter_prob,
          "must be a probability");
  require(probability(s.regime_exit_prob), "regime_exit_prob", s.regime_exit_prob,
          "must be a probability");
  require(s.regime_multiplier > 0.0 && std::isfinite(s.regime_multiplier), "regime_multiplier",
          s.regime_multiplier, "must be positive");
  require(s.price_floor_fraction > 0.0 && s.price_floor_fraction < 1.0, "price_floor_fraction",
          s.price_floor_fraction, "must be in (0, 1)");
  require(s.spike_rate_per_hour >= 0.0 && std::isfinite(s.spike_rate_per_hour),
          "spike_rate_per_hour", s.spike_rate_per_hour, "must be non-negative");
  require(s.spike_size > 0.0 && std::isfinite(s.spike_size), "spike_size", s.spike_size,
          "must be positive");
  require(s.spike_mean_duration_hours > 0.0 && std::isfinite(s.spike_mean_duration_hours),
          "spike_mean_duration_hours", s.spike_mean_duration_hours, "must be positive");
  require(s.birth_rate_per_gpu_hour >= 0.0 && std::isfinite(s.birth_rate_per_gpu_hour),
          "birth_rate_per_gpu_hour", s.birth_rate_per_gpu_hour, "must be non-negative");
  require(s.death_rate_per_gpu_hour >= 0.0 && std::isfinite(s.death_rate_per_gpu_hour),
          "death_rate_per_gpu_hour", s.death_rate_per_gpu_hour, "must be non-negative");
  require(s.birth_rate_per_gpu_hour + s.death_rate_per_gpu_hour > 0.0, "birth_rate_per_gpu_hour",
          s.birth_rate_per_gpu_hour, "birth and death rates cannot both be 0");
  require(probability(s.storm_enter_prob), "storm_enter_prob", s.storm_enter_prob,
          "must be a probability");
  require(probability(s.storm_exit_prob), "storm_exit_prob", s.storm_exit_prob,
          "must be a probability");
  require(s.storm_birth_multiplier >= 0.0 && std::isfinite(s.storm_birth_multiplier),
          "storm_birth_multiplier", s.storm_birth_multiplier, "must be non-negative");
  require(s.storm_death_multiplier >= 0.0 && std::isfinite(s.storm_death_multiplier),
          "storm_death_multiplier", s.storm_death_multiplier, "must be non-negative");
}

Trace generate_synthetic(const SyntheticMarketSpec& spec, uint64_t seed, uint64_t scenario) {
  return generate_synthetic(spec, seed, scenario, 0);
}

Trace generate_synthetic(const SyntheticMarketSpec& spec, uint64_t seed, uint64_t scenario,
                         uint32_t stream) {
  validate_synthetic_spec(spec);
  if (stream > kMaxSyntheticStream)
    throw input_error("synthetic", "stream", std::to_string(stream), "must be at most 65535");
  const DrawSource draws(seed, scenario, stream);
  const double slot_hours = spec.tick_seconds / 3600.0;
  const bool modulated = spec.availability_model == AvailabilityModel::markov_modulated;

  Trace trace;
  trace.name = "synthetic-s" + std::to_string(seed) + "-c" + std::to_string(scenario);
  if (stream != 0) trace.name += "-r" + std::to_string(stream);
  trace.source = describe(spec, seed, scenario, stream);
  trace.tick_seconds = spec.tick_seconds;
  trace.od_price = spec.od_price;
  trace.capacity = spec.capacity;
  check_host_memory(static_cast<double>(spec.n_slots) * 2.0 * (sizeof(double) + sizeof(int32_t)),
                    "a synthetic market of " + std::to_string(spec.n_slots) + " slots", "synthetic",
                    "n_slots", std::to_string(spec.n_slots), "lower n_slots");
  trace.spot_price.resize(static_cast<size_t>(spec.n_slots));
  trace.spot_avail.resize(static_cast<size_t>(spec.n_slots));

  // Price: exact OU transition over one slot.
  const double theta = spec.mean_reversion_per_hour;
  const double sigma = spec.volatility_per_sqrt_hour;
  const double stationary_var = sigma * sigma / (2.0 * theta);
  const double decay = std::exp(-theta * slot_hours);
  const double step_sd = std::sqrt(stationary_var * (1.0 - decay * decay));
  const double mean_price = spec.mean_spot_fraction * spec.od_price;
  const double floor_price = spec.price_floor_fraction * spec.od_price;

  // Availability: per-slot flip probabilities in the calm and storm states.
  const double calm_birth = 1.0 - std::exp(-spec.birth_rate_per_gpu_hour * slot_hours);
  const double calm_death = 1.0 - std::exp(-spec.death_rate_per_gpu_hour * slot_hours);
  const double storm_birth =
      1.0 - std::exp(-spec.birth_rate_per_gpu_hour * spec.storm_birth_multiplier * slot_hours);
  const double storm_death =
      1.0 - std::exp(-spec.death_rate_per_gpu_hour * spec.storm_death_multiplier * slot_hours);

  // Slot 0 starts from the stationary distributions (calm-state availability).
  double log_deviation = std::sqrt(stationary_var) * draws.normal(0, kQuantityInitialPrice);
  bool high_regime = draws.uniform(0, kQuantityInitialRegime) <
                     stationary_on(spec.regime_enter_prob, spec.regime_exit_prob);
  bool storm = modulated && draws.uniform(0, kQuantityInitialStorm) <
                                stationary_on(spec.storm_enter_prob, spec.storm_exit_prob);
  const double up_share =
      spec.birth_rate_per_gpu_hour / (spec.birth_rate_per_gpu_hour + spec.death_rate_per_gpu_hour);
  int32_t avail = binomial(spec.capacity, up_share, draws.uniform(0, kQuantityInitialAvail));

  // Spikes: per-slot onset and end probabilities of a continuous-time on/off process.
  const bool spikes = spec.spike_rate_per_hour > 0.0;
  const double spike_onset = 1.0 - std::exp(-spec.spike_rate_per_hour * slot_hours);
  const double spike_end = 1.0 - std::exp(-slot_hours / spec.spike_mean_duration_hours);
  bool spiking =
      spikes && draws.uniform(0, kQuantityInitialSpike) < stationary_on(spike_onset, spike_end);

  for (int32_t slot = 0; slot < spec.n_slots; ++slot) {
    if (slot > 0) {
      log_deviation = log_deviation * decay + step_sd * draws.normal(slot, kQuantityPriceShock);
      high_regime = markov_step(high_regime, spec.regime_enter_prob, spec.regime_exit_prob,
                                draws.uniform(slot, kQuantityPriceRegime));
      if (spikes)
        spiking = markov_step(spiking, spike_onset, spike_end, draws.uniform(slot, kQuantitySpike));
      if (modulated)
        storm = markov_step(storm, spec.storm_enter_prob, spec.storm_exit_prob,
                            draws.uniform(slot, kQuantityStorm));
      const double p_birth = storm ? storm_birth : calm_birth;
      const double p_death = storm ? storm_death : calm_death;
      const int32_t births =
          binomial(spec.capacity - avail, p_birth, draws.uniform(slot, kQuantityBirths));
      const int32_t deaths = binomial(avail, p_death, draws.uniform(slot, kQuantityDeaths));
      avail = std::clamp(avail + births - deaths, 0, spec.capacity);
    }
    const double hours = slot * slot_hours;
    const double season =
        1.0 + spec.daily_season_amplitude *
                  std::sin(2.0 * kPi * (hours - spec.daily_season_shift_hours) / 24.0);
    double regime = high_regime ? spec.regime_multiplier : 1.0;
    if (spiking) regime *= 1.0 + spec.spike_size;
    // exp(x − s²/2) has mean 1, so p̄ is the long-run mean price outside high regimes.
    const double price =
        mean_price * std::exp(log_deviation - 0.5 * stationary_var) * season * regime;
    trace.spot_price[static_cast<size_t>(slot)] = std::max(floor_price, price);
    trace.spot_avail[static_cast<size_t>(slot)] = avail;
  }
  validate_trace(trace, "synthetic");
  return trace;
}

namespace {

// The spec's real-valued fields by name, in the order the TOML table lists them.
struct NamedField {
  const char* name;
  double SyntheticMarketSpec::*field;
};
const NamedField kNamedFields[] = {
    {"tick_seconds", &SyntheticMarketSpec::tick_seconds},
    {"od_price", &SyntheticMarketSpec::od_price},
    {"mean_spot_fraction", &SyntheticMarketSpec::mean_spot_fraction},
    {"mean_reversion_per_hour", &SyntheticMarketSpec::mean_reversion_per_hour},
    {"volatility_per_sqrt_hour", &SyntheticMarketSpec::volatility_per_sqrt_hour},
    {"daily_season_amplitude", &SyntheticMarketSpec::daily_season_amplitude},
    {"daily_season_shift_hours", &SyntheticMarketSpec::daily_season_shift_hours},
    {"regime_enter_prob", &SyntheticMarketSpec::regime_enter_prob},
    {"regime_exit_prob", &SyntheticMarketSpec::regime_exit_prob},
    {"regime_multiplier", &SyntheticMarketSpec::regime_multiplier},
    {"price_floor_fraction", &SyntheticMarketSpec::price_floor_fraction},
    {"spike_rate_per_hour", &SyntheticMarketSpec::spike_rate_per_hour},
    {"spike_size", &SyntheticMarketSpec::spike_size},
    {"spike_mean_duration_hours", &SyntheticMarketSpec::spike_mean_duration_hours},
    {"birth_rate_per_gpu_hour", &SyntheticMarketSpec::birth_rate_per_gpu_hour},
    {"death_rate_per_gpu_hour", &SyntheticMarketSpec::death_rate_per_gpu_hour},
    {"storm_enter_prob", &SyntheticMarketSpec::storm_enter_prob},
    {"storm_exit_prob", &SyntheticMarketSpec::storm_exit_prob},
    {"storm_birth_multiplier", &SyntheticMarketSpec::storm_birth_multiplier},
    {"storm_death_multiplier", &SyntheticMarketSpec::storm_death_multiplier},
};

}  // namespace

namespace {
constexpr NamedValue<AvailabilityModel> kAvailabilityModelNames[] = {
    {"birth_death", AvailabilityModel::birth_death},
    {"markov_modulated", AvailabilityModel::markov_modulated}};
}  // namespace

const char* availability_model_name(AvailabilityModel model) {
  return name_of(kAvailabilityModelNames, model);
}

AvailabilityModel parse_availability_model(const std::string& name, const std::string& where,
                                           const std::string& field) {
  return parse_named(kAvailabilityModelNames, name, where, field);
}

double parse_parameter_real(const std::string& text, const std::string& where,
                            const std::string& key) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v))
    throw input_error(where, key, text, "not a number");
  return v;
}

int32_t parse_parameter_int(const std::string& text, const std::string& where,
                            const std::string& key, long long lo, long long hi) {
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0') throw input_error(where, key, text, "expected an integer");
  if (v < lo || v > hi)
    throw input_error(where, key, text,
                      "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int32_t>(v);
}

void set_synthetic_parameter(SyntheticMarketSpec& spec, const std::string& key,
                             const std::string& value, const std::string& where,
                             const std::string& field_prefix) {
  const std::string field = field_prefix + key;
  for (const NamedField& f : kNamedFields)
    if (key == f.name) {
      spec.*f.field = parse_parameter_real(value, where, field);
      return;
    }
  if (key == "n_slots")
    spec.n_slots = parse_parameter_int(value, where, field, 1, INT32_MAX);
  else if (key == "capacity")
    spec.capacity = parse_parameter_int(value, where, field, 1, 1024);
  else if (key == "availability_model")
    spec.availability_model = parse_availability_model(value, where, field);
  else
    throw input_error(where, field, value,
                      "unknown synthetic market parameter (see docs/synthetic.md)");
}

std::vector<std::string> synthetic_parameter_names() {
  std::vector<std::string> names = {"n_slots", "capacity", "availability_model"};
  for (const NamedField& f : kNamedFields)
    names.push_back(f.name);
  return names;
}

std::string synthetic_spec_to_toml(const SyntheticMarketSpec& spec) {
  std::ostringstream s;
  s << "[synthetic]\nn_slots = " << spec.n_slots << "\ncapacity = " << spec.capacity
    << "\navailability_model = \"" << availability_model_name(spec.availability_model) << "\"\n";
  for (const NamedField& f : kNamedFields)
    s << f.name << " = " << format_number(spec.*f.field) << "\n";
  return s.str();
}

}  // namespace spotsweep

#pragma once
// The per-(member, scenario) work both sweep backends run: every round of one scenario
// simulated with a fresh policy through the one simulate() loop, summed in round order.
// Both backends then add the scenario sums in scenario order, so means are bit-identical
// wherever simulate() is (no exp/log on the path). CUDA-free.
#include <cstdint>

#include "spotsweep/engine/families.hpp"
#include "spotsweep/model/job.hpp"
#include "spotsweep/model/macros.hpp"
#include "spotsweep/model/market.hpp"
#include "spotsweep/model/simulator.hpp"

namespace spotsweep {

// Scenario windows stored back to back, `slots` each, with one on-demand price each.
struct ScenarioBatchView {
  const double* spot_price = nullptr;   // [scenario][slot]
  const int32_t* spot_avail = nullptr;  // [scenario][slot]
  const double* od_price = nullptr;     // [scenario]
  int32_t count = 0;
  int32_t slots = 0;
  double tick_seconds = 0.0;
  int32_t capacity = 1;  // a_max of the scenarios' markets, for forecasts
  uint64_t seed = 0;     // the workload's seed, which keys forecast noise
  // What forecasters read instead of the market, [scenario][slot]; null: the market itself.
  const double* forecast_spot_price = nullptr;
  const int32_t* forecast_spot_avail = nullptr;
  // The learned predictors' table views (docs/predict.md, "In pools"), [scenario][model]: each
  // points at model m's forecasts for the scenario, [slot][k < window], made at every slot of
  // its window from the trace's history; empty for a model no member uses. Null when none is.
  const ForecastTableView* learned_tables = nullptr;

  // What member policies see of scenario `scenario`; scratch is the caller's working memory.
  SPOTSWEEP_HD_INLINE MemberContext context(int32_t scenario, unsigned char* scratch) const {
    MemberContext c;
    c.market = market(scenario);
    c.forecast_market = forecast_market(scenario);
    c.seed = seed;
    c.scenario = static_cast<uint32_t>(scenario);
    c.capacity = capacity;
    c.scratch = scratch;
    if (learned_tables)
      c.learned_tables = learned_tables + static_cast<int64_t>(scenario) * kLearnedModels;
    return c;
  }

  SPOTSWEEP_HD_INLINE MarketView market(int32_t scenario) const {
    MarketView m;
    const int64_t first = static_cast<int64_t>(scenario) * slots;
    m.spot_price = spot_price + first;
    m.spot_avail = spot_avail + first;
    m.od_price = od_price[scenario];
    m.tick_seconds = tick_seconds;
    m.n_slots = slots;
    return m;
  }

  SPOTSWEEP_HD_INLINE MarketView forecast_market(int32_t scenario) const {
    MarketView m = market(scenario);
    if (forecast_spot_price) {
      const int64_t first = static_cast<int64_t>(scenario) * slots;
      m.spot_price = forecast_spot_price + first;
      m.spot_avail = forecast_spot_avail + first;
    }
    return m;
  }
};

// Outcome sums over a set of jobs; means and rates are taken on the host at the end.
struct OutcomeSums {
  double utility = 0.0;
  double cost = 0.0;
  double finish_s = 0.0;  // over finished jobs only
  double spot_share = 0.0;
  int64_t jobs = 0;
  int64_t finished = 0;
  int64_t missed = 0;
  int64_t reconfigs = 0;
  int64_t net_overrides = 0;
  int64_t slots = 0;  // policy-slot steps simulated
  // The scenarios' mean utilities, for the standard error across scenarios (docs/hdf5-layout.md,
  // utility_se): their count, running mean and sum of squared deviations (Welford), updated in
  // scenario order by add_scenario on both backends.
  int64_t scenario_count = 0;
  double scenario_mean = 0.0;
  double scenario_m2 = 0.0;

  SPOTSWEEP_HD_INLINE void add(const Outcome& o) {
    add_uncounted(o);
    if (!o.missed) ++finished;
    ++jobs;
  }

  // add() without counting jobs and finished ones, which are `jobs` and `jobs − missed` after
  // `jobs` of these (set_counts): two fewer counters a kernel thread keeps live.
  SPOTSWEEP_HD_INLINE void add_uncounted(const Outcome& o) {
    utility += o.utility;
    cost += o.cost;
    if (!o.missed) finish_s += o.finish_s;
    spot_share += o.spot_share();
    missed += o.missed;
    reconfigs += o.reconfigs;
    net_overrides += o.net_overrides;
    slots += o.slots;
  }

  SPOTSWEEP_HD_INLINE void set_counts(int64_t added) {
    jobs = added;
    finished = added - missed;
  }

  SPOTSWEEP_HD_INLINE void add(const OutcomeSums& s) {
    utility += s.utility;
    cost += s.cost;
    finish_s += s.finish_s;
    spot_share += s.spot_share;
    jobs += s.jobs;
    finished += s.finished;
    missed += s.missed;
    reconfigs += s.reconfigs;
    net_overrides += s.net_overrides;
    slots += s.slots;
  }

  // Adds one scenario's sums and its mean utility.
  SPOTSWEEP_HD_INLINE void add_scenario(const OutcomeSums& part) {
    add(part);
    const double x = part.utility / static_cast<double>(part.jobs);
    ++scenario_count;
    const double delta = x - scenario_mean;
    scenario_mean += delta / static_cast<double>(scenario_count);
    scenario_m2 += delta * (x - scenario_mean);
  }
};

// Metrics whose percentiles are reported, in key-buffer order.
enum class PercentileMetric : int32_t { utility = 0, cost = 1, finish_s = 2 };
constexpr int32_t kPercentileMetrics = 3;
// Nearest-rank percentiles reported for each metric, in percent.
constexpr int32_t kPercentileCount = 3;
SPOTSWEEP_HD_INLINE constexpr int32_t percentile_percent(int32_t i) {
  return i == 0 ? 5 : (i == 1 ? 50 : 95);
}

// Sort key of a value: float, with −0 folded into +0 so a radix sort (which orders −0 before
// +0) and std::sort agree on the value at every rank. A missed job's finish time is +inf.
SPOTSWEEP_HD_INLINE float percentile_key(double v) { return static_cast<float>(v) + 0.0f; }

// 0-based index of the nearest-rank p-th percentile of n sorted values: ceil(p·n/100) − 1.
SPOTSWEEP_HD_INLINE int64_t percentile_index(int32_t percent, int64_t n) {
  const int64_t rank = (static_cast<int64_t>(percent) * n + 99) / 100;
  return rank > 0 ? rank - 1 : 0;
}

// A key's bits as an unsigned integer in the order of the floats (the order a radix sort uses):
// negative keys with every bit flipped, the others with the sign bit set. Keys have −0 folded
// into +0 (percentile_key), so equal keys have equal bits and the k-th smallest bits are the
// bits of the k-th smallest key, as std::sort leaves it.
SPOTSWEEP_HD_INLINE uint32_t percentile_key_bits(float key) {
#ifdef __CUDA_ARCH__
  const uint32_t bits = __float_as_uint(key);
#else
  uint32_t bits;
  __builtin_memcpy(&bits, &key, sizeof bits);
#endif
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

SPOTSWEEP_HD_INLINE float percentile_key_from_bits(uint32_t ordered) {
  const uint32_t bits = (ordered & 0x80000000u) ? (ordered & 0x7fffffffu) : ~ordered;
#ifdef __CUDA_ARCH__
  return __uint_as_float(bits);
#else
  float key;
  __builtin_memcpy(&key, &bits, sizeof key);
  return key;
#endif
}

// The exact nearest-rank selection both backends' percentiles equal: an MSD radix select on
// percentile_key_bits, 8 bits a pass, most significant first. Each pass counts, among the keys
// whose higher digits match the prefix found so far, how many have each value of this digit;
// the digit holding the wanted rank extends the prefix, and the rank becomes its rank among
// the keys with that prefix. After the four passes the prefix is the key's bits.
constexpr int32_t kRadixSelectBins = 256;
constexpr int32_t kRadixSelectPasses = 4;

SPOTSWEEP_HD_INLINE int32_t radix_select_shift(int32_t pass) { return 24 - 8 * pass; }

// Whether a key takes part in pass `pass`, given the prefix of the digits before it.
SPOTSWEEP_HD_INLINE bool radix_select_matches(uint32_t bits, uint32_t prefix, int32_t pass) {
  // The mask of the digits before this pass; pass 0 has none (a shift by 32 is undefined).
  const uint32_t mask = pass == 0 ? 0u : ~((1u << (32 - 8 * pass)) - 1u);
  return (bits & mask) == prefix;
}

SPOTSWEEP_HD_INLINE uint32_t radix_select_digit_of(uint32_t bits, int32_t pass) {
  return (bits >> radix_select_shift(pass)) & 0xffu;
}

// The digit holding rank *rank (0-based) in a pass's histogram, and the rank within it.
SPOTSWEEP_HD_INLINE uint32_t radix_select_digit(const uint32_t* histogram, int64_t* rank) {
  int64_t below = 0;
  for (int32_t d = 0; d < kRadixSelectBins; ++d) {
    if (*rank < below + histogram[d]) {
      *rank -= below;
      return static_cast<uint32_t>(d);
    }
    below += histogram[d];
  }
  return kRadixSelectBins - 1;  // not reached for rank < n
}

// The key of 0-based rank `index` among keys[0..n), exactly: what sorting them and reading
// entry `index` gives. One thread's version of the select the CUDA backend runs per member
// (kernels/detail/sweep_kernels.cuh), which the unit tests hold against std::sort.
SPOTSWEEP_HD_INLINE float select_key_of_rank(const float* keys, int64_t n, int64_t index) {
  uint32_t prefix = 0;
  int64_t rank = index;
  for (int32_t pass = 0; pass < kRadixSelectPasses; ++pass) {
    uint32_t histogram[kRadixSelectBins] = {};
    for (int64_t i = 0; i < n; ++i) {
      const uint32_t bits = percentile_key_bits(keys[i]);
      if (radix_select_matches(bits, prefix, pass)) ++histogram[radix_select_digit_of(bits, pass)];
    }
    prefix |= radix_select_digit(histogram, &rank) << radix_select_shift(pass);
  }
  return percentile_key_from_bits(prefix);
}

// Where a (member, scenario, round)'s keys go: keys[(metric·members + member)·jobs + job].
struct PercentileKeys {
  float* keys = nullptr;  // nullptr: no percentiles wanted
  int64_t members = 0;    // members in this chunk
  int64_t jobs = 0;       // scenarios × rounds

  SPOTSWEEP_HD_INLINE void store(int64_t member, int64_t job, const Outcome& o) const {
    if (!keys) return;
    const double finish = o.missed ? static_cast<double>(INFINITY) : o.finish_s;
    keys[(0 * members + member) * jobs + job] = percentile_key(o.utility);
    keys[(1 * members + member) * jobs + job] = percentile_key(o.cost);
    keys[(2 * members + member) * jobs + job] = percentile_key(finish);
  }
};

// One job of one member: a fresh policy from the member's parameters, through simulate().
template <class Family>
SPOTSWEEP_HD_INLINE Outcome evaluate_member_job(const double* params, const MemberContext& context,
                                                const JobSpec& job, int32_t start_slot) {
  typename Family::Policy policy = Family::make(params, job, context);
  return simulate(job, context.market, start_slot, policy);
}

// Simulates every round of one scenario for one member. jobs and round_start hold the
// scenario's `rounds` entries; traced, when given, receives each round's full Outcome.
template <class Family>
SPOTSWEEP_HD OutcomeSums evaluate_member_scenario(const double* params,
                                                  const MemberContext& context, const JobSpec* jobs,
                                                  const int32_t* round_start, int32_t rounds,
                                                  const PercentileKeys& keys, int64_t chunk_member,
                                                  int64_t first_job, Outcome* traced) {
  OutcomeSums sums;
  for (int32_t r = 0; r < rounds; ++r) {
#ifdef __CUDA_ARCH__
    const JobSpec& job = jobs[r];
#else
    const JobSpec job = jobs[r];  // a local copy the compiler can keep in registers
#endif
    const Outcome o = evaluate_member_job<Family>(params, context, job, round_start[r]);
    sums.add_uncounted(o);
    keys.store(chunk_member, first_job + r, o);
    if (traced) traced[r] = o;
  }
  sums.set_counts(rounds);
  return sums;
}

}  // namespace spotsweep

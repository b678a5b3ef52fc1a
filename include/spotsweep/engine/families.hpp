#pragma once
// Pool families as both backends see them: a member's local index is decoded, mixed-radix
// with the LAST axis fastest, into its parameter values, which build a fresh policy object.
// Adding a family = a traits struct here (make() and scratch_bytes(), the most a grid needs
// given each axis's largest and smallest values), a case in
// visit_family, and its axis table in src/pool.cpp. CUDA-free; shared by the CPU backend and
// the kernels.
#include <cstddef>
#include <cstdint>

#include "spotsweep/model/chc.hpp"
#include "spotsweep/model/forecast.hpp"
#include "spotsweep/model/macros.hpp"
#include "spotsweep/model/market.hpp"
#include "spotsweep/model/policies.hpp"

namespace spotsweep {

enum class FamilyId : int32_t {
  on_demand = 0, greedy = 1, uniform_progress = 2, pf = 3, chc = 4, only_spot = 5
};

constexpr int kMaxAxes = 8;

// One family's grid, non-owning: axis i has axis_size[i] values at values[axis_offset[i]...].
struct FamilyGridView {
  FamilyId family = FamilyId::on_demand;
  int32_t n_axes = 0;
  int32_t axis_size[kMaxAxes] = {};
  int32_t axis_offset[kMaxAxes] = {};
  const double* values = nullptr;
};

// Parameter values of the family's local member `local`; the last axis varies fastest.
SPOTSWEEP_HD_INLINE void decode_member(const FamilyGridView& grid, int64_t local, double* params) {
  for (int32_t i = grid.n_axes - 1; i >= 0; --i) {
    const int64_t digit = local % grid.axis_size[i];
    local /= grid.axis_size[i];
    params[i] = grid.values[grid.axis_offset[i] + digit];
  }
}

// What a pool member's policy may need besides its parameters, per (scenario, round): the
// scenario's market and identity (forecasts are keyed by them) and working memory.
struct MemberContext {
  MarketView market;
  // What forecasters read: the market itself, unless the workload poisons forecasts with
  // another trace (forecast_trace, docs/select.md).
  MarketView forecast_market;
  uint64_t seed = 0;          // the workload's seed, which keys the forecast noise
  uint32_t scenario = 0;
  int32_t capacity = 1;       // a_max of the scenario's market
  unsigned char* scratch = nullptr;  // scratch_bytes() bytes, owned by the backend
};

// Families without working memory or forecasts.
struct StatelessFamily {
  SPOTSWEEP_HD_INLINE static size_t scratch_bytes(const double*, const double*, const JobSpec&,
                                                  double) {
    return 0;
  }
};

// Axis order of each family's params[] is its axis table's order (src/pool.cpp).
struct OnDemandFamily : StatelessFamily {
  using Policy = OnDemandOnlyPolicy;
  SPOTSWEEP_HD_INLINE static Policy make(const double* p, const JobSpec&, const MemberContext&) {
    Policy policy;
    policy.n_gpus = static_cast<int32_t>(p[0]);
    return policy;
  }
};

struct GreedyFamily : StatelessFamily {
  using Policy = GreedyPolicy;
  SPOTSWEEP_HD_INLINE static Policy make(const double* p, const JobSpec&, const MemberContext&) {
    Policy policy;
    policy.deadline_factor = p[0];
    return policy;
  }
};

struct UniformProgressFamily : StatelessFamily {
  using Policy = UniformProgressPolicy;
  SPOTSWEEP_HD_INLINE static Policy make(const double* p, const JobSpec&, const MemberContext&) {
    Policy policy;
    policy.deadline_factor = p[0];
    return policy;
  }
};

struct OnlySpotFamily : StatelessFamily {
  using Policy = OnlySpotPolicy;
  SPOTSWEEP_HD_INLINE static Policy make(const double* p, const JobSpec&, const MemberContext&) {
    Policy policy;
    policy.n_gpus = static_cast<int32_t>(p[0]);
    return policy;
  }
};

struct PfFamily : StatelessFamily {
  using Policy = PredictionFreePolicy;
  SPOTSWEEP_HD_INLINE static Policy make(const double* p, const JobSpec&, const MemberContext&) {
    Policy policy;
    policy.theta = p[0];
    policy.kappa = p[1];
    policy.rho = p[2];
    policy.hysteresis = p[3];
    return policy;
  }
};

// CHC(w, v) on the noisy oracle: axes window, commit, eps, growth, resolution,
// replan_deviation, mode (0 committed, 1 averaged), lagrange_iters (0 exact planner).
struct ChcFamily {
  using Policy = ChcPolicy<OracleForecaster>;
  SPOTSWEEP_HD_INLINE static ChcParams params(const double* p) {
    ChcParams c;
    c.window = static_cast<int32_t>(p[0]);
    c.commit = static_cast<int32_t>(p[1]);
    c.resolution = static_cast<int32_t>(p[4]);
    c.replan_deviation = p[5];
    c.mode = p[6] != 0.0 ? ChcMode::averaged : ChcMode::committed;
    c.lagrange_iters = static_cast<int32_t>(p[7]);
    return c;
  }
  // The most any member of a grid needs, from each axis's largest and smallest values: the
  // layout grows with w, v and m, and the planners' layouts differ (lagrange_iters 0 or not).
  SPOTSWEEP_HD_INLINE static size_t scratch_bytes(const double* largest, const double* smallest,
                                                  const JobSpec& job, double tick_s) {
    ChcParams c = params(largest);
    const size_t lagrangian_or_exact = chc_scratch_layout(job, tick_s, c).bytes;
    c.lagrange_iters = static_cast<int32_t>(smallest[7]);
    const size_t bytes = chc_scratch_layout(job, tick_s, c).bytes;
    return bytes > lagrangian_or_exact ? bytes : lagrangian_or_exact;
  }
  SPOTSWEEP_HD_INLINE static Policy make(const double* p, const JobSpec& job,
                                         const MemberContext& context) {
    Policy policy;
    policy.params = params(p);
    policy.forecaster.market = context.forecast_market;
    policy.forecaster.oracle.seed = context.seed;
    policy.forecaster.oracle.scenario = context.scenario;
    policy.forecaster.oracle.eps = p[2];
    policy.forecaster.oracle.growth = p[3];
    policy.forecaster.oracle.avail_max = context.capacity;
    policy.layout = chc_scratch_layout(job, context.market.tick_seconds, policy.params);
    policy.scratch = context.scratch;
    return policy;
  }
};

// Calls visitor(Traits{}) with the traits of `family`: the one switch both backends share.
template <class Visitor>
decltype(auto) visit_family(FamilyId family, Visitor&& visitor) {
  switch (family) {
    case FamilyId::greedy: return visitor(GreedyFamily{});
    case FamilyId::uniform_progress: return visitor(UniformProgressFamily{});
    case FamilyId::pf: return visitor(PfFamily{});
    case FamilyId::chc: return visitor(ChcFamily{});
    case FamilyId::only_spot: return visitor(OnlySpotFamily{});
    case FamilyId::on_demand:
    default: return visitor(OnDemandFamily{});
  }
}

}  // namespace spotsweep

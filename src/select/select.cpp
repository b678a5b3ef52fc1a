// The selector's host side shared by both backends: its options, the a-priori utility ranges,
// the size of the feedback queue, the curves of docs/select.md built from a backend's
// per-(round, scenario) records, and the run that leads to them. Everything here is in USD.
#include "spotsweep/select/select.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <utility>

#include "spotsweep/backend/cpu_select.hpp"
#include "spotsweep/backend/cuda.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"
#include "spotsweep/detail/mpi.hpp"
#include "spotsweep/detail/names.hpp"
#include "spotsweep/model/limits.hpp"
#include "spotsweep/model/slot.hpp"
#include "spotsweep/sweep/sweep_ranks.hpp"

namespace spotsweep {

namespace {
// full: every member's utility is observed; bandit: only the played member's. "hedge" and
// "exp3" are older spellings of the two.
constexpr NamedValue<Feedback> kFeedbackNames[] = {{"full", Feedback::full},
                                                   {"bandit", Feedback::bandit},
                                                   {"hedge", Feedback::full},
                                                   {"exp3", Feedback::bandit}};
// fixed: sqrt(8 ln K / T); anytime: sqrt(8 ln K / n).
constexpr NamedValue<EtaSchedule> kEtaNames[] = {{"fixed", EtaSchedule::fixed},
                                                 {"anytime", EtaSchedule::anytime}};
constexpr NamedValue<Learner> kLearnerNames[] = {
    {"flipflop", Learner::flipflop}, {"adahedge", Learner::adahedge},
    {"hedge", Learner::hedge},       {"exp3", Learner::exp3},
    {"exp3-ada", Learner::exp3_ada}, {"exp3_ada", Learner::exp3_ada}};
constexpr NamedValue<FeedbackDelay> kDelayNames[] = {{"finish", FeedbackDelay::finish},
                                                     {"none", FeedbackDelay::none}};

// A learner asked for together with a feedback it does not take: a one-line error.
void check_learner_takes(Learner learner, Feedback feedback, const std::string& file,
                         const std::string& field) {
  if (learner_feedback(learner) != feedback)
    throw input_error(file, field, feedback_name(feedback),
                      std::string("learner ") + learner_name(learner) + " takes " +
                          feedback_name(learner_feedback(learner)) + " feedback");
}

// The top_k members of every scenario by final weight (ties: lower member first), from every
// rank's own top_k; and each family's weight mass, summed per member block in member order and
// the blocks added in block order, so that it does not depend on the ranks.
void top_members_and_family_weights(const SweepPlan& plan, int32_t S, int32_t top_k,
                                    const SelectorRun& run, std::vector<int64_t>* top_member,
                                    std::vector<double>* top_weight,
                                    std::vector<double>* family_weight) {
  const int64_t begin = run.member_begin, L = run.member_end - run.member_begin;
  SPOTSWEEP_EXPECTS(run.final_probability.size() == static_cast<size_t>(S) * L,
                    "final weights per (scenario, member held)");
  std::vector<double> candidates(static_cast<size_t>(S) * top_k * 2, -1.0);  // (p, member)
  std::vector<int64_t> order(static_cast<size_t>(L));
  for (int32_t s = 0; s < S; ++s) {
    const double* p = run.final_probability.data() + static_cast<size_t>(s) * L;
    std::iota(order.begin(), order.end(), int64_t(0));
    const int64_t n = std::min<int64_t>(top_k, L);
    std::partial_sort(order.begin(), order.begin() + n, order.end(),
                      [p](int64_t a, int64_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
    for (int64_t j = 0; j < n; ++j) {
      candidates[(static_cast<size_t>(s) * top_k + j) * 2] = p[order[j]];
      candidates[(static_cast<size_t>(s) * top_k + j) * 2 + 1] =
          static_cast<double>(begin + order[j]);
    }
  }
  std::vector<double> all = candidates;
  if (mpi::size() > 1) {
    const std::vector<unsigned char> bytes =
        mpi::all_gather(candidates.data(), candidates.size() * sizeof(double));
    all.resize(bytes.size() / sizeof(double));
    std::memcpy(all.data(), bytes.data(), bytes.size());
  }
  const size_t ranks = all.size() / candidates.size();
  for (int32_t s = 0; s < S; ++s) {
    std::vector<std::pair<double, int64_t>> merged;
    for (size_t r = 0; r < ranks; ++r)
      for (int32_t j = 0; j < top_k; ++j) {
        const double* c =
            all.data() + r * candidates.size() + (static_cast<size_t>(s) * top_k + j) * 2;
        if (c[1] >= 0.0) merged.emplace_back(c[0], static_cast<int64_t>(c[1]));
      }
    std::sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    });
    for (int32_t j = 0; j < top_k; ++j) {
      top_member->push_back(merged[j].second);
      top_weight->push_back(merged[j].first);
    }
  }

  const size_t families = plan.pool.families.size();
  const int64_t block = mpi::member_block();
  const int64_t first_block = begin / block, local_blocks = (L + block - 1) / block;
  std::vector<double> part(static_cast<size_t>(local_blocks) * S * families, 0.0);
  for (int64_t j = 0; j < local_blocks; ++j)
    for (int32_t s = 0; s < S; ++s) {
      const double* p = run.final_probability.data() + static_cast<size_t>(s) * L - begin;
      const int64_t lo = (first_block + j) * block, hi = std::min(begin + L, lo + block);
      for (size_t f = 0; f < families; ++f) {
        const FamilyGrid& g = plan.pool.families[f];
        double mass = 0.0;
        for (int64_t k = std::max(lo, g.first_member); k < std::min(hi, g.first_member + g.size);
             ++k)
          mass += p[k];
        part[(static_cast<size_t>(j) * S + s) * families + f] = mass;
      }
    }
  std::vector<double> blocks = part;
  if (mpi::size() > 1) {
    const std::vector<unsigned char> bytes =
        mpi::all_gather_varying(part.data(), part.size() * sizeof(double));
    blocks.resize(bytes.size() / sizeof(double));
    if (!blocks.empty()) std::memcpy(blocks.data(), bytes.data(), bytes.size());
  }
  family_weight->assign(static_cast<size_t>(S) * families, 0.0);
  const size_t per_block = static_cast<size_t>(S) * families;
  for (size_t b = 0; per_block > 0 && b < blocks.size() / per_block; ++b)
    for (size_t i = 0; i < per_block; ++i)
      (*family_weight)[i] += blocks[b * per_block + i];
}
}  // namespace

const char* feedback_name(Feedback feedback) { return name_of(kFeedbackNames, feedback); }
const char* eta_schedule_name(EtaSchedule eta) { return name_of(kEtaNames, eta); }
const char* learner_name(Learner learner) { return name_of(kLearnerNames, learner); }
const char* feedback_delay_name(FeedbackDelay delay) { return name_of(kDelayNames, delay); }
std::string learner_names() { return names_of(kLearnerNames); }

Learner default_learner(Feedback feedback) {
  return feedback == Feedback::bandit ? Learner::exp3_ada : SelectOptions{}.learner;
}

Feedback parse_feedback(const std::string& file, const std::string& name,
                        const std::string& field) {
  return parse_named(kFeedbackNames, name, file, field);
}

EtaSchedule parse_eta_schedule(const std::string& file, const std::string& name,
                               const std::string& field) {
  return parse_named(kEtaNames, name, file, field);
}

Learner parse_learner(const std::string& file, const std::string& name, const std::string& field) {
  return parse_named(kLearnerNames, name, file, field);
}

FeedbackDelay parse_feedback_delay(const std::string& file, const std::string& name,
                                   const std::string& field) {
  return parse_named(kDelayNames, name, file, field);
}

void read_select_options(const TomlDocument& doc, SelectOptions& options) {
  const TomlSection* section = doc.find("select");
  if (!section) return;
  const TomlEntry* feedback_entry = nullptr;
  const TomlEntry* learner_entry = nullptr;
  for (const TomlEntry& e : section->entries) {
    if (e.key == "feedback") {
      parse_feedback(where(doc, e), toml_string(doc, e));
      feedback_entry = &e;
    } else if (e.key == "learner") {
      options.learner = parse_learner(where(doc, e), toml_string(doc, e));
      learner_entry = &e;
    } else if (e.key == "feedback_delay") {
      options.delay = parse_feedback_delay(where(doc, e), toml_string(doc, e));
    } else if (e.key == "eta") {
      options.eta = parse_eta_schedule(where(doc, e), toml_string(doc, e));
    } else if (e.key == "top_k") {
      const long long k = toml_integer(doc, e);
      if (k < 1 || k > 1000)
        throw input_error(where(doc, e), e.path, e.value.text, "must be in [1, 1000]");
      options.top_k = static_cast<int32_t>(k);
    } else if (e.key == "utility_range") {
      const std::vector<TomlValue>& items = toml_array(doc, e);
      if (items.size() != 2)
        throw input_error(where(doc, e), e.path, e.value.text, "expected [low, high] in USD");
      options.utility_range =
          UtilityRange{toml_number(doc, e.path, items[0]), toml_number(doc, e.path, items[1])};
      if (!(options.utility_range.high > options.utility_range.low))
        throw input_error(where(doc, e), e.path, e.value.text, "needs low < high");
      // Rewards are (u − low)/(high − low): a width that overflows makes every reward NaN.
      // No utility lies beyond ±3e37 USD (kMaxUsd for V̄, P_miss and a job's largest cost).
      const double limit = 10.0 * kMaxUsd;
      if (!(options.utility_range.low >= -limit && options.utility_range.high <= limit))
        throw input_error(where(doc, e), e.path, e.value.text,
                          "each bound must be within ±1e38 USD (no utility lies outside, and the "
                          "width must stay finite)");
      options.given_range = true;
    } else if (e.key == "seed") {
      const long long seed = toml_integer(doc, e);
      if (seed < 0) throw input_error(where(doc, e), e.path, e.value.text, "must be ≥ 0");
      options.seed = static_cast<uint64_t>(seed);
    } else {
      throw input_error(
          where(doc, e), e.path, e.value.text,
          "unknown key (learner, feedback, feedback_delay, eta, top_k, seed, utility_range)");
    }
  }
  if (feedback_entry) {
    const Feedback feedback =
        parse_feedback(where(doc, *feedback_entry), toml_string(doc, *feedback_entry));
    if (learner_entry)
      check_learner_takes(options.learner, feedback, where(doc, *feedback_entry),
                          feedback_entry->path);
    else if (learner_feedback(options.learner) != feedback)
      options.learner = default_learner(feedback);
  }
}

void apply_select_overrides(SelectOptions& options, const std::string& learner,
                            const std::string& feedback, const std::string& delay,
                            const std::string& eta) {
  if (!learner.empty()) options.learner = parse_learner("command line", learner, "--learner");
  if (!feedback.empty()) {
    const Feedback f = parse_feedback("command line", feedback, "--feedback");
    if (!learner.empty())
      check_learner_takes(options.learner, f, "command line", "--feedback");
    else if (learner_feedback(options.learner) != f)
      options.learner = default_learner(f);
  }
  if (!delay.empty())
    options.delay = parse_feedback_delay("command line", delay, "--feedback-delay");
  if (!eta.empty()) options.eta = parse_eta_schedule("command line", eta, "--eta");
}

std::string select_options_to_toml(const SelectOptions& options) {
  std::string text = "[select]\nlearner = \"" + std::string(learner_name(options.learner)) +
                     "\"\nfeedback = \"" + feedback_name(options.feedback()) +
                     "\"\nfeedback_delay = \"" + feedback_delay_name(options.delay) +
                     "\"\neta = \"" + eta_schedule_name(options.eta) +
                     "\"\ntop_k = " + std::to_string(options.top_k) +
                     "\nseed = " + std::to_string(options.seed) + "\n";
  if (options.given_range)
    text += "utility_range = [" + format_number(options.utility_range.low) + ", " +
            format_number(options.utility_range.high) + "]\n";
  return text;
}

std::vector<UtilityRange> selector_ranges(const SweepPlan& plan, const SelectOptions& options) {
  const int32_t S = selector_scenarios(plan, options);  // checks the options first
  if (!options.given_range) return selector_utility_ranges(plan, options.regimes);
  return std::vector<UtilityRange>(static_cast<size_t>(S), options.utility_range);
}

void check_select_options(const SelectOptions& options) {
  // The other learners set their own rates: an anytime η would be recorded but not used.
  if (options.learner != Learner::hedge && options.eta == EtaSchedule::anytime)
    throw input_error("", "eta", "anytime",
                      std::string("applies to learner hedge only, not ") +
                          learner_name(options.learner) + ", which sets its own rate");
}

int32_t selector_scenarios(const SweepPlan& plan, const SelectOptions& options) {
  check_select_options(options);
  if (options.regimes < 1 || plan.scenarios.count % options.regimes != 0)
    throw input_error(
        "", "regimes", std::to_string(options.regimes),
        "must divide the plan's " + std::to_string(plan.scenarios.count) + " scenario windows");
  return plan.scenarios.count / options.regimes;
}

SweepPlan make_regime_plan(const SweepConfig& config, const std::vector<Trace>& regime_traces) {
  SPOTSWEEP_EXPECTS(!regime_traces.empty(), "at least one regime");
  SweepPlan plan = make_plan(config, regime_traces[0]);
  const std::vector<JobSpec> jobs = plan.jobs;
  for (size_t c = 1; c < regime_traces.size(); ++c) {
    const SweepPlan other = make_plan(config, regime_traces[c]);
    ScenarioSet& set = plan.scenarios;
    if (other.scenarios.slots != set.slots || other.scenarios.tick_seconds != set.tick_seconds)
      throw input_error(regime_traces[c].name, "tick_seconds",
                        format_number(regime_traces[c].tick_seconds),
                        "every regime's trace needs regime 0's tick");
    set.count += other.scenarios.count;
    set.capacity = std::max(set.capacity, other.scenarios.capacity);
    set.od_price.insert(set.od_price.end(), other.scenarios.od_price.begin(),
                        other.scenarios.od_price.end());
    set.spot_price.insert(set.spot_price.end(), other.scenarios.spot_price.begin(),
                          other.scenarios.spot_price.end());
    set.spot_avail.insert(set.spot_avail.end(), other.scenarios.spot_avail.begin(),
                          other.scenarios.spot_avail.end());
    set.source_slot.insert(set.source_slot.end(), other.scenarios.source_slot.begin(),
                           other.scenarios.source_slot.end());
    // The same pool, so the same learned models and table windows, made from this regime's trace.
    set.learned.append(other.scenarios.learned);
    plan.jobs.insert(plan.jobs.end(), jobs.begin(),
                     jobs.end());  // the regime changes the market, not the job
  }
  plan.trace_name.clear();
  for (const Trace& t : regime_traces)
    plan.trace_name += (plan.trace_name.empty() ? "" : " | ") + t.name;
  return plan;
}

SelectResult finish_select(const SweepPlan& plan, const std::vector<UtilityRange>& ranges,
                           const SelectOptions& options, const OptTable& opt, SelectorRun run) {
  const int32_t S = selector_scenarios(plan, options), T = plan.rounds;
  const int64_t K = plan.pool.size;
  SPOTSWEEP_EXPECTS(run.records.size() == static_cast<size_t>(S) * T,
                    "one record per (round, scenario)");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  SelectResult out;
  out.scenarios = S;
  out.rounds = T;
  out.members = K;
  out.learner = options.learner;
  out.eta = options.eta;
  out.delay = options.delay;
  out.seed = options.seed;
  out.given_range = options.given_range;
  out.ranges = ranges;
  out.options_toml = select_options_to_toml(options);
  const size_t cells = static_cast<size_t>(S) * T;
  for (auto* curve : {&out.expected_utility,    &out.sampled_utility,
                      &out.selector_cumulative, &out.sampled_cumulative,
                      &out.best_cumulative,     &out.regret,
                      &out.sampled_regret,      &out.uniform_regret,
                      &out.ftl_regret,          &out.regret_bound,
                      &out.tightness,           &out.uniform_tightness,
                      &out.delay_cost,          &out.sqrt_bound,
                      &out.learning_rate,       &out.entropy,
                      &out.leader_weight,       &out.opt_utility,
                      &out.opt_upper,           &out.selector_ratio,
                      &out.best_ratio})
    curve->assign(cells, nan);
  out.sampled_member.assign(cells, 0);
  out.regime.assign(cells, 0);
  out.pending.assign(cells, 0);
  out.best_member.assign(cells, 0);
  out.leader.assign(cells, 0);

  for (int32_t s = 0; s < S; ++s) {
    const UtilityRange& range = ranges[s];
    double expected_sum = 0.0, sampled_sum = 0.0, uniform_sum = 0.0, ftl_sum = 0.0, opt_sum = 0.0;
    for (int32_t r = 0; r < T; ++r) {
      const SelectorRoundRecord& rec = run.records[static_cast<size_t>(r) * S + s];
      const size_t i = static_cast<size_t>(s) * T + r;
      expected_sum += rec.expected_utility;
      sampled_sum += rec.sampled_utility;
      uniform_sum += rec.uniform_utility;
      ftl_sum += rec.ftl_utility;
      out.expected_utility[i] = rec.expected_utility;
      out.sampled_utility[i] = rec.sampled_utility;
      out.sampled_member[i] = rec.sampled_member;
      out.selector_cumulative[i] = expected_sum;
      out.sampled_cumulative[i] = sampled_sum;
      out.best_member[i] = rec.best_member;
      out.best_cumulative[i] = rec.best_cumulative;
      out.regret[i] = rec.best_cumulative - expected_sum;
      out.sampled_regret[i] = rec.best_cumulative - sampled_sum;
      out.uniform_regret[i] = rec.best_cumulative - uniform_sum;
      out.ftl_regret[i] = rec.best_cumulative - ftl_sum;
      out.regret_bound[i] = rec.regret_bound;
      out.tightness[i] = rec.regret_bound > 0.0 ? out.regret[i] / rec.regret_bound : nan;
      out.uniform_tightness[i] =
          rec.regret_bound > 0.0 ? out.uniform_regret[i] / rec.regret_bound : nan;
      out.delay_cost[i] = rec.delay_cost;
      out.sqrt_bound[i] = range.width() * sqrt_half_r_log_k(K, r + 1);
      out.pending[i] = rec.pending;
      out.learning_rate[i] = rec.rate;
      out.entropy[i] = rec.entropy;
      out.leader[i] = rec.leader;
      out.leader_weight[i] = rec.leader_probability;
      out.regime[i] = rec.regime;
      if (opt.progress_buckets > 0) {
        // OPT of the job in the market the round was played in.
        const size_t j = (static_cast<size_t>(rec.regime) * S + s) * plan.rounds + r;
        out.opt_utility[i] = opt.utility_lower[j];
        out.opt_upper[i] = opt.utility_upper[j];
        opt_sum += opt.utility_upper[j];  // ratios against OPT's upper bound never flatter
        if (opt_sum > 0.0) {
          out.selector_ratio[i] = out.selector_cumulative[i] / opt_sum;
          out.best_ratio[i] = out.best_cumulative[i] / opt_sum;
        }
      }
    }
  }

  if (opt.progress_buckets > 0 && T > 0) {
    double best_sum = 0.0;
    for (int32_t s = 0; s < S; ++s)
      best_sum += out.at(out.best_cumulative, s, T - 1);
    out.opt_buckets = opt.progress_buckets;
    out.opt_resolution = opt.resolution;
    out.opt_precision = opt_precision(out.opt_utility.data(), out.opt_upper.data(),
                                      static_cast<int64_t>(cells), best_sum / cells);
  }

  // Top-k by final weight (ties: lower member first), and each family's weight mass.
  out.top_k = static_cast<int32_t>(std::min<int64_t>(options.top_k, K));
  top_members_and_family_weights(plan, S, out.top_k, run, &out.top_member, &out.top_weight,
                                 &out.family_weight);
  run.records.clear();
  run.records.shrink_to_fit();
  run.final_probability.clear();
  run.final_probability.shrink_to_fit();
  out.run = std::move(run);
  return out;
}

std::vector<UtilityRange> selector_utility_ranges(const SweepPlan& plan, int32_t regimes) {
  const ScenarioBatchView batch = plan.scenarios.view();
  SPOTSWEEP_EXPECTS(regimes >= 1 && batch.count % regimes == 0, "whole regimes of windows");
  const int32_t selectors = batch.count / regimes;
  std::vector<UtilityRange> ranges(static_cast<size_t>(selectors),
                                   UtilityRange{std::numeric_limits<double>::infinity(),
                                                -std::numeric_limits<double>::infinity()});
  for (int32_t w = 0; w < batch.count; ++w) {
    // Only the job and the on-demand price: the spot prices of the window are the future.
    const double od_price = batch.od_price[w];
    const int32_t s = w % selectors;
    for (int32_t r = 0; r < plan.rounds; ++r) {
      const JobSpec& job = plan.job(w, r);
      const double horizon_h = horizon_slots(job, batch.tick_seconds) * batch.tick_seconds / 3600.0;
      const double max_cost = job.n_max * od_price * horizon_h;
      ranges[s].low = std::min(ranges[s].low, -std::max(job.miss_penalty, 0.0) - max_cost);
      ranges[s].high = std::max(ranges[s].high, job.value_max);
    }
  }
  for (UtilityRange& range : ranges)
    if (!(range.high > range.low)) range.high = range.low + 1.0;  // every utility the same
  return ranges;
}

int32_t next_round_start(const SweepPlan& plan, int32_t round) {
  const std::vector<int32_t>& start = plan.round_start;
  if (round + 1 < plan.rounds) return start[round + 1];
  const int32_t stride = plan.rounds > 1 ? start[plan.rounds - 1] - start[plan.rounds - 2] : 0;
  return start[round] + stride;
}

int32_t feedback_queue_rounds(const SweepPlan& plan, const SelectOptions& options) {
  if (options.delay == FeedbackDelay::none) return 1;
  // A round's results arrive at most its jobs' horizon after its start (a job never runs past
  // it): count, after each round, the rounds whose latest arrival is still ahead.
  const int32_t T = plan.rounds;
  std::vector<int64_t> latest(static_cast<size_t>(T), 0);
  for (int32_t w = 0; w < plan.scenarios.count; ++w)
    for (int32_t r = 0; r < T; ++r)
      latest[r] = std::max<int64_t>(latest[r],
                                    static_cast<int64_t>(plan.round_start[r]) +
                                        horizon_slots(plan.job(w, r), plan.scenarios.tick_seconds));
  int32_t most = 0;
  for (int32_t r = 0; r < T; ++r) {
    const int64_t cutoff = next_round_start(plan, r);
    int32_t pending = 0;
    for (int32_t j = 0; j <= r; ++j)
      pending += latest[j] > cutoff ? 1 : 0;
    most = std::max(most, pending);
  }
  return most + 1;
}

SelectorRun run_selector(const SweepPlan& plan, const std::vector<UtilityRange>& ranges,
                         const SelectOptions& options, const RoundProgress& progress) {
  if (mpi::size() > 1) {
    // Several ranks split the members on the CPU backend (docs/mpi.md, "select and stress").
    if (options.exec.backend == Backend::cuda)
      throw mpi::RankFailure(
          "command line: --backend = cuda: the CUDA selector runs on one rank; under mpirun use "
          "--backend cpu or auto (docs/mpi.md)",
          2);
    SelectorRun run = run_selector_cpu(plan, ranges, options, progress);
    mpi::sum(&run.policy_slot_steps, 1);
    mpi::sum(&run.rewards_clamped, 1);
    mpi::max(&run.seconds, 1);
    run.device = devices_of_ranks(run.device);
    return run;
  }
  return run_on_backend(
      options.exec.backend, [&] { return run_selector_cpu(plan, ranges, options, progress); },
      [&] { return run_selector_cuda(plan, ranges, options, progress); });
}

SelectResult run_selection(const SweepPlan& plan, const SelectOptions& options, int32_t opt_buckets,
                           const RoundProgress& progress, int32_t opt_resolution) {
  const std::vector<UtilityRange> ranges = selector_ranges(plan, options);
  // The selector's tables: gains, estimates, probabilities and rewards per (scenario, member),
  // the per-round records and curves, and each CPU thread's planner scratch.
  const double K = static_cast<double>(plan.pool.size);
  const double cells = static_cast<double>(plan.scenarios.count) * K;
  const double bytes = 5.0 * cells * sizeof(double) +
                       16.0 * plan.rounds * plan.scenarios.count * sizeof(double) +
                       static_cast<double>(max_scratch_bytes(plan)) * options.exec.cpu_threads();
  check_host_memory(bytes, "the selector's tables", plan.config_file, "pool",
                    std::to_string(plan.pool.size) + " members",
                    "shrink the pool or [workload] scenarios, or lower --threads");
  SelectorRun run = run_selector(plan, ranges, options, progress);
  // OPT is per job, not per member: under several ranks each solves a share of the jobs, and
  // every rank gets the whole table (docs/mpi.md, "OPT across ranks").
  const OptTable opt =
      compute_opt_table_ranks(plan, opt_buckets, options.exec.threads, {}, opt_resolution);
  return finish_select(plan, ranges, options, opt, std::move(run));
}

}  // namespace spotsweep

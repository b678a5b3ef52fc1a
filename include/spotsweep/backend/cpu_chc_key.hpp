#pragma once
// One CHC planning key's members on the CPU (docs/chc.md, "Plan tables"): decoded once, then run
// job by job in lockstep through run_chc_key_job, sharing each slot's plan. The sweep runs a key
// over every (scenario, round); the selector runs it on each window's job of a round. Host-only.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "spotsweep/engine/chc_tables.hpp"
#include "spotsweep/engine/evaluate.hpp"

namespace spotsweep {

class CpuChcKey {
 public:
  // The members of key `key` of a CHC grid at places `within` of the key (any subset: a
  // member's outcomes do not depend on which others share its plans), or every member when
  // `within` is empty; sized for the most demanding of `jobs`.
  CpuChcKey(const FamilyGridView& grid, const ChcKeyLayout& layout, int64_t key,
            const std::vector<int64_t>& within, const std::vector<JobSpec>& jobs, double tick_s);

  int64_t members() const { return static_cast<int64_t>(params_.size()); }
  // The grid-local index of the j-th member run.
  int64_t member_local(int64_t j) const { return layout_.member_local(key_, within_[j]); }

  // Runs every member of the key on `job` of scenario `scenario`, starting at market slot
  // `start_slot`, and calls done(j, outcome) as member j ends (in the order they end).
  template <class OnOutcome>
  void run(const ScenarioBatchView& scenarios, int32_t scenario, const JobSpec& job,
           int32_t start_slot, OnOutcome&& done) {
    const int32_t count = static_cast<int32_t>(members());
    for (int32_t j = 0; j < count; ++j) {
      const MemberContext context = scenarios.context(scenario, own_.data() + bytes_.own * j);
      runs_[j] = ChcMemberRun{};
      runs_[j].policy = ChcFamily::make(params_[j].data(), job, context);
      runs_[j].policy.solve_scratch = bytes_.alone > 0 ? solve_.data() : nullptr;
      runs_[j].run.begin(job, context.market, start_slot);
    }
    const ChcParams key_params = ChcFamily::params(params_[0].data());
    const SharedPlanLayout table_layout =
        shared_plan_layout(job, scenarios.tick_seconds, key_params, widest_commit_);
    run_chc_key_job(job, runs_.data(), count, runs_[0].policy.forecaster, key_params, table_layout,
                    table_.data(), done);
  }

 private:
  ChcKeyLayout layout_;
  int64_t key_ = 0;
  std::vector<int64_t> within_;              // the members' places in the key
  std::vector<std::vector<double>> params_;  // [member][axis]
  int32_t widest_commit_ = 0;  // the most slots any member commits to: the plan's stored slots
  ChcKeyBytes bytes_;
  std::vector<unsigned char> own_, solve_, table_;
  std::vector<ChcMemberRun> runs_;
};

}  // namespace spotsweep

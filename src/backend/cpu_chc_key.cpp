#include "spotsweep/backend/cpu_chc_key.hpp"

namespace spotsweep {

CpuChcKey::CpuChcKey(const FamilyGridView& grid, const ChcKeyLayout& layout, int64_t key,
                     const std::vector<int64_t>& within, const std::vector<JobSpec>& jobs,
                     double tick_s)
    : layout_(layout), key_(key), within_(within) {
  if (within_.empty())
    for (int64_t j = 0; j < layout.members_per_key; ++j)
      within_.push_back(j);
  const int64_t count = static_cast<int64_t>(within_.size());
  params_.assign(static_cast<size_t>(count), std::vector<double>(kMaxAxes));
  ChcParams widest;  // the largest commit any member makes: the shared plan's stored slots
  widest.commit = 0;
  for (int64_t j = 0; j < count; ++j) {
    decode_member(grid, member_local(j), params_[j].data());
    const ChcParams c = ChcFamily::params(params_[j].data());
    widest = c.commit > widest.commit ? c : widest;
  }
  widest_commit_ = widest.commit;
  // Memory (engine/chc_tables.hpp, ChcKeyBytes) for the most demanding job.
  for (const JobSpec& job : jobs)
    bytes_.widen(chc_key_bytes(job, tick_s, widest));
  own_.resize(bytes_.own * static_cast<size_t>(count));
  solve_.resize(bytes_.alone);
  table_.resize(bytes_.table);
  runs_.resize(static_cast<size_t>(count));
}

}  // namespace spotsweep

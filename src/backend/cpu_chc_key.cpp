#include "spotsweep/backend/cpu_chc_key.hpp"

namespace spotsweep {

CpuChcKey::CpuChcKey(const FamilyGridView& grid, const ChcKeyLayout& layout, int64_t key,
                     const std::vector<JobSpec>& jobs, double tick_s)
    : layout_(layout), key_(key) {
  const int64_t count = layout.members_per_key;
  params_.assign(static_cast<size_t>(count), std::vector<double>(kMaxAxes));
  ChcParams widest;
  widest.commit = 0;
  for (int64_t j = 0; j < count; ++j) {
    decode_member(grid, layout.member_local(key, j), params_[j].data());
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

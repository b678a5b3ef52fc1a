// The Can't Be Late replay on the CUDA backend equals the CPU's bit for bit (docs/cbl.md): every
// run's cost, finish and deadline flag. The full ADRS benchmark when ../shared holds its data,
// else windows of a pseudo-random binary trace. Skips without a device.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "spotsweep/tools/cbl.hpp"

#include "../support/device_or_skip.hpp"

namespace spotsweep {
namespace {

const std::vector<CblPolicy>& kAllPolicies = cbl_policies();

std::vector<CblSetting> adrs_settings() {
  std::vector<CblSetting> s;
  for (double d : {52.0, 70.0, 92.0})
    for (double o : {0.02, 0.2, 0.4})
      s.push_back({d, o});
  return s;
}

CblReplay replay_under_test() {
  // SPOTSWEEP_SHARED_DIR in the environment points at a copy of ../shared (the GPU machine's).
  const char* env = std::getenv("SPOTSWEEP_SHARED_DIR");
  const std::string shared = env ? env : SPOTSWEEP_SHARED_DIR;
  const std::string windows = shared + "/data/spot-traces/derived/adrs_cant_be_late_windows.csv";
  const std::string traces =
      shared + "/data/spot-traces/skypilot-org/availability/1-node/aws-10-26-2022";
  if (std::filesystem::exists(windows) && std::filesystem::is_directory(traces))
    return make_cbl_replay(read_cbl_windows(windows), windows, traces, adrs_settings(),
                           kAllPolicies);
  // Without the data: 400 windows of a binary trace with runs of a few ticks.
  Trace t;
  t.name = "synthetic_v100_1";
  t.tick_seconds = 600.0;
  t.od_price = kCblOnDemandPrice;
  const int32_t n = 4000;
  t.spot_price.assign(n, cbl_spot_price(kCblOnDemandPrice));
  uint32_t x = 11;
  bool up = true;
  for (int32_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    if ((x >> 8) % 1000 < 150) up = ((x >> 20) % 2) == 0;
    t.spot_avail.push_back(up ? 1 : 0);
  }
  std::vector<CblWindow> windows_list;
  for (int32_t w = 0; w < 400; ++w)
    windows_list.push_back({t.name, w, w * 8, w * 8 + 554});
  return make_cbl_replay(windows_list, "synthetic windows", {t.name}, {t}, adrs_settings(),
                         kAllPolicies);
}

TEST(CblParity, CudaReplayEqualsCpuBitForBit) {
  SPOTSWEEP_SKIP_WITHOUT_DEVICE();
  const CblReplay replay = replay_under_test();
  const CblRuns cpu = run_cbl_replay(replay, ExecOptions{Backend::cpu});
  const CblRuns gpu = run_cbl_replay(replay, ExecOptions{Backend::cuda});
  ASSERT_EQ(gpu.backend, Backend::cuda);
  ASSERT_EQ(cpu.outcomes.size(), gpu.outcomes.size());
  int64_t differing = 0;
  for (size_t i = 0; i < cpu.outcomes.size(); ++i) {
    const Outcome& a = cpu.outcomes[i];
    const Outcome& b = gpu.outcomes[i];
    if (a.cost != b.cost || a.finish_s != b.finish_s || a.missed != b.missed) ++differing;
  }
  EXPECT_EQ(differing, 0) << "of " << cpu.outcomes.size() << " runs";
  EXPECT_EQ(cpu.ticks, gpu.ticks);
}

}  // namespace
}  // namespace spotsweep

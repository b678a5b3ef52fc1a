#pragma once
// Device memory owned by host objects, counted against the backends' memory budget, and the
// launch arithmetic both backends use.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "spotsweep/backend/device.hpp"
#include "spotsweep/backend/exec.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/sweep/plan.hpp"

#include "staged_scenario.cuh"

namespace spotsweep {
namespace kernels {

// Bytes held on the device now and at most, over the whole sweep.
struct DeviceMemoryMeter {
  std::size_t current = 0;
  std::size_t peak = 0;
};

// Owns one device allocation and counts it in the meter.
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer(std::size_t count, DeviceMemoryMeter& meter)
      : bytes_(count * sizeof(T)), meter_(meter) {
    if (bytes_ > 0) SPOTSWEEP_CUDA_TRY(cudaMalloc(&data_, bytes_));
    meter_.current += bytes_;
    meter_.peak = std::max(meter_.peak, meter_.current);
  }
  DeviceBuffer(const std::vector<T>& host, DeviceMemoryMeter& meter)
      : DeviceBuffer(host.size(), meter) {
    if (bytes_ > 0)
      SPOTSWEEP_CUDA_TRY(cudaMemcpy(data_, host.data(), bytes_, cudaMemcpyHostToDevice));
  }
  ~DeviceBuffer() {
    if (data_) cudaFree(data_);
    meter_.current -= bytes_;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  T* data() const { return data_; }

 private:
  T* data_ = nullptr;
  std::size_t bytes_;
  DeviceMemoryMeter& meter_;
};

inline unsigned blocks_for(int64_t n, int threads) {
  return static_cast<unsigned>((n + threads - 1) / threads);
}

// A plan's scenario windows (and forecast windows, when poisoned) on the device, with the view
// kernels read; staged_bytes() is the shared memory a block needs to stage one scenario, 0 when
// a scenario is too large and is read through L2 instead.
class DeviceScenarioSet {
 public:
  DeviceScenarioSet(const ScenarioSet& set, DeviceMemoryMeter& meter)
      : spot_price_((check_scenario_count(set.count), set.spot_price), meter),
        spot_avail_(set.spot_avail, meter),
        od_price_(set.od_price, meter),
        forecast_price_(set.forecast_spot_price, meter),
        forecast_avail_(set.forecast_spot_avail, meter),
        view_(set.view()) {
    view_.spot_price = spot_price_.data();
    view_.spot_avail = spot_avail_.data();
    view_.od_price = od_price_.data();
    if (!set.forecast_spot_price.empty()) {
      view_.forecast_spot_price = forecast_price_.data();
      view_.forecast_spot_avail = forecast_avail_.data();
    }
    // The learned predictors' tables (docs/predict.md, "In pools"), counted in the meter, and
    // their views, [scenario][model], re-pointed at the device's copies.
    for (int32_t m = 0; m < kLearnedModels; ++m) {
      learned_price_[m] = std::make_unique<DeviceBuffer<double>>(set.learned.price(m), meter);
      learned_avail_[m] = std::make_unique<DeviceBuffer<int32_t>>(set.learned.avail(m), meter);
    }
    std::vector<ForecastTableView> tables = set.learned.views();
    for (std::size_t i = 0; i < tables.size(); ++i) {
      const int32_t m = static_cast<int32_t>(i % kLearnedModels);
      if (!tables[i].price) continue;
      tables[i].price = learned_price_[m]->data() + (tables[i].price - set.learned.price(m).data());
      tables[i].avail = learned_avail_[m]->data() + (tables[i].avail - set.learned.avail(m).data());
    }
    learned_tables_ = std::make_unique<DeviceBuffer<ForecastTableView>>(tables, meter);
    view_.learned_tables = tables.empty() ? nullptr : learned_tables_->data();
    const std::size_t bytes =
        static_cast<std::size_t>(set.slots) * (sizeof(double) + sizeof(int32_t));
    staged_bytes_ = bytes <= static_cast<std::size_t>(kSharedScenarioBytes) ? bytes : 0;
  }
  const ScenarioBatchView& view() const { return view_; }
  std::size_t staged_bytes() const { return staged_bytes_; }

 private:
  // Kernels take the scenario as blockIdx.y, whose grid dimension stops at 65535; checked
  // before anything is copied to the device.
  static void check_scenario_count(int32_t count) {
    if (count > 65535)
      throw input_error("", "workload.scenarios", std::to_string(count),
                        "the CUDA backend takes at most 65535");
  }

  DeviceBuffer<double> spot_price_;
  DeviceBuffer<int32_t> spot_avail_;
  DeviceBuffer<double> od_price_;
  DeviceBuffer<double> forecast_price_;
  DeviceBuffer<int32_t> forecast_avail_;
  std::unique_ptr<DeviceBuffer<double>> learned_price_[kLearnedModels];
  std::unique_ptr<DeviceBuffer<int32_t>> learned_avail_[kLearnedModels];
  std::unique_ptr<DeviceBuffer<ForecastTableView>> learned_tables_;
  ScenarioBatchView view_;
  std::size_t staged_bytes_ = 0;
};

// Every family's axis values on the device; grid(f) is family f's view for the kernels.
class DevicePoolAxes {
 public:
  DevicePoolAxes(const Pool& pool, DeviceMemoryMeter& meter) : pool_(pool) {
    for (const FamilyGrid& g : pool.families)
      values_.push_back(std::make_unique<DeviceBuffer<double>>(g.flat_values(), meter));
  }
  FamilyGridView grid(std::size_t family) const {
    return pool_.families[family].view(values_[family]->data());
  }

 private:
  const Pool& pool_;
  std::vector<std::unique_ptr<DeviceBuffer<double>>> values_;
};

// Room left for CUDA's own allocations and alignment slack.
constexpr std::size_t kDeviceMemoryMargin = 16u << 20;

// The run's device memory budget (ExecOptions::device_budget_bytes); an InputError naming
// --max-device-mem when what the meter already holds does not fit in it.
inline std::size_t device_budget_bytes(const ExecOptions& exec, const DeviceInfo& device,
                                       const DeviceMemoryMeter& meter) {
  const std::size_t budget = exec.device_budget_bytes(device.free_bytes);
  if (budget < meter.current + kDeviceMemoryMargin)
    throw input_error("", "--max-device-mem", std::to_string(budget),
                      "too small: the plan alone needs " +
                          std::to_string(meter.current + kDeviceMemoryMargin) + " bytes");
  return budget;
}

}  // namespace kernels
}  // namespace spotsweep

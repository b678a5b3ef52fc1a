// A sweep shared by MPI ranks: each rank's share, the counters combined, and the file written
// by the ranks in turn (docs/mpi.md, "Writing the file").
#include "spotsweep/sweep/sweep_ranks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "spotsweep/backend/device.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/h5.hpp"
#include "spotsweep/detail/mpi.hpp"
#include "spotsweep/sweep/sweep_h5.hpp"

namespace spotsweep {

namespace {

// Each point's traced members' outcomes, each from the rank that owns the member.
void gather_traced(const SweepPlan& plan, SweepResult& result) {
  const size_t jobs = static_cast<size_t>(plan.jobs_per_member());
  const size_t bytes = result.traced.size() * sizeof(Outcome);
  if (bytes == 0) return;
  const std::vector<unsigned char> all = mpi::all_gather(result.traced.data(), bytes);
  for (size_t k = 0; k < result.traced_members.size(); ++k) {
    const int64_t member = result.traced_members[k];
    int owner = 0;
    while (!mpi::block_range(plan.pool.size, owner, mpi::size()).contains(member))
      ++owner;
    std::memcpy(result.traced.data() + k * jobs,
                all.data() + static_cast<size_t>(owner) * bytes + k * jobs * sizeof(Outcome),
                jobs * sizeof(Outcome));
  }
}

}  // namespace

std::string devices_of_ranks(const std::string& own) {
  if (mpi::size() == 1) return own;
  std::vector<size_t> counts;
  const std::vector<unsigned char> all = mpi::all_gather_varying(own.data(), own.size(), &counts);
  std::vector<std::string> labels;
  size_t at = 0;
  for (size_t c : counts) {
    labels.emplace_back(reinterpret_cast<const char*>(all.data()) + at, c);
    at += c;
  }
  if (std::all_of(labels.begin(), labels.end(), [&](const std::string& l) { return l == own; }))
    return own + " on " + std::to_string(labels.size()) + " ranks";
  std::string joined;
  for (size_t r = 0; r < labels.size(); ++r)
    joined += (r ? "; " : "") + std::string("rank ") + std::to_string(r) + ": " + labels[r];
  return joined;
}

GridRunResult run_sweep_grid_ranks(SweepGrid& grid, GridRunOptions options,
                                   const GridRunCallbacks& callbacks) {
  const mpi::MemberRange range = mpi::own_range(grid.front().pool.size);
  options.sweep.member_begin = range.begin;
  options.sweep.member_end = range.end;
  // A checkpoint of another rank count is refused, with how to resume it (docs/mpi.md).
  mpi::agreed([&] { check_checkpoint_ranks(options.checkpoint_dir, options.resume, mpi::size()); });
  if (mpi::size() > 1) {
    use_device(mpi::local_rank());
    // Each rank's own checkpoint, in a folder of its own under the run's (docs/mpi.md).
    if (!options.checkpoint_dir.empty()) {
      if (!options.resume)
        mpi::agreed([&] {
          if (mpi::is_root()) prepare_rank_checkpoints(options.checkpoint_dir, mpi::size());
        });
      options.checkpoint_dir =
          rank_checkpoint_dir(options.checkpoint_dir, mpi::rank(), mpi::size());
    }
  }
  // Agreed inside: after the chunks, and per point of OPT, whose jobs the ranks split.
  GridRunResult run = run_sweep_grid(grid, options, callbacks);
  for (SweepResult& result : run.results)
    result.mpi_ranks = mpi::size();
  if (mpi::size() == 1) return run;
  std::string device;
  for (size_t p = 0; p < run.results.size(); ++p) {
    SweepResult& result = run.results[p];
    mpi::sum(&result.policy_slot_steps, 1);
    double maxima[2] = {result.seconds, static_cast<double>(result.device_peak_bytes)};
    mpi::max(maxima, 2);
    result.seconds = maxima[0];
    result.device_peak_bytes = static_cast<size_t>(maxima[1]);
    if (p == 0) device = devices_of_ranks(result.device);
    result.device = device;
    gather_traced(grid.plans[p], result);
  }
  return run;
}

int64_t best_member_ranks(const SweepResult& result, double* utility) {
  double best = -std::numeric_limits<double>::infinity();
  int64_t member = std::numeric_limits<int64_t>::max();
  for (int64_t m = result.first_member; m < result.first_member + result.members; ++m)
    if (member == std::numeric_limits<int64_t>::max() ||
        result.stat(m, Stat::utility_mean) > best) {
      best = result.stat(m, Stat::utility_mean);
      member = m;
    }
  double global = best;
  mpi::max(&global, 1);
  int64_t first = best == global ? member : std::numeric_limits<int64_t>::max();
  mpi::min(&first, 1);
  *utility = global;
  return first;
}

void write_sweep_h5_ranks(OutputFile* output, const SweepGrid& grid,
                          const std::vector<SweepResult>& results, const std::vector<OptTable>& opt,
                          const std::string& config_toml) {
  SPOTSWEEP_EXPECTS(mpi::is_root() == (output != nullptr), "rank 0 alone reserves the output");
  if (mpi::size() == 1) {
    mpi::test_failure_point("write");
    write_sweep_h5(*output, grid, results, opt, config_toml);
    return;
  }
  // Each point's best mean over every rank's rows, for OPT's precision check.
  std::vector<double> best_means;
  for (const SweepResult& r : results) {
    const double own = best_member_mean(r);
    best_means.push_back(std::isnan(own) ? -std::numeric_limits<double>::infinity() : own);
  }
  mpi::max(best_means.data(), best_means.size());
  for (double& b : best_means)
    if (std::isinf(b) && b < 0) b = std::numeric_limits<double>::quiet_NaN();
  std::string temp = mpi::is_root() ? output->temp() : std::string();
  mpi::broadcast(temp, 0);
  // On any failure rank 0's `output` removes the temporary file (its destructor), and whatever
  // was at the path before is left untouched.
  mpi::agreed([&] {
    if (!mpi::is_root()) return;
    const h5::QuietHdf5 quiet;
    h5::Handle file(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                    "create " + temp);
    write_sweep_contents(file, grid, results, opt, config_toml, best_means);
    mpi::test_failure_point("write");
    h5::check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush " + temp);
  });
  // One rank at a time: serial HDF5 has one writer per file (docs/mpi.md).
  for (int r = 1; r < mpi::size(); ++r)
    mpi::agreed([&] {
      if (mpi::rank() != r) return;
      mpi::test_failure_point("write");
      const h5::QuietHdf5 quiet;
      h5::Handle file(H5Fopen(temp.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose, "open " + temp);
      write_sweep_rows(file, grid, results);
      h5::check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush " + temp);
    });
  mpi::agreed([&] {
    if (mpi::is_root()) output->commit();
  });
}

RankBench bench_sweep_ranks(const SweepPlan& plan, SweepOptions options, int32_t repeats) {
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  RankBench bench;
  const mpi::MemberRange range = mpi::own_range(plan.pool.size);
  if (mpi::size() > 1) use_device(mpi::local_rank());
  std::vector<double> slowest, own;
  for (int32_t i = 0; i < repeats; ++i) {
    SweepOptions share = options;
    share.member_begin = range.begin;
    share.member_end = range.end;
    mpi::barrier();
    mpi::agreed([&] { bench.result = run_sweep(plan, share); });
    double seconds = bench.result.seconds;
    own.push_back(seconds);
    mpi::max(&seconds, 1);
    slowest.push_back(seconds);
  }
  bench.seconds = median(slowest);
  bench.steps = bench.result.policy_slot_steps;
  mpi::sum(&bench.steps, 1);
  const double rate = static_cast<double>(bench.result.policy_slot_steps) / median(own);
  const std::vector<unsigned char> rates = mpi::all_gather(&rate, sizeof rate);
  bench.rank_rates.resize(static_cast<size_t>(mpi::size()));
  std::memcpy(bench.rank_rates.data(), rates.data(), rates.size());
  if (mpi::size() > 1) {
    std::vector<double> alone;
    for (int32_t i = 0; i < repeats; ++i) {
      mpi::barrier();
      double seconds = 0.0;  // the other ranks sleep in agreed()'s idle barrier meanwhile
      mpi::agreed([&] {
        if (mpi::is_root()) seconds = run_sweep(plan, options).seconds;
      });
      alone.push_back(seconds);
    }
    bench.one_rank_seconds = median(alone);
    mpi::broadcast(&bench.one_rank_seconds, sizeof(double), 0);
  } else {
    bench.one_rank_seconds = bench.seconds;
  }
  return bench;
}

}  // namespace spotsweep

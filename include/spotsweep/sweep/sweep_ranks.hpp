#pragma once
// A sweep shared by MPI ranks (docs/mpi.md): each rank evaluates its blocks of members on its
// node-local rank's GPU or on the CPU and keeps only their rows; rank 0 writes the file with its
// rows under a temporary name, each other rank in turn adds its rows, and rank 0 renames the file
// once every rank has succeeded. With one rank these are run_sweep_grid and write_sweep_h5. Every
// function here is called by every rank at the same point. Host-only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/sweep/grid_run.hpp"
#include "spotsweep/sweep/opt.hpp"
#include "spotsweep/sweep/plan.hpp"
#include "spotsweep/sweep/sweep.hpp"

namespace spotsweep {

// run_sweep_grid on this rank's share (mpi::own_range) of every point's pool, its failure agreed
// by every rank (each throws the failing rank's RankFailure). Per point, the counters
// (policy_slot_steps, the wall time: the slowest rank's, the device peak) and the traced
// members' outcomes are the whole pool's on every rank; the statistics are the rank's rows. OPT's
// jobs are split across the ranks and every rank gets the whole table (compute_opt_table_ranks).
// With several ranks each rank checkpoints its own rows and OPT shares under
// rank_checkpoint_dir, and --resume continues them under the same number of ranks; a checkpoint
// of another rank count is an InputError on every rank (check_checkpoint_ranks, docs/mpi.md).
GridRunResult run_sweep_grid_ranks(SweepGrid& grid, GridRunOptions options,
                                   const GridRunCallbacks& callbacks = {});
// The devices of every rank: "cpu (1 thread) on 3 ranks", or each rank's in rank order; `own`
// with one rank. Every rank calls it.
std::string devices_of_ranks(const std::string& own);
// The member with the largest mean utility over every rank's rows (the first on ties), and that
// utility in *utility (NaN and -1 with no members).
int64_t best_member_ranks(const SweepResult& result, double* utility);
// Writes the sweep file into `output` (rank 0's reservation, made when the command started;
// null on the other ranks) from every rank's rows (write_sweep_h5's file): no file appears
// unless every rank succeeded, and a failure anywhere is every rank's RankFailure. opt: every
// rank's whole table (rank 0 writes it).
// With one rank the file is built in memory and written with plain writes (write_sweep_h5);
// with several, each rank adds its rows to the temporary file through HDF5 in turn.
void write_sweep_h5_ranks(OutputFile* output, const SweepGrid& grid,
                          const std::vector<SweepResult>& results, const std::vector<OptTable>& opt,
                          const std::string& config_toml);

// `bench` under MPI (docs/mpi.md, "Scaling"): every rank times its share together (a barrier
// before each run), and rank 0 times the whole pool alone for the one-rank reference.
struct RankBench {
  double seconds = 0.0;            // median over the repeats of the slowest rank's time
  int64_t steps = 0;               // policy-slot steps of the whole pool
  std::vector<double> rank_rates;  // each rank's steps/s on its share (median time), rank order
  double one_rank_seconds = 0.0;   // median time of rank 0 alone on the whole pool; 0: one rank
  SweepResult result;              // this rank's last run
  double rate() const { return static_cast<double>(steps) / seconds; }
  // rate() / (ranks × the one-rank rate): 1 is perfect scaling.
  double efficiency() const {
    return one_rank_seconds / (seconds * static_cast<double>(rank_rates.size()));
  }
};
RankBench bench_sweep_ranks(const SweepPlan& plan, SweepOptions options, int32_t repeats);

}  // namespace spotsweep

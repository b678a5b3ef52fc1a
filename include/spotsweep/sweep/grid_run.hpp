#pragma once
// A sweep run as it runs from the command line (docs/sweep.md, "Progress, checkpoints and
// --resume"): every point of the scenario axes, each pool cut into chunks that mix its families
// (so that the work done so far is a fair sample of the rest, and the ETA holds on mixed pools),
// each chunk's results kept in a checkpoint file, and OPT per point. An interrupted run resumes
// from its checkpoints to the same results bit for bit: a chunk is a pool of its own on any
// backend, and every member's statistics depend on the member alone. Host-only.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "spotsweep/sweep/opt.hpp"
#include "spotsweep/sweep/plan.hpp"
#include "spotsweep/sweep/sweep.hpp"

namespace spotsweep {

struct GridRunOptions {
  // Backend, traced members, per-scenario statistics; member_begin/member_end: the members run
  // (an MPI rank's share, docs/mpi.md), whose rows alone each point's result then holds.
  SweepOptions sweep;
  int32_t opt_buckets = 256;   // OPT's progress buckets per job; 0 skips OPT
  int32_t opt_resolution = 0;  // > 0: OPT's step is Δ·H(N_min)/opt_resolution (compute_opt_table)
  bool opt_split_steps = false;  // with opt_resolution: OptOptions::split_steps
  std::string checkpoint_dir;    // where each finished chunk is kept; empty: no checkpoints
  bool resume = false;           // continue from checkpoint_dir's chunks
  // The run's identity (its resolved configuration and the options that change outputs): a
  // checkpoint of another run is refused rather than mixed in.
  std::string fingerprint;
  // Chunks laid out as for this backend (automatic: the one that runs); tests lay out CUDA's
  // sub-grid chunks on the CPU backend.
  Backend chunk_layout = Backend::automatic;
};

// Progress of the sweep, in estimated work (rule-based policy-slot steps, work_estimate.hpp).
struct WorkProgress {
  double done = 0.0, total = 0.0;
  double resumed = 0.0;  // of done, what came back from checkpoints
  int64_t steps = 0;     // policy-slot steps simulated by this process's finished chunks
  int64_t chunks_done = 0, chunks = 0;
};

struct GridRunCallbacks {
  std::function<void(const WorkProgress&)> sweep;
  // (point, job) OPTs solved by this rank, of this rank's share (every job with one rank)
  std::function<void(int64_t done, int64_t total)> opt;
};

struct GridRunResult {
  std::vector<SweepResult> results;  // one per point
  std::vector<OptTable> opt;         // one per point (progress_buckets 0 when skipped)
  int64_t chunks = 0, chunks_resumed = 0;
  int64_t chunks_held = 0;  // chunks with members of this process's range (all with one rank)
  int64_t opt_points_resumed = 0;
};

// A chunk of one point's pool. On the CPU, a sample spread evenly over the whole pool
// (member_list, ascending), so that every chunk holds every family in proportion and costs about
// the same; CHC members that share a planning key stay together. On CUDA, whose launches take
// whole family grids, a sub-grid: members [first_local, first_local + members) of one family
// grid, whose first `fixed_axes` axes hold one value each (member_list empty).
struct SweepChunk {
  int64_t point = 0;
  std::vector<int64_t> member_list;
  int32_t family_index = 0;
  int32_t fixed_axes = 0;
  int64_t first_local = 0;
  int64_t members = 0;
  double work = 0.0;  // estimated
};
// Every chunk of the grid in run order. CPU: per point, up to 256 samples of at least 8 members
// (the planning groups in golden-ratio order), the points taken in turn. CUDA: about 32 sub-grids
// of at least 4096 members; within a family the slow axes' values are visited in bit-reversed
// order, and the families are merged so that each has done about the same share of its estimated
// work at any time.
std::vector<SweepChunk> sweep_chunks(const SweepGrid& grid, Backend backend);

// Runs every chunk not already checkpointed, then OPT per point. The plans' pools are swapped for
// each chunk's sub-pool while it runs, and restored. InputError when --resume finds no
// checkpoint, or one of another run. Under MPI every rank calls it at once (run_sweep_grid_ranks):
// the ranks agree after the chunks, and each point's OPT jobs are split across them (each rank
// solves its opt_job_range), agreed, and gathered, so that every rank gets every point's whole
// table; callbacks.opt then hears this rank's share (docs/mpi.md, "OPT across ranks").
GridRunResult run_sweep_grid(SweepGrid& grid, const GridRunOptions& options,
                             const GridRunCallbacks& callbacks = {});

// What run_sweep_grid checks before it starts, for the command to call before a long run
// (docs/reliability.md, "Memory"): the host memory of every point's result tables, held together
// until the file is written (and twice again while it is written), or of one CPU thread's
// scratch per thread, whichever is more; and OPT's lattices and memory at every point
// (check_opt_table). InputErrors say what would shrink the run.
void check_sweep_grid_host_memory(const SweepGrid& grid, const GridRunOptions& options);

// Removes a checkpoint folder and its files (nothing when it is not there).
void remove_checkpoint(const std::string& dir);

// Checkpoints under several MPI ranks (docs/mpi.md, "Checkpoints and --resume on several
// ranks"): the folder `dir` holds `ranks.txt` (the rank count) and one folder per rank,
// `rank-R/`, each a one-process checkpoint of that rank's rows and OPT shares. With one rank, the
// folder itself (unchanged).
std::string rank_checkpoint_dir(const std::string& dir, int rank, int ranks);
// With `resume`: an InputError (exit 2) when the checkpoint in `dir` was written by another number
// of ranks (one process counting as one), saying how to resume it. Nothing when there is none (the
// resume then says so) or it matches.
void check_checkpoint_ranks(const std::string& dir, bool resume, int ranks);
// A fresh run on several ranks, on rank 0 before any rank writes: removes an earlier checkpoint
// in `dir` (one process's or any rank count's) and writes `ranks.txt`.
void prepare_rank_checkpoints(const std::string& dir, int ranks);

}  // namespace spotsweep

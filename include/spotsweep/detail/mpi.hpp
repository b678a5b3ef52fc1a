#pragma once
// The ranks of a run under mpirun or srun (docs/mpi.md): a small communicator over MPI, and a
// one-rank stand-in when spotsweep is built without MPI or started without a launcher, so that
// no other file needs #ifdef. Members are split across ranks by whole blocks of kMemberBlock,
// the grouping of every reduction across members, so that results do not depend on the number of
// ranks. Host-only.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace spotsweep::mpi {

// Members per block: ranks own whole blocks, and sums across members add per block first, then
// the blocks in member order (docs/mpi.md, "Deterministic reductions").
constexpr int64_t kMemberBlock = 1024;
// kMemberBlock, or SPOTSWEEP_TEST_MEMBER_BLOCK when set: the tests' way to split small pools
// across ranks.
int64_t member_block();

// A failure of some rank, known to every rank after agree(): the same message (naming the rank
// when there are several) and exit status everywhere.
class RankFailure : public std::runtime_error {
 public:
  RankFailure(const std::string& message, int exit_code)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Starts MPI when a launcher started this process (mpirun, srun: their environment says so) and
// spotsweep has MPI; otherwise the run is one rank and MPI is never touched.
void init(int* argc, char*** argv);
// Ends MPI when init started it. Call once, at the end of main.
void finalize();
// Ends every rank at once with `code` (after an error only this rank knows about).
[[noreturn]] void abort(int code);

bool built_with_mpi();
int rank();
int size();
bool is_root();
// The rank's index among the ranks of its node (for the node's GPU), 0 without MPI.
int local_rank();

void barrier();
// A barrier that sleeps while it waits (Open MPI's blocking calls poll, taking a core): for ranks
// that wait on others' long work, such as a turn to write or a one-rank reference time.
void idle_barrier();
// Element-wise over ranks, in place; every rank gets the result.
void sum(int64_t* values, std::size_t count);
void max(double* values, std::size_t count);
void min(int64_t* values, std::size_t count);
// Root's bytes to every rank.
void broadcast(void* data, std::size_t bytes, int root);
void broadcast(std::string& text, int root);
// Every rank's `bytes` bytes at `data`, concatenated in rank order, on every rank.
std::vector<unsigned char> all_gather(const void* data, std::size_t bytes);
// Variable-length contributions, concatenated in rank order on every rank; `counts` receives each
// rank's byte count when given.
std::vector<unsigned char> all_gather_varying(const void* data, std::size_t bytes,
                                              std::vector<std::size_t>* counts = nullptr);
void send(const void* data, std::size_t bytes, int to);
void receive(void* data, std::size_t bytes, int from);

// Every rank calls agree() at the same point with the exception it caught since the last
// agreement (or none). When no rank failed it returns; otherwise every rank throws the same
// RankFailure: the message of the lowest failing rank, prefixed "rank N: " when there are several
// ranks, and its exit status (2 for an InputError, else 1).
void agree(std::exception_ptr failure);

// Runs `step` and agrees on its outcome: every rank returns, or every rank throws.
template <class Step>
void agreed(Step&& step) {
  std::exception_ptr failure;
  try {
    step();
  } catch (...) {
    failure = std::current_exception();
  }
  agree(failure);
}

// Throws on every rank at once when a stop (SIGINT, SIGTERM, SIGHUP; detail/stop.hpp) was asked
// for on any: for loops whose ranks meet in collectives, where a rank that stopped alone would
// leave the others waiting. With one rank, throw_if_stop_requested(). Every rank calls it at the
// same point.
void throw_if_stop_requested_by_any_rank();

// The members [begin, end) a rank owns of a pool of `members`: whole blocks of member_block(),
// the blocks dealt out in order, as evenly as the blocks allow.
struct MemberRange {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t count() const { return end - begin; }
  bool contains(int64_t member) const { return member >= begin && member < end; }
};
MemberRange block_range(int64_t members, int rank, int ranks);
// This rank's share.
MemberRange own_range(int64_t members);

// The items [begin, end) of rank `rank` of `ranks`, for items of the given estimated costs (each
// >= 0): item i goes to rank ⌊R·(c_0 + … + c_{i−1} + c_i/2) / total⌋ (its cost's midpoint), so
// each rank holds one contiguous range, rank order is item order, and every rank's cost is within
// one item's of total/R. Zero costs everywhere: the items dealt out evenly by count. The same
// arithmetic on every rank gives every rank the same ranges. OPT's jobs are split this way
// (docs/mpi.md, "OPT across ranks").
MemberRange weighted_range(const std::vector<double>& cost, int rank, int ranks);

// For the commands that do not split across ranks yet: with several ranks, every rank throws
// the same RankFailure (exit status 2) saying so; with one, nothing.
void require_one_rank(const std::string& command);

// Throws on rank `SPOTSWEEP_TEST_FAIL_RANK` when `SPOTSWEEP_TEST_FAIL_AT` names `phase`: the
// tests' way to make one rank fail on purpose (docs/mpi.md, "Failure").
void test_failure_point(const char* phase);

}  // namespace spotsweep::mpi

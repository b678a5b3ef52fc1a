// The communicator of detail/mpi.hpp: MPI when built with it (SPOTSWEEP_WITH_MPI) and started
// by a launcher, else one rank. The only file that includes <mpi.h>.
#include "spotsweep/detail/mpi.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/stop.hpp"

#if SPOTSWEEP_WITH_MPI
#include <mpi.h>
#endif

namespace spotsweep::mpi {

namespace {

[[maybe_unused]] bool g_active = false;  // MPI started by init(); unused without MPI
int g_rank = 0, g_size = 1, g_local_rank = 0;

// Whether a launcher started this process: Open MPI's mpirun, PMI or PMIx (srun, MPICH's hydra).
bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

#if SPOTSWEEP_WITH_MPI
void check(int status, const char* what) {
  if (status != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: cannot ") + what);
}
#endif

// Large messages go in pieces of at most 1 GiB: MPI counts are int.
constexpr std::size_t kPiece = std::size_t(1) << 30;

}  // namespace

void init(int* argc, char*** argv) {
#if SPOTSWEEP_WITH_MPI
  if (!launched_by_mpi()) return;
  int provided = 0;
  // The main thread alone calls MPI; OpenMP threads only compute.
  check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "initialise");
  g_active = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  MPI_Comm node;
  check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &node),
        "split the ranks by node");
  MPI_Comm_rank(node, &g_local_rank);
  MPI_Comm_free(&node);
  // mpirun follows its SIGTERM with SIGKILL a second later: no time to reach the next chunk.
  remove_partial_files_at_first_signal();
#else
  (void)argc;
  (void)argv;
  (void)launched_by_mpi;
#endif
}

void finalize() {
#if SPOTSWEEP_WITH_MPI
  if (g_active) MPI_Finalize();
  g_active = false;
#endif
}

void abort(int code) {
#if SPOTSWEEP_WITH_MPI
  if (g_active && g_size > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

bool built_with_mpi() {
#if SPOTSWEEP_WITH_MPI
  return true;
#else
  return false;
#endif
}
int rank() { return g_rank; }
int size() { return g_size; }
bool is_root() { return g_rank == 0; }
int local_rank() { return g_local_rank; }

void barrier() {
#if SPOTSWEEP_WITH_MPI
  if (g_size > 1) check(MPI_Barrier(MPI_COMM_WORLD), "wait at a barrier");
#endif
}

void idle_barrier() {
#if SPOTSWEEP_WITH_MPI
  if (g_size <= 1) return;
  MPI_Request request;
  check(MPI_Ibarrier(MPI_COMM_WORLD, &request), "wait at a barrier");
  for (int done = 0;;) {
    check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "wait at a barrier");
    if (done) return;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
#endif
}

void sum(int64_t* values, std::size_t count) {
#if SPOTSWEEP_WITH_MPI
  if (g_size > 1)
    check(MPI_Allreduce(MPI_IN_PLACE, values, static_cast<int>(count), MPI_INT64_T, MPI_SUM,
                        MPI_COMM_WORLD),
          "sum over ranks");
#else
  (void)values;
  (void)count;
#endif
}

void max(double* values, std::size_t count) {
#if SPOTSWEEP_WITH_MPI
  if (g_size > 1)
    check(MPI_Allreduce(MPI_IN_PLACE, values, static_cast<int>(count), MPI_DOUBLE, MPI_MAX,
                        MPI_COMM_WORLD),
          "take a maximum over ranks");
#else
  (void)values;
  (void)count;
#endif
}

void min(int64_t* values, std::size_t count) {
#if SPOTSWEEP_WITH_MPI
  if (g_size > 1)
    check(MPI_Allreduce(MPI_IN_PLACE, values, static_cast<int>(count), MPI_INT64_T, MPI_MIN,
                        MPI_COMM_WORLD),
          "take a minimum over ranks");
#else
  (void)values;
  (void)count;
#endif
}

void broadcast(void* data, std::size_t bytes, int root) {
#if SPOTSWEEP_WITH_MPI
  if (g_size <= 1) return;
  auto* p = static_cast<unsigned char*>(data);
  for (std::size_t at = 0; at < bytes; at += kPiece)
    check(MPI_Bcast(p + at, static_cast<int>(std::min(kPiece, bytes - at)), MPI_BYTE, root,
                    MPI_COMM_WORLD),
          "broadcast");
#else
  (void)data;
  (void)bytes;
  (void)root;
#endif
}

void broadcast(std::string& text, int root) {
  if (g_size <= 1) return;
  uint64_t length = text.size();
  broadcast(&length, sizeof length, root);
  text.resize(static_cast<std::size_t>(length));
  broadcast(text.data(), text.size(), root);
}

std::vector<unsigned char> all_gather(const void* data, std::size_t bytes) {
  std::vector<unsigned char> out(bytes * static_cast<std::size_t>(g_size));
  if (bytes > 0) std::memcpy(out.data() + bytes * static_cast<std::size_t>(g_rank), data, bytes);
#if SPOTSWEEP_WITH_MPI
  if (g_size > 1 && bytes > 0) {
    SPOTSWEEP_EXPECTS(bytes < kPiece, "all_gather takes less than 1 GiB per rank");
    check(MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, out.data(), static_cast<int>(bytes),
                        MPI_BYTE, MPI_COMM_WORLD),
          "gather from every rank");
  }
#endif
  return out;
}

std::vector<unsigned char> all_gather_varying(const void* data, std::size_t bytes,
                                              std::vector<std::size_t>* counts) {
  const uint64_t own = bytes;
  const std::vector<unsigned char> sizes = all_gather(&own, sizeof own);
  std::vector<std::size_t> count(static_cast<std::size_t>(g_size));
  std::vector<int> count_int(count.size()), offset_int(count.size());
  std::size_t total = 0;
  for (int r = 0; r < g_size; ++r) {
    uint64_t c;
    std::memcpy(&c, sizes.data() + r * sizeof c, sizeof c);
    count[r] = static_cast<std::size_t>(c);
    offset_int[r] = static_cast<int>(total);
    count_int[r] = static_cast<int>(c);
    total += count[r];
  }
  SPOTSWEEP_EXPECTS(total < kPiece, "all_gather_varying gathers less than 1 GiB");
  std::vector<unsigned char> out(total);
  if (g_size <= 1) {
    if (bytes > 0) std::memcpy(out.data(), data, bytes);
  } else {
#if SPOTSWEEP_WITH_MPI
    check(MPI_Allgatherv(data, static_cast<int>(bytes), MPI_BYTE, out.data(), count_int.data(),
                         offset_int.data(), MPI_BYTE, MPI_COMM_WORLD),
          "gather from every rank");
#endif
  }
  if (counts) *counts = std::move(count);
  return out;
}

void send(const void* data, std::size_t bytes, int to) {
#if SPOTSWEEP_WITH_MPI
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t at = 0; at < bytes || at == 0; at += kPiece) {
    check(MPI_Send(p + at, static_cast<int>(std::min(kPiece, bytes - at)), MPI_BYTE, to, 0,
                   MPI_COMM_WORLD),
          "send to a rank");
    if (bytes == 0) break;
  }
#else
  (void)data;
  (void)bytes;
  (void)to;
  throw LogicError("mpi::send without MPI");
#endif
}

void receive(void* data, std::size_t bytes, int from) {
#if SPOTSWEEP_WITH_MPI
  auto* p = static_cast<unsigned char*>(data);
  for (std::size_t at = 0; at < bytes || at == 0; at += kPiece) {
    check(MPI_Recv(p + at, static_cast<int>(std::min(kPiece, bytes - at)), MPI_BYTE, from, 0,
                   MPI_COMM_WORLD, MPI_STATUS_IGNORE),
          "receive from a rank");
    if (bytes == 0) break;
  }
#else
  (void)data;
  (void)bytes;
  (void)from;
  throw LogicError("mpi::receive without MPI");
#endif
}

void agree(std::exception_ptr failure) {
  if (g_size <= 1) {
    if (failure) std::rethrow_exception(failure);
    return;
  }
  idle_barrier();
  int64_t lowest = failure ? g_rank : g_size;
  min(&lowest, 1);
  if (lowest == g_size) return;
  std::string message;
  int64_t code = 1;
  if (g_rank == lowest) {
    try {
      std::rethrow_exception(failure);
    } catch (const InputError& e) {
      message = e.what();
      code = 2;
    } catch (const RankFailure& e) {
      message = e.what();
      code = e.exit_code();
    } catch (const Interrupted& e) {
      message = e.what();
      code = 128 + e.signal_number;
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
      message = "unknown error";
    }
  }
  const int root = static_cast<int>(lowest);
  broadcast(&code, sizeof code, root);
  broadcast(message, root);
  // A RankFailure passed on again already names its rank.
  if (message.rfind("rank ", 0) != 0) message = "rank " + std::to_string(root) + ": " + message;
  throw RankFailure(message, static_cast<int>(code));
}

void throw_if_stop_requested_by_any_rank() {
  if (g_size <= 1) {
    throw_if_stop_requested();
    return;
  }
  agreed([] { throw_if_stop_requested(); });
}

int64_t member_block() {
  static const int64_t block = [] {
    const char* text = std::getenv("SPOTSWEEP_TEST_MEMBER_BLOCK");
    const long long value = text ? std::atoll(text) : 0;
    return value > 0 ? static_cast<int64_t>(value) : kMemberBlock;
  }();
  return block;
}

MemberRange block_range(int64_t members, int rank, int ranks) {
  const int64_t block = member_block();
  const int64_t blocks = (members + block - 1) / block;
  const auto first_block = [&](int r) {
    return blocks * static_cast<int64_t>(r) / static_cast<int64_t>(ranks);
  };
  MemberRange range;
  range.begin = std::min(members, first_block(rank) * block);
  range.end = std::min(members, first_block(rank + 1) * block);
  return range;
}

MemberRange own_range(int64_t members) { return block_range(members, g_rank, g_size); }

MemberRange weighted_range(const std::vector<double>& cost, int rank, int ranks) {
  SPOTSWEEP_EXPECTS(ranks >= 1 && rank >= 0 && rank < ranks, "a rank among the ranks");
  const int64_t n = static_cast<int64_t>(cost.size());
  double total = 0.0;
  for (double c : cost) {
    SPOTSWEEP_EXPECTS(c >= 0.0 && std::isfinite(c), "costs are finite and not negative");
    total += c;
  }
  // The rank owning item i: one pass in item order, the same on every rank.
  const auto owner = [&](int64_t i, double before) {
    const double share = total > 0.0 ? (before + 0.5 * cost[static_cast<size_t>(i)]) / total
                                     : (static_cast<double>(i) + 0.5) / static_cast<double>(n);
    return std::min<int64_t>(ranks - 1, static_cast<int64_t>(std::floor(share * ranks)));
  };
  MemberRange range;
  range.begin = range.end = n;
  double before = 0.0;
  bool found = false;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = owner(i, before);
    before += cost[static_cast<size_t>(i)];
    if (r < rank) continue;
    if (r > rank) {
      if (!found) range.begin = i;
      range.end = i;
      return range;
    }
    if (!found) range.begin = i;
    found = true;
  }
  if (!found) range.begin = n;
  return range;
}

void require_one_rank(const std::string& command) {
  if (g_size > 1)
    throw RankFailure(command +
                          " does not split across MPI ranks yet: run it as one process, "
                          "without mpirun (docs/mpi.md)",
                      2);
}

void test_failure_point(const char* phase) {
  const char* fail_rank = std::getenv("SPOTSWEEP_TEST_FAIL_RANK");
  const char* fail_at = std::getenv("SPOTSWEEP_TEST_FAIL_AT");
  if (fail_rank == nullptr || std::atoi(fail_rank) != g_rank) return;
  if (fail_at != nullptr && std::strcmp(fail_at, phase) != 0) return;
  throw std::runtime_error(std::string("failure injected at ") + phase +
                           " (SPOTSWEEP_TEST_FAIL_RANK)");
}

}  // namespace spotsweep::mpi

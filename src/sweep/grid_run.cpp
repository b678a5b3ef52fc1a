// A sweep in checkpointed chunks over the points of its scenario axes, with its progress in
// estimated work, and OPT per point (docs/sweep.md, "Progress, checkpoints and --resume").
#include "spotsweep/sweep/grid_run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>
#include <type_traits>
#include <utility>

#include "spotsweep/backend/device.hpp"
#include "spotsweep/detail/atomic_file.hpp"
#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"
#include "spotsweep/detail/mpi.hpp"
#include "spotsweep/detail/stop.hpp"
#include "spotsweep/engine/chc_tables.hpp"
#include "spotsweep/engine/families.hpp"
#include "spotsweep/sweep/work_estimate.hpp"

namespace spotsweep {

namespace {

namespace fs = std::filesystem;

constexpr uint32_t kChunkMagic = 0x43575353;  // "SSWC"
constexpr uint32_t kOptMagic = 0x4f575353;    // "SSWO"
constexpr uint32_t kFileVersion = 1;

static_assert(std::is_trivially_copyable<Outcome>::value, "outcomes are stored as bytes");

uint64_t member_list_hash(const std::vector<int64_t>& members) {
  uint64_t h = 1469598103934665603ull;
  for (int64_t m : members) {
    h ^= static_cast<uint64_t>(m);
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// 0 … n−1 with the bits of each index reversed (indices ≥ n skipped): consecutive chunks then
// lie far apart on the grid's slow axes.
std::vector<int64_t> bit_reversed_order(int64_t n) {
  int bits = 0;
  while ((int64_t(1) << bits) < n)
    ++bits;
  std::vector<int64_t> order;
  for (int64_t i = 0; i < (int64_t(1) << bits); ++i) {
    int64_t r = 0;
    for (int b = 0; b < bits; ++b)
      if (i & (int64_t(1) << b)) r |= int64_t(1) << (bits - 1 - b);
    if (r < n) order.push_back(r);
  }
  return order;
}

// The sub-grid of a chunk: its first fixed_axes axes hold the values of its block.
Pool chunk_pool(const FamilyGrid& grid, const SweepChunk& chunk) {
  FamilyGrid sub = grid;
  int64_t block = chunk.first_local / chunk.members;
  for (int32_t a = chunk.fixed_axes; a-- > 0;) {
    const int64_t n = static_cast<int64_t>(grid.axes[a].values.size());
    sub.axes[a].values = {grid.axes[a].values[static_cast<size_t>(block % n)]};
    block /= n;
  }
  sub.size = chunk.members;
  sub.first_member = 0;
  Pool pool;
  pool.families.push_back(std::move(sub));
  pool.size = chunk.members;
  return pool;
}

class BinaryWriter {
 public:
  template <class T>
  void put(const T& v) {
    const char* p = reinterpret_cast<const char*>(&v);
    bytes_.insert(bytes_.end(), p, p + sizeof(T));
  }
  template <class T>
  void put_all(const T* data, size_t count) {
    const char* p = reinterpret_cast<const char*>(data);
    bytes_.insert(bytes_.end(), p, p + sizeof(T) * count);
  }
  // Written under a temporary name, synced and renamed: a checkpoint file is whole or absent.
  // The temporary name is registered, so that a second signal removes it too
  // (detail/stop.hpp); a failed write is the environment's (a full disk: exit 1), named as an
  // output's is (detail/atomic_file.hpp).
  void save(const std::string& path) const {
    const std::string temp = partial_path(path);
    const int slot = register_partial_file(temp);
    const auto fail = [&](const char* what, int error) {
      std::remove(temp.c_str());
      unregister_partial_file(slot);
      throw std::runtime_error(path + ": checkpoint: " + what + " failed (" + std::strerror(error) +
                               ")");
    };
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("creating the file", errno);
    size_t written = 0;
    while (written < bytes_.size()) {
      const ssize_t n = ::write(fd, bytes_.data() + written, bytes_.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int error = n < 0 ? errno : ENOSPC;
        ::close(fd);
        fail("writing the file", error);
      }
      written += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
      const int error = errno;
      ::close(fd);
      fail("writing the file", error);
    }
    if (::close(fd) != 0) fail("writing the file", errno);
    if (std::rename(temp.c_str(), path.c_str()) != 0) fail("renaming the file into place", errno);
    unregister_partial_file(slot);
  }

 private:
  std::vector<char> bytes_;
};

class BinaryReader {
 public:
  explicit BinaryReader(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (in) bytes_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  template <class T>
  bool get(T& v) {
    return get_all(&v, 1);
  }
  template <class T>
  bool get_all(T* data, size_t count) {
    if (!fits<T>(count)) return false;
    const size_t n = sizeof(T) * count;
    if (n > 0) std::memcpy(reinterpret_cast<char*>(data), bytes_.data() + at_, n);
    at_ += n;
    return true;
  }
  // Whether `count` values of T are left: checked before a count read from the file sizes a
  // vector, so that a damaged checkpoint is run again rather than allocated.
  template <class T>
  bool fits(uint64_t count) const {
    return count <= (bytes_.size() - at_) / sizeof(T);
  }
  bool finished() const { return at_ == bytes_.size(); }

 private:
  std::vector<char> bytes_;
  size_t at_ = 0;
};

std::string chunk_file(const std::string& dir, size_t index) {
  return (fs::path(dir) / ("chunk-" + std::to_string(index) + ".bin")).string();
}
std::string opt_file(const std::string& dir, int64_t point) {
  return (fs::path(dir) / ("opt-" + std::to_string(point) + ".bin")).string();
}
std::string manifest_file(const std::string& dir) {
  return (fs::path(dir) / "manifest.toml").string();
}

// One chunk's results: its members' statistics, the traced members it holds, per-scenario
// statistics, and its policy-slot steps.
struct ChunkResult {
  int64_t steps = 0;
  std::vector<double> stats;              // [member][kStatCount]
  std::vector<uint64_t> traced_position;  // into the --trace-members list
  std::vector<Outcome> traced;            // [traced][jobs]
  std::vector<double> scenario_stats;     // [member][scenario][kScenarioStatCount], or empty
};

void save_chunk(const std::string& path, uint64_t hash, size_t index, const ChunkResult& c) {
  BinaryWriter w;
  w.put(kChunkMagic);
  w.put(kFileVersion);
  w.put(hash);
  w.put(static_cast<uint64_t>(index));
  w.put(c.steps);
  w.put(static_cast<uint64_t>(c.stats.size()));
  w.put_all(c.stats.data(), c.stats.size());
  w.put(static_cast<uint64_t>(c.traced_position.size()));
  w.put_all(c.traced_position.data(), c.traced_position.size());
  w.put(static_cast<uint64_t>(c.traced.size()));
  w.put_all(c.traced.data(), c.traced.size());
  w.put(static_cast<uint64_t>(c.scenario_stats.size()));
  w.put_all(c.scenario_stats.data(), c.scenario_stats.size());
  w.save(path);
}

// False when the file is missing, of another run, or not whole: the chunk then runs again.
bool load_chunk(const std::string& path, uint64_t hash, size_t index, ChunkResult& c) {
  BinaryReader r(path);
  uint32_t magic = 0, version = 0;
  uint64_t file_hash = 0, file_index = 0, n = 0;
  if (!r.get(magic) || magic != kChunkMagic || !r.get(version) || version != kFileVersion ||
      !r.get(file_hash) || file_hash != hash || !r.get(file_index) || file_index != index ||
      !r.get(c.steps))
    return false;
  if (!r.get(n) || !r.fits<double>(n)) return false;
  c.stats.resize(n);
  if (!r.get_all(c.stats.data(), n) || !r.get(n) || !r.fits<uint64_t>(n)) return false;
  c.traced_position.resize(n);
  if (!r.get_all(c.traced_position.data(), n) || !r.get(n) || !r.fits<Outcome>(n)) return false;
  c.traced.resize(n);
  if (!r.get_all(c.traced.data(), n) || !r.get(n) || !r.fits<double>(n)) return false;
  c.scenario_stats.resize(n);
  return r.get_all(c.scenario_stats.data(), n) && r.finished();
}

void save_opt(const std::string& path, uint64_t hash, int64_t point, const OptTable& t) {
  BinaryWriter w;
  w.put(kOptMagic);
  w.put(kFileVersion);
  w.put(hash);
  w.put(point);
  w.put(t.progress_buckets);
  w.put(static_cast<uint64_t>(t.utility_lower.size()));
  w.put_all(t.utility_lower.data(), t.utility_lower.size());
  w.put_all(t.utility_upper.data(), t.utility_upper.size());
  w.save(path);
}

bool load_opt(const std::string& path, uint64_t hash, int64_t point, size_t jobs, OptTable& t) {
  BinaryReader r(path);
  uint32_t magic = 0, version = 0;
  uint64_t file_hash = 0, n = 0;
  int64_t file_point = -1;
  if (!r.get(magic) || magic != kOptMagic || !r.get(version) || version != kFileVersion ||
      !r.get(file_hash) || file_hash != hash || !r.get(file_point) || file_point != point ||
      !r.get(t.progress_buckets) || !r.get(n) || n != jobs || !r.fits<double>(2 * n))
    return false;
  t.utility_lower.resize(n);
  t.utility_upper.resize(n);
  return r.get_all(t.utility_lower.data(), n) && r.get_all(t.utility_upper.data(), n) &&
         r.finished();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The golden-ratio multiplier for n items: the integer nearest n·(√5 − 1)/2 that is coprime with
// n, so that position p ↦ p·a mod n visits every item once, and any run of consecutive positions
// is spread evenly over them (a low-discrepancy sample).
int64_t golden_multiplier(int64_t n) {
  if (n <= 2) return 1;
  int64_t a = std::max<int64_t>(1, std::llround(static_cast<double>(n) * 0.6180339887498949));
  while (std::gcd(a, n) != 1)
    ++a;
  return a;
}

// The global members of a chunk inside [begin, end) (an MPI rank's share, or the whole pool), in
// the order of its result rows (ascending).
std::vector<int64_t> chunk_members(const SweepChunk& chunk, const FamilyGrid& family, int64_t begin,
                                   int64_t end) {
  std::vector<int64_t> members;
  if (!chunk.member_list.empty()) {
    for (int64_t m : chunk.member_list)
      if (m >= begin && m < end) members.push_back(m);
    return members;
  }
  for (int64_t i = 0; i < chunk.members; ++i) {
    const int64_t m = family.first_member + chunk.first_local + i;
    if (m >= begin && m < end) members.push_back(m);
  }
  return members;
}

// The members that must run together: a CHC grid's members that share a planning key (window,
// eps, growth, resolution, planner, availability noise, predictor: they differ only in commit,
// replan_deviation and mode, chc_axis_keys_plans), so that a backend planning once per key keeps
// sharing its plans within a chunk; every other member alone. Groups of one point's pool, in member
// order.
std::vector<std::vector<int64_t>> planning_groups(const Pool& pool) {
  std::vector<std::vector<int64_t>> groups;
  for (const FamilyGrid& grid : pool.families) {
    if (grid.family != family_id<ChcFamily>) {
      for (int64_t local = 0; local < grid.size; ++local)
        groups.push_back({grid.first_member + local});
      continue;
    }
    std::map<std::vector<int64_t>, size_t> index;
    std::vector<int64_t> digit(grid.axes.size());
    for (int64_t local = 0; local < grid.size; ++local) {
      int64_t rest = local;
      for (size_t a = grid.axes.size(); a-- > 0;) {
        const int64_t n = static_cast<int64_t>(grid.axes[a].values.size());
        digit[a] = chc_axis_keys_plans(static_cast<int32_t>(a)) ? rest % n : 0;
        rest /= n;
      }
      const auto found = index.emplace(digit, groups.size());
      if (found.second) groups.emplace_back();
      groups[found.first->second].push_back(grid.first_member + local);
    }
  }
  return groups;
}

// Puts one chunk's results into its point's result, whose rows start at out.first_member.
void scatter(const std::vector<int64_t>& members, const ChunkResult& c, int64_t jobs,
             int32_t scenarios, SweepResult& out) {
  const size_t row = static_cast<size_t>(kStatCount);
  const size_t scenario_row = static_cast<size_t>(scenarios) * kScenarioStatCount;
  for (size_t i = 0; i < members.size(); ++i) {
    const size_t m = static_cast<size_t>(members[i] - out.first_member);
    std::copy(c.stats.begin() + i * row, c.stats.begin() + (i + 1) * row,
              out.stats.begin() + m * row);
    if (!c.scenario_stats.empty())
      std::copy(c.scenario_stats.begin() + i * scenario_row,
                c.scenario_stats.begin() + (i + 1) * scenario_row,
                out.scenario_stats.begin() + m * scenario_row);
  }
  for (size_t j = 0; j < c.traced_position.size(); ++j)
    std::copy(c.traced.begin() + j * jobs, c.traced.begin() + (j + 1) * jobs,
              out.traced.begin() + c.traced_position[j] * jobs);
  out.policy_slot_steps += c.steps;
}

}  // namespace

std::vector<SweepChunk> sweep_chunks(const SweepGrid& grid, Backend backend) {
  std::vector<SweepChunk> order;
  if (backend != Backend::cuda) {
    // Samples: the planning groups in golden-ratio order p ↦ p·a mod G, dealt into chunks of
    // about N/K members, so that each chunk is spread evenly over the whole pool.
    std::vector<std::vector<SweepChunk>> per_point;
    size_t most = 0;
    for (int64_t p = 0; p < grid.points(); ++p) {
      const SweepPlan& plan = grid.plans[static_cast<size_t>(p)];
      const WorkEstimate estimate(plan);
      const int64_t n = plan.pool.size;
      const int64_t count = std::max<int64_t>(1, std::min<int64_t>(256, n / 8));
      const int64_t size = (n + count - 1) / count;
      const std::vector<std::vector<int64_t>> groups = planning_groups(plan.pool);
      const int64_t g = static_cast<int64_t>(groups.size());
      const int64_t a = golden_multiplier(g);
      std::vector<double> family_work;
      for (const FamilyGrid& family : plan.pool.families)
        family_work.push_back(family.family == family_id<ChcFamily> ? -1.0
                                                                    : estimate.member(family, 0));
      std::vector<SweepChunk> chunks;
      SweepChunk c;
      c.point = p;
      for (int64_t position = 0; position < g; ++position) {
        const int64_t pick = static_cast<int64_t>(
            (static_cast<unsigned __int128>(position) * static_cast<uint64_t>(a)) %
            static_cast<uint64_t>(g));
        for (int64_t m : groups[static_cast<size_t>(pick)]) {
          const MemberRef ref = plan.pool.locate(m);
          const double w = family_work[static_cast<size_t>(ref.family_index)];
          c.work += w >= 0 ? w : estimate.member(plan.pool.families[ref.family_index], ref.local);
          c.member_list.push_back(m);
        }
        if (static_cast<int64_t>(c.member_list.size()) >= size || position + 1 == g) {
          std::sort(c.member_list.begin(), c.member_list.end());
          c.members = static_cast<int64_t>(c.member_list.size());
          chunks.push_back(std::move(c));
          c = SweepChunk{};
          c.point = p;
        }
      }
      most = std::max(most, chunks.size());
      per_point.push_back(std::move(chunks));
    }
    for (size_t k = 0; k < most; ++k)
      for (const std::vector<SweepChunk>& chunks : per_point)
        if (k < chunks.size()) order.push_back(chunks[k]);
    return order;
  }
  // CUDA: sub-grids of whole family grids.
  const double target_chunks = 32.0;
  const int64_t min_members = 4096;
  struct Stream {
    std::vector<SweepChunk> chunks;
    double total = 0.0, done = 0.0;
    size_t next = 0;
  };
  std::vector<Stream> streams;
  double total = 0.0;
  for (int64_t p = 0; p < grid.points(); ++p) {
    const SweepPlan& plan = grid.plans[static_cast<size_t>(p)];
    for (size_t g = 0; g < plan.pool.families.size(); ++g) {
      Stream s;
      s.total = WorkEstimate(plan).members(plan.pool.families[g], 0, plan.pool.families[g].size);
      total += s.total;
      streams.push_back(std::move(s));
    }
  }
  size_t stream = 0;
  for (int64_t p = 0; p < grid.points(); ++p) {
    const SweepPlan& plan = grid.plans[static_cast<size_t>(p)];
    for (size_t g = 0; g < plan.pool.families.size(); ++g, ++stream) {
      const FamilyGrid& family = plan.pool.families[g];
      Stream& s = streams[stream];
      const double wanted = std::max(1.0, std::round(target_chunks * s.total / total));
      // Fix the slowest axes until there are enough blocks, keeping each block big enough.
      int32_t fixed = 0;
      int64_t blocks = 1;
      while (fixed < static_cast<int32_t>(family.axes.size()) &&
             static_cast<double>(blocks) < wanted) {
        const int64_t next = blocks * static_cast<int64_t>(family.axes[fixed].values.size());
        if (family.size / next < std::min(min_members, family.size)) break;
        blocks = next;
        ++fixed;
      }
      const int64_t members = family.size / blocks;
      for (int64_t b : bit_reversed_order(blocks)) {
        SweepChunk c;
        c.point = p;
        c.family_index = static_cast<int32_t>(g);
        c.fixed_axes = fixed;
        c.first_local = b * members;
        c.members = members;
        c.work = WorkEstimate(plan).members(family, c.first_local, members);
        s.chunks.push_back(c);
      }
    }
  }
  // Merge: next, the stream that has done the smallest share of its work.
  for (;;) {
    Stream* pick = nullptr;
    for (Stream& s : streams)
      if (s.next < s.chunks.size() && (!pick || s.done / s.total < pick->done / pick->total))
        pick = &s;
    if (!pick) break;
    const SweepChunk& c = pick->chunks[pick->next++];
    pick->done += c.work;
    order.push_back(c);
  }
  return order;
}

void check_sweep_grid_host_memory(const SweepGrid& grid, const GridRunOptions& options) {
  double tables = 0.0, per_thread = 0.0, members = 0.0;
  for (const SweepPlan& plan : grid.plans) {
    tables += sweep_table_bytes(plan, options.sweep);
    per_thread = std::max(per_thread, sweep_thread_bytes(plan, options.sweep));
    members += static_cast<double>(plan.pool.size);
  }
  const SweepPlan& first = grid.front();
  const double bytes =
      tables + std::max(per_thread * options.sweep.exec.cpu_threads(), 2.0 * tables);
  const std::string points =
      grid.points() > 1 ? " x " + std::to_string(grid.points()) + " points" : "";
  check_host_memory(bytes,
                    "the result tables of " + std::to_string(first.pool.size) + " members" + points,
                    first.config_file, "pool", format_number(members) + " members",
                    "shrink the pool or the scenario axes, drop --per-scenario or "
                    "--trace-members, or lower --threads");
  for (const SweepPlan& plan : grid.plans)
    check_opt_table(plan, options.opt_buckets, options.sweep.exec.threads, options.opt_resolution,
                    options.opt_split_steps);
}

void remove_checkpoint(const std::string& dir) {
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

std::string rank_checkpoint_dir(const std::string& dir, int rank, int ranks) {
  if (ranks <= 1) return dir;
  return (fs::path(dir) / ("rank-" + std::to_string(rank))).string();
}

namespace {
std::string ranks_file(const std::string& dir) { return (fs::path(dir) / "ranks.txt").string(); }
}  // namespace

void check_checkpoint_ranks(const std::string& dir, bool resume, int ranks) {
  if (!resume || dir.empty()) return;
  std::error_code ignored;
  const bool one_process = fs::exists(manifest_file(dir), ignored);
  int written_by = one_process ? 1 : 0;
  if (!one_process && fs::exists(ranks_file(dir), ignored)) {
    std::istringstream text(read_text(ranks_file(dir)));
    std::string key;
    text >> key >> written_by;
    if (key != "ranks" || written_by < 2) written_by = 0;  // damaged: as no checkpoint
  }
  if (written_by == 0 || written_by == ranks) return;  // none: run_sweep_grid says so
  const auto launch = [](int n) {
    return n == 1 ? std::string("as one process (without mpirun, or mpirun -np 1)")
                  : "under mpirun -np " + std::to_string(n);
  };
  throw input_error(
      dir, "--resume", "",
      "the checkpoint was written " + launch(written_by) + ", and this run is " +
          (ranks == 1 ? std::string("one process") : "on " + std::to_string(ranks) + " MPI ranks") +
          ": resume it " + launch(written_by) + ", or run without --resume (docs/mpi.md)");
}

void prepare_rank_checkpoints(const std::string& dir, int ranks) {
  SPOTSWEEP_EXPECTS(ranks > 1, "rank checkpoints are for several ranks");
  remove_checkpoint(dir);
  std::error_code error;
  fs::create_directories(dir, error);
  if (error)
    throw input_error(dir, "checkpoint folder", "", "cannot create it: " + error.message());
  const std::string text = "ranks " + std::to_string(ranks) + "\n";
  BinaryWriter file;
  file.put_all(text.data(), text.size());
  file.save(ranks_file(dir));
}

namespace {

// Every chunk not already checkpointed, into `out`; returns the checkpoint files' hash.
uint64_t run_chunks(SweepGrid& grid, const GridRunOptions& options,
                    const GridRunCallbacks& callbacks, GridRunResult& out) {
  const Backend backend = resolve_backend(options.sweep.exec.backend, query_device());
  const std::vector<SweepChunk> chunks = sweep_chunks(
      grid, options.chunk_layout == Backend::automatic ? backend : options.chunk_layout);
  std::ostringstream layout;
  layout << options.fingerprint << "\n# chunk layout (" << backend_name(backend) << ")\n";
  // Under several ranks each rank keeps its own checkpoint (its rows of each chunk, its OPT
  // shares): its manifest names the rank, the rank count and its members.
  if (mpi::size() > 1)
    layout << "# rank " << mpi::rank() << " of " << mpi::size() << ", members "
           << options.sweep.member_begin << " " << options.sweep.member_end << "\n";
  for (const SweepChunk& c : chunks)
    layout << "# " << c.point << " " << member_list_hash(c.member_list) << " " << c.family_index
           << " " << c.fixed_axes << " " << c.first_local << " " << c.members << "\n";
  const std::string manifest = layout.str();
  const uint64_t hash = fnv1a(manifest);
  const std::string& dir = options.checkpoint_dir;

  if (!dir.empty()) {
    if (options.resume) {
      if (!fs::exists(manifest_file(dir)))
        throw input_error(dir, "--resume", "",
                          "no checkpoint there, so nothing to resume (run without --resume)");
      if (read_text(manifest_file(dir)) != manifest)
        throw input_error(dir, "--resume", "",
                          "the checkpoint is of another run (its configuration, options or "
                          "backend differ); remove the folder or run without --resume");
      std::error_code ignored;
      for (const auto& entry : fs::directory_iterator(dir, ignored))
        if (entry.path().filename().string().find(".partial-") != std::string::npos)
          fs::remove(entry.path(), ignored);
    } else {
      remove_checkpoint(dir);
      std::error_code error;
      fs::create_directories(dir, error);
      if (error)
        throw input_error(dir, "checkpoint folder", "", "cannot create it: " + error.message());
      BinaryWriter text;
      text.put_all(manifest.data(), manifest.size());
      text.save(manifest_file(dir));
    }
  }

  out.chunks = static_cast<int64_t>(chunks.size());
  const SweepPlan& first = grid.front();
  // This process's members (docs/mpi.md): every point's result holds their rows only, and each
  // chunk runs its members among them. The chunks themselves do not depend on the range.
  int64_t begin = 0, end = 0;
  sweep_member_range(first, options.sweep, &begin, &end);
  const int64_t jobs = first.jobs_per_member();
  const int32_t scenarios = first.scenarios.count;
  const size_t traced_count = options.sweep.trace_members.size();
  for (const SweepPlan& plan : grid.plans) {
    check_trace_members(plan, options.sweep.trace_members);
    SPOTSWEEP_EXPECTS(plan.pool.size == first.pool.size, "one pool at every point");
    SweepResult r;
    r.first_member = begin;
    r.members = end - begin;
    r.stats.assign(static_cast<size_t>(r.members) * kStatCount,
                   std::numeric_limits<double>::quiet_NaN());
    r.traced_members = options.sweep.trace_members;
    r.traced.resize(traced_count * static_cast<size_t>(jobs));
    r.backend = backend;
    r.threads = options.sweep.exec.cpu_threads();
    r.device = backend == Backend::cpu ? cpu_device_label(r.threads) : query_device().name;
    if (options.sweep.per_scenario)
      r.scenario_stats.assign(static_cast<size_t>(r.members) * scenarios * kScenarioStatCount, 0.0);
    out.results.push_back(std::move(r));
  }

  // The estimated work of each chunk's members in the range (the chunk's, without MPI).
  std::vector<double> work(chunks.size());
  for (size_t i = 0; i < chunks.size(); ++i) {
    const SweepChunk& chunk = chunks[i];
    const FamilyGrid& family =
        grid.plans[static_cast<size_t>(chunk.point)].pool.families[chunk.family_index];
    const size_t held = chunk_members(chunk, family, begin, end).size();
    out.chunks_held += held > 0 ? 1 : 0;
    work[i] = static_cast<int64_t>(held) == chunk.members
                  ? chunk.work
                  : chunk.work * static_cast<double>(held) / static_cast<double>(chunk.members);
  }
  WorkProgress progress;
  progress.chunks = out.chunks;
  std::vector<bool> done(chunks.size(), false);
  for (size_t i = 0; i < chunks.size(); ++i) {
    progress.total += work[i];
    ChunkResult c;
    if (!dir.empty() && options.resume && load_chunk(chunk_file(dir, i), hash, i, c)) {
      const SweepChunk& chunk = chunks[i];
      const SweepPlan& plan = grid.plans[static_cast<size_t>(chunk.point)];
      const std::vector<int64_t> members =
          chunk_members(chunk, plan.pool.families[chunk.family_index], begin, end);
      // A file of this run but of other sizes (damaged) runs its chunk again, as a missing one.
      const size_t rows = members.size();
      bool fits = c.stats.size() == rows * kStatCount &&
                  c.scenario_stats.size() ==
                      (options.sweep.per_scenario ? rows * scenarios * kScenarioStatCount : 0) &&
                  c.traced.size() == c.traced_position.size() * static_cast<size_t>(jobs);
      for (uint64_t position : c.traced_position)
        fits = fits && position < traced_count;
      if (!fits) continue;
      scatter(members, c, jobs, scenarios, out.results[static_cast<size_t>(chunk.point)]);
      done[i] = true;
      progress.done += work[i];
      ++progress.chunks_done;
      ++out.chunks_resumed;
    }
  }
  progress.resumed = progress.done;
  if (callbacks.sweep) callbacks.sweep(progress);

  int64_t chunks_run = 0;  // by this process, for the tests' failure points
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (done[i]) continue;
    // SIGINT/SIGTERM: stop between chunks; the finished chunks' checkpoints stay for --resume.
    throw_if_stop_requested();
    const SweepChunk& chunk = chunks[i];
    SweepPlan& plan = grid.plans[static_cast<size_t>(chunk.point)];
    const FamilyGrid family = plan.pool.families[chunk.family_index];
    const std::vector<int64_t> members = chunk_members(chunk, family, begin, end);
    if (members.empty()) {  // wholly another rank's
      ++progress.chunks_done;
      continue;
    }
    ChunkResult c;
    SweepOptions sub_options = options.sweep;
    sub_options.trace_members.clear();
    sub_options.member_begin = 0;
    sub_options.member_end = -1;
    const int64_t offset = chunk.member_list.empty() ? family.first_member + chunk.first_local : 0;
    for (size_t k = 0; k < options.sweep.trace_members.size(); ++k)
      if (std::binary_search(members.begin(), members.end(), options.sweep.trace_members[k])) {
        c.traced_position.push_back(k);
        sub_options.trace_members.push_back(options.sweep.trace_members[k] - offset);
      }
    // Progress inside the chunk: the estimated work of its first members (OpenMP hands them out
    // in row order, so those are about the ones done).
    std::vector<double> work_before(1, 0.0);
    if (callbacks.sweep) {
      const WorkEstimate estimate(plan);
      for (int64_t m : members) {
        const MemberRef ref = plan.pool.locate(m);
        work_before.push_back(work_before.back() +
                              estimate.member(plan.pool.families[ref.family_index], ref.local));
      }
    }
    const auto report = [&](int64_t members_done, int64_t) {
      if (!callbacks.sweep) return;
      const size_t j = std::min(static_cast<size_t>(members_done), work_before.size() - 1);
      WorkProgress now = progress;
      if (work_before.back() > 0) now.done += work[i] * work_before[j] / work_before.back();
      callbacks.sweep(now);
    };
    SweepResult r;
    if (!chunk.member_list.empty()) {
      sub_options.members = members;
      r = run_sweep(plan, sub_options, report);
    } else {
      // The sub-grid's members of the range: consecutive, from members.front().
      sub_options.member_begin = members.front() - offset;
      sub_options.member_end = members.back() + 1 - offset;
      Pool sub_pool = chunk_pool(family, chunk);
      std::swap(plan.pool, sub_pool);
      try {
        r = run_sweep(plan, sub_options, report);
      } catch (...) {
        std::swap(plan.pool, sub_pool);
        throw;
      }
      std::swap(plan.pool, sub_pool);
    }
    c.steps = r.policy_slot_steps;
    c.stats = std::move(r.stats);
    c.traced = std::move(r.traced);
    c.scenario_stats = std::move(r.scenario_stats);
    SweepResult& target = out.results[static_cast<size_t>(chunk.point)];
    scatter(members, c, jobs, scenarios, target);
    target.seconds += r.seconds;
    target.backend = r.backend;
    target.device = r.device;
    target.threads = r.threads;
    target.device_peak_bytes = std::max(target.device_peak_bytes, r.device_peak_bytes);
    if (!dir.empty()) save_chunk(chunk_file(dir, i), hash, i, c);
    ++chunks_run;
    mpi::test_failure_point(("chunk" + std::to_string(chunks_run)).c_str());
    progress.done += work[i];
    progress.steps += c.steps;
    ++progress.chunks_done;
    if (callbacks.sweep) callbacks.sweep(progress);
  }

  return hash;
}

// OPT per point, each rank solving its share of the point's jobs (one rank: all of them), taken
// from this rank's checkpoint when resuming, and gathered in job order on every rank.
void run_opt(const SweepGrid& grid, const GridRunOptions& options,
             const GridRunCallbacks& callbacks, uint64_t hash, GridRunResult& out) {
  out.opt.resize(grid.plans.size());
  if (options.opt_buckets <= 0) return;
  const std::string& dir = options.checkpoint_dir;
  const int64_t jobs = grid.front().jobs_per_member();
  // This rank's jobs at every point, known before any is solved: progress counts them.
  std::vector<OptJobRange> ranges;
  int64_t total_jobs = 0, solved = 0;
  mpi::agreed([&] {
    for (const SweepPlan& plan : grid.plans) {
      check_opt_table(plan, options.opt_buckets, options.sweep.exec.threads, options.opt_resolution,
                      options.opt_split_steps);
      ranges.push_back(opt_job_range(plan, options.opt_buckets, options.opt_resolution, mpi::rank(),
                                     mpi::size(), options.opt_split_steps));
      total_jobs += ranges.back().count();
    }
  });
  for (int64_t p = 0; p < grid.points(); ++p) {
    const SweepPlan& plan = grid.plans[static_cast<size_t>(p)];
    const OptJobRange range = ranges[static_cast<size_t>(p)];
    OptTable share;
    mpi::agreed([&] {
      if (!dir.empty() && options.resume &&
          load_opt(opt_file(dir, p), hash, p, static_cast<size_t>(range.count()), share) &&
          share.progress_buckets == options.opt_buckets) {
        share.resolution = options.opt_resolution;  // part of the fingerprint the hash checks
        share.split_steps = options.opt_split_steps && options.opt_resolution > 0;
        ++out.opt_points_resumed;
      } else {
        share = compute_opt_share(
            plan, options.opt_buckets, options.sweep.exec.threads, range,
            [&](int64_t d, int64_t) {
              if (callbacks.opt) callbacks.opt(solved + d, total_jobs);
            },
            options.opt_resolution, options.opt_split_steps);
        mpi::test_failure_point("opt");
        if (!dir.empty()) save_opt(opt_file(dir, p), hash, p, share);
      }
    });
    out.opt[static_cast<size_t>(p)] = gather_opt_shares(std::move(share), jobs);
    solved += range.count();
    if (callbacks.opt) callbacks.opt(solved, total_jobs);
  }
}

}  // namespace

GridRunResult run_sweep_grid(SweepGrid& grid, const GridRunOptions& options,
                             const GridRunCallbacks& callbacks) {
  SPOTSWEEP_EXPECTS(grid.points() > 0, "a grid of at least one point");
  // Two agreement points under MPI (docs/mpi.md, "Failure"): after the chunks, and per point of
  // OPT before its shares are gathered. With one rank, plain calls.
  GridRunResult out;
  uint64_t hash = 0;
  mpi::agreed([&] {
    mpi::test_failure_point("evaluate");
    hash = run_chunks(grid, options, callbacks, out);
  });
  run_opt(grid, options, callbacks, hash, out);
  return out;
}

}  // namespace spotsweep

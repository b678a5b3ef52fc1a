#include "spotsweep/detail/stop.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>

namespace spotsweep {

namespace {

std::atomic<int> g_signal{0};
std::atomic<bool> g_remove_at_first{false};

// A fixed table, so that the handler reads it without allocating or locking.
constexpr int kPartialSlots = 16;
constexpr size_t kPartialPathBytes = 4096;
struct PartialSlot {
  std::atomic<bool> used{false};
  char path[kPartialPathBytes];
};
PartialSlot g_partial[kPartialSlots];
std::atomic<bool> g_claimed[kPartialSlots];

void write_stderr(const char* text) {
  const ssize_t ignored = ::write(2, text, std::strlen(text));
  (void)ignored;
}

// Only async-signal-safe calls: unlink.
void remove_partial_files() {
  for (PartialSlot& slot : g_partial)
    if (slot.used.load()) ::unlink(slot.path);
}

extern "C" void on_stop_signal(int signal) {
  int expected = 0;
  if (g_signal.compare_exchange_strong(expected, signal)) {
    if (g_remove_at_first.load()) remove_partial_files();
    write_stderr(
        "\nspotsweep: stopping after the current chunk of work (signal again to stop at once)\n");
    return;
  }
  // Only async-signal-safe calls from here: unlink and _exit.
  remove_partial_files();
  write_stderr("\nspotsweep: stopped at once; temporary outputs removed\n");
  ::_exit(128 + signal);
}

}  // namespace

Interrupted::Interrupted(int signal)
    : std::runtime_error(std::string("interrupted by ") +
                         (signal == SIGINT    ? "SIGINT"
                          : signal == SIGTERM ? "SIGTERM"
                          : signal == SIGHUP  ? "SIGHUP"
                                              : "signal " + std::to_string(signal)) +
                         "; partial outputs removed"),
      signal_number(signal) {}

void install_stop_handlers() {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGHUP, &action, nullptr);
}

void remove_partial_files_at_first_signal() { g_remove_at_first.store(true); }

bool stop_requested() { return g_signal.load(std::memory_order_relaxed) != 0; }

void throw_if_stop_requested() {
  const int signal = g_signal.load();
  if (signal != 0) throw Interrupted(signal);
}

int register_partial_file(const std::string& path) {
  if (path.size() + 1 > kPartialPathBytes) return -1;
  for (int i = 0; i < kPartialSlots; ++i) {
    bool expected = false;
    if (!g_claimed[i].compare_exchange_strong(expected, true)) continue;
    std::memcpy(g_partial[i].path, path.c_str(), path.size() + 1);
    g_partial[i].used.store(true);
    return i;
  }
  return -1;
}

void unregister_partial_file(int slot) {
  if (slot < 0 || slot >= kPartialSlots) return;
  g_partial[slot].used.store(false);
  g_claimed[slot].store(false);
}

}  // namespace spotsweep

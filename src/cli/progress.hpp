#pragma once
// A progress report on stderr (docs/sweep.md, "Progress"): a bar redrawn in place on a terminal
// (at most five times a second), plain lines at every 10 % otherwise (logs and pipes keep a
// readable record). Both show the elapsed time, the rate and the time left, estimated from the
// rate of the work done by this process (work read back from checkpoints excluded).
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace spotsweep::cli {

// "12.3 s", "4 min 05 s", "2 h 03 min".
inline std::string duration_text(double seconds) {
  char buf[48];
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "?";
  if (seconds < 60)
    std::snprintf(buf, sizeof buf, "%.1f s", seconds);
  else if (seconds < 3600)
    std::snprintf(buf, sizeof buf, "%d min %02d s", static_cast<int>(seconds / 60),
                  static_cast<int>(seconds) % 60);
  else
    std::snprintf(buf, sizeof buf, "%d h %02d min", static_cast<int>(seconds / 3600),
                  static_cast<int>(seconds / 60) % 60);
  return buf;
}

class ProgressReport {
 public:
  // `what` starts each line; `unit` names what done/total count ("jobs", "rounds").
  explicit ProgressReport(std::string what, std::string unit = "")
      : what_(std::move(what)),
        unit_(std::move(unit)),
        tty_(::isatty(2) != 0),
        start_(std::chrono::steady_clock::now()) {}

  void update(int64_t done, int64_t total) {
    update(static_cast<double>(done), static_cast<double>(total));
  }
  void update(int32_t done, int32_t total) {
    update(static_cast<double>(done), static_cast<double>(total));
  }

  // done and total in any unit of work; `resumed` of done came from checkpoints; `rate` is
  // what the line shows as the speed (e.g. "2.1e+07 steps/s"), the units of work per second
  // when empty.
  void update(double done, double total, double resumed = 0.0, const std::string& rate = "") {
    if (!(total > 0)) return;
    const double fraction = std::min(1.0, done / total);
    const double seconds = elapsed_s();
    const double worked = done - resumed;
    const double eta = worked > 0 && seconds > 0 ? (total - done) * seconds / worked : NAN;
    std::string speed = rate;
    if (speed.empty() && seconds > 0 && worked > 0) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "%.3g %s/s", worked / seconds,
                    unit_.empty() ? "units" : unit_.c_str());
      speed = buf;
    }
    const bool finished = done >= total;
    if (tty_) {
      if (!finished && seconds - last_draw_ < 0.2 && drawn_) return;
      last_draw_ = seconds;
      drawn_ = true;
      constexpr int kWidth = 30;
      std::string bar(static_cast<size_t>(fraction * kWidth), '#');
      bar.resize(kWidth, '.');
      std::fprintf(stderr, "\r%s [%s] %5.1f%%  %s%s%s, %s left   ", what_.c_str(), bar.c_str(),
                   100 * fraction, duration_text(seconds).c_str(), speed.empty() ? "" : ", ",
                   speed.c_str(), finished ? "0 s" : duration_text(eta).c_str());
      if (finished) std::fputc('\n', stderr);
      std::fflush(stderr);
      return;
    }
    const int tenth = static_cast<int>(fraction * 10 + 1e-9);
    if (tenth > last_tenth_) {
      last_tenth_ = tenth;
      std::fprintf(stderr, "%s: %d%% after %s%s%s, eta %s\n", what_.c_str(), tenth * 10,
                   duration_text(seconds).c_str(), speed.empty() ? "" : ", ", speed.c_str(),
                   finished ? "0 s" : duration_text(eta).c_str());
      std::fflush(stderr);
    }
  }

  double elapsed_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::string what_, unit_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  int last_tenth_ = 0;
  double last_draw_ = 0.0;
  bool drawn_ = false;
};

}  // namespace spotsweep::cli

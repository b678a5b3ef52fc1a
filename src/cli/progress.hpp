#pragma once
// A progress report on stderr: a bar redrawn in place on a terminal, plain lines every 10 %
// otherwise (logs and pipes keep a readable record).
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace spotsweep::cli {

class ProgressReport {
 public:
  explicit ProgressReport(std::string what)
      : what_(std::move(what)), tty_(::isatty(2) != 0), start_(std::chrono::steady_clock::now()) {}

  void update(int64_t done, int64_t total) {
    if (total <= 0) return;
    const double fraction = static_cast<double>(done) / static_cast<double>(total);
    const double seconds = elapsed_s();
    if (tty_) {
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(fraction * kWidth);
      std::string bar(static_cast<size_t>(filled), '#');
      bar.resize(kWidth, '.');
      const double eta = fraction > 0 ? seconds * (1 - fraction) / fraction : 0.0;
      std::fprintf(stderr, "\r%s [%s] %5.1f%% %lld/%lld  %.1fs, ~%.0fs left ", what_.c_str(),
                   bar.c_str(), 100 * fraction, static_cast<long long>(done),
                   static_cast<long long>(total), seconds, eta);
      if (done >= total) std::fputc('\n', stderr);
      std::fflush(stderr);
      return;
    }
    const int tenth = static_cast<int>(fraction * 10);
    if (tenth > last_tenth_) {
      last_tenth_ = tenth;
      std::fprintf(stderr, "%s: %d%% (%lld/%lld) after %.1f s\n", what_.c_str(), tenth * 10,
                   static_cast<long long>(done), static_cast<long long>(total), seconds);
    }
  }

  double elapsed_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::string what_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  int last_tenth_ = 0;
};

}  // namespace spotsweep::cli

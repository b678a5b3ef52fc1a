#pragma once
// What an interrupted run leaves (docs/sweep.md, "Progress, checkpoints and --resume"): SIGINT,
// SIGTERM or SIGHUP removes the output being written under its temporary name, so that no
// partial output is ever left, then ends the process as the signal would; checkpoints, each
// written whole under a temporary name and renamed, stay for --resume.
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace spotsweep::cli {

namespace interrupt_detail {
inline char* partial_output() {
  static char path[4096] = {0};
  return path;
}
inline void on_signal(int signal_number) {
  if (partial_output()[0] != '\0') ::unlink(partial_output());  // async-signal-safe
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}
}  // namespace interrupt_detail

// Installs the handler for the run that will write `partial` (the output's temporary name).
inline void remove_on_interrupt(const std::string& partial) {
  char* target = interrupt_detail::partial_output();
  std::strncpy(target, partial.c_str(), 4095);
  target[4095] = '\0';
  for (int s : {SIGINT, SIGTERM, SIGHUP})
    ::signal(s, interrupt_detail::on_signal);
}

}  // namespace spotsweep::cli

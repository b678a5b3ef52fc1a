#pragma once
// Stopping a run on SIGINT, SIGTERM or SIGHUP without leaving partial outputs (docs/reliability.md,
// "Signals"). The first signal only sets a flag: long loops look at it between chunks of work
// and the run then throws Interrupted, whose unwinding removes every temporary output
// (OutputFile, detail/atomic_file.hpp). A second signal ends the process at once, removing the
// temporary files registered here first. Host-only.
#include <stdexcept>
#include <string>

namespace spotsweep {

// The run was asked to stop by `signal_number`; the CLI exits with 128 + signal_number.
struct Interrupted : std::runtime_error {
  explicit Interrupted(int signal);
  int signal_number;
};

// Installs the handlers for SIGINT, SIGTERM and SIGHUP (the command line does, once).
void install_stop_handlers();

// Whether a stop was asked for. Cheap: loops may ask once per member or job.
bool stop_requested();

// Throws Interrupted when a stop was asked for. Never call it inside an OpenMP region: skip the
// remaining work there and call it after the region.
void throw_if_stop_requested();

// Makes the first signal remove the registered temporary files at once as well, for a launcher
// that kills its processes soon after its first signal (mpirun: SIGTERM, then SIGKILL a second
// later; docs/mpi.md, "Failure"). The run still stops at its next check.
void remove_partial_files_at_first_signal();

// Temporary output files that a second signal removes before the process ends. register
// returns a slot (or -1 when all are taken: the file is then only removed by unwinding).
int register_partial_file(const std::string& path);
void unregister_partial_file(int slot);

}  // namespace spotsweep

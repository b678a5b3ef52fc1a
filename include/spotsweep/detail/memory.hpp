#pragma once
// The host-memory budget (docs/reliability.md, "Memory"): what a run may allocate, by default
// 80 % of the machine's physical memory, or --max-host-mem. Code that allocates in proportion
// to its input (OPT tables, planner scratch, result tables, scenario windows, importers)
// estimates the bytes first and refuses a run over the budget with the estimate and the option
// that would shrink it. Host-only.
#include <cstddef>
#include <string>

namespace spotsweep {

// Physical memory of the machine, bytes (0 when unknown).
std::size_t physical_memory_bytes();

// The budget: `bytes` when nonzero, else `fraction` of physical memory. The command line sets
// it once (--max-host-mem); the default is 80 % of physical memory.
void set_host_memory_budget(std::size_t bytes, double fraction = 0.8);
std::size_t host_memory_budget();
// How the budget was set, for messages: "--max-host-mem = 2 GiB" or "80 % of physical memory".
std::string host_memory_budget_text();

// "12.5 MiB", "3.2 GiB": bytes in the largest binary unit that keeps a value >= 1.
std::string format_bytes(double bytes);

// Refuses `bytes` (an estimate, a double so that it cannot wrap) over the budget: an InputError
// "<source>: <field> = <value>: needs an estimated B of host memory for <what>, over the
// budget of M (...); <shrink>". `shrink` names the option or value that would reduce it.
void check_host_memory(double bytes, const std::string& what, const std::string& source,
                       const std::string& field, const std::string& value,
                       const std::string& shrink);

}  // namespace spotsweep

#pragma once
// The project's error types and the two checking macros: SPOTSWEEP_EXPECTS for
// preconditions and SPOTSWEEP_CUDA_TRY for CUDA runtime calls (expanded only in .cu files).
#include <stdexcept>
#include <string>

namespace spotsweep {

// Bad user input (file, option, value). The message is one line, printed as-is by the CLI.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A broken precondition inside the program: a bug, not bad input.
struct LogicError : std::logic_error {
  using std::logic_error::logic_error;
};

// A failed CUDA runtime call.
struct CudaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Shortest text that reads back as the same double ("0.1", "24", "1e+300"), for messages.
std::string format_number(double value);

// Builds "<file>: <field> = <value>: <reason>", the one-line shape of every input error.
inline InputError input_error(const std::string& file, const std::string& field,
                              const std::string& value, const std::string& reason) {
  std::string msg = file.empty() ? std::string() : file + ": ";
  msg += field;
  if (!value.empty()) msg += " = " + value;
  msg += ": " + reason;
  return InputError(msg);
}

namespace detail {
inline std::string where(const char* file, int line) {
  return std::string(file) + ":" + std::to_string(line);
}
}  // namespace detail

}  // namespace spotsweep

#define SPOTSWEEP_STRINGIFY_DETAIL(x) #x
#define SPOTSWEEP_STRINGIFY(x)        SPOTSWEEP_STRINGIFY_DETAIL(x)

// Precondition check: throws LogicError with file:line and the reason.
#define SPOTSWEEP_EXPECTS(cond, reason)                                                \
  do {                                                                                 \
    if (!(cond))                                                                       \
      throw ::spotsweep::LogicError(::spotsweep::detail::where(__FILE__, __LINE__) +   \
                                    ": precondition failed (" #cond "): " + (reason)); \
  } while (0)

// Checks a CUDA runtime call; clears the sticky error and throws with file:line and the
// error's name. Only expanded in translation units compiled by nvcc.
#define SPOTSWEEP_CUDA_TRY(call)                                                                   \
  do {                                                                                             \
    cudaError_t spotsweep_cuda_status_ = (call);                                                   \
    if (spotsweep_cuda_status_ != cudaSuccess) {                                                   \
      cudaGetLastError();                                                                          \
      throw ::spotsweep::CudaError(::spotsweep::detail::where(__FILE__, __LINE__) + ": " + #call + \
                                   " failed: " + cudaGetErrorName(spotsweep_cuda_status_) + " (" + \
                                   cudaGetErrorString(spotsweep_cuda_status_) + ")");              \
    }                                                                                              \
  } while (0)

// Checks the last kernel launch.
#define SPOTSWEEP_CUDA_CHECK_LAST() SPOTSWEEP_CUDA_TRY(cudaPeekAtLastError())

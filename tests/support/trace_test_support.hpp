#pragma once
// Helpers shared by the trace tests: where the repository's data/ and the shared reference
// data are, a scratch directory for written files, and a check on InputError messages.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <string>

#include "spotsweep/detail/error.hpp"

namespace spotsweep::testing {

inline std::string repo_data(const std::string& relative) {
  return std::string(SPOTSWEEP_SOURCE_DIR) + "/data/" + relative;
}

inline std::string shared_traces(const std::string& relative) {
  return std::string(SPOTSWEEP_SHARED_DIR) + "/data/spot-traces/" + relative;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline bool exists(const std::string& path) { return std::ifstream(path).good(); }

// A per-process folder under $SPOTSWEEP_TEST_TMP (created if needed), else /tmp: ctest runs a
// file's tests as concurrent processes, and several write files of the same name.
inline std::string scratch(const std::string& name) {
  const char* env = std::getenv("SPOTSWEEP_TEST_TMP");
  std::string dir =
      std::string(env && *env ? env : "/tmp") + "/traces_" + std::to_string(::getpid());
  std::string partial;
  for (size_t i = 0; i <= dir.size(); ++i) {  // mkdir -p
    if (i == dir.size() || (dir[i] == '/' && i > 0)) ::mkdir(dir.substr(0, i).c_str(), 0755);
  }
  return dir + "/" + name;
}

inline std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = scratch(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// Runs `action`, expects an InputError whose one-line message contains every fragment.
inline void expect_input_error(const std::function<void()>& action,
                               std::initializer_list<std::string> fragments) {
  try {
    action();
  } catch (const InputError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
    for (const auto& fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos)
          << "message lacks \"" << fragment << "\": " << message;
    return;
  }
  ADD_FAILURE() << "no InputError thrown";
}

}  // namespace spotsweep::testing

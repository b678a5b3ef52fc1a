#pragma once
// Outputs are written under a per-process temporary name beside their path and renamed onto it
// when complete, so a failed run leaves no partial file and never clobbers what was there
// (docs: "Nothing already written is lost or corrupted").
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "spotsweep/detail/error.hpp"

namespace spotsweep {

// The temporary name of path while it is written: path.partial-PID.
inline std::string partial_path(const std::string& path) {
  return path + ".partial-" + std::to_string(::getpid());
}

// Checked before a long run rather than at its end: path's folder exists and path is not a folder.
inline void check_output_path(const std::string& path, const std::string& option) {
  const std::filesystem::path target(path);
  if (!target.parent_path().empty() && !std::filesystem::is_directory(target.parent_path()))
    throw input_error(path, option, "", "its folder does not exist");
  if (std::filesystem::is_directory(target))
    throw input_error(path, option, "", "is a folder, not a file");
}

// A text output: write to stream(), then commit(). Destroyed before commit() (an exception on
// the way), it removes its temporary file; errors name the file and the option that gave it.
class AtomicTextFile {
 public:
  AtomicTextFile(std::string path, std::string option)
      : path_(std::move(path)), option_(std::move(option)), temp_(partial_path(path_)) {
    check_output_path(path_, option_);
    out_.open(temp_, std::ios::binary | std::ios::trunc);
    if (!out_)
      throw input_error(path_, option_, "",
                        "cannot create the file (is its folder there and writable?)");
  }
  ~AtomicTextFile() {
    if (committed_) return;
    out_.close();
    std::remove(temp_.c_str());
  }
  AtomicTextFile(const AtomicTextFile&) = delete;
  AtomicTextFile& operator=(const AtomicTextFile&) = delete;

  std::ostream& stream() { return out_; }

  void commit() {
    out_.close();
    if (!out_) throw input_error(path_, option_, "", "writing the file failed");
    if (std::rename(temp_.c_str(), path_.c_str()) != 0)
      throw input_error(path_, option_, "", "cannot rename the finished file into place");
    committed_ = true;
  }

 private:
  std::string path_, option_, temp_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace spotsweep

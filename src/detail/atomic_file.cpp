#include "spotsweep/detail/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/stop.hpp"

namespace spotsweep {

namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

std::string partial_path(const std::string& path) {
  return path + ".partial-" + std::to_string(::getpid());
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  if (a.empty() || b.empty() || ::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0)
    return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void check_output_path(const std::string& path, const std::string& option) {
  if (path.empty()) throw input_error("", option, "\"\"", "empty: name the file to write");
  const std::filesystem::path target(path);
  if (!target.parent_path().empty() && !std::filesystem::is_directory(target.parent_path()))
    throw input_error(path, option, "", "its folder does not exist");
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw input_error(path, option, "", "is a folder, not a file");
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw input_error(path, option, "",
                      std::string("exists and is ") + kind_of(st.st_mode) +
                          ", not a regular file; outputs replace their path, so choose a file");
}

void check_input_file(const std::string& path, const std::string& field) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throw input_error(path, field, path, "cannot open (missing or unreadable)");
  if (!S_ISREG(st.st_mode))
    throw input_error(path, field, path,
                      std::string("is ") + kind_of(st.st_mode) + ", not a regular file");
}

OutputFile::OutputFile(std::string path, std::string option, const std::vector<std::string>& inputs)
    : path_(std::move(path)), option_(std::move(option)) {
  check_output_path(path_, option_);
  for (const std::string& input : inputs)
    if (same_file(path_, input))
      throw input_error(path_, option_, "",
                        "is the same file as the input " + input +
                            ", which the output would replace; choose another path");
  temp_ = partial_path(path_);
  const int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    const std::string why = std::strerror(errno);
    throw input_error(path_, option_, "",
                      "cannot create the file (" + why + "; is its folder there and writable?)");
  }
  ::close(fd);
  registry_slot_ = register_partial_file(temp_);
}

OutputFile::~OutputFile() {
  if (!committed_) discard();
  unregister_partial_file(registry_slot_);
}

void OutputFile::discard() {
  if (!committed_ && !temp_.empty()) std::remove(temp_.c_str());
}

void OutputFile::commit() {
  throw_if_stop_requested();
  // A replaced file keeps its permissions (a private output stays private).
  struct stat st;
  if (::stat(path_.c_str(), &st) == 0 && S_ISREG(st.st_mode))
    ::chmod(temp_.c_str(), st.st_mode & 07777);
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    throw std::runtime_error(
        input_error(path_, option_, "", "cannot rename the finished file into place (" + why + ")")
            .what());
  }
  committed_ = true;
}

void write_file_bytes(const OutputFile& output, const void* data, std::size_t size) {
  const auto fail = [&](int error) {
    return std::runtime_error(
        input_error(output.path(), output.option(), "",
                    std::string("writing the file failed (") + std::strerror(error) + ")")
            .what());
  };
  const int fd = ::open(output.temp().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) throw fail(errno);
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      ::close(fd);
      throw fail(error);
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  // Durable before the rename that makes it the output.
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    throw fail(error);
  }
  if (::close(fd) != 0) throw fail(errno);
}

void check_distinct_outputs(const std::vector<std::pair<std::string, std::string>>& outputs) {
  namespace fs = std::filesystem;
  for (size_t i = 0; i < outputs.size(); ++i)
    for (size_t j = i + 1; j < outputs.size(); ++j) {
      std::error_code a_error, b_error;
      const fs::path a = fs::weakly_canonical(outputs[i].first, a_error);
      const fs::path b = fs::weakly_canonical(outputs[j].first, b_error);
      if (outputs[i].first == outputs[j].first || (!a_error && !b_error && a == b) ||
          same_file(outputs[i].first, outputs[j].first))
        throw input_error(outputs[j].first, outputs[j].second, "",
                          "is also " + outputs[i].second + "; two outputs need two paths");
    }
}

AtomicTextFile::AtomicTextFile(std::string path, std::string option,
                               const std::vector<std::string>& inputs)
    : own_(std::make_unique<OutputFile>(std::move(path), std::move(option), inputs)) {
  reserved_ = own_.get();
  open();
}

AtomicTextFile::AtomicTextFile(OutputFile& reserved) : reserved_(&reserved) { open(); }

void AtomicTextFile::open() {
  out_.open(reserved_->temp(), std::ios::binary | std::ios::trunc);
  if (!out_)
    throw input_error(reserved_->path(), reserved_->option(), "",
                      "cannot create the file (is its folder there and writable?)");
}

void AtomicTextFile::commit() {
  out_.close();
  if (!out_)
    throw std::runtime_error(input_error(reserved_->path(), reserved_->option(), "",
                                         "writing the file failed (disk full or I/O error)")
                                 .what());
  reserved_->commit();
}

}  // namespace spotsweep

#pragma once
// Outputs that can never harm inputs (docs/reliability.md, "Outputs"). An output is written
// under a per-process temporary name beside its path, created when the command starts, and
// renamed onto the path when complete: a failed or interrupted run leaves no partial file and
// never clobbers what was there. Before anything runs, an output is refused when it is the same
// file as one of the command's inputs, when it exists and is not a regular file (a device, a
// FIFO, a folder), or when its temporary file cannot be created. Host-only.
#include <cstddef>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace spotsweep {

// The temporary name of path while it is written: path.partial-PID.
std::string partial_path(const std::string& path);

// Whether a and b name the same existing file (same device and inode; symbolic links followed).
bool same_file(const std::string& a, const std::string& b);

// Checks an output path without creating anything: not empty, its folder exists, and it is not
// an existing folder or other non-regular file. InputErrors name `option`.
void check_output_path(const std::string& path, const std::string& option);

// Checks that an input is an existing regular file (a FIFO or device would block or mislead a
// reader that needs its size); InputError naming `field` otherwise.
void check_input_file(const std::string& path, const std::string& field);

// An output reserved when the command starts. The constructor checks the path
// (check_output_path), refuses it when it is the same file as any of `inputs` that exists,
// and creates the temporary file, so a bad path fails at once; a writer fills temp() and calls
// commit(). Destroyed uncommitted (an error, an interrupt), it removes the temporary file.
class OutputFile {
 public:
  OutputFile(std::string path, std::string option, const std::vector<std::string>& inputs = {});
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  const std::string& path() const { return path_; }
  const std::string& option() const { return option_; }
  const std::string& temp() const { return temp_; }
  bool committed() const { return committed_; }

  // Renames the finished temporary file onto path(), giving it the mode of the file it
  // replaces. Throws Interrupted (nothing renamed) when a stop was asked for.
  void commit();
  // Removes the temporary file now (the destructor would).
  void discard();

 private:
  std::string path_, option_, temp_;
  int registry_slot_ = -1;
  bool committed_ = false;
};

// Writes `size` bytes to the output's temporary file (replacing what it held) and syncs it:
// a full disk or an I/O error is a runtime error naming the output.
void write_file_bytes(const OutputFile& output, const void* data, std::size_t size);

// Refuses two outputs of one command that name the same path (the second would replace the
// first): pairs of (path, option).
void check_distinct_outputs(const std::vector<std::pair<std::string, std::string>>& outputs);

// A text output: write to stream(), then commit(). Errors name the file and the option.
class AtomicTextFile {
 public:
  AtomicTextFile(std::string path, std::string option, const std::vector<std::string>& inputs = {});
  // Writes into a reserved output.
  explicit AtomicTextFile(OutputFile& reserved);
  AtomicTextFile(const AtomicTextFile&) = delete;
  AtomicTextFile& operator=(const AtomicTextFile&) = delete;

  std::ostream& stream() { return out_; }
  void commit();

 private:
  void open();
  OutputFile* reserved_ = nullptr;
  std::unique_ptr<OutputFile> own_;  // the output this object reserved itself, if any
  std::ofstream out_;
};

}  // namespace spotsweep

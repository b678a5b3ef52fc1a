// Outputs reserved up front: refused when they are an input or not a regular file, their
// temporary file made at once and removed unless committed, a replaced file's mode kept; and
// the host-memory budget's refusal.
#include "spotsweep/detail/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "spotsweep/detail/error.hpp"
#include "spotsweep/detail/memory.hpp"

using namespace spotsweep;

namespace {

// A per-process folder under $SPOTSWEEP_TEST_TMP (made if missing), else /tmp.
std::string scratch(const std::string& name) {
  const char* env = std::getenv("SPOTSWEEP_TEST_TMP");
  const std::filesystem::path dir =
      std::filesystem::path(env && *env ? env : "/tmp") / ("atomic_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string error_of(const std::string& path, const std::vector<std::string>& inputs) {
  try {
    OutputFile output(path, "--output", inputs);
    return "";
  } catch (const InputError& e) {
    return e.what();
  }
}

}  // namespace

TEST(OutputFile, TemporaryFileExistsFromTheStartAndGoesUnlessCommitted) {
  const std::string path = scratch("out.txt");
  {
    OutputFile output(path, "--output");
    EXPECT_TRUE(exists(output.temp()));
    EXPECT_EQ(output.temp(), path + ".partial-" + std::to_string(::getpid()));
  }
  EXPECT_FALSE(exists(partial_path(path)));
  EXPECT_FALSE(exists(path));
  {
    OutputFile output(path, "--output");
    std::ofstream(output.temp()) << "done";
    output.commit();
    EXPECT_FALSE(exists(output.temp()));
  }
  std::ifstream in(path);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "done");
}

TEST(OutputFile, RefusesInputsDevicesFoldersAndEmptyPaths) {
  const std::string input = scratch("input.toml");
  std::ofstream(input) << "x";
  const std::string link = scratch("link.toml");
  ::unlink(link.c_str());
  ASSERT_EQ(::symlink(input.c_str(), link.c_str()), 0);
  EXPECT_NE(error_of(input, {input}).find("is the same file as the input"), std::string::npos);
  EXPECT_NE(error_of(link, {"/nonexistent", input}).find("same file as the input"),
            std::string::npos);
  EXPECT_NE(error_of("/dev/null", {}).find("a character device"), std::string::npos);
  EXPECT_NE(error_of(scratch(""), {}).find("is a folder"), std::string::npos);
  EXPECT_NE(error_of("", {}).find("empty"), std::string::npos);
  EXPECT_NE(error_of("/nonexistent/x.h5", {}).find("its folder does not exist"), std::string::npos);
  // Refused outputs created nothing, and the input is intact.
  EXPECT_FALSE(exists(partial_path(input)));
  std::ifstream in(input);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "x");
  // Two outputs of one command on one path.
  EXPECT_THROW(check_distinct_outputs({{input, "--out"}, {link, "--regime-csv"}}), InputError);
  EXPECT_NO_THROW(check_distinct_outputs({{input, "--out"}, {scratch("other"), "--csv"}}));
}

TEST(OutputFile, ReplacedFileKeepsItsMode) {
  const std::string path = scratch("private.h5");
  std::ofstream(path) << "old";
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  {
    OutputFile output(path, "--output");
    std::ofstream(output.temp()) << "new";
    output.commit();
  }
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST(OutputFile, InputFilesMustBeRegular) {
  EXPECT_THROW(check_input_file("/dev/null", "file"), InputError);
  EXPECT_THROW(check_input_file("/nonexistent/trace.h5", "file"), InputError);
  const std::string fifo = scratch("fifo");
  ::unlink(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  try {
    check_input_file(fifo, "file");
    FAIL() << "a FIFO passed";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("a FIFO, not a regular file"), std::string::npos);
  }
}

TEST(HostMemory, EstimatesOverTheBudgetAreRefusedWithTheOptionToShrink) {
  set_host_memory_budget(std::size_t(1) << 30);
  EXPECT_NO_THROW(check_host_memory(1e9, "a table", "", "--opt-buckets", "256", "lower it"));
  try {
    check_host_memory(3.5 * (1 << 30), "OPT's tables", "", "--opt-buckets", "256",
                      "lower --opt-buckets");
    FAIL() << "over the budget passed";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "--opt-buckets = 256: needs an estimated 3.5 GiB of host memory for OPT's "
                 "tables, over the budget of 1.0 GiB (--max-host-mem = 1.0 GiB); lower "
                 "--opt-buckets");
  }
  // An estimate that would wrap an integer is still refused.
  EXPECT_THROW(check_host_memory(1e30, "x", "", "f", "v", "s"), InputError);
  set_host_memory_budget(0);  // back to 80 % of physical memory
  EXPECT_EQ(host_memory_budget(),
            static_cast<std::size_t>(0.8 * static_cast<double>(physical_memory_bytes())));
}

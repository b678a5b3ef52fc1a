// Sealed files: SHA-256 against the FIPS 180-4 examples, and the gate's verdict on a sealed file
// with any one byte changed, truncated or extended.
#include "spotsweep/detail/seal.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "spotsweep/detail/error.hpp"

using namespace spotsweep;

namespace {

std::string sha256(const std::string& text) {
  Sha256 hash;
  hash.update(text.data(), text.size());
  return hash.hex_digest();
}

// A per-process folder under $SPOTSWEEP_TEST_TMP (made if missing), else /tmp.
std::string scratch(const std::string& name) {
  const char* env = std::getenv("SPOTSWEEP_TEST_TMP");
  const std::filesystem::path dir =
      std::filesystem::path(env && *env ? env : "/tmp") / ("seal_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

// A sealed image: the header's room, then `body`.
std::vector<unsigned char> unsealed(const std::string& body) {
  std::vector<unsigned char> image(kSealBytes + body.size(), 0);
  std::copy(body.begin(), body.end(), image.begin() + kSealBytes);
  return image;
}
std::vector<unsigned char> sealed(const std::string& body) {
  std::vector<unsigned char> image = unsealed(body);
  seal_image(image);
  return image;
}

std::string verdict(const std::string& path) {
  try {
    verify_sealed_file(path, "advice");
    return "";
  } catch (const InputError& e) {
    return e.what();
  }
}

}  // namespace

TEST(Sha256, FipsExamples) {
  EXPECT_EQ(sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // A million a's, fed in uneven pieces across the 64-byte blocks.
  Sha256 hash;
  const std::string chunk(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    const size_t n = left < chunk.size() ? left : chunk.size();
    hash.update(chunk.data(), n);
    left -= n;
  }
  EXPECT_EQ(hash.hex_digest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Seal, HeaderNamesLengthAndChecksum) {
  const std::vector<unsigned char> image = sealed("hello, trace");
  const std::string header(reinterpret_cast<const char*>(image.data()));
  EXPECT_EQ(header, std::string(kSealMagic) + "\nlength " + std::to_string(kSealBytes + 12) +
                        "\nsha256 " + sha256("hello, trace") + "\n");
  const std::string path = scratch("ok.bin");
  write_bytes(path, image);
  EXPECT_EQ(verdict(path), "");
  // seal_file gives the file the same header.
  const std::string resealed = scratch("resealed.bin");
  write_bytes(resealed, unsealed("hello, trace"));
  seal_file(resealed);
  EXPECT_EQ(read_bytes(resealed), image);
}

TEST(Seal, EveryChangedByteIsRefused) {
  std::string body;
  for (int i = 0; i < 700; ++i)
    body += static_cast<char>(i * 37 + 11);
  const std::vector<unsigned char> image = sealed(body);
  const std::string path = scratch("flip.bin");
  for (size_t at = 0; at < image.size(); ++at) {
    std::vector<unsigned char> damaged = image;
    damaged[at] ^= 0x01;
    write_bytes(path, damaged);
    const std::string message = verdict(path);
    ASSERT_NE(message, "") << "a flipped bit at byte " << at << " passed the gate";
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(Seal, TruncatedExtendedAndUnsealedFilesAreRefused) {
  const std::vector<unsigned char> image = sealed(std::string(300, 'x'));
  const std::string path = scratch("length.bin");
  std::vector<unsigned char> shorter(image.begin(), image.end() - 1);
  write_bytes(path, shorter);
  EXPECT_NE(verdict(path).find("truncated or was extended"), std::string::npos) << verdict(path);
  std::vector<unsigned char> longer = image;
  longer.push_back('y');
  write_bytes(path, longer);
  EXPECT_NE(verdict(path).find("truncated or was extended"), std::string::npos) << verdict(path);
  std::vector<unsigned char> tiny(image.begin(), image.begin() + 100);
  write_bytes(path, tiny);
  EXPECT_NE(verdict(path).find("truncated"), std::string::npos) << verdict(path);
  write_bytes(path, std::vector<unsigned char>{0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n', 0});
  EXPECT_NE(verdict(path).find("without the spotsweep checksum header; advice"), std::string::npos)
      << verdict(path);
  EXPECT_NE(verdict(scratch("missing.bin")).find("cannot open"), std::string::npos);
}

#include "spotsweep/detail/seal.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "spotsweep/detail/error.hpp"

namespace spotsweep {

namespace {

constexpr uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

// The header text for a file of `length` bytes whose contents after the header hash to `hex`.
std::string header_text(uint64_t length, const std::string& hex) {
  return std::string(kSealMagic) + "\nlength " + std::to_string(length) + "\nsha256 " + hex + "\n";
}

}  // namespace

Sha256::Sha256()
    : state_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
             0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19} {}

void Sha256::block(const unsigned char* p) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i)
    w[i] = static_cast<uint32_t>(p[4 * i]) << 24 | static_cast<uint32_t>(p[4 * i + 1]) << 16 |
           static_cast<uint32_t>(p[4 * i + 2]) << 8 | static_cast<uint32_t>(p[4 * i + 3]);
  for (int i = 16; i < 64; ++i) {
    const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4], f = state_[5],
           g = state_[6], h = state_[7];
  for (int i = 0; i < 64; ++i) {
    const uint32_t t1 =
        h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kRound[i] + w[i];
    const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
  state_[4] += e;
  state_[5] += f;
  state_[6] += g;
  state_[7] += h;
}

void Sha256::update(const void* data, std::size_t size) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  length_ += size;
  while (size > 0) {
    if (buffered_ == 0 && size >= 64) {
      block(p);
      p += 64;
      size -= 64;
      continue;
    }
    const std::size_t take = size < 64 - buffered_ ? size : 64 - buffered_;
    std::memcpy(buffer_ + buffered_, p, take);
    buffered_ += take;
    p += take;
    size -= take;
    if (buffered_ == 64) {
      block(buffer_);
      buffered_ = 0;
    }
  }
}

std::string Sha256::hex_digest() {
  const uint64_t bits = length_ * 8;
  const unsigned char pad = 0x80;
  update(&pad, 1);
  const unsigned char zero = 0;
  while (buffered_ != 56)
    update(&zero, 1);
  unsigned char tail[8];
  for (int i = 0; i < 8; ++i)
    tail[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
  update(tail, 8);
  char hex[65];
  for (int i = 0; i < 8; ++i)
    std::snprintf(hex + 8 * i, 9, "%08x", state_[i]);
  return std::string(hex, 64);
}

namespace {

// The SHA-256 of `file` from offset kSealBytes to its end; false on a read error.
bool hash_after_header(std::FILE* file, std::string* hex) {
  if (std::fseek(file, static_cast<long>(kSealBytes), SEEK_SET) != 0) return false;
  Sha256 hash;
  std::vector<unsigned char> chunk(1 << 20);
  while (true) {
    const std::size_t got = std::fread(chunk.data(), 1, chunk.size(), file);
    hash.update(chunk.data(), got);
    if (got < chunk.size()) {
      if (std::ferror(file)) return false;
      break;
    }
  }
  *hex = hash.hex_digest();
  return true;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

void seal_image(std::vector<unsigned char>& image) {
  if (image.size() < kSealBytes)
    throw std::runtime_error("cannot seal a file shorter than its header");
  Sha256 hash;
  hash.update(image.data() + kSealBytes, image.size() - kSealBytes);
  std::string header = header_text(image.size(), hash.hex_digest());
  header.resize(kSealBytes, '\0');
  std::memcpy(image.data(), header.data(), kSealBytes);
}

void seal_file(const std::string& path) {
  const auto fail = [&](const char* what) {
    return std::runtime_error(path + ": cannot seal the file (" + what + ")");
  };
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "r+b"));
  if (!file) throw fail("cannot reopen it");
  if (std::fseek(file.get(), 0, SEEK_END) != 0) throw fail("cannot seek");
  const long length = std::ftell(file.get());
  if (length < static_cast<long>(kSealBytes)) throw fail("shorter than its header");
  std::string hex;
  if (!hash_after_header(file.get(), &hex)) throw fail("read error");
  std::string header = header_text(static_cast<uint64_t>(length), hex);
  header.resize(kSealBytes, '\0');
  if (std::fseek(file.get(), 0, SEEK_SET) != 0 ||
      std::fwrite(header.data(), 1, header.size(), file.get()) != header.size() ||
      std::fflush(file.get()) != 0)
    throw fail("write error: disk full?");
  if (std::fclose(file.release()) != 0) throw fail("write error: disk full?");
}

void verify_sealed_file(const std::string& path, const std::string& unsealed_advice) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throw input_error(path, "file", path, "cannot open (missing or unreadable)");
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw input_error(path, "file", path, "cannot open (missing or unreadable)");
  static const char kHdf5Signature[] = "\x89HDF\r\n\x1a\n";
  char header[kSealBytes + 8 + 1] = {};
  const std::size_t got = std::fread(header, 1, kSealBytes + 8, file.get());
  const std::string magic = std::string(kSealMagic) + "\n";
  if (got < magic.size() || std::memcmp(header, magic.data(), magic.size()) != 0) {
    // HDF5's signature after the user block: a sealed file whose header is damaged.
    if (got == kSealBytes + 8 && std::memcmp(header + kSealBytes, kHdf5Signature, 8) == 0)
      throw input_error(path, "checksum", "",
                        "the checksum header is damaged: the file is corrupt");
    const bool hdf5 = got >= 8 && std::memcmp(header, kHdf5Signature, 8) == 0;
    throw input_error(path, "checksum", "",
                      std::string(hdf5 ? "an HDF5 file without the spotsweep checksum header"
                                       : "not a sealed spotsweep file") +
                          "; " + unsealed_advice);
  }
  header[kSealBytes] = '\0';
  if (got < kSealBytes)
    throw input_error(path, "length", std::to_string(st.st_size) + " bytes",
                      "shorter than the checksum header: the file is truncated");
  // "length N\nsha256 HEX\n" after the magic line, then NULs to the end of the header,
  // parsed byte by byte: no other spelling (spaces, signs, a vertical tab for a newline) passes.
  const auto damaged = [&] {
    return input_error(path, "checksum", "", "the checksum header is damaged: the file is corrupt");
  };
  size_t at = magic.size();
  const auto expect_text = [&](const char* text) {
    for (const char* c = text; *c; ++c, ++at)
      if (at >= kSealBytes || header[at] != *c) throw damaged();
  };
  expect_text("length ");
  unsigned long long declared = 0;
  const size_t digits_begin = at;
  while (at < kSealBytes && header[at] >= '0' && header[at] <= '9' && at - digits_begin < 19)
    declared = declared * 10 + static_cast<unsigned>(header[at++] - '0');
  if (at == digits_begin || (header[digits_begin] == '0' && at - digits_begin > 1)) throw damaged();
  expect_text("\nsha256 ");
  char hex[65] = {};
  for (int i = 0; i < 64; ++i, ++at) {
    const char c = at < kSealBytes ? header[at] : '\0';
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) throw damaged();
    hex[i] = c;
  }
  expect_text("\n");
  for (; at < kSealBytes; ++at)
    if (header[at] != '\0') throw damaged();
  if (declared != static_cast<unsigned long long>(st.st_size))
    throw input_error(path, "length", std::to_string(st.st_size) + " bytes",
                      "differs from the " + std::to_string(declared) +
                          " bytes written: the file is truncated or was extended");
  std::string actual;
  if (!hash_after_header(file.get(), &actual))
    throw input_error(path, "file", path, "read error while checking the checksum");
  // Compared by accumulating differences rather than by memcmp: a fuzzer that watches
  // comparisons must not learn the digest of a mutated file and write it into the header.
  unsigned difference = 0;
  for (std::size_t i = 0; i < 64; ++i)
    difference |= static_cast<unsigned char>(actual[i]) ^ static_cast<unsigned char>(hex[i]);
  if (difference != 0)
    throw input_error(path, "checksum", "",
                      "the contents differ from the checksum written with the file: it is corrupt "
                      "(re-import or re-copy it)");
}

}  // namespace spotsweep

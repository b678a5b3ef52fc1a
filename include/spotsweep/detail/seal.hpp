#pragma once
// Sealed files (docs/trace-format.md, "Checksum"): a file whose first kSealBytes bytes (an
// HDF5 user block, which the HDF5 library skips) hold a text header with the file's length
// and the SHA-256 of everything after the header. The writer seals a finished file; readers
// verify the seal with plain reads before any library parses the contents, so a corrupt or
// truncated file is one error line, not a crash inside a parser. Host-only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace spotsweep {

// Size of the header: an HDF5 user block (H5Pset_userblock) of this size holds it.
constexpr std::size_t kSealBytes = 512;
// The header's first line.
constexpr const char* kSealMagic = "spotsweep-sealed-hdf5 1";

// SHA-256 (FIPS 180-4), incrementally.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  std::string hex_digest();  // 64 lowercase hex digits; finishes the hash

 private:
  void block(const unsigned char* p);
  uint32_t state_[8];
  unsigned char buffer_[64];
  std::size_t buffered_ = 0;
  uint64_t length_ = 0;
};

// Writes the header into the first kSealBytes bytes of a file's image (an HDF5 file created
// with a user block of that size), from the image's length and the checksum of the rest.
void seal_image(std::vector<unsigned char>& image);
// The same for a file on disk (tests, and tools that modify a sealed file). Errors are
// runtime errors naming the path.
void seal_file(const std::string& path);

// Checks `path`'s header and checksum before anything else reads it. InputErrors name the file:
// not sealed (with `unsealed_advice`, how to make a sealed copy), a declared length that is
// not the file's, or contents whose checksum differs (corrupt).
void verify_sealed_file(const std::string& path, const std::string& unsealed_advice);

}  // namespace spotsweep

#include "output/binary.hpp"

#include <tbb/parallel_for.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace migflow {

namespace {
constexpr std::size_t kBlockBytes = 4 << 20;  // compressed independently, so in parallel
constexpr int kLevel = 1;                     // fastest deflate: the point is less disk, not least
}  // namespace

std::uint32_t checksum32(const void* data, std::size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = static_cast<const Bytef*>(data);
  while (size > 0) {  // zlib takes 32-bit lengths
    const auto n = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    crc = crc32(crc, p, n);
    p += n;
    size -= n;
  }
  return static_cast<std::uint32_t>(crc);
}

void BinaryWriter::seal() {
  put<std::uint64_t>(bytes_.size() + sizeof(std::uint64_t));  // the length up to here, itself included
  put<std::uint32_t>(checksum32(bytes_.data(), bytes_.size()));
}

BinaryReader BinaryReader::sealed(const char* data, std::size_t size) {
  constexpr std::size_t kSeal = sizeof(std::uint64_t) + sizeof(std::uint32_t);
  if (size < kSeal) throw CorruptData("shorter than its checksum");
  std::uint64_t length = 0;
  std::uint32_t crc = 0;
  std::memcpy(&length, data + size - kSeal, sizeof length);
  std::memcpy(&crc, data + size - sizeof crc, sizeof crc);
  if (length != size - sizeof crc) throw CorruptData("length does not match (truncated or extended)");
  if (checksum32(data, size - sizeof crc) != crc) throw CorruptData("checksum does not match (corrupt)");
  return BinaryReader(data, size - kSeal);
}

// Layout: block count, then per block its compressed size and bytes. Every block but
// the last holds kBlockBytes uncompressed.
void BinaryWriter::put_compressed_bytes(const char* data, std::size_t size) {
  const std::size_t blocks = (size + kBlockBytes - 1) / kBlockBytes;
  // Uninitialised output buffers: only the pages deflate writes get touched, which
  // matters for the arrays of a few repeated values that shrink a hundredfold.
  std::vector<std::unique_ptr<unsigned char[]>> packed(blocks);
  std::vector<uLongf> packed_size(blocks);
  tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t b) {
    const std::size_t begin = b * kBlockBytes, n = std::min(kBlockBytes, size - begin);
    packed_size[b] = compressBound(static_cast<uLong>(n));
    packed[b].reset(new unsigned char[packed_size[b]]);
    if (compress2(packed[b].get(), &packed_size[b], reinterpret_cast<const Bytef*>(data + begin), static_cast<uLong>(n),
                  kLevel) != Z_OK)
      throw std::runtime_error("compressing data failed");
  });
  std::size_t total = 8 * (blocks + 1);
  for (uLongf n : packed_size) total += n;
  reserve(total);
  put<std::uint64_t>(blocks);
  for (std::size_t b = 0; b < blocks; ++b) {
    put<std::uint64_t>(packed_size[b]);
    bytes_.insert(bytes_.end(), packed[b].get(), packed[b].get() + packed_size[b]);
  }
}

void BinaryReader::get_compressed_bytes(char* out, std::size_t size) {
  const std::uint64_t blocks = get<std::uint64_t>();
  if (blocks != (size + kBlockBytes - 1) / kBlockBytes) throw CorruptData("compressed block count");
  std::vector<std::pair<const char*, std::size_t>> packed;
  for (std::uint64_t b = 0; b < blocks; ++b) {
    const std::uint64_t n = get<std::uint64_t>();
    packed.emplace_back(take(n), n);
  }
  std::vector<char> ok(blocks, 0);
  tbb::parallel_for(std::size_t{0}, static_cast<std::size_t>(blocks), [&](std::size_t b) {
    const std::size_t begin = b * kBlockBytes, n = std::min(kBlockBytes, size - begin);
    uLongf got = static_cast<uLongf>(n);
    ok[b] = uncompress(reinterpret_cast<Bytef*>(out + begin), &got, reinterpret_cast<const Bytef*>(packed[b].first),
                       static_cast<uLong>(packed[b].second)) == Z_OK &&
            got == n;
  });
  for (char k : ok)
    if (!k) throw CorruptData("compressed block does not decode");
}

}  // namespace migflow

#include "output/binary.hpp"

#include <tbb/parallel_for.h>
#include <zlib.h>

namespace migflow {

namespace {
constexpr std::size_t kBlockBytes = 4 << 20;  // compressed independently, so in parallel
constexpr int kLevel = 1;                     // fastest deflate: the point is less disk, not least
}  // namespace

// Layout: block count, then per block its compressed size and bytes. Every block but
// the last holds kBlockBytes uncompressed.
void BinaryWriter::put_compressed_bytes(const char* data, std::size_t size) {
  const std::size_t blocks = (size + kBlockBytes - 1) / kBlockBytes;
  std::vector<std::vector<unsigned char>> packed(blocks);
  tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t b) {
    const std::size_t begin = b * kBlockBytes, n = std::min(kBlockBytes, size - begin);
    uLongf out = compressBound(static_cast<uLong>(n));
    packed[b].resize(out);
    if (compress2(packed[b].data(), &out, reinterpret_cast<const Bytef*>(data + begin), static_cast<uLong>(n), kLevel) !=
        Z_OK)
      throw std::runtime_error("compressing checkpoint data failed");
    packed[b].resize(out);
  });
  put<std::uint64_t>(blocks);
  for (const auto& p : packed) {
    put<std::uint64_t>(p.size());
    bytes_.insert(bytes_.end(), p.begin(), p.end());
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

#include "output/chunk_codec.hpp"

#include <zlib.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace migflow {

namespace {

// Chunks with at most one value in kSparseShare non-zero take the sparse coding. Denser
// chunks (stocks, remittances) go to zlib, whose matches find the values repeated from
// step to step: on the default scenario the sparse coding of everything was 2.5 times
// faster but gave a file twice as large (5.1 MB against 2.8 MB).
constexpr std::size_t kSparseShare = 8;

// Byte k of a value as the shuffle filter takes it: in memory order (little-endian here).
static_assert(std::endian::native == std::endian::little, "the shuffled layout assumes a little-endian machine");
unsigned char byte_of(double value, int k) {
  return static_cast<unsigned char>(std::bit_cast<std::uint64_t>(value) >> (8 * k));
}

struct Code {
  std::uint32_t bits = 0;  // LSB first, as they go into the stream
  std::uint8_t length = 0;
};
// RFC 1951, 3.2.6: the fixed literal/length code, bit-reversed (Huffman codes go most
// significant bit first into a stream packed from the least); and each copy length at
// distance 1 as one pattern: its length code, extra bits and the 5-bit distance code 0.
struct FixedCodes {
  std::array<Code, 288> literal{};
  std::array<Code, 259> copy{};
};
constexpr FixedCodes kFixedCodes = [] {
  FixedCodes t;
  for (int s = 0; s < 288; ++s) {
    const auto [value, length] = s < 144   ? std::pair{0x30 + s, 8}
                                 : s < 256 ? std::pair{0x190 + (s - 144), 9}
                                 : s < 280 ? std::pair{s - 256, 7}
                                           : std::pair{0xC0 + (s - 280), 8};
    std::uint32_t reversed = 0;
    for (int i = 0; i < length; ++i) reversed |= static_cast<std::uint32_t>(((value >> i) & 1) << (length - 1 - i));
    t.literal[static_cast<std::size_t>(s)] = {reversed, static_cast<std::uint8_t>(length)};
  }
  constexpr std::array<int, 29> kBase = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                         31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
  constexpr std::array<int, 29> kExtra = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                          2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
  for (int length = 3; length <= 258; ++length) {
    std::size_t i = kBase.size() - 1;
    while (kBase[i] > length) --i;
    const Code& symbol = t.literal[257 + i];
    const std::uint32_t pattern = symbol.bits | static_cast<std::uint32_t>(length - kBase[i]) << symbol.length;
    t.copy[static_cast<std::size_t>(length)] = {pattern, static_cast<std::uint8_t>(symbol.length + kExtra[i] + 5)};
  }
  return t;
}();

// A deflate stream (RFC 1951) in one final block with the fixed Huffman code, inside a
// zlib wrapper (RFC 1950). Only two things are ever written: literal bytes, and zero runs
// as copies of the previous byte (distance 1), which cost 13 bits per 258 zeros.
class FixedHuffmanStream {
 public:
  // Writes into `out` (cleared), which keeps its capacity from chunk to chunk.
  explicit FixedHuffmanStream(std::vector<unsigned char>& out) : out_(out) {
    if (out_.size() < 4096) out_.resize(4096);
    out_[0] = 0x78;  // deflate, 32 KiB window
    out_[1] = 0x01;  // fastest; (0x78 * 256 + 0x01) % 31 == 0 as RFC 1950 requires
    used_ = 2;
    bits(1, 1);  // final block
    bits(1, 2);  // fixed Huffman code
  }

  void literal(unsigned char byte) {
    const Code& c = kFixedCodes.literal[byte];
    bits(c.bits, c.length);
    a_ += byte;
    if (a_ >= kAdlerBase) a_ -= kAdlerBase;
    b_ += a_;
    if (b_ >= kAdlerBase) b_ -= kAdlerBase;
  }

  // `count` zero bytes following a non-zero byte (or the start): one literal zero, then
  // copies of it, 3 to 258 bytes each.
  void zeros(std::size_t count) {
    if (count == 0) return;
    literal(0);
    std::size_t left = count - 1;
    b_ = (b_ + left % kAdlerBase * a_) % kAdlerBase;  // the copied zeros leave a_ as it is
    if (left < 3) {
      while (left-- > 0) bits(kFixedCodes.literal[0].bits, kFixedCodes.literal[0].length);
      return;
    }
    std::size_t full = left / 258, rest = left % 258;
    if (rest > 0 && rest < 3) --full, rest += 258;  // 259 or 260: two copies, the second of 3
    const Code& c258 = kFixedCodes.copy[258];
    for (; full >= 4; full -= 4) bits(c258.bits * kRepeat4, 4 * c258.length);
    for (; full > 0; --full) bits(c258.bits, c258.length);
    if (rest > 258) {
      copy(rest - 3);
      rest = 3;
    }
    if (rest > 0) copy(rest);
  }

  // Ends the block, aligns to a byte and appends the Adler-32; returns the stream's bytes.
  std::span<const unsigned char> finish() {
    const Code& end = kFixedCodes.literal[256];
    bits(end.bits, end.length);
    bits(0, (8 - filled_ % 8) % 8);
    const std::uint32_t adler = static_cast<std::uint32_t>(b_ << 16 | a_);
    for (int shift = 24; shift >= 0; shift -= 8) bits((adler >> shift) & 0xFFu, 8);
    return {out_.data(), used_};
  }

 private:
  static constexpr std::uint64_t kAdlerBase = 65521;

  // Four copies of a 13-bit pattern side by side: pattern * kRepeat4.
  static constexpr std::uint64_t kRepeat4 = 1 | 1ull << 13 | 1ull << 26 | 1ull << 39;
  static_assert(kFixedCodes.copy[258].length == 13);

  void copy(std::size_t length) { bits(kFixedCodes.copy[length].bits, kFixedCodes.copy[length].length); }

  // Appends `count` (<= 56) bits, whole bytes going out 8 at a time.
  void bits(std::uint64_t value, int count) {
    acc_ |= value << filled_;
    filled_ += count;
    if (filled_ < 8) return;
    if (used_ + 8 > out_.size()) out_.resize(out_.size() * 2);
    std::memcpy(out_.data() + used_, &acc_, 8);  // little-endian: the oldest bits first
    const int whole = filled_ / 8;
    used_ += static_cast<std::size_t>(whole);
    acc_ = whole == 8 ? 0 : acc_ >> (8 * whole);
    filled_ -= 8 * whole;
  }

  std::vector<unsigned char>& out_;
  std::size_t used_ = 0;
  std::uint64_t acc_ = 0;  // bits not yet written, filled_ of them
  int filled_ = 0;
  std::uint64_t a_ = 1, b_ = 0;  // Adler-32 of the bytes so far
};

// Scratch memory of the calling thread, reused from chunk to chunk: fresh pages cost more
// than encoding on the project's virtual machine (see output/recorder.cpp, ImageMemory).
std::vector<unsigned char>& scratch(int which) {
  thread_local std::vector<unsigned char> buffers[2];
  return buffers[which];
}

std::vector<unsigned char> encode_sparse(std::span<const ChunkEntry> entries, std::size_t chunk_values) {
  FixedHuffmanStream stream(scratch(0));
  std::size_t next = 0;  // the next shuffled byte not yet encoded
  for (int k = 0; k < 8; ++k) {
    const std::size_t plane = static_cast<std::size_t>(k) * chunk_values;
    for (const ChunkEntry& e : entries) {
      const unsigned char byte = byte_of(e.value, k);
      if (byte == 0) continue;
      stream.zeros(plane + e.position - next);
      stream.literal(byte);
      next = plane + e.position + 1;
    }
  }
  stream.zeros(8 * chunk_values - next);
  const std::span<const unsigned char> bytes = stream.finish();
  return {bytes.begin(), bytes.end()};
}

std::vector<unsigned char> encode_dense(std::span<const ChunkEntry> entries, std::size_t chunk_values, int level) {
  const std::size_t raw = chunk_values * sizeof(double);
  std::vector<unsigned char>& shuffled = scratch(0);
  if (shuffled.size() < raw) shuffled.resize(raw);
  std::memset(shuffled.data(), 0, raw);
  for (const ChunkEntry& e : entries)
    for (int k = 0; k < 8; ++k) shuffled[static_cast<std::size_t>(k) * chunk_values + e.position] = byte_of(e.value, k);
  uLongf size = compressBound(static_cast<uLong>(raw));
  std::vector<unsigned char>& out = scratch(1);
  if (out.size() < size) out.resize(size);
  if (compress2(out.data(), &size, shuffled.data(), static_cast<uLong>(raw), level) != Z_OK)
    throw std::runtime_error("compressing a chunk failed");
  return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(size)};
}

}  // namespace

std::vector<unsigned char> encode_shuffled_chunk(std::span<const ChunkEntry> entries, std::size_t chunk_values,
                                                 int zlib_level, ChunkCoding coding) {
  if (coding == ChunkCoding::automatic)
    coding = entries.size() * kSparseShare <= chunk_values ? ChunkCoding::sparse_fixed : ChunkCoding::zlib;
  return coding == ChunkCoding::sparse_fixed ? encode_sparse(entries, chunk_values)
                                             : encode_dense(entries, chunk_values, zlib_level);
}

}  // namespace migflow

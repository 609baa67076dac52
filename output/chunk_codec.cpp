#include "output/chunk_codec.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace migflow {

namespace {

// Byte planes with at most one byte in kSparseShare non-zero take the fixed sparse coding.
// Denser planes (of stocks, remittances) go to zlib, whose matches find the values
// repeated from step to step: on the default scenario the sparse coding of everything
// was 2.5 times faster but gave a file twice as large (5.1 MB against 2.8 MB).
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

// A zlib stream (RFC 1950) of deflate blocks (RFC 1951) written piece by piece: blocks
// with the fixed Huffman code written here, in which only literal bytes and zero runs
// (copies of the previous byte, 13 bits per 258 zeros) occur, and blocks that zlib
// compresses. zlib ends each of its pieces with a full flush (byte-aligned, no match
// reaching back into what came before), so the pieces join into one valid stream.
class ChunkStream {
 public:
  // Writes into `out`, which keeps its capacity from chunk to chunk.
  explicit ChunkStream(std::vector<unsigned char>& out) : out_(out) {
    if (out_.size() < 4096) out_.resize(4096);
    out_[0] = 0x78;  // deflate, 32 KiB window
    out_[1] = 0x01;  // fastest; (0x78 * 256 + 0x01) % 31 == 0 as RFC 1950 requires
    used_ = 2;
  }

  void begin_fixed_block(bool final) {
    bits(final ? 1 : 0, 1);
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

  // `count` zero bytes following a non-zero byte (or whatever ended the previous block):
  // one literal zero, then copies of it, 3 to 258 bytes each.
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

  // Ends a fixed block; a block that is not the last is followed by an empty stored
  // block, which aligns the stream to a byte as the next piece needs.
  void end_fixed_block(bool final) {
    bits(kFixedCodes.literal[256].bits, kFixedCodes.literal[256].length);
    if (!final) bits(0, 3);  // not final, stored
    align();
    if (!final) {
      for (unsigned char b : {0x00, 0x00, 0xFF, 0xFF}) bits(b, 8);  // LEN 0, NLEN
    }
  }

  // `size` bytes through zlib's deflate, as the last piece of the stream or not.
  void deflate_bytes(z_stream& z, const unsigned char* data, std::size_t size, bool final) {
    std::uint32_t adler = static_cast<std::uint32_t>(b_ << 16 | a_);
    adler = static_cast<std::uint32_t>(adler32_z(adler, data, size));
    a_ = adler & 0xFFFFu;
    b_ = adler >> 16;
    if (deflateReset(&z) != Z_OK) throw std::runtime_error("compressing a chunk failed");
    z.next_in = const_cast<unsigned char*>(data);
    z.avail_in = static_cast<uInt>(size);
    const int flush = final ? Z_FINISH : Z_FULL_FLUSH;
    for (;;) {
      reserve(deflateBound(&z, z.avail_in) + 64);
      z.next_out = out_.data() + used_;
      z.avail_out = static_cast<uInt>(out_.size() - used_);
      const int status = deflate(&z, flush);
      used_ = out_.size() - z.avail_out;
      if (status == Z_STREAM_END || (status == Z_OK && z.avail_in == 0 && z.avail_out > 0)) break;
      if (status != Z_OK && status != Z_BUF_ERROR) throw std::runtime_error("compressing a chunk failed");
    }
  }

  // Appends the Adler-32 of everything; returns the stream's bytes.
  std::span<const unsigned char> finish() {
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

  void reserve(std::size_t more) {
    if (used_ + more > out_.size()) out_.resize(std::max(out_.size() * 2, used_ + more));
  }

  void align() { bits(0, (8 - filled_ % 8) % 8); }

  // Appends `count` (<= 56) bits, whole bytes going out 8 at a time.
  void bits(std::uint64_t value, int count) {
    acc_ |= value << filled_;
    filled_ += count;
    if (filled_ < 8) return;
    reserve(8);
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
struct Scratch {
  std::vector<unsigned char> out, planes;
  z_stream z{};
  int level = -2;  // of the deflate state in z; -2: none yet
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    if (level != -2) deflateEnd(&z);
  }
  z_stream& deflater(int wanted_level) {
    if (level != wanted_level) {
      if (level != -2) deflateEnd(&z);
      z = z_stream{};
      // Raw deflate: the zlib wrapper is ChunkStream's.
      if (deflateInit2(&z, wanted_level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("compressing a chunk failed");
      level = wanted_level;
    }
    return z;
  }
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// Byte planes [first, last) in one fixed block, from the entries alone.
void encode_planes_sparse(ChunkStream& stream, std::span<const ChunkEntry> entries, std::size_t chunk_values, int first,
                          int last, bool final) {
  stream.begin_fixed_block(final);
  std::size_t next = static_cast<std::size_t>(first) * chunk_values;  // the next byte not yet encoded
  for (int k = first; k < last; ++k) {
    const std::size_t plane = static_cast<std::size_t>(k) * chunk_values;
    for (const ChunkEntry& e : entries) {
      const unsigned char byte = byte_of(e.value, k);
      if (byte == 0) continue;
      stream.zeros(plane + e.position - next);
      stream.literal(byte);
      next = plane + e.position + 1;
    }
  }
  stream.zeros(static_cast<std::size_t>(last) * chunk_values - next);
  stream.end_fixed_block(final);
}

// Byte planes [first, last) shuffled out in full and compressed by zlib.
void encode_planes_zlib(ChunkStream& stream, std::span<const ChunkEntry> entries, std::size_t chunk_values, int first,
                        int last, bool final, int level) {
  Scratch& s = scratch();
  const std::size_t size = static_cast<std::size_t>(last - first) * chunk_values;
  if (s.planes.size() < size) s.planes.resize(size);
  std::memset(s.planes.data(), 0, size);
  for (const ChunkEntry& e : entries)
    for (int k = first; k < last; ++k)
      s.planes[static_cast<std::size_t>(k - first) * chunk_values + e.position] = byte_of(e.value, k);
  stream.deflate_bytes(s.deflater(level), s.planes.data(), size, final);
}

}  // namespace

std::vector<unsigned char> encode_shuffled_chunk(std::span<const ChunkEntry> entries, std::size_t chunk_values,
                                                 int zlib_level, ChunkCoding coding) {
  // Which byte planes go to zlib: the shuffle filter lays byte k of every value side by
  // side, and each plane has its own share of zeros (the low mantissa bytes of counts
  // scaled by a round number are zero throughout).
  std::array<bool, 8> dense{};
  if (coding == ChunkCoding::automatic) {
    std::array<std::size_t, 8> nonzero{};
    for (const ChunkEntry& e : entries)
      for (int k = 0; k < 8; ++k) nonzero[static_cast<std::size_t>(k)] += byte_of(e.value, k) != 0;
    for (int k = 0; k < 8; ++k) dense[static_cast<std::size_t>(k)] = nonzero[static_cast<std::size_t>(k)] * kSparseShare > chunk_values;
  } else {
    dense.fill(coding == ChunkCoding::zlib);
  }
  ChunkStream stream(scratch().out);
  for (int first = 0; first < 8;) {
    int last = first + 1;
    while (last < 8 && dense[static_cast<std::size_t>(last)] == dense[static_cast<std::size_t>(first)]) ++last;
    if (dense[static_cast<std::size_t>(first)])
      encode_planes_zlib(stream, entries, chunk_values, first, last, last == 8, zlib_level);
    else
      encode_planes_sparse(stream, entries, chunk_values, first, last, last == 8);
    first = last;
  }
  const std::span<const unsigned char> bytes = stream.finish();
  return {bytes.begin(), bytes.end()};
}

}  // namespace migflow

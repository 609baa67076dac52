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

// Byte planes with at most one byte in kSparseShare non-zero are coded from the entries
// alone; denser ones from their bytes, with copies of the step before. Measured on the
// default scenario (`migflow run`, write share, file): 4 gave 5.0-6.2% and 5.1 MB; 16,
// 3.7-4.2% and 2.6 MB; every plane from its bytes 4.2-5.2% and 2.5 MB, which is what
// zlib level 1 made of it.
constexpr std::size_t kSparseShare = 16;

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
// significant bit first into a stream packed from the least); and each copy length as
// one pattern: its length code and extra bits.
struct FixedCodes {
  std::array<Code, 288> literal{};
  std::array<Code, 259> length{};
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
    t.length[static_cast<std::size_t>(length)] = {pattern, static_cast<std::uint8_t>(symbol.length + kExtra[i])};
  }
  return t;
}();

// A distance (1..32768) as its fixed 5-bit code, bit-reversed, and extra bits.
Code distance_code(std::size_t distance) {
  static constexpr std::array<std::uint16_t, 30> kBase = {
      1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
      193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
  std::uint32_t c = kBase.size() - 1;
  while (kBase[c] > distance) --c;
  const std::uint32_t extra = c < 4 ? 0 : c / 2 - 1;
  std::uint32_t reversed = 0;
  for (int i = 0; i < 5; ++i) reversed |= ((c >> i) & 1u) << (4 - i);
  return {reversed | static_cast<std::uint32_t>(distance - kBase[c]) << 5, static_cast<std::uint8_t>(5 + extra)};
}

// A zlib stream (RFC 1950) of deflate blocks (RFC 1951) with the fixed Huffman code, one
// block per run of byte planes coded alike. Only literals and copies are written, and a
// block that is not the last ends with an empty stored block, so the next starts on a
// byte as the planes' coders expect.
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
    put_literal(byte);
    a_ += byte;
    if (a_ >= kAdlerBase) a_ -= kAdlerBase;
    b_ += a_;
    if (b_ >= kAdlerBase) b_ -= kAdlerBase;
  }

  // `count` zero bytes following a non-zero byte (or whatever ended the previous block):
  // one literal zero, then copies of it.
  void zeros(std::size_t count) {
    if (count == 0) return;
    literal(0);
    b_ = (b_ + (count - 1) % kAdlerBase * a_) % kAdlerBase;  // the copied zeros leave a_ as it is
    put_zero_copies(count - 1);
  }

  // Writing without the checksum, for bytes whose checksum add_adler() takes in one go.
  void add_adler(const unsigned char* data, std::size_t size) {
    const std::uint32_t adler = static_cast<std::uint32_t>(adler32_z(static_cast<uLong>(b_ << 16 | a_), data, size));
    a_ = adler & 0xFFFFu;
    b_ = adler >> 16;
  }
  void put_literal(unsigned char byte) { bits(kFixedCodes.literal[byte].bits, kFixedCodes.literal[byte].length); }
  // `count` copies of the byte before (a zero): copies of 3 to 258 bytes, or literals.
  void put_zero_copies(std::size_t count) {
    if (count < 3) {
      while (count-- > 0) put_literal(0);
      return;
    }
    put_copies(count, kDistanceOne);
  }
  // `count` (>= 3) bytes copied from `distance` back, as copies of 3 to 258 bytes.
  void put_copies(std::size_t count, const Code& distance) {
    std::size_t full = count / 258, rest = count % 258;
    if (rest > 0 && rest < 3) --full, rest += 258;  // 259 or 260: two copies, the second of 3
    // Whole copies of 258 are one pattern, written four at a time when they fit in the
    // bit buffer (13 bits each at distance 1: long zero runs are most of a sparse chunk).
    const Code& length = kFixedCodes.length[258];
    const std::uint64_t one = length.bits | std::uint64_t{distance.bits} << length.length;
    const int width = length.length + distance.length;
    if (4 * width <= 56) {
      const std::uint64_t four = one | one << width | one << 2 * width | one << 3 * width;
      for (; full >= 4; full -= 4) bits(four, 4 * width);
    }
    for (; full > 0; --full) bits(one, width);
    if (rest > 258) {  // the last 0 to 260 bytes
      put_copy(rest - 3, distance);
      rest = 3;
    }
    if (rest > 0) put_copy(rest, distance);
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

  // Appends the Adler-32 of everything; returns the stream's bytes.
  std::span<const unsigned char> finish() {
    const std::uint32_t adler = static_cast<std::uint32_t>(b_ << 16 | a_);
    for (int shift = 24; shift >= 0; shift -= 8) bits((adler >> shift) & 0xFFu, 8);
    return {out_.data(), used_};
  }

 private:
  static constexpr std::uint64_t kAdlerBase = 65521;
  static constexpr Code kDistanceOne = {0, 5};

  void put_copy(std::size_t length, const Code& distance) {
    bits(kFixedCodes.length[length].bits, kFixedCodes.length[length].length);
    bits(distance.bits, distance.length);
  }

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
// than encoding on the project's virtual machine (output/file_image.hpp).
struct Scratch {
  std::vector<unsigned char> out, planes;
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

// Byte planes [first, last) shuffled out in full, in `scratch().planes`.
std::span<const unsigned char> shuffled_planes(std::span<const ChunkEntry> entries, std::size_t chunk_values, int first,
                                               int last) {
  std::vector<unsigned char>& planes = scratch().planes;
  const std::size_t size = static_cast<std::size_t>(last - first) * chunk_values;
  if (planes.size() < size) planes.resize(size);
  std::memset(planes.data(), 0, size);
  for (const ChunkEntry& e : entries)
    for (int k = first; k < last; ++k)
      planes[static_cast<std::size_t>(k - first) * chunk_values + e.position] = byte_of(e.value, k);
  return {planes.data(), size};
}

// How many bytes from `a` on equal those from `b` on (at most `n`), 8 at a time.
std::size_t matching(const unsigned char* a, const unsigned char* b, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if (x != y) return i + static_cast<std::size_t>(std::countr_zero(x ^ y)) / 8;
  }
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

std::size_t zero_run(const unsigned char* a, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x;
    std::memcpy(&x, a + i, 8);
    if (x != 0) return i + static_cast<std::size_t>(std::countr_zero(x)) / 8;
  }
  while (i < n && a[i] == 0) ++i;
  return i;
}

// Byte planes [first, last) shuffled out in full, in one fixed block of literals, zero
// runs and copies of the same cell one step earlier (`row_values` back): what zlib finds
// in dense recorded series, values that stay the same from step to step, found without
// its search.
void encode_planes_rows(ChunkStream& stream, std::span<const ChunkEntry> entries, std::size_t chunk_values,
                        std::size_t row_values, int first, int last, bool final) {
  const std::span<const unsigned char> planes = shuffled_planes(entries, chunk_values, first, last);
  const unsigned char* p = planes.data();
  const std::size_t n = planes.size();
  stream.add_adler(p, n);
  stream.begin_fixed_block(final);
  const std::size_t row = row_values > 0 && row_values <= 32768 ? row_values : 0;  // deflate's window
  const Code row_distance = row > 0 ? distance_code(row) : Code{};
  for (std::size_t i = 0; i < n;) {
    const std::size_t zeros = zero_run(p + i, n - i);
    const std::size_t same = row > 0 && i >= row ? matching(p + i, p + i - row, n - i) : 0;
    if (same >= 3 && same >= zeros) {
      stream.put_copies(same, row_distance);
      i += same;
    } else if (zeros > 0) {
      stream.put_literal(0);
      stream.put_zero_copies(zeros - 1);
      i += zeros;
    } else {
      stream.put_literal(p[i++]);
    }
  }
  stream.end_fixed_block(final);
}

}  // namespace

std::vector<unsigned char> encode_shuffled_chunk(std::span<const ChunkEntry> entries, std::size_t chunk_values,
                                                 std::size_t row_values, ChunkCoding coding) {
  // How to code each byte plane: the shuffle filter lays byte k of every value side by
  // side, and each plane has its own share of zeros (the low mantissa bytes of counts
  // scaled by a round number are zero throughout).
  std::array<ChunkCoding, 8> plane_coding{};
  if (coding == ChunkCoding::automatic) {
    std::array<std::size_t, 8> nonzero{};
    for (const ChunkEntry& e : entries)
      for (std::size_t k = 0; k < 8; ++k) nonzero[k] += byte_of(e.value, static_cast<int>(k)) != 0;
    for (std::size_t k = 0; k < 8; ++k)
      plane_coding[k] = nonzero[k] * kSparseShare <= chunk_values ? ChunkCoding::sparse_fixed : ChunkCoding::rows_fixed;
  } else {
    plane_coding.fill(coding);
  }
  ChunkStream stream(scratch().out);
  for (int first = 0; first < 8;) {
    const ChunkCoding c = plane_coding[static_cast<std::size_t>(first)];
    int last = first + 1;
    while (last < 8 && plane_coding[static_cast<std::size_t>(last)] == c) ++last;
    const bool final = last == 8;
    if (c == ChunkCoding::sparse_fixed)
      encode_planes_sparse(stream, entries, chunk_values, first, last, final);
    else
      encode_planes_rows(stream, entries, chunk_values, row_values, first, last, final);
    first = last;
  }
  const std::span<const unsigned char> bytes = stream.finish();
  return {bytes.begin(), bytes.end()};
}

}  // namespace migflow

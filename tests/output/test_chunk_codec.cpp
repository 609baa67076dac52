// The chunk encoder against zlib's own inflate: whatever the coding, a chunk must
// decompress to exactly the bytes HDF5's shuffle filter would have made of it.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "output/binary.hpp"
#include "output/chunk_codec.hpp"
#include "output/series.hpp"

namespace migflow {
namespace {

// The shuffled bytes of a dense chunk: byte k of every value together, k = 0..7.
std::vector<unsigned char> shuffled(const std::vector<double>& values) {
  std::vector<unsigned char> out(values.size() * 8);
  for (std::size_t i = 0; i < values.size(); ++i) {
    unsigned char bytes[8];
    std::memcpy(bytes, &values[i], 8);
    for (std::size_t k = 0; k < 8; ++k) out[k * values.size() + i] = bytes[k];
  }
  return out;
}

std::vector<unsigned char> inflated(const std::vector<unsigned char>& stream, std::size_t size) {
  std::vector<unsigned char> out(size + 1);  // one spare byte: a longer stream fails the size check
  uLongf length = out.size();
  EXPECT_EQ(uncompress(out.data(), &length, stream.data(), stream.size()), Z_OK);
  out.resize(length);
  return out;
}

std::vector<ChunkEntry> entries_of(const std::vector<double>& values) {
  std::vector<ChunkEntry> entries;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (values[i] != 0.0 || std::signbit(values[i])) entries.push_back({i, values[i]});
  return entries;
}

// `row`: values per step, the distance at which rows_fixed looks for repeats.
void expect_round_trip(const std::vector<double>& values, const std::string& what, std::size_t row = 7) {
  for (ChunkCoding coding : {ChunkCoding::sparse_fixed, ChunkCoding::rows_fixed, ChunkCoding::automatic}) {
    const auto stream = encode_shuffled_chunk(entries_of(values), values.size(), row, coding);
    EXPECT_EQ(inflated(stream, values.size() * 8), shuffled(values))
        << what << ", coding " << static_cast<int>(coding) << ", " << values.size() << " values, row " << row;
  }
}

TEST(ChunkCodec, EveryCodingInflatesToTheShuffledChunk) {
  // Zero runs of every length around the copy limits (3 and 258, and 259/260 which
  // need two copies), at the start, in the middle and at the end of the stream.
  for (std::size_t gap : {0, 1, 2, 3, 4, 10, 257, 258, 259, 260, 261, 262, 516, 517, 518, 5000}) {
    std::vector<double> values(gap + 3, 0.0);
    values[gap] = 1.0;              // bytes 0x3FF0... : one zero plane run across planes
    values[gap + 2] = -123456.789;  // every byte non-zero
    expect_round_trip(values, "gap " + std::to_string(gap));
  }
  expect_round_trip(std::vector<double>(1, 0.0), "one zero");
  expect_round_trip(std::vector<double>(40000, 0.0), "all zero");
  expect_round_trip({-0.0, 0.0, std::numeric_limits<double>::quiet_NaN()}, "negative zero and NaN");

  // Rows that repeat the one before, whole or in part, at every row width deflate allows
  // (and one wider, where repeats are not looked for).
  std::mt19937_64 rows_rng(11);
  for (std::size_t row : {1, 2, 3, 5, 57, 285, 1000, 32768, 32769}) {
    const std::size_t steps = row > 1000 ? 3 : 40;
    std::vector<double> values(row * steps, 0.0);
    for (std::size_t c = 0; c < row; ++c)
      if (rows_rng() % 3 == 0) values[c] = static_cast<double>(1 + rows_rng() % 40) * 45.712;
    for (std::size_t t = 1; t < steps; ++t)
      for (std::size_t c = 0; c < row; ++c)
        values[t * row + c] = rows_rng() % 10 == 0 ? static_cast<double>(rows_rng() % 3) : values[(t - 1) * row + c];
    expect_round_trip(values, "repeating rows", row);
  }

  // Random chunks from nearly empty to dense. The automatic coding picks zlib or the
  // sparse code plane by plane, so the value families make every order of the two:
  // small integers (planes 0-5 zero, 6-7 dense), scaled counts (all planes dense at high
  // density), and tiny values (plane 7 zero: a sparse piece ends the stream after zlib).
  std::mt19937_64 rng(7);
  for (double density : {0.001, 0.01, 0.1, 0.3, 0.9}) {
    for (int trial = 0; trial < 6; ++trial) {
      std::vector<double> values(1 + rng() % 30000, 0.0);
      std::bernoulli_distribution nonzero(density);
      for (double& v : values) {
        if (!nonzero(rng)) continue;
        const double k = static_cast<double>(1 + rng() % 1000);
        v = trial % 3 == 0 ? static_cast<double>(rng() % 50) : trial % 3 == 1 ? k * 45.712 : k * 1e-305;
      }
      expect_round_trip(values, "density " + std::to_string(density) + ", family " + std::to_string(trial % 3),
                        1 + rng() % 300);
    }
  }
}

TEST(ChunkCodec, SparseCodingOfZerosIsSmall) {
  // 13 bits per 258 zeros: a 2 MB zero chunk takes about 13 kB.
  const auto stream = encode_shuffled_chunk({}, 1 << 18, 1, ChunkCoding::sparse_fixed);
  EXPECT_LT(stream.size(), 14000u);
  EXPECT_GT(stream.size(), 12000u);
}

TEST(SparseRows, KeepsExactlyTheNonZeroCellsOfEachStep) {
  SparseRows rows;
  const std::vector<double> step0 = {0.0, 2.5, 0.0, -0.0}, step1 = {0.0, 0.0, 0.0, 0.0}, step2 = {1.0, 0.0, 3.0, 4.0};
  for (const auto* step : {&step0, &step1, &step2}) rows.append(step->data(), 4);
  EXPECT_EQ(rows.steps(), 3u);
  EXPECT_EQ(rows.nonzeros(), 5u);  // -0.0 is kept: values round-trip bit for bit
  EXPECT_TRUE(std::signbit(rows.at(0, 3)));
  EXPECT_EQ(rows.at(0, 1), 2.5);
  EXPECT_EQ(rows.at(1, 1), 0.0);
  EXPECT_EQ(rows.at(2, 3), 4.0);
  std::vector<double> dense(8);
  rows.dense(1, 2, 4, dense.data());
  EXPECT_EQ(dense, (std::vector<double>{0, 0, 0, 0, 1, 0, 3, 4}));
  rows.truncate(1);
  EXPECT_EQ(rows.steps(), 1u);
  EXPECT_EQ(rows.nonzeros(), 2u);
}

// A checkpoint's recorded series come back as they were saved, or not at all: a value
// that is not finite (which no run records) is refused, as the fuzzer found it was not.
TEST(SparseRows, LoadRefusesValuesThatAreNotFinite) {
  for (double bad : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    SparseRows rows;
    const std::vector<double> step = {0.0, 2.5, bad};
    rows.append(step.data(), 3);
    BinaryWriter out;
    rows.save(out);
    BinaryReader in(out.bytes().data(), out.bytes().size());
    EXPECT_THROW(SparseRows::load(in, 3), CorruptData) << bad;
  }
  SparseRows rows;
  const std::vector<double> step = {0.0, 2.5, -0.0};
  rows.append(step.data(), 3);
  BinaryWriter out;
  rows.save(out);
  BinaryReader in(out.bytes().data(), out.bytes().size());
  EXPECT_EQ(SparseRows::load(in, 3), rows);
}

}  // namespace
}  // namespace migflow

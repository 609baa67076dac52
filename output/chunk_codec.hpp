// One HDF5 chunk of doubles encoded as HDF5's shuffle filter followed by its deflate
// filter would store it, built from the chunk's non-zero values only. The writer
// encodes chunks itself, side by side, and stores them with H5Dwrite_chunk; readers see
// ordinary shuffle + deflate datasets.
#pragma once
#include <cstddef>
#include <span>
#include <vector>

namespace migflow {

struct ChunkEntry {
  std::size_t position;  // index of the value in the chunk, row-major over the chunk's shape
  double value;
};

enum class ChunkCoding {
  automatic,      // each byte plane of the shuffled chunk: sparse when mostly zeros, zlib otherwise
  sparse_fixed,   // deflate's fixed Huffman code, zero runs as copies: time grows with the entries
  zlib,           // shuffle a dense copy and let zlib compress it: smaller, time grows with the chunk
};

// `entries` in ascending position, all below `chunk_values`; every other value is zero.
// The result is a zlib stream (RFC 1950) of the shuffled bytes, whichever the coding.
std::vector<unsigned char> encode_shuffled_chunk(std::span<const ChunkEntry> entries, std::size_t chunk_values,
                                                 int zlib_level, ChunkCoding coding = ChunkCoding::automatic);

}  // namespace migflow

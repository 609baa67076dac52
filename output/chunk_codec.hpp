// One HDF5 chunk of doubles encoded as HDF5's shuffle filter followed by its deflate
// filter would store it, built from the chunk's non-zero values. The writer
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
  automatic,     // each byte plane of the shuffled chunk: sparse_fixed when mostly zeros, else rows_fixed
  sparse_fixed,  // from the entries alone, zero runs as copies: time grows with the entries
  rows_fixed,    // from the plane's bytes, zero runs and repeats of the step before as copies
};

// `entries` in ascending position, all below `chunk_values`; every other value is zero.
// `row_values`: values per time step in the chunk. The result is a zlib stream
// (RFC 1950) of the shuffled bytes, whichever the coding; deflate's fixed Huffman code
// throughout, which zlib's level 1 only matches on these chunks (its search for repeats
// costs more than writing them).
std::vector<unsigned char> encode_shuffled_chunk(std::span<const ChunkEntry> entries, std::size_t chunk_values,
                                                 std::size_t row_values, ChunkCoding coding = ChunkCoding::automatic);

}  // namespace migflow

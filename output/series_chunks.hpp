// The chunks of a run's series, encoded before the file exists: each chunk holds one
// replicate and as many whole steps as fit in about 256 KiB, coded by
// output/chunk_codec.hpp as HDF5's shuffle and deflate filters would store it, all
// chunks side by side on every thread; the writer then stores them with H5Dwrite_chunk.
#pragma once
#include <hdf5.h>

#include <cstddef>
#include <vector>

#include "output/series.hpp"

namespace migflow {

// Steps per chunk of a series of `cells` values a step, in a run of `steps` steps.
hsize_t steps_per_chunk(hsize_t steps, std::size_t cells);

// One group's series as recorded by every replicate: `per_replicate[r]` is replicate r's.
using GroupAcrossReplicates = std::vector<const SeriesGroup*>;

struct EncodedChunk {
  static constexpr std::size_t kOwn = static_cast<std::size_t>(-1);
  std::size_t series, replicate;
  hsize_t first_step;
  std::vector<unsigned char> bytes;  // as HDF5's shuffle and deflate filters would store the chunk
  std::size_t same_as = kOwn;        // or the index of an identical chunk in the group, whose bytes serve
};

// The chunk's bytes (its own, or those of the identical chunk it names).
const std::vector<unsigned char>& bytes_of(const std::vector<EncodedChunk>& group, const EncodedChunk& chunk);

// Every chunk of every series of every group, in (series, replicate, step) order per group.
// Compression is most of the cost of writing a file, and HDF5 would run its filters one
// chunk at a time. A chunk past the last step is padded with zeros, which no reader sees.
std::vector<std::vector<EncodedChunk>> encode_chunks(const std::vector<GroupAcrossReplicates>& groups, hsize_t steps);

}  // namespace migflow

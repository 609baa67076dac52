#include "output/series_chunks.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>

#include "output/chunk_codec.hpp"

namespace migflow {

namespace {
constexpr hsize_t kTargetChunkBytes = 256 * 1024;
}  // namespace

// Whole time steps in about kTargetChunkBytes, so reading one series over time touches few chunks.
hsize_t steps_per_chunk(hsize_t steps, std::size_t cells) {
  const hsize_t row_bytes = std::max<hsize_t>(1, static_cast<hsize_t>(cells) * sizeof(double));
  return std::clamp<hsize_t>(kTargetChunkBytes / row_bytes, 1, std::max<hsize_t>(steps, 1));
}

const std::vector<unsigned char>& bytes_of(const std::vector<EncodedChunk>& group, const EncodedChunk& chunk) {
  return chunk.same_as == EncodedChunk::kOwn ? chunk.bytes : group[chunk.same_as].bytes;
}

std::vector<std::vector<EncodedChunk>> encode_chunks(const std::vector<GroupAcrossReplicates>& groups, hsize_t steps) {
  std::vector<std::vector<EncodedChunk>> encoded(groups.size());
  struct Job {
    std::size_t group, index;
  };
  std::vector<Job> jobs;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const SeriesGroup& layout = *groups[g].front();
    const std::size_t replicates = groups[g].size();
    // Where each (series, replicate)'s chunks start in encoded[g].
    std::vector<std::size_t> first_chunk(layout.series().size() * replicates, EncodedChunk::kOwn);
    for (std::size_t i = 0; i < layout.series().size(); ++i) {
      const std::size_t cells = layout.series()[i].cells;
      if (cells == 0 || steps == 0) continue;
      const hsize_t per_chunk = steps_per_chunk(steps, cells);
      for (std::size_t r = 0; r < replicates; ++r) {
        // A series equal to an earlier one of its replicate (stocks and stocks_by_origin
        // when the scenario has one origin) shares that one's encoded chunks.
        const Series& mine = groups[g][r]->series()[i];
        std::size_t same = EncodedChunk::kOwn;
        for (std::size_t j = 0; j < i && same == EncodedChunk::kOwn; ++j) {
          const Series& other = groups[g][r]->series()[j];
          if (other.cells == cells && first_chunk[j * replicates + r] != EncodedChunk::kOwn && other.rows == mine.rows)
            same = first_chunk[j * replicates + r];
        }
        first_chunk[i * replicates + r] = encoded[g].size();
        for (hsize_t t = 0, k = 0; t < steps; t += per_chunk, ++k) {
          if (same == EncodedChunk::kOwn) jobs.push_back({g, encoded[g].size()});
          encoded[g].push_back({i, r, t, {}, same == EncodedChunk::kOwn ? same : same + k});
        }
      }
    }
  }
  tbb::parallel_for(std::size_t{0}, jobs.size(), [&](std::size_t j) {
    EncodedChunk& chunk = encoded[jobs[j].group][jobs[j].index];
    const Series& series = groups[jobs[j].group][chunk.replicate]->series()[chunk.series];
    const SparseRows& rows = series.rows;
    const hsize_t chunk_steps = steps_per_chunk(steps, series.cells);
    const hsize_t last = std::min<hsize_t>(chunk.first_step + chunk_steps, steps);
    thread_local std::vector<ChunkEntry> entries;  // reused: fresh pages are dear (output/file_image.hpp)
    entries.clear();
    for (hsize_t t = chunk.first_step; t < last; ++t)
      for (std::size_t i = rows.row_begin(t); i < rows.row_end(t); ++i)
        entries.push_back({(t - chunk.first_step) * series.cells + rows.cells()[i], rows.values()[i]});
    chunk.bytes = encode_shuffled_chunk(entries, chunk_steps * series.cells, series.cells);
  });
  return encoded;
}

}  // namespace migflow

// Reads migflow output files back (for `migflow compare`): every series of the root
// group, with the dimension names and labels the file gives it, and the provenance
// attributes. Nothing here knows which series a run records: the file says.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace migflow {

struct StoredSeries {
  std::vector<std::string> dims;  // dimension names, replicate and time first
  std::vector<std::size_t> shape;
  std::vector<double> values;  // row-major
};

struct RunFile {
  std::string path, title, scenario_file;
  std::vector<std::string> dates;  // per step
  std::vector<unsigned long long> replicate_seeds;
  std::map<std::string, std::vector<std::string>> labels;  // dimension -> coordinate labels
  std::map<std::string, StoredSeries> series;              // root datasets over (replicate, time, ...)
  std::size_t replicates() const { return replicate_seeds.size(); }

  // Throw std::runtime_error naming the file when it has no such series or dimension.
  const StoredSeries& series_named(const std::string& name) const;
  const std::vector<std::string>& labels_of(const std::string& dim) const;
};

// Throws std::runtime_error naming the file and what is wrong with it.
RunFile read_run_file(const std::string& path);

}  // namespace migflow

// Reads migflow output files back (for `migflow compare`): the core series with their
// dimension labels, and the provenance attributes.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace migflow {

struct StoredSeries {
  std::vector<std::string> dims;       // dimension names, replicate and time first
  std::vector<std::size_t> shape;
  std::vector<double> values;          // row-major
};

struct RunFile {
  std::string path, title, scenario_file;
  int step_months = 1;
  std::vector<std::string> dates;                             // per step
  std::vector<unsigned long long> replicate_seeds;
  std::map<std::string, std::vector<std::string>> labels;     // dimension -> coordinate labels
  std::map<std::string, StoredSeries> series;                 // root datasets over (replicate, time, ...)
  std::size_t replicates() const { return replicate_seeds.size(); }
};

// Throws std::runtime_error naming the file and what is wrong with it.
RunFile read_run_file(const std::string& path);

}  // namespace migflow

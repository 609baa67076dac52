// Reads migflow output files back (for `migflow compare`): every series of the root
// group, with the dimension names and labels the file gives it, and the provenance
// attributes. Nothing here knows which series a run records: the file says.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "output/run_file_writer.hpp"

namespace migflow {

struct StoredSeries {
  std::vector<std::string> dims;  // dimension names, replicate and time first
  std::vector<std::size_t> shape;
  std::vector<double> values;  // row-major
};

struct RunFile {
  std::string path, title, scenario_file;
  std::string run_status;          // "complete", or what a partial file holds ("partial: ...")
  std::vector<std::string> dates;  // per step
  std::vector<unsigned long long> replicate_seeds;
  std::map<std::string, std::vector<std::string>> labels;  // dimension -> coordinate labels
  std::map<std::string, StoredSeries> series;              // root datasets over (replicate, time, ...)
  // Per destination label: 1 where the EU's policies act (empty in files without it).
  std::vector<int> destination_in_eu;
  // Per replicate, per origin: the posterior draw it ran with (-1: point values; empty
  // in files without it).
  std::vector<std::vector<int>> parameter_draws;
  // Per replicate, per (origin, kind of data): the model discrepancy of its draw (empty
  // in files without it).
  std::vector<std::vector<double>> model_discrepancy;
  // Per replicate, per origin: the correlation between years of one series' discrepancy.
  std::vector<std::vector<double>> model_discrepancy_correlation;
  // The root group's attributes as text, numbers printed (migflow_version, seed,
  // scenario: the resolved scenario, run_status, ...): the run's provenance.
  std::map<std::string, std::string> attributes;
  std::size_t replicates() const { return replicate_seeds.size(); }

  // Throw std::runtime_error naming the file when it has no such series or dimension.
  const StoredSeries& series_named(const std::string& name) const;
  const std::vector<std::string>& labels_of(const std::string& dim) const;
};

// Throws std::runtime_error naming the file and what is wrong with it.
RunFile read_run_file(const std::string& path);

// The RunFile that writing `replicates` with `meta` would give, without the file (for
// analyses that run many simulations, such as sensitivity analysis). Root series only.
RunFile run_in_memory(const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates);

}  // namespace migflow

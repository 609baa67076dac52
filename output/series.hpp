// Labelled time series in memory: what a run records, before output/ writes it.
// The engine's own indicators and each policy's use the same structure, so the
// HDF5 writer has one code path for all of them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace migflow {

struct Dimension {
  std::string name;                 // e.g. "node", "status"
  std::vector<std::string> labels;  // coordinate values
};

struct Series {
  std::string name;       // dataset name
  std::string units;      // CF-style units string, e.g. "persons", "persons month-1"
  std::string long_name;  // human description
  std::vector<int> dims;  // indices into SeriesGroup::dims (time and replicate implied)
  std::size_t cells = 1;  // product of the dimension sizes
  std::vector<double> values;  // step-major: values[step * cells + cell]
};

class SeriesGroup {
 public:
  explicit SeriesGroup(std::string name = "") : name_(std::move(name)) {}

  // Adds a dimension, or checks an existing one has the same labels. Returns its index.
  int dimension(const std::string& name, const std::vector<std::string>& labels);
  // Declares a series over the named dimensions (which must exist). Returns its index.
  int declare(const std::string& name, const std::vector<std::string>& dim_names, const std::string& units,
              const std::string& long_name);
  // The row of `series` for the step being recorded; zero-filled, sized `cells`.
  double* append_row(int series);
  void reserve_steps(std::size_t steps);
  // Drops every step from `steps` on (a run stopped early keeps what all replicates have).
  void truncate_steps(std::size_t steps);

  const std::string& name() const { return name_; }
  const std::vector<Dimension>& dims() const { return dims_; }
  const std::vector<Series>& series() const { return series_; }
  int find(const std::string& name) const;  // -1 when absent
  std::size_t steps(int series) const { return series_[series].values.size() / series_[series].cells; }
  double at(int series, std::size_t step, std::size_t cell) const {
    return series_[series].values[step * series_[series].cells + cell];
  }

  // Everything (dimensions, declarations, values), for checkpoints.
  void save(class BinaryWriter& out) const;
  static SeriesGroup load(class BinaryReader& in);

 private:
  std::string name_;
  std::vector<Dimension> dims_;
  std::vector<Series> series_;
};

// One replicate's recorded series: the engine's group first, then one per policy.
struct ReplicateSeries {
  std::uint64_t seed = 0;  // the replicate's own seed
  SeriesGroup core;
  std::vector<SeriesGroup> policies;

  // For checkpoints and for gathering replicates run on other ranks.
  void save(class BinaryWriter& out) const;
  // At least what save() writes (the values uncompressed, room for the labels):
  // reserving it up front spares the copies and page faults of a growing buffer.
  std::size_t saved_bytes_estimate() const;
  static ReplicateSeries load(class BinaryReader& in);
};

}  // namespace migflow

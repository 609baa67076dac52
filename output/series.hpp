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

// A series' values, step by step, keeping only the non-zero cells of each step. Most
// cells stay zero (the per-edge series of a 344-edge world whose one origin uses a few
// routes are 99% zeros), so recording, gathering and writing cost what the run
// produced rather than cells x steps (77 MB dense for the default scenario's 20
// replicates). "Non-zero" is bitwise: -0.0 and NaN are kept, so values round-trip exactly.
class SparseRows {
 public:
  std::size_t steps() const { return row_end_.size(); }
  std::size_t nonzeros() const { return cells_.size(); }
  // Appends one step from its dense row of `width` cells.
  void append(const double* row, std::size_t width);
  double at(std::size_t step, std::size_t cell) const;
  // Step `step`'s entries: cells()[i], values()[i] for i in [row_begin(step), row_end(step)),
  // cells ascending.
  std::size_t row_begin(std::size_t step) const { return step == 0 ? 0 : row_end_[step - 1]; }
  std::size_t row_end(std::size_t step) const { return row_end_[step]; }
  const std::vector<std::uint32_t>& cells() const { return cells_; }
  const std::vector<double>& values() const { return values_; }
  // Steps [first, first + count) as a dense step-major array of `width` cells each.
  void dense(std::size_t first, std::size_t count, std::size_t width, double* out) const;
  void truncate(std::size_t steps);
  void reserve_steps(std::size_t steps) { row_end_.reserve(steps); }
  bool operator==(const SparseRows&) const = default;

  void save(class BinaryWriter& out) const;
  // Throws CorruptData unless every entry lies within `width` cells, in ascending order.
  static SparseRows load(class BinaryReader& in, std::size_t width);

 private:
  std::vector<std::uint32_t> row_end_;  // per step: one past its last entry
  std::vector<std::uint32_t> cells_;
  std::vector<double> values_;
};

struct Series {
  std::string name;       // dataset name
  std::string units;      // CF-style units string, e.g. "persons", "persons month-1"
  std::string long_name;  // human description
  std::vector<int> dims;  // indices into SeriesGroup::dims (time and replicate implied)
  std::size_t cells = 1;  // product of the dimension sizes
  SparseRows rows;

  // Every step as one dense step-major array: values[step * cells + cell].
  std::vector<double> dense() const;
};

// One declared series of a group, for recording its rows: declare() hands it out and
// append_row() takes nothing else, so no one writes a series by its position.
class SeriesHandle {
 public:
  SeriesHandle() = default;  // names no series; append_row rejects it
  int index() const { return index_; }

 private:
  friend class SeriesGroup;
  explicit SeriesHandle(int index) : index_(index) {}
  int index_ = -1;
};

class SeriesGroup {
 public:
  explicit SeriesGroup(std::string name = "") : name_(std::move(name)) {}

  // Adds a dimension, or checks an existing one has the same labels. Returns its index.
  int dimension(const std::string& name, const std::vector<std::string>& labels);
  // Declares a series over the named dimensions (which must exist).
  SeriesHandle declare(const std::string& name, const std::vector<std::string>& dim_names, const std::string& units,
                       const std::string& long_name);
  // The row of `series` for the step being recorded; zero-filled, sized `cells`. It is
  // stored by commit_rows(), which the engine calls once the step's rows are filled.
  double* append_row(SeriesHandle series);
  void commit_rows();
  void reserve_steps(std::size_t steps);
  // Drops every step from `steps` on (a run stopped early keeps what all replicates have).
  void truncate_steps(std::size_t steps);

  const std::string& name() const { return name_; }
  const std::vector<Dimension>& dims() const { return dims_; }
  const std::vector<Series>& series() const { return series_; }
  int find(const std::string& name) const;  // -1 when absent
  std::size_t steps(int series) const { return series_[series].rows.steps(); }
  double at(int series, std::size_t step, std::size_t cell) const { return series_[series].rows.at(step, cell); }

  // Everything (dimensions, declarations, values), for checkpoints.
  void save(class BinaryWriter& out) const;
  static SeriesGroup load(class BinaryReader& in);

 private:
  std::string name_;
  std::vector<Dimension> dims_;
  std::vector<Series> series_;
  // Rows handed out by append_row and not yet committed, one buffer per series.
  std::vector<std::vector<double>> pending_;
  std::vector<int> pending_series_;
};

// One replicate's recorded series: the engine's group first, then one per policy.
// The same dimensions (names, labels) and series (names, dimensions), whatever the rows:
// replicates are stacked along one axis, so each must record the same.
bool same_structure(const SeriesGroup& a, const SeriesGroup& b);

struct ReplicateSeries {
  std::uint64_t seed = 0;  // the replicate's own seed
  // Per origin: the posterior draw this replicate ran with, or -1 for the point values.
  std::vector<std::int32_t> parameter_draws;
  // Per (origin, kind of data): the model discrepancy the replicate's posterior draw
  // carries, the sd of ln(observed / model) (0 with point values); `migflow compare`
  // draws from it for the intervals of observable levels.
  std::vector<double> model_discrepancy;
  // Per origin: the correlation between years of one series' discrepancies (0 with
  // point values).
  std::vector<double> model_discrepancy_correlation;
  SeriesGroup core;
  std::vector<SeriesGroup> policies;

  // For checkpoints and for gathering replicates run on other ranks.
  void save(class BinaryWriter& out) const;
  // At least what save() writes (the entries, room for the labels):
  // reserving it up front spares the copies and page faults of a growing buffer.
  std::size_t saved_bytes_estimate() const;
  static ReplicateSeries load(class BinaryReader& in);
};

}  // namespace migflow

#include "output/series.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "output/binary.hpp"

namespace migflow {

void SparseRows::append(const double* row, std::size_t width) {
  for (std::size_t c = 0; c < width; ++c) {
    if (std::bit_cast<std::uint64_t>(row[c]) == 0) continue;
    cells_.push_back(static_cast<std::uint32_t>(c));
    values_.push_back(row[c]);
  }
  if (cells_.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("a recorded series has more than 2^32 non-zero values");
  row_end_.push_back(static_cast<std::uint32_t>(cells_.size()));
}

double SparseRows::at(std::size_t step, std::size_t cell) const {
  const auto first = cells_.begin() + static_cast<std::ptrdiff_t>(row_begin(step));
  const auto last = cells_.begin() + static_cast<std::ptrdiff_t>(row_end(step));
  const auto it = std::lower_bound(first, last, cell);
  return it != last && *it == cell ? values_[static_cast<std::size_t>(it - cells_.begin())] : 0.0;
}

void SparseRows::dense(std::size_t first, std::size_t count, std::size_t width, double* out) const {
  std::fill(out, out + count * width, 0.0);
  for (std::size_t t = 0; t < count; ++t)
    for (std::size_t i = row_begin(first + t); i < row_end(first + t); ++i) out[t * width + cells_[i]] = values_[i];
}

void SparseRows::truncate(std::size_t steps) {
  if (steps >= row_end_.size()) return;
  row_end_.resize(steps);
  const std::size_t entries = steps == 0 ? 0 : row_end_.back();
  cells_.resize(entries);
  values_.resize(entries);
}

void SparseRows::save(BinaryWriter& out) const {
  out.put_vector(row_end_);
  out.put_vector(cells_);
  out.put_vector(values_);
}

SparseRows SparseRows::load(BinaryReader& in, std::size_t width) {
  SparseRows r;
  r.row_end_ = in.get_vector<std::uint32_t>();
  r.cells_ = in.get_vector<std::uint32_t>();
  r.values_ = in.get_vector<double>();
  if (r.cells_.size() != r.values_.size()) throw CorruptData("series cells and values differ in length");
  // Recorded series are counts, rates and means of finite state: a value that is not
  // finite was not written by a run, and would reach the output file as if recorded.
  for (double v : r.values_)
    if (!std::isfinite(v)) throw CorruptData("a recorded series value is not finite");
  std::size_t begin = 0;
  for (std::uint32_t end : r.row_end_) {
    if (end < begin || end > r.cells_.size()) throw CorruptData("series rows out of range");
    for (std::size_t i = begin; i < end; ++i)
      if (r.cells_[i] >= width || (i > begin && r.cells_[i] <= r.cells_[i - 1]))
        throw CorruptData("series cells out of range or out of order");
    begin = end;
  }
  if (begin != r.cells_.size()) throw CorruptData("series entries beyond the last step");
  return r;
}

std::vector<double> Series::dense() const {
  std::vector<double> out(rows.steps() * cells);
  rows.dense(0, rows.steps(), cells, out.data());
  return out;
}

int SeriesGroup::dimension(const std::string& name, const std::vector<std::string>& labels) {
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (dims_[i].name != name) continue;
    if (dims_[i].labels != labels)
      throw std::logic_error("dimension '" + name + "' declared twice with different labels");
    return static_cast<int>(i);
  }
  dims_.push_back({name, labels});
  return static_cast<int>(dims_.size() - 1);
}

SeriesHandle SeriesGroup::declare(const std::string& name, const std::vector<std::string>& dim_names,
                                  const std::string& units, const std::string& long_name) {
  if (find(name) >= 0) throw std::logic_error("series '" + name + "' declared twice");
  Series s{name, units, long_name, {}, 1, {}};
  for (const auto& d : dim_names) {
    int idx = -1;
    for (size_t i = 0; i < dims_.size(); ++i)
      if (dims_[i].name == d) idx = static_cast<int>(i);
    if (idx < 0) throw std::logic_error("series '" + name + "' uses undeclared dimension '" + d + "'");
    s.dims.push_back(idx);
    s.cells *= dims_[idx].labels.size();
  }
  series_.push_back(std::move(s));
  return SeriesHandle(static_cast<int>(series_.size() - 1));
}

double* SeriesGroup::append_row(SeriesHandle handle) {
  const int series = handle.index_;
  if (series < 0 || static_cast<std::size_t>(series) >= series_.size())
    throw std::logic_error("group '" + name_ + "': recording a series it did not declare");
  const Series& s = series_[static_cast<std::size_t>(series)];
  if (std::find(pending_series_.begin(), pending_series_.end(), series) != pending_series_.end())
    throw std::logic_error("series '" + s.name + "' recorded twice in one step");
  pending_.resize(series_.size());
  std::vector<double>& row = pending_[static_cast<std::size_t>(series)];
  row.assign(s.cells, 0.0);
  pending_series_.push_back(series);
  return row.data();
}

void SeriesGroup::commit_rows() {
  for (int i : pending_series_) {
    Series& s = series_[static_cast<std::size_t>(i)];
    s.rows.append(pending_[static_cast<std::size_t>(i)].data(), s.cells);
  }
  pending_series_.clear();
}

void SeriesGroup::reserve_steps(std::size_t steps) {
  for (auto& s : series_) s.rows.reserve_steps(steps);
}

void SeriesGroup::truncate_steps(std::size_t steps) {
  for (auto& s : series_) s.rows.truncate(steps);
}

int SeriesGroup::find(const std::string& name) const {
  for (size_t i = 0; i < series_.size(); ++i)
    if (series_[i].name == name) return static_cast<int>(i);
  return -1;
}

void SeriesGroup::save(BinaryWriter& out) const {
  if (!pending_series_.empty()) throw std::logic_error("saving series with rows not yet committed");
  out.put_string(name_);
  out.put<std::uint64_t>(dims_.size());
  for (const Dimension& d : dims_) {
    out.put_string(d.name);
    out.put<std::uint64_t>(d.labels.size());
    for (const auto& label : d.labels) out.put_string(label);
  }
  out.put<std::uint64_t>(series_.size());
  for (const Series& s : series_) {
    out.put_string(s.name);
    out.put_string(s.units);
    out.put_string(s.long_name);
    out.put_vector(s.dims);
    s.rows.save(out);
  }
}

SeriesGroup SeriesGroup::load(BinaryReader& in) {
  SeriesGroup g(in.get_string());
  for (auto n = in.get<std::uint64_t>(); n > 0; --n) {
    Dimension d{in.get_string(), {}};
    for (auto k = in.get<std::uint64_t>(); k > 0; --k) d.labels.push_back(in.get_string());
    g.dims_.push_back(std::move(d));
  }
  for (auto n = in.get<std::uint64_t>(); n > 0; --n) {
    Series s;
    s.name = in.get_string();
    s.units = in.get_string();
    s.long_name = in.get_string();
    s.dims = in.get_vector<int>();
    for (int d : s.dims) {
      if (d < 0 || static_cast<std::size_t>(d) >= g.dims_.size()) throw CorruptData("series dimension out of range");
      s.cells *= g.dims_[static_cast<std::size_t>(d)].labels.size();
    }
    s.rows = SparseRows::load(in, s.cells);
    g.series_.push_back(std::move(s));
  }
  return g;
}

bool same_structure(const SeriesGroup& a, const SeriesGroup& b) {
  if (a.name() != b.name() || a.series().size() != b.series().size() || a.dims().size() != b.dims().size())
    return false;
  for (std::size_t i = 0; i < a.dims().size(); ++i)
    if (a.dims()[i].name != b.dims()[i].name || a.dims()[i].labels != b.dims()[i].labels) return false;
  for (std::size_t i = 0; i < a.series().size(); ++i)
    if (a.series()[i].name != b.series()[i].name || a.series()[i].dims != b.series()[i].dims) return false;
  return true;
}

void ReplicateSeries::save(BinaryWriter& out) const {
  out.put(seed);
  out.put_vector(parameter_draws);
  out.put_vector(model_discrepancy);
  out.put_vector(model_discrepancy_correlation);
  core.save(out);
  out.put<std::uint64_t>(policies.size());
  for (const SeriesGroup& g : policies) g.save(out);
}

std::size_t ReplicateSeries::saved_bytes_estimate() const {
  std::size_t bytes = 0;
  auto add = [&](const SeriesGroup& g) {
    bytes += 4096;
    for (const Dimension& d : g.dims()) bytes += d.labels.size() * 32;
    for (const Series& s : g.series())
      bytes +=
          256 + s.rows.steps() * sizeof(std::uint32_t) + s.rows.nonzeros() * (sizeof(std::uint32_t) + sizeof(double));
  };
  add(core);
  for (const SeriesGroup& g : policies) add(g);
  return bytes;
}

ReplicateSeries ReplicateSeries::load(BinaryReader& in) {
  ReplicateSeries rep;
  rep.seed = in.get<std::uint64_t>();
  rep.parameter_draws = in.get_vector<std::int32_t>();
  rep.model_discrepancy = in.get_vector<double>();
  rep.model_discrepancy_correlation = in.get_vector<double>();
  rep.core = SeriesGroup::load(in);
  for (auto n = in.get<std::uint64_t>(); n > 0; --n) rep.policies.push_back(SeriesGroup::load(in));
  return rep;
}

}  // namespace migflow

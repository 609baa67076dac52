#include "output/series.hpp"

#include "output/binary.hpp"

namespace migflow {

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

int SeriesGroup::declare(const std::string& name, const std::vector<std::string>& dim_names,
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
  return static_cast<int>(series_.size() - 1);
}

double* SeriesGroup::append_row(int series) {
  Series& s = series_.at(series);
  s.values.resize(s.values.size() + s.cells, 0.0);
  return s.values.data() + s.values.size() - s.cells;
}

void SeriesGroup::reserve_steps(std::size_t steps) {
  for (auto& s : series_) s.values.reserve(steps * s.cells);
}

void SeriesGroup::truncate_steps(std::size_t steps) {
  for (auto& s : series_)
    if (s.values.size() > steps * s.cells) s.values.resize(steps * s.cells);
}

int SeriesGroup::find(const std::string& name) const {
  for (size_t i = 0; i < series_.size(); ++i)
    if (series_[i].name == name) return static_cast<int>(i);
  return -1;
}

void SeriesGroup::save(BinaryWriter& out) const {
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
    out.put_compressed(s.values);
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
    s.values = in.get_compressed<double>();
    if (s.cells == 0 ? !s.values.empty() : s.values.size() % s.cells != 0) throw CorruptData("series values do not fill whole steps");
    g.series_.push_back(std::move(s));
  }
  return g;
}

void ReplicateSeries::save(BinaryWriter& out) const {
  out.put(seed);
  core.save(out);
  out.put<std::uint64_t>(policies.size());
  for (const SeriesGroup& g : policies) g.save(out);
}

std::size_t ReplicateSeries::saved_bytes_estimate() const {
  std::size_t bytes = 0;
  auto add = [&](const SeriesGroup& g) {
    bytes += 4096;
    for (const Dimension& d : g.dims()) bytes += d.labels.size() * 32;
    for (const Series& s : g.series()) bytes += 256 + s.values.size() * sizeof(double);
  };
  add(core);
  for (const SeriesGroup& g : policies) add(g);
  return bytes;
}

ReplicateSeries ReplicateSeries::load(BinaryReader& in) {
  ReplicateSeries rep;
  rep.seed = in.get<std::uint64_t>();
  rep.core = SeriesGroup::load(in);
  for (auto n = in.get<std::uint64_t>(); n > 0; --n) rep.policies.push_back(SeriesGroup::load(in));
  return rep;
}

}  // namespace migflow

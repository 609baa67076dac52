#include "analysis/observations.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "loader/csv_table.hpp"

namespace migflow {

namespace {

std::vector<Observation> filter(const std::vector<Observation>& in, int first, int last) {
  std::vector<Observation> out;
  for (const Observation& o : in)
    if (o.year >= first && o.year <= last) out.push_back(o);
  return out;
}

int origin_of(const World& world, const std::string& id) {
  const int n = world.scenario().node_index(id);
  return n < 0 ? -1 : world.origin_index(static_cast<NodeId>(n));
}

int destination_of(const World& world, const std::string& id) {
  const int n = world.scenario().node_index(id);
  return n < 0 ? -1 : world.destination_index(static_cast<NodeId>(n));
}

// Sums `value_column` of the rows of each (origin, year) in the world, over any other
// columns (routes, border types, Member States), optionally only over Member States.
std::vector<Observation> yearly_totals(const std::string& path, const World& world, const std::string& value_column,
                                       bool member_states_only) {
  const CsvTable t = CsvTable::read(path, {path, 0, 0}, "observations");
  const int oc = t.column("origin", true), yc = t.column("year", true), vc = t.column(value_column, true);
  const int dc = member_states_only ? t.column("destination", true) : -1;
  // Every origin and year the file covers, so that a year without rows is a zero.
  std::map<std::pair<int, int>, double> totals;
  int first = 1 << 30, last = -(1 << 30);
  for (size_t row = 0; row < t.rows(); ++row) {
    first = std::min(first, static_cast<int>(t.number(row, yc)));
    last = std::max(last, static_cast<int>(t.number(row, yc)));
  }
  for (int o = 0; o < world.origin_count(); ++o)
    for (int y = first; y <= last; ++y) totals[{o, y}] = 0;
  for (size_t row = 0; row < t.rows(); ++row) {
    const int o = origin_of(world, t.cell(row, oc));
    if (o < 0) continue;
    if (dc >= 0) {
      const int d = destination_of(world, t.cell(row, dc));
      if (d < 0 || !world.governed_by_eu(d)) continue;
    }
    const double year = t.number(row, yc), v = t.number(row, vc);
    if (v < 0) throw InputError(t.where(row, vc), value_column, "must be non-negative");
    totals[{o, static_cast<int>(year)}] += v;
  }
  std::vector<Observation> out;
  for (const auto& [key, v] : totals) out.push_back({key.first, -1, key.second, v});
  return out;
}

}  // namespace

Observations Observations::up_to(int last_year) const {
  if (last_year > kFitCutoff)
    throw std::invalid_argument("observations after the fit cut-off (" + std::to_string(kFitCutoff) +
                                ") are held out for testing and may not be fitted; asked for " +
                                std::to_string(last_year));
  return between(0, last_year);
}

Observations Observations::between(int first, int last) const {
  return {filter(stocks, first, last), filter(detections, first, last), filter(asylum, first, last)};
}

double Observations::stock(int origin, int destination, int year) const {
  for (const Observation& o : stocks)
    if (o.origin == origin && o.destination == destination && o.year == year) return o.value;
  return -1;
}

ObservationFiles bundled_observations(const std::string& data_dir, const std::string& revision) {
  if (revision != "2020" && revision != "2024")
    throw std::invalid_argument("UN DESA revision must be 2020 or 2024, not '" + revision + "'");
  return {data_dir + (revision == "2020" ? "/diaspora.csv" : "/diaspora_rev2024.csv"),
          data_dir + "/frontex_detections.csv", data_dir + "/asylum_applications.csv"};
}

Observations read_observations(const ObservationFiles& files, const World& world) {
  Observations obs;
  const CsvTable t = CsvTable::read(files.stocks, {files.stocks, 0, 0}, "observations");
  const int oc = t.column("origin", true), dc = t.column("destination", true), pc = t.column("persons", true),
            yc = t.column("year", true);
  for (size_t row = 0; row < t.rows(); ++row) {
    const int o = origin_of(world, t.cell(row, oc)), d = destination_of(world, t.cell(row, dc));
    if (o < 0 || d < 0) continue;
    const double persons = t.number(row, pc);
    if (persons < 0) throw InputError(t.where(row, pc), "persons", "must be non-negative");
    obs.stocks.push_back({o, d, static_cast<int>(t.number(row, yc)), persons});
  }
  if (!files.detections.empty()) obs.detections = yearly_totals(files.detections, world, "detections", false);
  if (!files.asylum.empty()) obs.asylum = yearly_totals(files.asylum, world, "applicants", true);
  return obs;
}

}  // namespace migflow

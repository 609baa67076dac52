#include "analysis/observations.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "loader/csv_table.hpp"

namespace migflow {

namespace {

int origin_of(const World& world, const std::string& id) {
  const int n = world.scenario().node_index(id);
  return n < 0 ? -1 : world.origin_index(static_cast<NodeId>(n));
}

int destination_of(const World& world, const std::string& id) {
  const int n = world.scenario().node_index(id);
  return n < 0 ? -1 : world.destination_index(static_cast<NodeId>(n));
}

CsvTable read_table(const std::string& path) { return CsvTable::read(path, {path, 0, 0}, "observations"); }

// A non-negative count of column `col` in `row`, or NaN for an empty cell (not published).
double count_cell(const CsvTable& t, size_t row, int col, const std::string& name) {
  const double v = t.number(row, col, true);
  if (v < 0) throw InputError(t.where(row, col), name, "must be non-negative");
  return v;
}

// Sums `value_column` of the rows of each (origin, year) in the world, over any other
// columns (routes, border types, Member States), optionally only over Member States.
// Every year of the file counts for every origin of the world, so a year without rows
// is a zero; an empty cell adds nothing; with `skip_empty_years`, an (origin, year) whose
// cells are all empty has no observation.
std::vector<Observation> yearly_totals(const std::string& path, const World& world, const std::string& value_column,
                                       bool member_states_only, bool skip_empty_years = false) {
  const CsvTable t = read_table(path);
  const int oc = t.column("origin", true), yc = t.column("year", true), vc = t.column(value_column, true);
  const int dc = member_states_only ? t.column("destination", true) : -1;
  std::map<std::pair<int, int>, double> totals;
  std::set<std::pair<int, int>> published;
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
    const int year = static_cast<int>(t.number(row, yc));
    const double v = count_cell(t, row, vc, value_column);
    if (std::isnan(v)) continue;
    totals[{o, year}] += v;
    published.insert({o, year});
  }
  std::vector<Observation> out;
  for (const auto& [key, v] : totals)
    if (!skip_empty_years || published.count(key)) out.push_back({key.first, -1, key.second, v});
  return out;
}

// The cells of `value_column` per (origin, Member State, year) that the file publishes.
std::vector<Observation> member_state_cells(const std::string& path, const World& world,
                                            const std::string& value_column) {
  const CsvTable t = read_table(path);
  const int oc = t.column("origin", true), dc = t.column("destination", true), yc = t.column("year", true),
            vc = t.column(value_column, true);
  std::vector<Observation> out;
  for (size_t row = 0; row < t.rows(); ++row) {
    const int o = origin_of(world, t.cell(row, oc)), d = destination_of(world, t.cell(row, dc));
    if (o < 0 || d < 0 || !world.governed_by_eu(d)) continue;
    const double v = count_cell(t, row, vc, value_column);
    if (!std::isnan(v)) out.push_back({o, d, static_cast<int>(t.number(row, yc)), v});
  }
  return out;
}

}  // namespace

Observations Observations::between(int first, int last) const {
  Observations out;
  for (int k = 0; k < kObservedKinds; ++k)
    for (const Observation& o : of[static_cast<size_t>(k)])
      if (o.year >= first && o.year <= last) out.of[static_cast<size_t>(k)].push_back(o);
  return out;
}

double Observations::stock(int origin, int destination, int year) const {
  for (const Observation& o : (*this)[ObservedKind::Stock])
    if (o.origin == origin && o.destination == destination && o.year == year) return o.value;
  return -1;
}

ObservationFiles bundled_observations(const std::string& data_dir, const std::string& revision) {
  if (revision != "2020" && revision != "2024")
    throw std::invalid_argument("UN DESA revision must be 2020 or 2024, not '" + revision + "'");
  ObservationFiles files;
  files.stocks = revision == "2020"
                     ? std::vector<std::string>{data_dir + "/diaspora.csv"}
                     : std::vector<std::string>{data_dir + "/diaspora_rev2024.csv", data_dir + "/diaspora_2024.csv"};
  files.detections = data_dir + "/frontex_detections.csv";
  files.asylum = data_dir + "/asylum_applications.csv";
  files.enforcement = data_dir + "/enforcement.csv";
  files.permits = data_dir + "/employment_permits.csv";
  files.immigration = data_dir + "/immigration.csv";
  return files;
}

Observations read_observations(const ObservationFiles& files, const World& world) {
  Observations obs;
  for (const std::string& path : files.stocks) {
    const CsvTable t = read_table(path);
    const int oc = t.column("origin", true), dc = t.column("destination", true), pc = t.column("persons", true),
              yc = t.column("year", true);
    for (size_t row = 0; row < t.rows(); ++row) {
      const int o = origin_of(world, t.cell(row, oc)), d = destination_of(world, t.cell(row, dc));
      if (o < 0 || d < 0) continue;
      const double persons = t.number(row, pc);
      if (persons < 0) throw InputError(t.where(row, pc), "persons", "must be non-negative");
      obs[ObservedKind::Stock].push_back({o, d, static_cast<int>(t.number(row, yc)), persons});
    }
  }
  if (!files.detections.empty())
    obs[ObservedKind::Detections] = yearly_totals(files.detections, world, "detections", false);
  if (!files.asylum.empty()) obs[ObservedKind::Asylum] = yearly_totals(files.asylum, world, "applicants", true);
  if (!files.enforcement.empty()) {
    // Totals over the Member States that published the year; the years no state
    // published (orders after 2016) are not observations.
    obs[ObservedKind::Orders] = yearly_totals(files.enforcement, world, "ordered_to_leave", true, true);
    obs[ObservedKind::IllegallyPresent] = yearly_totals(files.enforcement, world, "illegally_present", true, true);
    obs[ObservedKind::Returns] = member_state_cells(files.enforcement, world, "returned_to_third_country");
  }
  if (!files.permits.empty())
    obs[ObservedKind::EmploymentPermits] = member_state_cells(files.permits, world, "permits");
  if (!files.immigration.empty())
    obs[ObservedKind::Immigration] = member_state_cells(files.immigration, world, "immigrants");
  return obs;
}

}  // namespace migflow

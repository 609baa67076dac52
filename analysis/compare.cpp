#include "analysis/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "analysis/observations.hpp"
#include "analysis/smc.hpp"
#include "sim/core_series.hpp"
#include "sim/rng.hpp"

namespace migflow {

namespace {

// Names as the core series declare them (sim/core_series.hpp).
std::string name_of(CoreDim d) { return std::string(kCoreDimNames[static_cast<std::size_t>(d)]); }
std::string name_of(Status s) { return std::string(kStatusNames[static_cast<std::size_t>(s)]); }
std::string name_of(Channel c) { return std::string(kChannelNames[static_cast<std::size_t>(c)]); }

// A core series of the file, checked to have the dimensions it is declared with.
const StoredSeries& series(const RunFile& run, CoreSeries id) {
  const CoreSeriesSpec& spec = core_series(id);
  const StoredSeries& s = run.series_named(std::string(spec.name));
  std::vector<std::string> expected{"replicate", "time"};
  for (CoreDim d : spec.dims()) expected.push_back(name_of(d));
  const std::string where = "cannot read '" + run.path + "': series '" + std::string(spec.name) + "'";
  if (s.dims != expected) throw std::runtime_error(where + " does not have the dimensions of migflow's");
  // Its shape agrees with its coordinates (a file migflow did not write may say
  // otherwise, and every index below trusts the shape).
  if (s.shape.size() != s.dims.size() || s.shape[0] != run.replicates() || s.shape[1] != run.dates.size())
    throw std::runtime_error(where + " has " + std::to_string(s.shape.size() > 0 ? s.shape[0] : 0) +
                             " replicates and " + std::to_string(s.shape.size() > 1 ? s.shape[1] : 0) +
                             " steps; the file's coordinates have " + std::to_string(run.replicates()) + " and " +
                             std::to_string(run.dates.size()));
  std::size_t cells = 1;
  for (std::size_t d = 0; d < s.shape.size(); ++d) {
    if (d >= 2 && s.shape[d] != run.labels_of(s.dims[d]).size())
      throw std::runtime_error(where + " has " + std::to_string(s.shape[d]) + " cells along '" + s.dims[d] +
                               "', whose coordinate has " + std::to_string(run.labels_of(s.dims[d]).size()) +
                               " labels");
    cells *= s.shape[d];
  }
  if (s.values.size() != cells) throw std::runtime_error(where + " holds fewer values than its shape says");
  // Statuses and channels are found by name: they must be migflow's, all of them.
  auto require = [&](CoreDim dim, auto names) {
    const auto& labels = run.labels_of(name_of(dim));
    for (std::string_view name : names)
      if (std::find(labels.begin(), labels.end(), name) == labels.end())
        throw std::runtime_error("cannot read '" + run.path + "': coordinate '" + name_of(dim) + "' lacks '" +
                                 std::string(name) + "'");
  };
  for (CoreDim d : spec.dims()) {
    if (d == CoreDim::status) require(d, kStatusNames);
    if (d == CoreDim::channel) require(d, kChannelNames);
  }
  return s;
}

// A series summed over everything but replicate and time, keeping cells where
// keep(dim, label) holds for every dimension: R x T values, replicate-major. With
// `factors` (Discrepancy::factors), each cell is first multiplied by its factor for the
// replicate, step and destination (the cell's node or destination, if one is).
template <class Keep>
std::vector<double> steps(const RunFile& run, CoreSeries id, Keep keep, const std::vector<double>* factors = nullptr) {
  const StoredSeries& s = series(run, id);
  const std::size_t R = s.shape[0], T = s.shape[1];
  std::size_t cells = 1;
  for (std::size_t d = 2; d < s.shape.size(); ++d) cells *= s.shape[d];
  // Which cells count, and the destination of each (0: none, else its index + 1):
  // decode each cell's labels once.
  const auto& destinations = run.labels_of(name_of(CoreDim::destination));
  std::vector<char> counted(cells, 1);
  std::vector<std::size_t> group(cells, 0);
  for (std::size_t c = 0; c < cells; ++c) {
    std::size_t rest = c;
    for (std::size_t d = s.shape.size() - 1; d >= 2; --d) {
      const std::size_t i = rest % s.shape[d];
      rest /= s.shape[d];
      const auto& labels = run.labels_of(s.dims[d]);
      if (!keep(s.dims[d], labels[i])) counted[c] = 0;
      if (s.dims[d] == name_of(CoreDim::node) || s.dims[d] == name_of(CoreDim::destination)) {
        const auto at = std::find(destinations.begin(), destinations.end(), labels[i]);
        if (at != destinations.end()) group[c] = static_cast<std::size_t>(at - destinations.begin()) + 1;
      }
    }
  }
  const std::size_t G = destinations.size() + 1;
  std::vector<double> out(R * T, 0.0);
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t c = 0; c < cells; ++c)
        if (counted[c])
          out[r * T + t] +=
              s.values[(r * T + t) * cells + c] * (factors ? (*factors)[(r * T + t) * G + group[c]] : 1.0);
  return out;
}

// The model discrepancy the calibration fits, drawn per replicate as its observation
// model has it (docs/calibration.md): each observed series (a kind of data for one
// destination, or the yearly total over the Member States for kinds observed as totals)
// has one error a year, normal with the draw's sd for that kind and the draw's
// correlation between years, and a cell's value is the model's times exp(error).
// Draws are keyed by (replicate seed, kind, series, year), so runs with the same seeds
// share them, as they share the parameter draws.
class Discrepancy {
 public:
  explicit Discrepancy(const RunFile& run) : run_(run) {
    const std::size_t R = run.replicates();
    if (run.model_discrepancy.size() != R || run.model_discrepancy_correlation.size() != R || R == 0) return;
    for (std::size_t r = 0; r < R; ++r) {
      // Several origins: not drawn (docs/calibration.md).
      if (run.model_discrepancy[r].size() != kObservedKinds || run.model_discrepancy_correlation[r].size() != 1) return;
      for (double sd : run.model_discrepancy[r]) drawn_ = drawn_ || sd > 0;
    }
  }
  bool drawn() const { return drawn_; }

  // Factors (R x T x (destinations + 1), the last axis as steps() groups cells) of a
  // kind of data; null when the run carries no discrepancy.
  const std::vector<double>* factors(ObservedKind kind) {
    if (!drawn_) return nullptr;
    std::vector<double>& f = cache_[kind];
    if (!f.empty()) return &f;
    const std::size_t R = run_.replicates(), T = run_.dates.size();
    const std::size_t G = run_.labels_of(name_of(CoreDim::destination)).size() + 1;
    const auto k = static_cast<std::size_t>(kind);
    f.assign(R * T * G, 1.0);
    std::vector<std::uint32_t> years(T);
    for (std::size_t t = 0; t < T; ++t) years[t] = static_cast<std::uint32_t>(std::stoi(run_.dates[t].substr(0, 4)));
    for (std::size_t r = 0; r < R; ++r) {
      const double sd = run_.model_discrepancy[r][k];
      const double rho = std::clamp(run_.model_discrepancy_correlation[r][0], 0.0, 1.0);
      const std::uint64_t seed = run_.replicate_seeds[r];
      auto normal = [&](std::size_t series, std::uint32_t year) {
        const Draws u = draw(seed, (std::uint64_t{k} << 32) | series, year, Purpose::ObservationNoise);
        return normal_from_uniforms(u.uniform(0), u.uniform(1));
      };
      for (std::size_t g = 0; g < G; ++g) {
        const std::size_t series = observed_by_destination(kind) ? g : 0;  // totals: one series
        const double shared = normal(series, 0);
        for (std::size_t t = 0; t < T; ++t) {
          const std::uint32_t year = years[t];
          const double z = std::sqrt(rho) * shared + std::sqrt(1 - rho) * normal(series, year);
          f[(r * T + t) * G + g] = std::exp(sd * z);
        }
      }
    }
    return &f;
  }

  // `indicator` as a level of `kind` of data: with the discrepancy when drawn.
  Indicator observed(Indicator indicator, ObservedKind kind) const {
    indicator.observed_as = std::string(kObservedKindNames[static_cast<std::size_t>(kind)]);
    indicator.with_discrepancy = drawn_;
    return indicator;
  }

 private:
  const RunFile& run_;
  bool drawn_ = false;
  std::map<ObservedKind, std::vector<double>> cache_;
};

// An indicator from its values per step: a flow adds them up over the period, a stock
// is the last step's.
Indicator indicator(const RunFile& run, bool is_stock, std::string name, std::string member_state, std::string unit,
                    std::string description, std::vector<double> per_step) {
  const std::size_t T = run.dates.size();
  const std::size_t R = T == 0 ? 0 : per_step.size() / T;
  std::vector<double> per_replicate(R, 0.0);
  for (std::size_t r = 0; r < R; ++r)
    if (is_stock)
      per_replicate[r] = per_step[r * T + T - 1];
    else
      for (std::size_t t = 0; t < T; ++t) per_replicate[r] += per_step[r * T + t];
  return {std::move(name),
          std::move(member_state),
          std::move(unit),
          std::move(description),
          std::move(per_replicate),
          std::move(per_step),
          is_stock,
          "",
          false};
}

template <class... A>
Indicator flow(const RunFile& run, A&&... a) {
  return indicator(run, false, std::forward<A>(a)...);
}
template <class... A>
Indicator stock(const RunFile& run, A&&... a) {
  return indicator(run, true, std::forward<A>(a)...);
}

// Whether a destination (or node) label is a Member State: the file's destination_in_eu,
// or, in files written before it existed, any destination.
bool is_member_state(const RunFile& run, const std::string& node) {
  const auto& destinations = run.labels_of(name_of(CoreDim::destination));
  const auto it = std::find(destinations.begin(), destinations.end(), node);
  if (it == destinations.end()) return false;
  const auto d = static_cast<std::size_t>(it - destinations.begin());
  return run.destination_in_eu.empty() || run.destination_in_eu[d] != 0;
}

bool is_destination_outside_eu(const RunFile& run, const std::string& node) {
  const auto& destinations = run.labels_of(name_of(CoreDim::destination));
  return std::find(destinations.begin(), destinations.end(), node) != destinations.end() && !is_member_state(run, node);
}

std::vector<double> scaled(std::vector<double> v, double factor) {
  for (double& x : v) x *= factor;
  return v;
}

}  // namespace

namespace {

// Which cells an indicator counts: a test on each (dimension, label) of a cell.
using Keep = std::function<bool(const std::string& dim, const std::string& label)>;

bool any(const std::string&, const std::string&) { return true; }

Keep only(CoreDim dim, const std::string& label) {
  return [d = name_of(dim), label](const std::string& dim_name, const std::string& l) {
    return dim_name != d || l == label;
  };
}

Keep both(Keep a, Keep b) {
  return [a, b](const std::string& dim, const std::string& label) { return a(dim, label) && b(dim, label); };
}

// Arrivals with a residence permit: for work and other reasons, family, education.
Keep with_permit() {
  return [d = name_of(CoreDim::channel)](const std::string& dim, const std::string& label) {
    if (dim != d) return true;
    for (int c = 0; c < kChannelCount; ++c)
      if (label == kChannelNames[static_cast<std::size_t>(c)]) return is_residence_permit(static_cast<Channel>(c));
    return false;
  };
}

// Cells of Member States (or of destinations outside the EU): on the node or
// destination axis, whichever the series has.
Keep in_eu(const RunFile& run, bool eu) {
  return [&run, eu](const std::string& dim, const std::string& label) {
    if (dim != name_of(CoreDim::node) && dim != name_of(CoreDim::destination)) return true;
    return eu ? is_member_state(run, label) : is_destination_outside_eu(run, label);
  };
}

// Persons with `status` in Member States.
Keep abroad(const RunFile& run, Status status) {
  return both(only(CoreDim::status, name_of(status)), in_eu(run, true));
}

// Residents (regular, irregular, asylum seekers, exploited) of destinations outside the EU.
Keep residents_outside_eu(const RunFile& run) {
  return both(in_eu(run, false), [](const std::string& dim, const std::string& label) {
    if (dim != name_of(CoreDim::status)) return true;
    for (int s = 0; s < kStatusCount; ++s)
      if (is_resident_abroad(static_cast<Status>(s)) && label == name_of(static_cast<Status>(s))) return true;
    return false;
  });
}

// Mean waiting time in transit, persons-weighted over nodes and steps (each step's
// value: weighted over that step's nodes).
Indicator mean_transit_wait(const RunFile& run) {
  const std::size_t T = run.dates.size();
  const auto waiting = steps(run, CoreSeries::stocks, only(CoreDim::status, name_of(Status::InTransit)));
  const StoredSeries& w = series(run, CoreSeries::transit_wait);  // (replicate, time, node)
  const StoredSeries& s = series(run, CoreSeries::stocks);        // (replicate, time, node, status)
  const std::size_t N = w.shape[2], S = s.shape[3];
  const auto& statuses = run.labels_of(name_of(CoreDim::status));
  const std::size_t transit = static_cast<std::size_t>(
      std::find(statuses.begin(), statuses.end(), name_of(Status::InTransit)) - statuses.begin());
  Indicator out{"transit_wait", "", "months", "mean time waited so far by people in transit", {}, {}, false, "", false};
  out.per_replicate.assign(w.shape[0], 0.0);
  out.per_step.assign(w.shape[0] * T, 0.0);
  for (std::size_t r = 0; r < w.shape[0]; ++r) {
    double weighted = 0, persons = 0;
    for (std::size_t t = 0; t < T; ++t) {
      double step_weighted = 0;
      for (std::size_t n = 0; n < N; ++n)
        step_weighted += w.values[(r * T + t) * N + n] * s.values[((r * T + t) * N + n) * S + transit];
      const double step_persons = waiting[r * T + t];
      out.per_step[r * T + t] = step_persons > 0 ? step_weighted / step_persons : 0.0;
      weighted += step_weighted;
      persons += step_persons;
    }
    out.per_replicate[r] = persons > 0 ? weighted / persons : 0.0;
  }
  return out;
}

// Arrivals by channel and returns executed in one Member State.
void add_member_state(const RunFile& run, const std::string& ms, Discrepancy& noise, std::vector<Indicator>& out) {
  const Keep in_ms = only(CoreDim::destination, ms);
  const std::string irregular = name_of(Channel::Irregular);
  using K = ObservedKind;
  out.push_back(
      noise.observed(flow(run, "arrivals_legal", ms, "persons", "arrivals with a residence permit over the period",
                          steps(run, CoreSeries::arrivals, both(in_ms, with_permit()), noise.factors(K::Immigration))),
                     K::Immigration));
  out.push_back(noise.observed(flow(run, "arrivals_irregular", ms, "persons", "irregular arrivals over the period",
                                    steps(run, CoreSeries::arrivals, both(in_ms, only(CoreDim::channel, irregular)),
                                          noise.factors(K::Detections))),
                               K::Detections));
  out.push_back(noise.observed(flow(run, "returns_executed", ms, "persons", "returns executed over the period",
                                    steps(run, CoreSeries::returns_executed, in_ms, noise.factors(K::Returns))),
                               K::Returns));
}

}  // namespace

std::vector<Indicator> headline_indicators(const RunFile& run, bool by_member_state) {
  const Keep eu = in_eu(run, true);
  auto channel = [&](Channel ch) { return both(eu, only(CoreDim::channel, name_of(ch))); };
  std::vector<Indicator> out;
  // Levels the calibration's data observe include its model discrepancy.
  Discrepancy noise(run);
  using K = ObservedKind;
  out.push_back(
      noise.observed(flow(run, "arrivals_legal", "", "persons",
                          "arrivals in Member States with a residence permit (any reason) over the period",
                          steps(run, CoreSeries::arrivals, both(eu, with_permit()), noise.factors(K::Immigration))),
                     K::Immigration));
  out.push_back(noise.observed(
      flow(run, "arrivals_employment", "", "persons",
           "arrivals in Member States with a permit for work or other reasons (not family, not education)",
           steps(run, CoreSeries::arrivals, channel(Channel::Legal), noise.factors(K::EmploymentPermits))),
      K::EmploymentPermits));
  out.push_back(
      noise.observed(flow(run, "arrivals_family", "", "persons",
                          "arrivals in Member States joining family (family reunification permits) over the period",
                          steps(run, CoreSeries::arrivals, channel(Channel::Family), noise.factors(K::Immigration))),
                     K::Immigration));
  out.push_back(noise.observed(
      flow(run, "arrivals_education", "", "persons", "arrivals in Member States with a study permit over the period",
           steps(run, CoreSeries::arrivals, channel(Channel::Education), noise.factors(K::Immigration))),
      K::Immigration));
  out.push_back(flow(run, "arrivals_short_stay", "", "persons",
                     "arrivals in Member States on a short stay over the period",
                     steps(run, CoreSeries::arrivals, channel(Channel::ShortStay))));
  out.push_back(noise.observed(
      flow(run, "arrivals_irregular", "", "persons", "irregular arrivals in Member States over the period",
           steps(run, CoreSeries::arrivals, channel(Channel::Irregular), noise.factors(K::Detections))),
      K::Detections));
  out.push_back(
      noise.observed(stock(run, "stock_regular_end", "", "persons", "regular migrants in Member States at the end",
                           steps(run, CoreSeries::stocks, abroad(run, Status::Regular), noise.factors(K::Stock))),
                     K::Stock));
  out.push_back(stock(run, "stock_irregular_end", "", "persons", "irregular migrants in Member States at the end",
                      steps(run, CoreSeries::stocks, abroad(run, Status::Irregular))));
  out.push_back(stock(run, "stock_asylum_seekers_end", "", "persons",
                      "asylum seekers waiting in Member States at the end",
                      steps(run, CoreSeries::stocks, abroad(run, Status::AsylumSeeker))));
  out.push_back(stock(run, "stock_exploited_end", "", "persons",
                      "persons held in exploitation by traffickers in Member States at the end",
                      steps(run, CoreSeries::stocks, abroad(run, Status::Exploited))));
  out.push_back(noise.observed(
      stock(run, "abroad_outside_eu_end", "", "persons", "migrants living in destinations outside the EU at the end",
            steps(run, CoreSeries::stocks, residents_outside_eu(run), noise.factors(K::Stock))),
      K::Stock));
  out.push_back(flow(run, "arrivals_outside_eu", "", "persons",
                     "arrivals in destinations outside the EU over the period",
                     steps(run, CoreSeries::arrivals, in_eu(run, false))));
  out.push_back(stock(run, "stranded_in_transit_end", "", "persons", "people in transit (waiting) at the end",
                      steps(run, CoreSeries::stocks, only(CoreDim::status, name_of(Status::InTransit)))));
  out.push_back(stock(run, "returned_end", "", "persons", "returned migrants at home at the end",
                      steps(run, CoreSeries::stocks, only(CoreDim::status, name_of(Status::Returned)))));
  out.push_back(noise.observed(
      flow(run, "asylum_applications", "", "persons", "first asylum applications in Member States over the period",
           steps(run, CoreSeries::asylum_applications, eu, noise.factors(K::Asylum))),
      K::Asylum));
  out.push_back(flow(run, "asylum_recognised", "", "persons", "asylum decisions granting protection over the period",
                     steps(run, CoreSeries::asylum_decisions, both(eu, only(CoreDim::decision, "recognised")))));
  out.push_back(
      noise.observed(flow(run, "return_orders", "", "persons", "return orders in Member States over the period",
                          steps(run, CoreSeries::return_orders, eu, noise.factors(K::Orders))),
                     K::Orders));
  out.push_back(
      noise.observed(flow(run, "returns_executed", "", "persons", "returns from Member States executed over the period",
                          steps(run, CoreSeries::returns_executed, eu, noise.factors(K::Returns))),
                     K::Returns));
  out.push_back(flow(run, "border_interceptions", "", "persons", "interceptions at the border over the period",
                     steps(run, CoreSeries::border_interceptions, any)));
  out.push_back(flow(run, "border_blocked", "", "persons", "attempts turned away by border capacity over the period",
                     steps(run, CoreSeries::border_blocked, any)));
  out.push_back(mean_transit_wait(run));
  out.push_back(flow(run, "remittances", "", "million PPP $",
                     "remittances received by origin households over the period",
                     scaled(steps(run, CoreSeries::remittances, any), 1e-6)));
  if (by_member_state)
    for (const std::string& ms : run.labels_of(name_of(CoreDim::destination)))
      if (is_member_state(run, ms)) add_member_state(run, ms, noise, out);
  return out;
}

double quantile_of_sorted(const std::vector<double>& v, double q) {
  const double at = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(at));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (at - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return quantile_of_sorted(v, q);
}

std::vector<int> draw_groups(const RunFile& run) {
  const std::size_t R = run.replicates();
  std::vector<int> groups(R, -1);
  if (run.parameter_draws.size() != R) return groups;
  std::vector<std::vector<int>> seen;
  for (std::size_t r = 0; r < R; ++r) {
    const std::vector<int>& draws = run.parameter_draws[r];
    if (std::all_of(draws.begin(), draws.end(), [](int d) { return d < 0; })) continue;
    const auto it = std::find(seen.begin(), seen.end(), draws);
    groups[r] = static_cast<int>(it - seen.begin());
    if (it == seen.end()) seen.push_back(draws);
  }
  return groups;
}

namespace {

// One-way analysis of variance of x over the draw groups: (between-draw variance
// component, within-draw variance). NaN when no group has two replicates.
std::pair<double, double> variance_components(const std::vector<double>& x, const std::vector<int>& groups) {
  const double nan = std::nan("");
  if (groups.size() != x.size() || x.size() < 2) return {nan, nan};
  if (std::all_of(groups.begin(), groups.end(), [](int g) { return g < 0; })) {  // point values: chance only
    double mean = 0, ss = 0;
    for (double v : x) mean += v / static_cast<double>(x.size());
    for (double v : x) ss += (v - mean) * (v - mean);
    return {0.0, ss / static_cast<double>(x.size() - 1)};
  }
  std::map<int, std::vector<double>> by_group;
  for (std::size_t r = 0; r < x.size(); ++r) by_group[groups[r]].push_back(x[r]);
  const double n = static_cast<double>(x.size()), g = static_cast<double>(by_group.size());
  double grand = 0, within = 0, between = 0, sum_sq_sizes = 0;
  for (double v : x) grand += v / n;
  for (const auto& [id, values] : by_group) {
    double mean = 0;
    for (double v : values) mean += v / static_cast<double>(values.size());
    for (double v : values) within += (v - mean) * (v - mean);
    between += static_cast<double>(values.size()) * (mean - grand) * (mean - grand);
    sum_sq_sizes += static_cast<double>(values.size() * values.size());
  }
  if (n - g < 1 || g < 2) return {nan, nan};
  const double ms_within = within / (n - g), ms_between = between / (g - 1);
  const double size = (n - sum_sq_sizes / n) / (g - 1);  // effective group size (unbalanced ANOVA)
  return {std::max(0.0, (ms_between - ms_within) / size), ms_within};
}

}  // namespace

Summary summarize(const std::vector<double>& x, const std::vector<int>& groups) {
  Summary s;
  const double nan = std::nan("");
  if (x.empty()) return {nan, nan, nan, nan, nan, nan};
  for (double v : x) s.mean += v / static_cast<double>(x.size());
  double ss = 0;
  for (double v : x) ss += (v - s.mean) * (v - s.mean);
  s.sd = x.size() > 1 ? std::sqrt(ss / static_cast<double>(x.size() - 1)) : nan;
  s.mean_error = s.sd / std::sqrt(static_cast<double>(x.size()));
  s.lo = quantile(x, 0.025);
  s.hi = quantile(x, 0.975);
  const auto [parameters, chance] = variance_components(x, groups);
  s.parameter_share =
      parameters + chance > 0 ? parameters / (parameters + chance) : (std::isnan(parameters) ? nan : 0.0);
  return s;
}

Summary summarize_difference(const std::vector<double>& a, const std::vector<double>& b, bool paired,
                             const std::vector<int>& groups_a, const std::vector<int>& groups_b) {
  if (paired) {
    if (a.size() != b.size()) throw std::invalid_argument("paired difference needs equal replicate counts");
    std::vector<double> d(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) d[i] = b[i] - a[i];
    return summarize(d, groups_a);
  }
  // Independent runs: the difference's variance is the sum of theirs (normal interval).
  const Summary sa = summarize(a, groups_a), sb = summarize(b, groups_b);
  Summary s;
  s.mean = sb.mean - sa.mean;
  s.sd = std::sqrt(sa.sd * sa.sd + sb.sd * sb.sd);
  s.lo = s.mean - 1.96 * s.sd;
  s.hi = s.mean + 1.96 * s.sd;
  s.mean_error = std::sqrt(sa.mean_error * sa.mean_error + sb.mean_error * sb.mean_error);
  s.parameter_share = (sa.parameter_share * sa.sd * sa.sd + sb.parameter_share * sb.sd * sb.sd) / (s.sd * s.sd);
  return s;
}

Comparison compare_runs(const std::vector<RunFile>& runs, bool by_member_state) {
  if (runs.size() < 2) throw std::invalid_argument("compare needs at least two runs");
  Comparison c;
  for (const RunFile& r : runs) {
    c.scenarios.push_back(r.title.empty() ? r.path : r.title);
    c.runs.push_back(headline_indicators(r, by_member_state));
    c.groups.push_back(draw_groups(r));
    c.paired.push_back(r.replicate_seeds == runs[0].replicate_seeds);
    const std::string destination = name_of(CoreDim::destination);
    if (by_member_state && r.labels_of(destination) != runs[0].labels_of(destination))
      throw std::invalid_argument("'" + r.path + "' has other destinations than '" + runs[0].path +
                                  "'; compare without --by-member-state");
    if (r.dates != runs[0].dates)
      throw std::invalid_argument("'" + r.path + "' covers other dates than '" + runs[0].path + "'");
  }
  return c;
}

static std::string number(double v) {
  char buf[64];
  if (std::isnan(v)) return "n/a";
  if (std::fabs(v) >= 100)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

static std::string summary_text(const Summary& s) {
  std::string text = number(s.mean) + " [" + number(s.lo) + ", " + number(s.hi) + "]";
  if (!std::isnan(s.parameter_share) && s.sd > 0)
    text += " p" + std::to_string(std::lround(100 * s.parameter_share)) + "%";
  return text;
}

// Observed levels whose intervals include the model discrepancy are marked with a dagger.
static std::string row_name(const Indicator& i) {
  return (i.member_state.empty() ? i.name : i.name + " " + i.member_state) + (i.with_discrepancy ? " †" : "");
}

std::vector<std::vector<std::string>> comparison_table(const Comparison& c) {
  std::vector<std::vector<std::string>> rows(1, {"indicator", "unit"});
  for (const auto& s : c.scenarios) rows[0].push_back(s);
  for (std::size_t k = 1; k < c.scenarios.size(); ++k) rows[0].push_back(c.scenarios[k] + " minus " + c.scenarios[0]);
  for (std::size_t i = 0; i < c.runs[0].size(); ++i) {
    std::vector<std::string> row{row_name(c.runs[0][i]), c.runs[0][i].unit};
    for (std::size_t k = 0; k < c.runs.size(); ++k)
      row.push_back(summary_text(summarize(c.runs[k][i].per_replicate, c.groups[k])));
    for (std::size_t k = 1; k < c.runs.size(); ++k)
      row.push_back(summary_text(summarize_difference(c.runs[0][i].per_replicate, c.runs[k][i].per_replicate,
                                                      c.paired[k], c.groups[0], c.groups[k])));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string comparison_note(const Comparison& c) {
  std::size_t paired = 0;
  for (std::size_t k = 1; k < c.paired.size(); ++k) paired += c.paired[k];
  // Runs without posterior draws (`parameters: point`, or no calibration) hold chance only.
  std::size_t with_draws = 0;
  for (const std::vector<int>& g : c.groups)
    with_draws += std::any_of(g.begin(), g.end(), [](int d) { return d >= 0; });
  const std::string spread =
      with_draws == c.groups.size()
          ? "which draw their parameters from the posterior, so the interval holds parameter uncertainty and chance"
      : with_draws == 0 ? "which all use the same parameter values, so the interval is chance alone"
                        : "which draw their parameters from the posterior in some runs and use fixed values in others";
  bool discrepancy = false;
  for (const auto& run : c.runs)
    for (const Indicator& i : run) discrepancy = discrepancy || i.with_discrepancy;
  return "Mean over replicates [95% interval: 2.5% to 97.5% of the replicates, " + spread +
         "]; pN%: the share of the variance that comes from the parameters (the rest is chance); differences " +
         (paired + 1 == c.paired.size() ? "paired by replicate (shared parameter draws and random numbers)"
                                        : "paired where replicate seeds match, else independent") +
         "." +
         (discrepancy ? " †: a level the calibration's data observe; each replicate's value includes draws of the "
                        "model discrepancy fitted for that kind of data, one per observed series (a Member State, or "
                        "the total for totals-only data) and year, correlated between years as fitted, so its "
                        "interval is one of the observed value; a difference is scaled cell by cell by the same "
                        "draws. Rows without † have no observed counterpart: their intervals hold the model's "
                        "uncertainty only."
                      : "");
}

std::string comparison_markdown(const Comparison& c) {
  std::ostringstream out;
  const auto rows = comparison_table(c);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out << "|";
    for (const std::string& cell : rows[i]) out << " " << cell << " |";
    out << "\n";
    if (i == 0) {
      out << "|";
      for (std::size_t k = 0; k < rows[0].size(); ++k) out << "---|";
      out << "\n";
    }
  }
  out << "\n" << comparison_note(c) << "\n";
  return out.str();
}

std::string comparison_csv(const Comparison& c) {
  std::ostringstream out;
  out.precision(10);
  out << "indicator,member_state,unit,scenario,mean,low,high,sd,parameter_share,mean_error,diff_vs_first,diff_low,"
         "diff_high,diff_sd,diff_parameter_share,paired,replicates\n";
  for (std::size_t i = 0; i < c.runs[0].size(); ++i)
    for (std::size_t k = 0; k < c.runs.size(); ++k) {
      const Indicator& ind = c.runs[k][i];
      const Summary m = summarize(ind.per_replicate, c.groups[k]);
      const Summary d =
          summarize_difference(c.runs[0][i].per_replicate, ind.per_replicate, c.paired[k], c.groups[0], c.groups[k]);
      out << ind.name << "," << ind.member_state << "," << ind.unit << ",\"" << c.scenarios[k] << "\"," << m.mean << ","
          << m.lo << "," << m.hi << "," << m.sd << "," << m.parameter_share << "," << m.mean_error << "," << d.mean
          << "," << d.lo << "," << d.hi << "," << d.sd << "," << d.parameter_share << "," << (c.paired[k] ? 1 : 0)
          << "," << ind.per_replicate.size() << "\n";
    }
  return out.str();
}

}  // namespace migflow

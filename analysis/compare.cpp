#include "analysis/compare.hpp"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>
#include <stdexcept>

#include "sim/core_series.hpp"

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
  if (s.dims != expected)
    throw std::runtime_error("cannot read '" + run.path + "': series '" + std::string(spec.name) +
                             "' does not have the dimensions of migflow's " + std::string(spec.name));
  return s;
}

// Sums a series over everything but replicate, keeping cells where keep(dim, label)
// holds for every dimension and steps in [first, last]. Returns one value per replicate.
template <class Keep>
std::vector<double> total(const RunFile& run, CoreSeries id, Keep keep, std::size_t first = 0,
                          std::size_t last = static_cast<std::size_t>(-1)) {
  const StoredSeries& s = series(run, id);
  const std::size_t R = s.shape[0], T = s.shape[1];
  std::size_t cells = 1;
  for (std::size_t d = 2; d < s.shape.size(); ++d) cells *= s.shape[d];
  // Which cells count: decode each cell's labels once.
  std::vector<char> counted(cells, 1);
  for (std::size_t c = 0; c < cells; ++c) {
    std::size_t rest = c;
    for (std::size_t d = s.shape.size() - 1; d >= 2; --d) {
      const std::size_t i = rest % s.shape[d];
      rest /= s.shape[d];
      const auto& labels = run.labels_of(s.dims[d]);
      if (!keep(s.dims[d], labels[i])) counted[c] = 0;
    }
  }
  std::vector<double> out(R, 0.0);
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t t = first; t < T && t <= last; ++t)
      for (std::size_t c = 0; c < cells; ++c)
        if (counted[c]) out[r] += s.values[(r * T + t) * cells + c];
  return out;
}

bool is_member_state(const RunFile& run, const std::string& node) {
  const auto& ms = run.labels_of(name_of(CoreDim::destination));
  return std::find(ms.begin(), ms.end(), node) != ms.end();
}

std::vector<double> scaled(std::vector<double> v, double factor) {
  for (double& x : v) x *= factor;
  return v;
}

double t_quantile(double level, std::size_t n) {
  if (n < 2) return std::nan("");
  return boost::math::quantile(boost::math::students_t(static_cast<double>(n - 1)), 0.5 + level / 2);
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

// Persons with `status` in Member States.
Keep abroad(const RunFile& run, Status status) {
  return both(only(CoreDim::status, name_of(status)),
              [&run, node = name_of(CoreDim::node)](const std::string& dim, const std::string& label) {
                return dim != node || is_member_state(run, label);
              });
}

// Mean waiting time in transit, persons-weighted over nodes and steps.
std::vector<double> mean_transit_wait(const RunFile& run) {
  const std::size_t T = run.dates.size();
  const auto waiting = total(run, CoreSeries::stocks, only(CoreDim::status, name_of(Status::InTransit)));
  const StoredSeries& w = series(run, CoreSeries::transit_wait);  // (replicate, time, node)
  const StoredSeries& s = series(run, CoreSeries::stocks);        // (replicate, time, node, status)
  const std::size_t N = w.shape[2], S = s.shape[3];
  const auto& statuses = run.labels_of(name_of(CoreDim::status));
  const std::size_t transit = static_cast<std::size_t>(
      std::find(statuses.begin(), statuses.end(), name_of(Status::InTransit)) - statuses.begin());
  std::vector<double> mean_wait(w.shape[0], 0.0);
  for (std::size_t r = 0; r < w.shape[0]; ++r) {
    double weighted = 0;
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t n = 0; n < N; ++n)
        weighted += w.values[(r * T + t) * N + n] * s.values[((r * T + t) * N + n) * S + transit];
    mean_wait[r] = waiting[r] > 0 ? weighted / waiting[r] : 0.0;
  }
  return mean_wait;
}

// Arrivals by channel and returns executed in one Member State.
void add_member_state(const RunFile& run, const std::string& ms, std::vector<Indicator>& out) {
  const Keep in_ms = only(CoreDim::destination, ms);
  const std::string legal = name_of(Channel::Legal), irregular = name_of(Channel::Irregular);
  out.push_back({"arrivals_legal", ms, "persons", "regular arrivals over the period",
                 total(run, CoreSeries::arrivals, both(in_ms, only(CoreDim::channel, legal)))});
  out.push_back({"arrivals_irregular", ms, "persons", "irregular arrivals over the period",
                 total(run, CoreSeries::arrivals, both(in_ms, only(CoreDim::channel, irregular)))});
  out.push_back({"returns_executed", ms, "persons", "returns executed over the period",
                 total(run, CoreSeries::returns_executed, in_ms)});
}

}  // namespace

std::vector<Indicator> headline_indicators(const RunFile& run, bool by_member_state) {
  const std::size_t T = run.dates.size();
  const std::size_t end = T == 0 ? 0 : T - 1;
  const Keep legal = only(CoreDim::channel, name_of(Channel::Legal));
  const Keep irregular = only(CoreDim::channel, name_of(Channel::Irregular));
  std::vector<Indicator> out;
  out.push_back(
      {"arrivals_legal", "", "persons", "regular arrivals over the period", total(run, CoreSeries::arrivals, legal)});
  out.push_back({"arrivals_irregular", "", "persons", "irregular arrivals over the period",
                 total(run, CoreSeries::arrivals, irregular)});
  out.push_back({"stock_regular_end", "", "persons", "regular migrants in Member States at the end",
                 total(run, CoreSeries::stocks, abroad(run, Status::Regular), end, end)});
  out.push_back({"stock_irregular_end", "", "persons", "irregular migrants in Member States at the end",
                 total(run, CoreSeries::stocks, abroad(run, Status::Irregular), end, end)});
  out.push_back({"stranded_in_transit_end", "", "persons", "people in transit (waiting) at the end",
                 total(run, CoreSeries::stocks, only(CoreDim::status, name_of(Status::InTransit)), end, end)});
  out.push_back({"returned_end", "", "persons", "returned migrants at home at the end",
                 total(run, CoreSeries::stocks, only(CoreDim::status, name_of(Status::Returned)), end, end)});
  out.push_back(
      {"return_orders", "", "persons", "return orders over the period", total(run, CoreSeries::return_orders, any)});
  out.push_back({"returns_executed", "", "persons", "returns executed over the period",
                 total(run, CoreSeries::returns_executed, any)});
  out.push_back({"border_interceptions", "", "persons", "interceptions at the border over the period",
                 total(run, CoreSeries::border_interceptions, any)});
  out.push_back({"border_blocked", "", "persons", "attempts turned away by border capacity over the period",
                 total(run, CoreSeries::border_blocked, any)});
  out.push_back({"transit_wait", "", "months", "mean time waited so far by people in transit", mean_transit_wait(run)});
  out.push_back({"remittances", "", "million PPP $", "remittances received by origin households over the period",
                 scaled(total(run, CoreSeries::remittances, any), 1e-6)});
  if (by_member_state)
    for (const std::string& ms : run.labels_of(name_of(CoreDim::destination))) add_member_state(run, ms, out);
  return out;
}

Interval mean_interval(const std::vector<double>& x, double level) {
  Interval iv;
  const std::size_t n = x.size();
  if (n == 0) return {std::nan(""), std::nan(""), std::nan("")};
  for (double v : x) iv.mean += v;
  iv.mean /= static_cast<double>(n);
  double ss = 0;
  for (double v : x) ss += (v - iv.mean) * (v - iv.mean);
  const double half =
      n > 1 ? t_quantile(level, n) * std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n)) : std::nan("");
  iv.lo = iv.mean - half;
  iv.hi = iv.mean + half;
  return iv;
}

Interval difference_interval(const std::vector<double>& a, const std::vector<double>& b, bool paired, double level) {
  if (paired) {
    if (a.size() != b.size()) throw std::invalid_argument("paired difference needs equal replicate counts");
    std::vector<double> d(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) d[i] = b[i] - a[i];
    return mean_interval(d, level);
  }
  const Interval ia = mean_interval(a, level), ib = mean_interval(b, level);
  auto var_of_mean = [](const std::vector<double>& x, double mean) {
    double ss = 0;
    for (double v : x) ss += (v - mean) * (v - mean);
    return x.size() > 1 ? ss / static_cast<double>(x.size() - 1) / static_cast<double>(x.size()) : std::nan("");
  };
  const double va = var_of_mean(a, ia.mean), vb = var_of_mean(b, ib.mean);
  const double se = std::sqrt(va + vb);
  // Welch-Satterthwaite degrees of freedom.
  const double df = (va + vb) * (va + vb) /
                    (va * va / static_cast<double>(a.size() - 1) + vb * vb / static_cast<double>(b.size() - 1));
  const double diff = ib.mean - ia.mean;
  if (!(se > 0)) return {diff, diff, diff};
  const double q = boost::math::quantile(boost::math::students_t(df), 0.5 + level / 2);
  return {diff, diff - q * se, diff + q * se};
}

Comparison compare_runs(const std::vector<RunFile>& runs, bool by_member_state) {
  if (runs.size() < 2) throw std::invalid_argument("compare needs at least two runs");
  Comparison c;
  for (const RunFile& r : runs) {
    c.scenarios.push_back(r.title.empty() ? r.path : r.title);
    c.runs.push_back(headline_indicators(r, by_member_state));
    c.paired.push_back(r.replicate_seeds == runs[0].replicate_seeds);
    const std::string destination = name_of(CoreDim::destination);
    if (by_member_state && r.labels_of(destination) != runs[0].labels_of(destination))
      throw std::invalid_argument("'" + r.path + "' has other Member States than '" + runs[0].path +
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

static std::string interval_text(const Interval& iv) {
  return number(iv.mean) + " [" + number(iv.lo) + ", " + number(iv.hi) + "]";
}

static std::string row_name(const Indicator& i) {
  return i.member_state.empty() ? i.name : i.name + " " + i.member_state;
}

std::string comparison_markdown(const Comparison& c) {
  std::ostringstream out;
  out << "| indicator | unit |";
  for (const auto& s : c.scenarios) out << " " << s << " |";
  for (std::size_t k = 1; k < c.scenarios.size(); ++k)
    out << " " << c.scenarios[k] << " minus " << c.scenarios[0] << " |";
  out << "\n|---|---|";
  for (std::size_t k = 0; k < 2 * c.scenarios.size() - 1; ++k) out << "---|";
  out << "\n";
  for (std::size_t i = 0; i < c.runs[0].size(); ++i) {
    out << "| " << row_name(c.runs[0][i]) << " | " << c.runs[0][i].unit << " |";
    for (const auto& run : c.runs) out << " " << interval_text(mean_interval(run[i].per_replicate)) << " |";
    for (std::size_t k = 1; k < c.runs.size(); ++k)
      out << " "
          << interval_text(difference_interval(c.runs[0][i].per_replicate, c.runs[k][i].per_replicate, c.paired[k]))
          << " |";
    out << "\n";
  }
  out << "\nMean over replicates [95% confidence interval of the mean]";
  std::size_t paired = 0;
  for (std::size_t k = 1; k < c.paired.size(); ++k) paired += c.paired[k];
  out << "; differences "
      << (paired + 1 == c.paired.size() ? "paired by replicate (common random numbers)"
                                        : "paired where replicate seeds match, else Welch")
      << ".\n";
  return out.str();
}

std::string comparison_csv(const Comparison& c) {
  std::ostringstream out;
  out.precision(10);
  out << "indicator,member_state,unit,scenario,mean,ci_low,ci_high,diff_vs_first,diff_ci_low,diff_ci_high,paired,"
         "replicates\n";
  for (std::size_t i = 0; i < c.runs[0].size(); ++i)
    for (std::size_t k = 0; k < c.runs.size(); ++k) {
      const Indicator& ind = c.runs[k][i];
      const Interval m = mean_interval(ind.per_replicate);
      const Interval d = difference_interval(c.runs[0][i].per_replicate, ind.per_replicate, c.paired[k]);
      out << ind.name << "," << ind.member_state << "," << ind.unit << ",\"" << c.scenarios[k] << "\"," << m.mean << ","
          << m.lo << "," << m.hi << "," << d.mean << "," << d.lo << "," << d.hi << "," << (c.paired[k] ? 1 : 0) << ","
          << ind.per_replicate.size() << "\n";
    }
  return out.str();
}

}  // namespace migflow

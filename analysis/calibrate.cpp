#include "analysis/calibrate.hpp"

#include <tbb/parallel_for.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "loader/csv_table.hpp"
#include "sim/engine.hpp"

namespace migflow {

namespace {

// The parameters the fit moves, and how each maps to the real line.
enum class Scale { Linear, Log, Logit };  // positive rates on their log, shares on their logit
struct Knob {
  const char* name;
  double ModelParams::*member;
  Scale scale;
  double lo, hi;  // the loader's valid range (shares kept off 0 and 1)
  double step;    // the simplex's first step, in the transformed space
};

const Knob kStockKnobs[] = {
    {"emigration_rate", &ModelParams::emigration_rate, Scale::Log, 1e-7, 1, 0.7},
    {"return_rate", &ModelParams::return_rate, Scale::Log, 1e-6, 1, 0.7},
    {"logit_diaspora", &ModelParams::logit_diaspora, Scale::Linear, -50, 50, 0.3},
    {"logit_distance", &ModelParams::logit_distance, Scale::Linear, -50, 50, 0.3},
};
const Knob kChannelKnob = {
    "irregular_propensity", &ModelParams::irregular_propensity, Scale::Logit, 1e-6, 1 - 1e-6, 1.0};

Eigen::VectorXd to_theta(const std::vector<Knob>& knobs, const ModelParams& p) {
  Eigen::VectorXd theta(static_cast<Eigen::Index>(knobs.size()));
  for (size_t i = 0; i < knobs.size(); ++i) {
    const double v = std::clamp(p.*(knobs[i].member), knobs[i].lo, knobs[i].hi);
    theta(static_cast<Eigen::Index>(i)) = knobs[i].scale == Scale::Log     ? std::log(v)
                                          : knobs[i].scale == Scale::Logit ? std::log(v / (1 - v))
                                                                           : v;
  }
  return theta;
}

void apply_theta(const std::vector<Knob>& knobs, const Eigen::VectorXd& theta, ModelParams& p) {
  for (size_t i = 0; i < knobs.size(); ++i) {
    const double x = theta(static_cast<Eigen::Index>(i));
    const double v = knobs[i].scale == Scale::Log     ? std::exp(x)
                     : knobs[i].scale == Scale::Logit ? 1 / (1 + std::exp(-x))
                                                      : x;
    p.*(knobs[i].member) = std::clamp(v, knobs[i].lo, knobs[i].hi);
  }
}

// What the fit compares with observations, averaged over replicates (persons):
// stocks abroad at July of the stock years, and detections per calendar year.
struct Observables {
  std::map<std::tuple<int, int, int>, double> stocks;  // (origin, member state, year)
  std::map<std::pair<int, int>, double> detections;    // (origin, year)
};

class Model {
 public:
  Model(const Scenario& base, const CalibrationOptions& options, YearMonth end) : options_(options) {
    scenario_ = base;
    scenario_.scale_to(options.agents);
    if (scenario_.calendar.start.index() > YearMonth{end.year, 1}.index())
      throw std::invalid_argument("calibration: the scenario starts after " + std::to_string(end.year));
    scenario_.calendar.end = end;
  }

  Observables simulate(const ModelParams& params, const std::vector<int>& stock_years) const {
    auto sc = std::make_shared<Scenario>(scenario_);
    sc->origins[0].behaviour = params;
    auto world = std::make_shared<const World>(sc);
    // Edges where an irregular crossing into a Member State is a border detection.
    std::vector<EdgeId> into_eu;
    for (EdgeId e = 0; e < static_cast<EdgeId>(world->edge_count()); ++e)
      if (world->edge(e).external_border && world->member_state_index(world->edge(e).to) >= 0) into_eu.push_back(e);
    std::vector<Observables> per_replicate(static_cast<size_t>(options_.replicates));
    tbb::parallel_for(0, options_.replicates, [&](int r) {
      Observables& out = per_replicate[static_cast<size_t>(r)];
      Engine engine(world, r);
      while (!engine.done()) {
        engine.step();
        const YearMonth date = sc->calendar.date(engine.steps_done() - 1);
        const StepCounts& c = engine.counts();
        for (int o = 0; o < world->origin_count(); ++o) {
          std::int64_t detected = 0;
          for (EdgeId e : into_eu)
            detected += c.flows[c.oe(o, e) * kChannelCount + static_cast<int>(Channel::Irregular)] +
                        c.edge_intercepted[c.oe(o, e)];
          out.detections[{o, date.year}] += static_cast<double>(detected) * sc->origins[o].persons_per_agent;
        }
        if (date.month != 7 || std::find(stock_years.begin(), stock_years.end(), date.year) == stock_years.end())
          continue;
        for (int o = 0; o < world->origin_count(); ++o)
          for (int m = 0; m < world->member_state_count(); ++m) {
            const NodeId at = world->member_state_node(m);
            const double agents = static_cast<double>(c.stocks[c.stock(o, at, Status::Regular)] +
                                                      c.stocks[c.stock(o, at, Status::Irregular)]);
            out.stocks[{o, m, date.year}] = agents * sc->origins[o].persons_per_agent;
          }
      }
    });
    Observables mean;
    for (const Observables& rep : per_replicate) {
      for (const auto& [key, v] : rep.stocks) mean.stocks[key] += v / options_.replicates;
      for (const auto& [key, v] : rep.detections) mean.detections[key] += v / options_.replicates;
    }
    return mean;
  }

  const Scenario& scenario() const { return scenario_; }

 private:
  Scenario scenario_;
  CalibrationOptions options_;
};

struct Indexed {
  int o, m;
  StockTarget target;
};

double rmse(const std::vector<TargetFit>& fits) {
  if (fits.empty()) return std::nan("");
  double ss = 0;
  for (const TargetFit& f : fits) {
    const double d = std::log1p(f.model) - std::log1p(f.target.persons);
    ss += d * d;
  }
  return std::sqrt(ss / static_cast<double>(fits.size()));
}

// ln error of a detection total; an observation below the resolution only bounds the
// model from above (at the resolution), as its exact value is noise at this scale.
double detection_error(const DetectionFit& f, double resolution) {
  if (f.upper_bound) return std::max(0.0, std::log1p(f.model) - std::log1p(resolution));
  return std::log1p(f.model) - std::log1p(f.target.detections);
}

double rmse(const std::vector<DetectionFit>& fits, double resolution) {
  if (fits.empty()) return std::nan("");
  double ss = 0;
  for (const DetectionFit& f : fits) ss += detection_error(f, resolution) * detection_error(f, resolution);
  return std::sqrt(ss / static_cast<double>(fits.size()));
}

std::vector<TargetFit> stock_fits(const Observables& seen, const std::vector<Indexed>& targets) {
  std::vector<TargetFit> out;
  for (const Indexed& t : targets) {
    auto it = seen.stocks.find({t.o, t.m, t.target.year});
    if (it != seen.stocks.end()) out.push_back({t.target, it->second});
  }
  return out;
}

std::vector<DetectionFit> detection_fits(const Observables& seen,
                                         const std::vector<std::pair<int, DetectionTarget>>& targets,
                                         double resolution) {
  std::vector<DetectionFit> out;
  for (const auto& [o, t] : targets) {
    double model = 0;
    for (int y = t.first_year; y <= t.last_year; ++y) {
      auto it = seen.detections.find({o, y});
      if (it != seen.detections.end()) model += it->second;
    }
    out.push_back({t, model, t.detections < resolution});
  }
  return out;
}

// Nelder-Mead simplex minimisation (standard coefficients), at most `budget` calls.
template <class F>
Eigen::VectorXd nelder_mead(F f, Eigen::VectorXd x0, const Eigen::VectorXd& step, int budget, int& calls) {
  const int n = static_cast<int>(x0.size());
  std::vector<Eigen::VectorXd> x(static_cast<size_t>(n + 1), x0);
  std::vector<double> fx(static_cast<size_t>(n + 1));
  for (int i = 0; i < n; ++i) x[static_cast<size_t>(i + 1)](i) += step(i);
  for (int i = 0; i <= n; ++i) fx[static_cast<size_t>(i)] = f(x[static_cast<size_t>(i)]);
  calls = n + 1;
  while (calls < budget) {
    std::vector<int> order(static_cast<size_t>(n + 1));
    for (int i = 0; i <= n; ++i) order[static_cast<size_t>(i)] = i;
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return fx[static_cast<size_t>(a)] < fx[static_cast<size_t>(b)]; });
    const size_t best = static_cast<size_t>(order[0]), worst = static_cast<size_t>(order[static_cast<size_t>(n)]),
                 second = static_cast<size_t>(order[static_cast<size_t>(n - 1)]);
    if (std::fabs(fx[worst] - fx[best]) < 1e-6 * (std::fabs(fx[best]) + 1e-9)) break;
    Eigen::VectorXd centroid = Eigen::VectorXd::Zero(n);
    for (int i = 0; i <= n; ++i)
      if (static_cast<size_t>(i) != worst) centroid += x[static_cast<size_t>(i)] / n;
    const Eigen::VectorXd reflected = centroid + (centroid - x[worst]);
    const double fr = f(reflected);
    ++calls;
    if (fr < fx[best]) {
      const Eigen::VectorXd expanded = centroid + 2.0 * (centroid - x[worst]);
      const double fe = f(expanded);
      ++calls;
      if (fe < fr) {
        x[worst] = expanded;
        fx[worst] = fe;
      } else {
        x[worst] = reflected;
        fx[worst] = fr;
      }
    } else if (fr < fx[second]) {
      x[worst] = reflected;
      fx[worst] = fr;
    } else {
      const Eigen::VectorXd contracted = centroid + 0.5 * (x[worst] - centroid);
      const double fc = f(contracted);
      ++calls;
      if (fc < fx[worst]) {
        x[worst] = contracted;
        fx[worst] = fc;
      } else {  // shrink towards the best
        for (int i = 0; i <= n; ++i) {
          if (static_cast<size_t>(i) == best) continue;
          x[static_cast<size_t>(i)] = x[best] + 0.5 * (x[static_cast<size_t>(i)] - x[best]);
          fx[static_cast<size_t>(i)] = f(x[static_cast<size_t>(i)]);
          ++calls;
        }
      }
    }
  }
  return *std::min_element(x.begin(), x.end(), [&](const auto& a, const auto& b) {
    return fx[static_cast<size_t>(&a - x.data())] < fx[static_cast<size_t>(&b - x.data())];
  });
}

// Targets by use: fitted, or held out for the backtest.
struct SortedTargets {
  std::vector<Indexed> fit_stocks, test_stocks;
  std::vector<std::pair<int, DetectionTarget>> fit_detections, test_detections;  // (origin index, target)
  int below_resolution = 0;                                                      // stocks left out
};

SortedTargets sort_targets(const Scenario& scenario, const World& world, const std::vector<StockTarget>& targets,
                           const std::vector<DetectionTarget>& detections, const CalibrationOptions& options,
                           double resolution) {
  SortedTargets out;
  for (const StockTarget& t : targets) {
    const int o = world.origin_index(static_cast<NodeId>(scenario.node_index(t.origin)));
    const int m = world.member_state_index(static_cast<NodeId>(scenario.node_index(t.destination)));
    const bool fit_year =
        std::find(options.fit_years.begin(), options.fit_years.end(), t.year) != options.fit_years.end();
    if (o < 0 || m < 0 || (!fit_year && t.year != options.test_year)) continue;
    if (t.persons < resolution) {
      ++out.below_resolution;
      continue;
    }
    (fit_year ? out.fit_stocks : out.test_stocks).push_back({o, m, t});
  }
  for (const DetectionTarget& t : detections) {
    const int o =
        scenario.node_index(t.origin) < 0 ? -1 : world.origin_index(static_cast<NodeId>(scenario.node_index(t.origin)));
    if (o < 0) continue;
    const std::pair<int, int> period{t.first_year, t.last_year};
    if (period == options.detection_fit_years) out.fit_detections.emplace_back(o, t);
    if (period == options.detection_test_years) out.test_detections.emplace_back(o, t);
  }
  return out;
}

// Irregular crossings scale about in proportion to irregular_propensity, so the search
// starts from the value that matches the fitted detections to first order; otherwise
// it tends to settle in a valley where far fewer people move at all.
ModelParams matched_to_detections(const ModelParams& params, const Observables& before,
                                  const std::vector<std::pair<int, DetectionTarget>>& fit_detections,
                                  double resolution) {
  ModelParams start = params;
  double observed = 0, modelled = 0;
  for (const DetectionFit& f : detection_fits(before, fit_detections, resolution)) {
    observed += f.upper_bound ? std::min(resolution, f.model) : f.target.detections;
    modelled += f.model;
  }
  if (modelled > 0) start.irregular_propensity *= observed / modelled;
  return start;
}

}  // namespace

std::vector<DetectionTarget> read_detection_targets(const std::string& csv, const Scenario& sc,
                                                    const std::vector<std::pair<int, int>>& periods) {
  const CsvTable t = CsvTable::read(csv, {csv, 0, 0}, "detections");
  const int oc = t.column("origin", true), yc = t.column("year", true), dc = t.column("detections", true);
  std::map<std::pair<std::string, int>, double> by_year;
  int first = 1 << 30, last = -(1 << 30);
  for (size_t row = 0; row < t.rows(); ++row) {
    const int year = static_cast<int>(t.number(row, yc));
    first = std::min(first, year);
    last = std::max(last, year);
    by_year[{t.cell(row, oc), year}] += t.number(row, dc);
  }
  std::vector<DetectionTarget> out;
  for (const OriginSpec& o : sc.origins)
    for (const auto& [from, to] : periods) {
      if (from < first || to > last) continue;  // the file does not cover the period
      DetectionTarget target{sc.nodes[o.node].id, from, to, 0};
      for (int y = from; y <= to; ++y) {
        auto it = by_year.find({target.origin, y});
        if (it != by_year.end()) target.detections += it->second;  // absent: none detected
      }
      out.push_back(target);
    }
  return out;
}

std::vector<StockTarget> read_stock_targets(const std::string& csv, const Scenario& sc) {
  const CsvTable t = CsvTable::read(csv, {csv, 0, 0}, "observed");
  const int oc = t.column("origin", true), dc = t.column("destination", true), pc = t.column("persons", true),
            yc = t.column("year", true);
  std::vector<StockTarget> out;
  for (size_t row = 0; row < t.rows(); ++row) {
    const int o = sc.node_index(t.cell(row, oc)), d = sc.node_index(t.cell(row, dc));
    if (o < 0 || d < 0 || sc.nodes[d].role != Role::MemberState) continue;
    if (std::none_of(sc.origins.begin(), sc.origins.end(), [&](const OriginSpec& s) { return s.node == o; })) continue;
    out.push_back({t.cell(row, oc), t.cell(row, dc), static_cast<int>(t.number(row, yc)), t.number(row, pc)});
  }
  return out;
}

CalibrationResult calibrate(const Scenario& scenario, const std::vector<StockTarget>& targets,
                            const CalibrationOptions& options, const std::vector<DetectionTarget>& detections) {
  std::vector<int> stock_years = options.fit_years;
  stock_years.push_back(options.test_year);
  if (scenario.origins.size() != 1)
    throw std::invalid_argument("calibration fits one origin's behaviour: give a scenario with one population entry");
  YearMonth end{*std::max_element(stock_years.begin(), stock_years.end()), 7};
  if (!detections.empty())
    end =
        std::max(end, YearMonth{std::max(options.detection_fit_years.second, options.detection_test_years.second), 12},
                 [](YearMonth a, YearMonth b) { return a.index() < b.index(); });
  const Model model(scenario, options, end);
  auto world = std::make_shared<const World>(std::make_shared<Scenario>(model.scenario()));
  CalibrationResult result;
  // Stocks the scaled-down population cannot resolve (fewer than a few agents' worth)
  // would be fitted as noise; they are left out and counted.
  const double resolution = options.min_agents_per_target * model.scenario().origins[0].persons_per_agent;
  const SortedTargets sorted = sort_targets(scenario, *world, targets, detections, options, resolution);
  result.below_resolution = sorted.below_resolution;
  const std::vector<Indexed>& fit_targets = sorted.fit_stocks;
  const std::vector<Indexed>& test_targets = sorted.test_stocks;
  const auto& fit_detections = sorted.fit_detections;
  const auto& test_detections = sorted.test_detections;
  if (fit_targets.empty()) throw std::invalid_argument("calibration: no observed stocks for the fit years");

  std::vector<Knob> knobs(std::begin(kStockKnobs), std::end(kStockKnobs));
  if (!fit_detections.empty()) knobs.push_back(kChannelKnob);
  auto score = [&](const Observables& seen) {
    const double stocks = rmse(stock_fits(seen, fit_targets));
    if (fit_detections.empty()) return stocks;
    const double detected = rmse(detection_fits(seen, fit_detections, resolution), resolution);
    return std::sqrt((stocks * stocks + detected * detected) / 2);
  };
  const ModelParams params = scenario.origins[0].behaviour;
  const Observables before = model.simulate(params, stock_years);
  result.start_rmse = rmse(stock_fits(before, fit_targets));
  result.start_detection_error = rmse(detection_fits(before, fit_detections, resolution), resolution);
  auto objective = [&](const Eigen::VectorXd& theta) {
    ModelParams p = params;
    apply_theta(knobs, theta, p);
    return score(model.simulate(p, options.fit_years));
  };
  const ModelParams start =
      fit_detections.empty() ? params : matched_to_detections(params, before, fit_detections, resolution);
  Eigen::VectorXd step(static_cast<Eigen::Index>(knobs.size()));
  for (size_t i = 0; i < knobs.size(); ++i) step(static_cast<Eigen::Index>(i)) = knobs[i].step;
  const Eigen::VectorXd best =
      nelder_mead(objective, to_theta(knobs, start), step, options.max_evaluations, result.evaluations);
  ModelParams fitted = params;
  apply_theta(knobs, best, fitted);
  for (const Knob& k : knobs) result.parameters.push_back({k.name, params.*(k.member), fitted.*(k.member)});
  const Observables after = model.simulate(fitted, stock_years);
  result.fit = stock_fits(after, fit_targets);
  result.fit_rmse = rmse(result.fit);
  result.backtest = stock_fits(after, test_targets);
  result.backtest_rmse = rmse(result.backtest);
  result.detection_fit = detection_fits(after, fit_detections, resolution);
  result.detection_error = rmse(result.detection_fit, resolution);
  result.detection_backtest = detection_fits(after, test_detections, resolution);
  result.detection_backtest_error = rmse(result.detection_backtest, resolution);
  result.detection_resolution = resolution;
  return result;
}

std::string calibration_yaml(const Scenario& scenario, const CalibrationResult& r, const CalibrationOptions& options) {
  std::ostringstream out;
  out.precision(6);
  out << "# Written by `migflow calibrate " << scenario.file << "`: the fitted values of the\n"
      << "# baseline's free parameters. Target: UN DESA bilateral stocks of the origins' migrants in\n"
      << "# each Member State, mid-year";
  for (int y : options.fit_years) out << " " << y;
  out << " (RMSE of ln persons: " << r.start_rmse << " before, " << r.fit_rmse << " after, " << r.evaluations
      << " evaluations at " << options.agents << " agents x " << options.replicates << " replicates; "
      << r.below_resolution << " stocks below " << options.min_agents_per_target << " agents' worth left out).\n"
      << "# Backtest on " << options.test_year << " stocks the fit did not see: RMSE of ln persons " << r.backtest_rmse
      << ".\n";
  auto period = [](const DetectionTarget& t) {
    return std::to_string(t.first_year) + "-" + std::to_string(t.last_year);
  };
  for (const DetectionFit& f : r.detection_fit)
    out << "# Also fitted: Frontex detections of " << f.target.origin << " nationals " << period(f.target) << ", "
        << f.target.detections << " observed" << (f.upper_bound ? " (below resolution: an upper bound)" : "") << ", "
        << std::lround(f.model) << " in the model (ln error before " << r.start_detection_error << ", after "
        << r.detection_error << ").\n";
  for (const DetectionFit& f : r.detection_backtest)
    out << "# Backtest on detections " << period(f.target) << ": " << f.target.detections << " observed, "
        << std::lround(f.model) << " in the model (ln error " << r.detection_backtest_error << ").\n";
  out << "population:\n  - origin: " << scenario.nodes[scenario.origins[0].node].id << "\n    model:\n";
  // Enough digits to reproduce the fit: with common random numbers the objective is
  // piecewise constant, and a fit can sit next to a step that 6 digits would cross.
  out.precision(12);
  for (const FittedParameter& p : r.parameters)
    out << "      " << p.name << ": " << p.value << "   # was " << p.start << "\n";
  return out.str();
}

}  // namespace migflow

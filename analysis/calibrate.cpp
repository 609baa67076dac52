#include "analysis/calibrate.hpp"

#include <tbb/parallel_for.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "scenarios/csv.hpp"
#include "sim/engine.hpp"

namespace migflow {

namespace {

// The parameters the fit moves, and how each maps to the real line.
struct Knob {
  const char* name;
  double ModelParams::*member;
  bool log_scale;  // positive rates are fitted on their logarithm
  double lo, hi;   // the loader's valid range
};

const Knob kKnobs[] = {
    {"emigration_rate", &ModelParams::emigration_rate, true, 1e-7, 1},
    {"return_rate", &ModelParams::return_rate, true, 1e-6, 1},
    {"logit_diaspora", &ModelParams::logit_diaspora, false, -50, 50},
    {"logit_distance", &ModelParams::logit_distance, false, -50, 50},
};
constexpr int kKnobCount = sizeof(kKnobs) / sizeof(kKnobs[0]);

Eigen::VectorXd to_theta(const ModelParams& p) {
  Eigen::VectorXd theta(kKnobCount);
  for (int i = 0; i < kKnobCount; ++i)
    theta(i) = kKnobs[i].log_scale ? std::log(p.*(kKnobs[i].member)) : p.*(kKnobs[i].member);
  return theta;
}

void apply_theta(const Eigen::VectorXd& theta, ModelParams& p) {
  for (int i = 0; i < kKnobCount; ++i) {
    const double v = kKnobs[i].log_scale ? std::exp(theta(i)) : theta(i);
    p.*(kKnobs[i].member) = std::clamp(v, kKnobs[i].lo, kKnobs[i].hi);
  }
}

// Model stocks abroad (persons) at July of each year, averaged over replicates:
// (origin index, member state index, year) -> persons.
class StockModel {
 public:
  StockModel(const Scenario& base, const CalibrationOptions& options, int last_year) : options_(options) {
    scenario_ = base;
    scenario_.scale_to(options.agents);
    const YearMonth end{last_year, 7};
    if (scenario_.calendar.start.index() > YearMonth{last_year, 1}.index())
      throw std::invalid_argument("calibration: the scenario starts after " + std::to_string(last_year));
    scenario_.calendar.end = end;
  }

  std::map<std::tuple<int, int, int>, double> stocks(const ModelParams& params, const std::vector<int>& years) const {
    auto sc = std::make_shared<Scenario>(scenario_);
    sc->origins[0].behaviour = params;
    auto world = std::make_shared<const World>(sc);
    std::vector<std::map<std::tuple<int, int, int>, double>> per_replicate(static_cast<size_t>(options_.replicates));
    tbb::parallel_for(0, options_.replicates, [&](int r) {
      Engine engine(world, r);
      while (!engine.done()) {
        engine.step();
        const YearMonth date = sc->calendar.date(engine.steps_done() - 1);
        if (date.month != 7 || std::find(years.begin(), years.end(), date.year) == years.end()) continue;
        const StepCounts& c = engine.counts();
        for (int o = 0; o < world->origin_count(); ++o)
          for (int m = 0; m < world->member_state_count(); ++m) {
            const NodeId at = world->member_state_node(m);
            const double agents = static_cast<double>(c.stocks[c.stock(o, at, Status::Regular)] +
                                                      c.stocks[c.stock(o, at, Status::Irregular)]);
            per_replicate[static_cast<size_t>(r)][{o, m, date.year}] = agents * sc->origins[o].persons_per_agent;
          }
      }
    });
    std::map<std::tuple<int, int, int>, double> mean;
    for (const auto& rep : per_replicate)
      for (const auto& [key, v] : rep) mean[key] += v / options_.replicates;
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

std::vector<TargetFit> evaluate(const StockModel& model, const ModelParams& params, const std::vector<Indexed>& targets,
                                const std::vector<int>& years) {
  const auto stocks = model.stocks(params, years);
  std::vector<TargetFit> out;
  for (const Indexed& t : targets) {
    auto it = stocks.find({t.o, t.m, t.target.year});
    if (it != stocks.end()) out.push_back({t.target, it->second});
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
    std::sort(order.begin(), order.end(), [&](int a, int b) { return fx[static_cast<size_t>(a)] < fx[static_cast<size_t>(b)]; });
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

}  // namespace

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
                            const CalibrationOptions& options) {
  std::vector<int> all_years = options.fit_years;
  all_years.push_back(options.test_year);
  if (scenario.origins.size() != 1)
    throw std::invalid_argument("calibration fits one origin's behaviour: give a scenario with one population entry");
  const StockModel model(scenario, options, *std::max_element(all_years.begin(), all_years.end()));
  auto world = std::make_shared<const World>(std::make_shared<Scenario>(model.scenario()));
  CalibrationResult result;
  std::vector<Indexed> fit_targets, test_targets;
  // Stocks the scaled-down population cannot resolve (fewer than a few agents' worth)
  // would be fitted as noise; they are left out and counted.
  const double resolution = options.min_agents_per_target * model.scenario().origins[0].persons_per_agent;
  for (const StockTarget& t : targets) {
    const int o = world->origin_index(static_cast<NodeId>(scenario.node_index(t.origin)));
    const int m = world->member_state_index(static_cast<NodeId>(scenario.node_index(t.destination)));
    const bool fit_year = std::find(options.fit_years.begin(), options.fit_years.end(), t.year) != options.fit_years.end();
    if (o < 0 || m < 0 || (!fit_year && t.year != options.test_year)) continue;
    if (t.persons < resolution) {
      ++result.below_resolution;
      continue;
    }
    (fit_year ? fit_targets : test_targets).push_back({o, m, t});
  }
  if (fit_targets.empty()) throw std::invalid_argument("calibration: no observed stocks for the fit years");

  const ModelParams params = scenario.origins[0].behaviour;
  result.start_rmse = rmse(evaluate(model, params, fit_targets, options.fit_years));
  auto objective = [&](const Eigen::VectorXd& theta) {
    ModelParams p = params;
    apply_theta(theta, p);
    return rmse(evaluate(model, p, fit_targets, options.fit_years));
  };
  const Eigen::VectorXd start = to_theta(params);
  Eigen::VectorXd step(kKnobCount);
  for (int i = 0; i < kKnobCount; ++i) step(i) = kKnobs[i].log_scale ? 0.7 : 0.3;
  const Eigen::VectorXd best = nelder_mead(objective, start, step, options.max_evaluations, result.evaluations);
  ModelParams fitted = params;
  apply_theta(best, fitted);
  for (int i = 0; i < kKnobCount; ++i)
    result.parameters.push_back({kKnobs[i].name, params.*(kKnobs[i].member), fitted.*(kKnobs[i].member)});
  result.fit = evaluate(model, fitted, fit_targets, options.fit_years);
  result.fit_rmse = rmse(result.fit);
  result.backtest = evaluate(model, fitted, test_targets, {options.test_year});
  result.backtest_rmse = rmse(result.backtest);
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
      << ".\npopulation:\n  - origin: " << scenario.nodes[scenario.origins[0].node].id << "\n    model:\n";
  for (const FittedParameter& p : r.parameters) out << "      " << p.name << ": " << p.value << "   # was " << p.start << "\n";
  return out.str();
}

}  // namespace migflow

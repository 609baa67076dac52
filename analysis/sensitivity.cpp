#include "analysis/sensitivity.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "analysis/calibrate.hpp"
#include "analysis/scenario_runs.hpp"
#include "analysis/stop.hpp"
#include "sim/engine.hpp"

namespace migflow {

namespace {

// One parameter's range: the inverse of its marginal distribution.
struct Range {
  std::string name;
  const ParamSpec* spec;
  std::vector<double> sorted;  // posterior values (empty: the prior)
  ParameterPrior prior;
  double at(double u) const {
    if (!sorted.empty()) return quantile_of_sorted(sorted, u);
    const double z = boost::math::quantile(boost::math::normal(), std::clamp(u, 1e-9, 1 - 1e-9));
    return std::clamp(prior.to_natural(prior.mean + prior.sd * z), prior.lo, prior.hi);
  }
};

std::vector<Range> ranges_of(const Scenario& sc, bool from_prior) {
  std::vector<Range> out;
  if (from_prior) {
    for (const ParameterPrior& p : default_priors())
      if (const ParamSpec* spec = find_model_param(p.name)) out.push_back({p.name, spec, {}, p});
    return out;
  }
  const ParameterSample& sample = sc.origins.at(0).posterior;
  if (sample.empty())
    throw std::invalid_argument("sensitivity: '" + sc.file + "' has no posterior (calibrate it, or use the priors)");
  for (size_t j = 0; j < sample.names.size(); ++j)
    if (const ParamSpec* spec = find_model_param(sample.names[j])) {
      Range r{sample.names[j], spec, {}, {}};
      for (const auto& row : sample.draws) r.sorted.push_back(row[j]);
      std::sort(r.sorted.begin(), r.sorted.end());
      out.push_back(r);
    }
  return out;
}

// The totals of `names` among a run's headline indicators (replicate 0).
std::vector<double> simulate(const std::shared_ptr<const World>& world, const std::vector<ModelParams>& params,
                             const std::vector<std::string>& names) {
  Engine engine(world, 0, serial_comm(), params);
  engine.run();
  std::vector<ReplicateSeries> series;
  series.push_back(std::move(engine.series()));
  std::vector<double> out;
  for (const Indicator& i : indicators_named(headline_indicators(run_of(*world, std::move(series)), false), names))
    out.push_back(i.per_replicate.at(0));
  return out;
}

}  // namespace

SensitivityResult sensitivity(const Scenario& scenario, const Scenario* reference,
                              const std::vector<std::string>& indicators, const SensitivityOptions& o) {
  const std::vector<Range> ranges = ranges_of(scenario, o.from_prior);
  if (ranges.empty()) throw std::invalid_argument("sensitivity: no model parameters to vary");
  if (indicators.empty()) throw std::invalid_argument("sensitivity: name at least one indicator");
  const auto world = scaled_world(scenario, o.agents);
  const auto ref_world = reference ? scaled_world(*reference, o.agents) : nullptr;
  const int k = static_cast<int>(ranges.size());
  const SaltelliDesign design = saltelli_design(o.samples, k, o.seed);
  const std::size_t points = design.points.size();
  std::vector<std::vector<double>> outputs(points);
  const long long runs_per_point = reference ? 2 : 1;
  const long long total = static_cast<long long>(points) * runs_per_point;
  std::atomic<long long> done{o.done ? static_cast<long long>(o.done->size()) * runs_per_point : 0};
  std::atomic<std::size_t> skipped{0};
  auto params_at = [&](const Scenario& sc, const std::vector<double>& u) {
    std::vector<ModelParams> params;
    for (const OriginSpec& origin : sc.origins) {
      params.push_back(origin.behaviour);
      for (int j = 0; j < k; ++j)
        params.back().*(ranges[static_cast<size_t>(j)].spec->member) =
            ranges[static_cast<size_t>(j)].at(u[static_cast<size_t>(j)]);
    }
    return params;
  };
  tbb::parallel_for(std::size_t{0}, points, [&](std::size_t i) {
    if (o.done)
      if (const auto it = o.done->find(i); it != o.done->end()) {
        outputs[i] = it->second;
        return;
      }
    if (stop_requested(o.stop)) {
      ++skipped;
      return;
    }
    std::vector<double> y = simulate(world, params_at(world->scenario(), design.points[i]), indicators);
    if (o.progress) o.progress(++done, total);
    if (reference) {
      const std::vector<double> base =
          simulate(ref_world, params_at(ref_world->scenario(), design.points[i]), indicators);
      for (size_t j = 0; j < y.size(); ++j) y[j] -= base[j];
      if (o.progress) o.progress(++done, total);
    }
    if (o.point_done) o.point_done(i, y);
    outputs[i] = std::move(y);
  });
  if (skipped > 0)
    throw StopRequested("stopped with " + std::to_string(points - skipped) + " of " + std::to_string(points) +
                        " design points run");
  SensitivityResult r;
  for (const Range& range : ranges) r.parameters.push_back(range.name);
  r.indicators = indicators;
  r.runs = static_cast<int>(total);
  for (size_t j = 0; j < indicators.size(); ++j) {
    std::vector<double> y;
    for (const auto& out : outputs) y.push_back(out[j]);
    r.indices.push_back(sobol_indices(design, y, o.bootstrap, 0.95, o.seed));
    r.variance.push_back(r.indices.back().variance);
  }
  return r;
}

std::string sensitivity_markdown(const SensitivityResult& r, const std::string& title) {
  std::ostringstream out;
  char buf[128];
  out << "# Sensitivity: " << title << "\n\nFirst-order (S) and total-order (T) Sobol indices with 95% bootstrap "
      << "intervals, from " << r.runs << " simulations. S: the share of the output's variance that a parameter "
      << "explains alone; T: with its interactions.\n\n";
  for (size_t j = 0; j < r.indicators.size(); ++j) {
    std::snprintf(buf, sizeof buf, "%.4g", std::sqrt(std::max(0.0, r.variance[j])));
    out << "## " << r.indicators[j] << " (sd over the design: " << buf
        << ")\n\n| parameter | S [95%] | T [95%] |\n|---|---|---|\n";
    for (size_t p = 0; p < r.parameters.size(); ++p) {
      const SobolIndices& s = r.indices[j];
      std::snprintf(buf, sizeof buf, "%.2f [%.2f, %.2f] | %.2f [%.2f, %.2f]", s.first[p].value, s.first[p].lo,
                    s.first[p].hi, s.total[p].value, s.total[p].lo, s.total[p].hi);
      out << "| " << r.parameters[p] << " | " << buf << " |\n";
    }
    out << "\n";
  }
  return out.str();
}

std::string sensitivity_csv(const SensitivityResult& r) {
  std::ostringstream out;
  out.precision(8);
  out << "indicator,parameter,order,index,low,high\n";
  for (size_t j = 0; j < r.indicators.size(); ++j)
    for (size_t p = 0; p < r.parameters.size(); ++p)
      for (const auto& [order, est] :
           {std::pair{"first", r.indices[j].first[p]}, std::pair{"total", r.indices[j].total[p]}})
        out << r.indicators[j] << "," << r.parameters[p] << "," << order << "," << est.value << "," << est.lo << ","
            << est.hi << "\n";
  return out.str();
}

}  // namespace migflow

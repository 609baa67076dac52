#include "analysis/calibrate.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include "analysis/compare.hpp"
#include "analysis/forecast_window.hpp"
#include "sim/rng.hpp"

namespace migflow {

namespace {

double logit(double p) { return std::log(p / (1 - p)); }

// The priors: normal on each parameter's unconstrained scale, centred on the documented
// default (docs/model.md) and wide enough to hold every partner's plausible value.
ParameterPrior prior(std::string_view name, Transform t, double median, double sd, double lo, double hi) {
  const double centre = t == Transform::Log ? std::log(median) : t == Transform::Logit ? logit(median) : median;
  return {std::string(name), t, centre, sd, lo, hi};
}

enum class Kind { Stock, Detections, Asylum };
constexpr const char* kKindNames[] = {"stock", "detections", "asylum"};

struct Target {
  Kind kind;
  Observation observed;
  int window;
  // Values are compared on ln(offset + persons), offset = one agent's worth at the fit's
  // scale: a count that the simulation resolves only in whole agents (a year's few
  // detections) then differs from the observed by about ln 2 per agent, not by the ln of
  // the persons an agent stands for.
  double offset = 1;
  // The simulation's variance of ln(offset + model value), as a multiple of a Poisson
  // count's (offset / (value + offset)): measured once (below).
  double noise_factor = 1;
};

double log_scaled(double persons, double offset) { return std::log(offset + persons); }

}  // namespace

std::vector<ParameterPrior> default_priors() {
  const ModelParams d;
  // sd on the log scale 1.5: a factor of 4.5 either way at one sd. Emigration rates
  // that fit the nine partners earlier spanned a factor of about 20.
  return {
      prior("emigration_rate", Transform::Log, d.emigration_rate, 1.5, 1e-8, 1),
      // Return migration of 1% to 10% of a stock a year is the range of the literature
      // on return rates; 0.003 a month is 3.5% a year.
      prior("return_rate", Transform::Log, d.return_rate, 1.0, 1e-6, 1),
      // Network, distance and size terms: gravity estimates put each elasticity between
      // about 0.3 and 1.5.
      prior("logit_diaspora", Transform::Identity, d.logit_diaspora, 0.4, -50, 50),
      prior("logit_distance", Transform::Identity, d.logit_distance, 0.5, -50, 50),
      prior("logit_size", Transform::Identity, d.logit_size, 0.4, -50, 50),
      // Earlier fits to detections put the share going irregularly between 0.0005 and
      // 0.08: centred at 0.01, sd 2 on the logit scale.
      prior("irregular_propensity", Transform::Logit, 0.01, 2.0, 1e-7, 1 - 1e-7),
      prior("legal_access", Transform::Logit, d.legal_access, 1.0, 1e-4, 1 - 1e-4),
      prior("overstay", Transform::Logit, d.overstay, 1.0, 1e-4, 1 - 1e-4),
      prior("detection_rate", Transform::Log, d.detection_rate, 0.7, 1e-6, 1),
      prior("asylum_application", Transform::Logit, d.asylum_application, 1.5, 1e-6, 1 - 1e-6),
      // Observation errors, sd of ln(observed / model): the UN DESA revisions of 2020
      // and 2024 differ by a median of about 0.1 and up to 1.4 on the partners' cells of
      // 2005-2015; detections and applications are counts of events with their own
      // definitions. Median 0.3, sd 0.5 on the log scale.
      prior(kObservationErrorNames[0], Transform::Log, 0.3, 0.5, 1e-3, 10),
      prior(kObservationErrorNames[1], Transform::Log, 0.5, 0.5, 1e-3, 10),
      prior(kObservationErrorNames[2], Transform::Log, 0.3, 0.5, 1e-3, 10),
  };
}

struct CalibrationLikelihood::Impl {
  CalibrationOptions options;
  std::vector<ParameterPrior> priors;
  ModelParams base;
  std::vector<ForecastWindow> windows;
  std::vector<Target> targets;
  std::vector<int> error_of_kind;  // parameter index of each kind's observation error, or -1

  Impl(const Scenario& sc, const Observations& data, const CalibrationOptions& o, std::vector<ParameterPrior> p)
      : options(o), priors(std::move(p)) {
    if (sc.origins.size() != 1)
      throw std::invalid_argument(
          "calibration fits one origin's parameters: give a scenario with one population entry");
    base = sc.origins[0].behaviour;
    for (const ParameterPrior& prior : priors) {
      const ParamSpec* spec = find_model_param(prior.name);
      const bool error = std::find(std::begin(kObservationErrorNames), std::end(kObservationErrorNames), prior.name) !=
                         std::end(kObservationErrorNames);
      if (!error && (!spec || !spec->per_origin))
        throw std::invalid_argument("calibration: '" + prior.name + "' is not a per-origin parameter");
    }
    for (std::string_view name : kObservationErrorNames) {
      int index = -1;
      for (size_t j = 0; j < priors.size(); ++j)
        if (priors[j].name == name) index = static_cast<int>(j);
      error_of_kind.push_back(index);
    }
    // Nothing after the cut-off is read from here on (up_to refuses a later one).
    const Observations fit = data.up_to(options.fit_cutoff);
    std::vector<int> starts = options.window_starts;
    std::sort(starts.begin(), starts.end());
    for (size_t w = 0; w < starts.size(); ++w) {
      const int last = w + 1 < starts.size() ? starts[w + 1] : options.fit_cutoff;
      if (last > options.fit_cutoff || last <= starts[w])
        throw std::invalid_argument("calibration: window from " + std::to_string(starts[w]) +
                                    " does not end by the cut-off");
      windows.emplace_back(sc, fit, starts[w], last, options.agents);
    }
    // Each observation belongs to the last window that covers it whole: a stock five
    // years after the window's start (its mid-year), a year of counts after its start.
    auto window_of = [&](int year, bool stock) {
      for (int w = static_cast<int>(starts.size()) - 1; w >= 0; --w) {
        const int last = w + 1 < static_cast<int>(starts.size()) ? starts[w + 1] : options.fit_cutoff;
        if (stock ? year == last && year > starts[w] : year > starts[w] && year <= last) return w;
      }
      return -1;
    };
    for (const Observation& s : fit.stocks)
      if (s.origin == 0 && s.value >= options.min_stock)
        if (const int w = window_of(s.year, true); w >= 0 && s.year == starts[w] + 5)
          targets.push_back({Kind::Stock, s, w});
    for (const Observation& d : fit.detections)
      if (const int w = window_of(d.year, false); w >= 0 && d.origin == 0) targets.push_back({Kind::Detections, d, w});
    for (const Observation& a : fit.asylum)
      if (const int w = window_of(a.year, false); w >= 0 && a.origin == 0) targets.push_back({Kind::Asylum, a, w});
    if (count(Kind::Stock) == 0) throw std::invalid_argument("calibration: no observed stocks in the fit windows");
    for (Target& t : targets)
      t.offset = windows[static_cast<size_t>(t.window)].world().scenario().origins[0].persons_per_agent;
    measure_noise_at_prior(options.smc.seed);
  }

  int count(Kind k) const {
    return static_cast<int>(
        std::count_if(targets.begin(), targets.end(), [&](const Target& t) { return t.kind == k; }));
  }

  ModelParams params_of(const std::vector<double>& natural) const {
    ModelParams p = base;
    for (size_t j = 0; j < priors.size(); ++j)
      if (const ParamSpec* spec = find_model_param(priors[j].name)) p.*(spec->member) = natural[j];
    return p;
  }

  double error_sd(const std::vector<double>& natural, Kind k) const {
    const int j = error_of_kind[static_cast<int>(k)];
    return j >= 0 ? natural[static_cast<size_t>(j)] : 0.0;
  }

  // Each window's mean model observations for one parameter set.
  std::vector<ModelObservations> run(const ModelParams& p, int first_replicate) const {
    std::vector<ModelObservations> out;
    for (const ForecastWindow& w : windows)
      out.push_back(mean_of(w.simulate({&p, 1}, options.replicates, first_replicate)));
    return out;
  }

  // Model value and the simulation's variance of its ln(offset + value) for a target.
  std::pair<double, double> model_value(const Target& t, const std::vector<ModelObservations>& seen) const {
    const ModelObservations& m = seen[static_cast<size_t>(t.window)];
    double value = 0;
    if (t.kind == Kind::Stock) {
      const auto it = m.stocks.find({t.observed.origin, t.observed.destination, t.observed.year});
      value = it == m.stocks.end() ? 0.0 : it->second;
    } else {
      const auto& table = t.kind == Kind::Detections ? m.detections : m.asylum;
      const auto it = table.find({t.observed.origin, t.observed.year});
      value = it == table.end() ? 0.0 : it->second;
    }
    return {value, t.noise_factor * t.offset / (options.replicates * (value + t.offset))};
  }

  // Chance in the simulation is neither Poisson nor independent from one target to the
  // next: the diaspora feeds back on leaving and on the choice of destination, so an
  // early surplus of movers raises a window's later flows and stocks together. The
  // simulation's noise is measured at a few parameter sets, kNoiseReplicates replicates
  // each: per target, its variance as a factor on the Poisson variance (within [0.5,
  // 50]), and across targets its correlations (pooled within parameter sets, shrunk
  // towards none by T / (T + degrees of freedom)). Both depend on the parameters (most on
  // logit_diaspora), so they are measured first over the prior (its medians and
  // kNoisePoints draws), and again at the posterior once sampled (calibrate() then
  // refines the sample).
  void measure_noise_at_prior(std::uint64_t seed) {
    std::vector<std::vector<double>> points(1);
    for (const ParameterPrior& p : priors) points[0].push_back(p.to_natural(p.mean));
    for (int k = 0; k < kNoisePoints; ++k) {
      std::vector<double> point;
      for (size_t j = 0; j < priors.size(); ++j) {
        const Draws u = draw(seed, static_cast<std::uint64_t>(k), static_cast<std::uint32_t>(j), Purpose::Prior);
        point.push_back(
            priors[j].to_natural(priors[j].mean + priors[j].sd * normal_from_uniforms(u.uniform(0), u.uniform(1))));
      }
      points.push_back(point);
    }
    measure_noise(points);
  }

  static constexpr int kNoisePoints = 8, kNoiseReplicates = 10;

  void measure_noise(const std::vector<std::vector<double>>& points) {
    const auto T = static_cast<Eigen::Index>(targets.size());
    std::vector<double> factor_sum(targets.size(), 0.0);
    Eigen::MatrixXd cross = Eigen::MatrixXd::Zero(T, T);  // sum of products of standardised deviations
    int dof = 0;
    for (size_t k = 0; k < points.size(); ++k) {
      const ModelParams p = params_of(points[k]);
      Eigen::MatrixXd x(kNoiseReplicates, T);
      Eigen::VectorXd poisson = Eigen::VectorXd::Zero(T);
      for (int r = 0; r < kNoiseReplicates; ++r) {
        const auto seen = run(p, 10000 + static_cast<int>(k) * kNoiseReplicates + r);
        for (Eigen::Index i = 0; i < T; ++i) {
          Target& t = targets[static_cast<size_t>(i)];
          t.noise_factor = 1;
          const auto [value, var] = model_value(t, seen);
          x(r, i) = log_scaled(value, t.offset);
          poisson(i) += var / kNoiseReplicates;  // the Poisson variance of the same average
        }
      }
      const Eigen::MatrixXd centred = x.rowwise() - x.colwise().mean();
      for (Eigen::Index i = 0; i < T; ++i) {
        const double variance = centred.col(i).squaredNorm() / (kNoiseReplicates - 1);
        factor_sum[static_cast<size_t>(i)] += poisson(i) > 0 ? variance / poisson(i) : 1.0;
      }
      const Eigen::VectorXd sd = (centred.colwise().squaredNorm() / (kNoiseReplicates - 1)).cwiseSqrt().transpose();
      Eigen::MatrixXd standardised = centred;
      for (Eigen::Index i = 0; i < T; ++i) standardised.col(i) /= sd(i) > 0 ? sd(i) : 1.0;
      cross += standardised.transpose() * standardised;
      dof += kNoiseReplicates - 1;
    }
    for (size_t i = 0; i < targets.size(); ++i)
      targets[i].noise_factor = std::clamp(factor_sum[i] / static_cast<double>(points.size()), 0.5, 50.0);
    Eigen::MatrixXd correlation = cross / dof;
    for (Eigen::Index i = 0; i < T; ++i)
      for (Eigen::Index j = 0; j < T; ++j)
        if (i != j) correlation(i, j) /= std::sqrt(std::max(1e-12, correlation(i, i) * correlation(j, j)));
    correlation.diagonal().setOnes();
    const double shrink = static_cast<double>(T) / static_cast<double>(T + dof);
    noise_correlation = (1 - shrink) * correlation + shrink * Eigen::MatrixXd::Identity(T, T);
  }

  // The log density of the observations given the model's values: multivariate normal on
  // ln(offset + persons), covariance diag(sigma^2 of each kind) + the simulation's noise.
  double log_density(const std::vector<double>& natural, const std::vector<ModelObservations>& seen) const {
    const auto T = static_cast<Eigen::Index>(targets.size());
    Eigen::VectorXd e(T), sim_sd(T);
    Eigen::MatrixXd cov(T, T);
    for (Eigen::Index i = 0; i < T; ++i) {
      const Target& t = targets[static_cast<size_t>(i)];
      const auto [value, sim_var] = model_value(t, seen);
      e(i) = log_scaled(t.observed.value, t.offset) - log_scaled(value, t.offset);
      sim_sd(i) = std::sqrt(sim_var);
    }
    cov = sim_sd.asDiagonal() * noise_correlation * sim_sd.asDiagonal();
    for (Eigen::Index i = 0; i < T; ++i) {
      const double sd = error_sd(natural, targets[static_cast<size_t>(i)].kind);
      cov(i, i) += sd * sd;
    }
    const Eigen::LLT<Eigen::MatrixXd> chol(cov);
    if (chol.info() != Eigen::Success) return -std::numeric_limits<double>::infinity();
    const Eigen::VectorXd w = chol.matrixL().solve(e);
    const double log_det = 2 * chol.matrixL().toDenseMatrix().diagonal().array().log().sum();
    return -0.5 * w.squaredNorm() - 0.5 * log_det - 0.5 * static_cast<double>(T) * std::log(2 * std::numbers::pi);
  }

  Eigen::MatrixXd noise_correlation;
};

CalibrationLikelihood::CalibrationLikelihood(const Scenario& scenario, const Observations& fit_data,
                                             const CalibrationOptions& options, std::vector<ParameterPrior> priors)
    : impl_(std::make_unique<Impl>(scenario, fit_data, options, std::move(priors))) {}
CalibrationLikelihood::~CalibrationLikelihood() = default;
int CalibrationLikelihood::stock_targets() const { return impl_->count(Kind::Stock); }
void CalibrationLikelihood::measure_noise_at(const std::vector<std::vector<double>>& points) {
  impl_->measure_noise(points);
}
int CalibrationLikelihood::detection_targets() const { return impl_->count(Kind::Detections); }
int CalibrationLikelihood::asylum_targets() const { return impl_->count(Kind::Asylum); }

double CalibrationLikelihood::operator()(const std::vector<double>& natural) const {
  return impl_->log_density(natural, impl_->run(impl_->params_of(natural), 0));
}

std::vector<std::pair<FitCheck, double>> CalibrationLikelihood::predictions(const std::vector<double>& natural,
                                                                            int first_replicate) const {
  const std::vector<ModelObservations> seen = impl_->run(impl_->params_of(natural), first_replicate);
  std::vector<std::pair<FitCheck, double>> out;
  for (const Target& t : impl_->targets) {
    const auto [value, sim_var] = impl_->model_value(t, seen);
    const double sd = impl_->error_sd(natural, t.kind);
    out.push_back({{kKindNames[static_cast<int>(t.kind)], t.observed, value, t.offset}, std::sqrt(sd * sd + sim_var)});
  }
  return out;
}

CalibrationResult calibrate(const Scenario& scenario, const Observations& observed, const CalibrationOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  CalibrationResult result;
  result.priors = options.priors.empty() ? default_priors() : options.priors;
  CalibrationLikelihood likelihood(scenario, observed, options, result.priors);
  result.stock_targets = likelihood.stock_targets();
  result.detection_targets = likelihood.detection_targets();
  result.asylum_targets = likelihood.asylum_targets();
  SmcOptions smc = options.smc;
  smc.progress = options.progress;
  result.posterior = smc_sample(result.priors, std::cref(likelihood), smc);
  // The simulation's noise measured again where the posterior is, and the sample
  // carried over to that likelihood.
  std::vector<std::vector<double>> points;
  const std::size_t n = result.posterior.particles.size();
  for (std::size_t k = 0; k < 8; ++k) points.push_back(result.posterior.particles[k * n / 8]);
  likelihood.measure_noise_at(points);
  result.posterior = smc_refine(result.posterior, result.priors, std::cref(likelihood), smc);
  for (size_t j = 0; j < result.priors.size(); ++j) {
    std::vector<double> column;
    for (const auto& p : result.posterior.particles) column.push_back(p[j]);
    result.medians.push_back(quantile(column, 0.5));
  }
  // Posterior predictive checks on the fitted data: 40 particles, each with its own
  // random numbers, and 10 draws of its observation error each.
  const int particles = static_cast<int>(n), checks = std::min(40, particles);
  std::vector<std::vector<std::pair<FitCheck, double>>> runs(static_cast<size_t>(checks));
  for (int c = 0; c < checks; ++c)
    runs[static_cast<size_t>(c)] =
        likelihood.predictions(result.posterior.particles[static_cast<size_t>(c * particles / checks)], 1 + c);
  for (size_t t = 0; t < runs[0].size(); ++t) {
    std::vector<double> draws;
    for (int c = 0; c < checks; ++c) {
      const auto& [check, sd] = runs[static_cast<size_t>(c)][t];
      for (int k = 0; k < 10; k += 2) {
        const Draws u = draw(smc.seed, static_cast<std::uint64_t>(c), static_cast<std::uint32_t>(t * 8 + k / 2),
                             Purpose::ObservationNoise);
        for (int h = 0; h < 2; ++h)
          draws.push_back(std::max(0.0, std::exp(log_scaled(check.median, check.offset) +
                                                 sd * normal_from_uniforms(u.uniform(2 * h), u.uniform(2 * h + 1))) -
                                            check.offset));
      }
    }
    FitCheck check = runs[0][t].first;
    check.median = quantile(draws, 0.5);
    check.lo90 = quantile(draws, 0.05);
    check.hi90 = quantile(draws, 0.95);
    result.fit.push_back(check);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::string calibration_yaml(const Scenario& scenario, const CalibrationResult& r, const CalibrationOptions& options) {
  std::ostringstream out;
  out.precision(4);
  const std::string origin = scenario.nodes[scenario.origins[0].node].id;
  out << "# Written by `migflow calibrate " << scenario.file << "`: a posterior sample of " << origin << "'s\n"
      << "# parameters (docs/calibration.md). Data up to " << options.fit_cutoff << " only: " << r.stock_targets
      << " UN DESA stocks (" << options.revision << " revision) of at least " << options.min_stock << " persons,\n# "
      << r.detection_targets << " years of Frontex detections and " << r.asylum_targets
      << " years of Eurostat first-time asylum applicants, in " << options.window_starts.size()
      << " five-year windows restarted\n# from the observed stocks of";
  for (int y : options.window_starts) out << " " << y;
  out << ", at about " << options.agents << " agents.\n"
      << "# Tempered SMC: " << r.posterior.particles.size() << " particles, " << r.posterior.stages.size()
      << " stages, " << r.posterior.evaluations << " simulations, " << static_cast<long>(r.seconds)
      << " s; ln evidence " << r.posterior.log_evidence << ".\n"
      << "# parameter: prior median [90%] -> posterior median [90%]\n";
  for (size_t j = 0; j < r.priors.size(); ++j) {
    const ParameterPrior& p = r.priors[j];
    std::vector<double> column;
    for (const auto& particle : r.posterior.particles) column.push_back(particle[j]);
    out << "#   " << p.name << ": " << p.to_natural(p.mean) << " [" << p.to_natural(p.mean - 1.645 * p.sd) << ", "
        << p.to_natural(p.mean + 1.645 * p.sd) << "] -> " << quantile(column, 0.5) << " [" << quantile(column, 0.05)
        << ", " << quantile(column, 0.95) << "]\n";
  }
  int inside = 0;
  for (const FitCheck& c : r.fit) inside += c.observed.value >= c.lo90 && c.observed.value <= c.hi90;
  out << "# Posterior predictive check on the fitted data: " << inside << " of " << r.fit.size()
      << " observations inside their 90% interval.\n";
  out << "population:\n  - origin: " << origin << "\n    model:  # posterior medians, for `parameters: point`\n";
  out.precision(8);
  for (size_t j = 0; j < r.priors.size(); ++j)
    if (find_model_param(r.priors[j].name)) out << "      " << r.priors[j].name << ": " << r.medians[j] << "\n";
  out << "    posterior:\n      parameters: [";
  for (size_t j = 0; j < r.priors.size(); ++j) out << (j ? ", " : "") << r.priors[j].name;
  out << "]\n      draws:\n";
  for (const auto& particle : r.posterior.particles) {
    out << "        - [";
    for (size_t j = 0; j < particle.size(); ++j) out << (j ? ", " : "") << particle[j];
    out << "]\n";
  }
  return out.str();
}

}  // namespace migflow

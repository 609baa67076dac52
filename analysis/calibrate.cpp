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
// default (docs/model.md) unless said otherwise, and wide enough to hold every partner's
// plausible value.
ParameterPrior prior(std::string_view name, Transform t, double median, double sd, double lo, double hi) {
  const double centre = t == Transform::Log ? std::log(median) : t == Transform::Logit ? logit(median) : median;
  return {std::string(name), t, centre, sd, lo, hi};
}

struct Target {
  ObservedKind kind;
  Observation observed;
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

// The cells of the fit: every observation of the fit period the run covers, above the
// kind's threshold where the kind is per Member State.
std::vector<Target> fit_targets(const Observations& fit, const ForecastWindow& window, const CalibrationOptions& o) {
  std::vector<Target> out;
  const double offset = window.world().scenario().origins[0].persons_per_agent;
  auto threshold = [&](ObservedKind k) {
    switch (k) {
      case ObservedKind::Stock: return o.min_stock;
      case ObservedKind::Returns: return o.min_returns;
      case ObservedKind::EmploymentPermits: return o.min_permits;
      case ObservedKind::Immigration: return o.min_immigration;
      default: return 0.0;  // yearly totals: every year
    }
  };
  for (int k = 0; k < kObservedKinds; ++k) {
    const auto kind = static_cast<ObservedKind>(k);
    for (const Observation& obs : fit[kind]) {
      if (obs.origin != 0 || obs.value < threshold(kind)) continue;
      // A stock is observed at mid-year: it needs July simulated; a flow the whole year.
      const bool covered = kind == ObservedKind::Stock
                               ? obs.year > window.start_year() && obs.year <= window.last_year()
                               : obs.year >= window.world().scenario().calendar.start.year &&
                                     window.world().scenario().calendar.start.month == 1 &&
                                     obs.year <= window.last_year();
      if (covered) out.push_back({kind, obs, offset});
    }
  }
  return out;
}

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
      // Gravity estimates: a network (diaspora) elasticity of about 0.4-0.7 (Beine,
      // Docquier & Ozden 2011), destination population^0.36 and distance^-0.97 (Cohen,
      // Roig, Reuman & GoGwilt 2008, PNAS 105(40)).
      prior("logit_diaspora", Transform::Identity, d.logit_diaspora, 0.25, -50, 50),
      prior("logit_distance", Transform::Identity, d.logit_distance, 0.35, -50, 50),
      prior("logit_size", Transform::Identity, d.logit_size, 0.2, -50, 50),
      // Earlier fits to detections put the share going irregularly between 0.0005 and
      // 0.08: centred at 0.01, sd 2 on the logit scale.
      prior("irregular_propensity", Transform::Logit, 0.01, 2.0, 1e-7, 1 - 1e-7),
      prior("legal_access", Transform::Logit, d.legal_access, 1.0, 1e-4, 1 - 1e-4),
      prior("overstay", Transform::Logit, d.overstay, 1.0, 1e-4, 1 - 1e-4),
      // Of visitors, those who stay on: 0.5% (Frontex, Moldovans' irregular stays) to
      // 6.1% (Georgians not back in 2017): median 0.02, sd 1 on the logit scale.
      prior("visit_overstay", Transform::Logit, d.visit_overstay, 1.0, 1e-6, 1 - 1e-6),
      prior("detection_rate", Transform::Log, d.detection_rate, 0.7, 1e-6, 1),
      prior("asylum_application", Transform::Logit, d.asylum_application, 1.5, 1e-6, 1 - 1e-6),
      // Returns over orders: about 30-40% in the EU (Eurostat; the European Court of
      // Auditors, 2021: 38%, below 30% outside Europe); partners differ widely.
      prior("return_execution", Transform::Logit, 0.35, 1.0, 1e-4, 1 - 1e-4),
      // Family permits a year per settled resident: 2.5-3.1% for Moroccans (docs/model.md).
      prior("family_reunification", Transform::Log, d.family_reunification, 0.7, 1e-6, 1),
      prior("study_rate", Transform::Log, d.study_rate, 1.0, 1e-8, 1),
      // Irregular residents: 1.9-3.8 million in the EU-27 in 2008 (Clandestino), about a
      // fifth of the non-EU population with asylum seekers (Pew 2017): 0.12, 90% 0.06-0.23.
      prior("initial_irregular_share", Transform::Logit, d.initial_irregular_share, 0.5, 1e-4, 1 - 1e-4),
      // Readmission agreements: WODC (2022) +5-10% for binding bilateral agreements, no
      // demonstrable effect of EU agreements; Stutz & Trauner (2022) temporary at most.
      prior("readmission_effect", Transform::Identity, d.readmission_effect, 0.15, -10, 10),
      // Visa-free travel: a factor of 1.25 (Czaika & Neumayer 2017) to 2.7 (Neumayer 2010).
      prior("visa_liberalisation_effect", Transform::Identity, d.visa_liberalisation_effect, 0.4, -10, 10),
      // Observation errors, sd of ln(observed / model): the UN DESA revisions of 2020
      // and 2024 differ by a median of about 0.1 and up to 1.4 on the partners' cells of
      // 2005-2015; the other kinds are counts of events with their own definitions and
      // gaps between states. Median 0.3 (0.5 for detections, 0.4 for per-state flows),
      // sd 0.5 on the log scale.
      prior(kObservationErrorNames[0], Transform::Log, 0.3, 0.5, 1e-3, 10),
      prior(kObservationErrorNames[1], Transform::Log, 0.5, 0.5, 1e-3, 10),
      prior(kObservationErrorNames[2], Transform::Log, 0.3, 0.5, 1e-3, 10),
      prior(kObservationErrorNames[3], Transform::Log, 0.3, 0.5, 1e-3, 10),
      prior(kObservationErrorNames[4], Transform::Log, 0.3, 0.5, 1e-3, 10),
      prior(kObservationErrorNames[5], Transform::Log, 0.4, 0.5, 1e-3, 10),
      prior(kObservationErrorNames[6], Transform::Log, 0.4, 0.5, 1e-3, 10),
      prior(kObservationErrorNames[7], Transform::Log, 0.4, 0.5, 1e-3, 10),
      // One series' errors in different years (the same kind and destination) share the
      // model's bias and the source's definitions: a correlation, median 0.5, sd 1 on the
      // logit scale. Without it, 38 yearly cells of one series weigh as 38 independent
      // facts and the posterior collapses.
      prior(kObservationErrorCorrelation, Transform::Logit, 0.5, 1.0, 1e-3, 1 - 1e-3),
  };
}

std::vector<ParameterPrior> default_prior_only() {
  const ModelParams d;
  return {
      // Places announced that become permits: Italy 8-35%, Germany's Western Balkans
      // regulation about 38%, employer-run seasonal schemes near their contingents.
      prior("quota_fill", Transform::Logit, d.quota_fill, 1.0, 1e-4, 1 - 1e-4),
      // Kpodar & Imam (2024): recorded remittances +1.7% a point of cost saved, part of it
      // informal transfers made formal; households: median 0.8, 90% 0.25-2.5.
      prior("remittance_cost_semielasticity", Transform::Log, d.remittance_cost_semielasticity, 0.7, 1e-3, 100),
      // Facilitation over no agreement: no published effect on visits; small, uncertain.
      prior("visa_facilitation_effect", Transform::Identity, d.visa_facilitation_effect, 0.15, -10, 10),
  };
}

struct CalibrationLikelihood::Impl {
  CalibrationOptions options;
  std::vector<ParameterPrior> priors;
  ModelParams base;
  std::unique_ptr<ForecastWindow> window;
  std::vector<Target> targets;
  std::vector<int> error_of_kind;  // parameter index of each kind's observation error, or -1
  int correlation_index = -1;      // parameter index of their correlation between years, or -1

  Impl(const Scenario& sc, const Observations& data, const CalibrationOptions& o, std::vector<ParameterPrior> p)
      : options(o), priors(std::move(p)) {
    if (sc.origins.size() != 1)
      throw std::invalid_argument(
          "calibration fits one origin's parameters: give a scenario with one population entry");
    base = sc.origins[0].behaviour;
    for (const ParameterPrior& prior : priors) {
      const ParamSpec* spec = find_model_param(prior.name);
      if (!is_observation_error_term(prior.name) && (!spec || !spec->per_origin))
        throw std::invalid_argument("calibration: '" + prior.name + "' is not a per-origin parameter");
    }
    for (std::string_view name : kObservationErrorNames) {
      int index = -1;
      for (size_t j = 0; j < priors.size(); ++j)
        if (priors[j].name == name) index = static_cast<int>(j);
      error_of_kind.push_back(index);
    }
    for (size_t j = 0; j < priors.size(); ++j)
      if (priors[j].name == kObservationErrorCorrelation) correlation_index = static_cast<int>(j);
    if (options.fit_cutoff < sc.calendar.start.year)
      throw std::invalid_argument("calibration: the scenario starts after the fit cut-off " +
                                  std::to_string(options.fit_cutoff));
    // Nothing after the cut-off is read from here on.
    const Observations fit = data.up_to(options.fit_cutoff);
    window = std::make_unique<ForecastWindow>(sc, fit, std::nullopt, options.fit_cutoff, options.agents);
    targets = fit_targets(fit, *window, options);
    if (count(ObservedKind::Stock) == 0)
      throw std::invalid_argument("calibration: no observed stocks between the start and the cut-off");
    measure_noise_at_prior(options.smc.seed);
  }

  int count(ObservedKind k) const {
    return static_cast<int>(
        std::count_if(targets.begin(), targets.end(), [&](const Target& t) { return t.kind == k; }));
  }

  ModelParams params_of(const std::vector<double>& natural) const {
    ModelParams p = base;
    for (size_t j = 0; j < priors.size(); ++j)
      if (const ParamSpec* spec = find_model_param(priors[j].name)) p.*(spec->member) = natural[j];
    return p;
  }

  double error_sd(const std::vector<double>& natural, ObservedKind k) const {
    const int j = error_of_kind[static_cast<int>(k)];
    return j >= 0 ? natural[static_cast<size_t>(j)] : 0.0;
  }

  ModelObservations run(const ModelParams& p, int first_replicate) const {
    return mean_of(window->simulate({&p, 1}, options.replicates, first_replicate));
  }

  // Model value and the simulation's variance of its ln(offset + value) for a target.
  std::pair<double, double> model_value(const Target& t, const ModelObservations& seen) const {
    const double value = seen.at(t.kind, t.observed.origin, t.observed.destination, t.observed.year);
    return {value, t.noise_factor * t.offset / (options.replicates * (value + t.offset))};
  }

  // Chance in the simulation is neither Poisson nor independent from one target to the
  // next: the diaspora feeds back on leaving and on the choice of destination, so an
  // early surplus of movers raises later flows and stocks together. The simulation's
  // noise is measured at a few parameter sets, kNoiseReplicates replicates each: per
  // target, its variance as a factor on the Poisson variance (within [0.5, 50]), and
  // across targets its correlations (pooled within parameter sets, shrunk towards none
  // by T / (T + degrees of freedom)). Both depend on the parameters (most on
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
        const ModelObservations seen = run(p, 10000 + static_cast<int>(k) * kNoiseReplicates + r);
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
  double log_density(const std::vector<double>& natural, const ModelObservations& seen) const {
    const auto T = static_cast<Eigen::Index>(targets.size());
    Eigen::VectorXd e(T), sim_sd(T);
    for (Eigen::Index i = 0; i < T; ++i) {
      const Target& t = targets[static_cast<size_t>(i)];
      const auto [value, sim_var] = model_value(t, seen);
      e(i) = log_scaled(t.observed.value, t.offset) - log_scaled(value, t.offset);
      sim_sd(i) = std::sqrt(sim_var);
    }
    Eigen::MatrixXd cov = sim_sd.asDiagonal() * noise_correlation * sim_sd.asDiagonal();
    const double rho = correlation_index >= 0 ? natural[static_cast<size_t>(correlation_index)] : 0.0;
    for (Eigen::Index i = 0; i < T; ++i) {
      const Target& a = targets[static_cast<size_t>(i)];
      const double sd = error_sd(natural, a.kind);
      cov(i, i) += sd * sd;
      for (Eigen::Index j = 0; j < i && rho > 0; ++j) {  // the same series in other years
        const Target& b = targets[static_cast<size_t>(j)];
        if (b.kind == a.kind && b.observed.destination == a.observed.destination) {
          cov(i, j) += rho * sd * sd;
          cov(j, i) += rho * sd * sd;
        }
      }
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
int CalibrationLikelihood::targets(ObservedKind kind) const { return impl_->count(kind); }
void CalibrationLikelihood::measure_noise_at(const std::vector<std::vector<double>>& points) {
  impl_->measure_noise(points);
}

double CalibrationLikelihood::operator()(const std::vector<double>& natural) const {
  return impl_->log_density(natural, impl_->run(impl_->params_of(natural), 0));
}

std::vector<std::pair<FitCheck, double>> CalibrationLikelihood::predictions(const std::vector<double>& natural,
                                                                            int first_replicate) const {
  const ModelObservations seen = impl_->run(impl_->params_of(natural), first_replicate);
  std::vector<std::pair<FitCheck, double>> out;
  for (const Target& t : impl_->targets) {
    const auto [value, sim_var] = impl_->model_value(t, seen);
    const double sd = impl_->error_sd(natural, t.kind);
    out.push_back({{std::string(kObservedKindNames[static_cast<int>(t.kind)]), t.observed, value, t.offset},
                   std::sqrt(sd * sd + sim_var)});
  }
  return out;
}

namespace {

// The parameter set of `natural` values (named by `priors`) over the scenario's own.
ModelParams with_values(ModelParams p, const std::vector<ParameterPrior>& priors, const std::vector<double>& natural) {
  for (size_t j = 0; j < priors.size(); ++j)
    if (const ParamSpec* spec = find_model_param(priors[j].name)) p.*(spec->member) = natural[j];
  return p;
}

std::vector<double> medians_of(const std::vector<std::vector<double>>& particles, std::size_t columns) {
  std::vector<double> out;
  for (size_t j = 0; j < columns; ++j) {
    std::vector<double> column;
    for (const auto& p : particles) column.push_back(p[j]);
    out.push_back(quantile(column, 0.5));
  }
  return out;
}

// Pair effects of the destination choice, by empirical Bayes: the effect that would
// bring each destination's modelled stocks to the observed ones, shrunk towards none.
// Raising a destination's effect by a multiplies the arrivals that chose it by about
// e^a, so the effect that matches a stock S observed where the model has M after I
// chosen arrivals is a + ln((S - M + I) / I), averaged over the stock years (weighted by
// I); with its noise v (the stock's observation error and the arrivals' chance) and the
// prior N(0, tau^2), the estimate is that target times tau^2 / (tau^2 + v), tau^2 the
// targets' spread beyond their noise (method of moments). Iterated with damping, since
// moving one destination's share moves the others'.
std::vector<double> estimate_destination_effects(const Scenario& sc, const Observations& fit, const ModelParams& p,
                                                 std::vector<double> effects, const CalibrationOptions& o,
                                                 int iterations, double* spread) {
  constexpr int kReplicates = 4;
  constexpr double kDamping = 0.7, kStockError = 0.3;  // the stock error's prior median
  constexpr double kLargest = 3;
  Scenario work = sc;
  for (int it = 0; it < iterations; ++it) {
    work.origins[0].destination_effects.clear();
    const World places(std::make_shared<const Scenario>(work));
    for (int d = 0; d < places.destination_count(); ++d)
      if (effects[static_cast<size_t>(d)] != 0)
        work.origins[0].destination_effects.emplace_back(places.destination_node(d), effects[static_cast<size_t>(d)]);
    const ForecastWindow window(work, fit, std::nullopt, o.fit_cutoff, o.agents);
    const ModelObservations m = mean_of(window.simulate({&p, 1}, kReplicates, 20000));
    const double ppa = window.world().scenario().origins[0].persons_per_agent;
    std::vector<double> target(effects.size(), 0.0), noise(effects.size(), -1.0), shift(effects.size(), 0.0);
    for (int d = 0; d < places.destination_count(); ++d) {
      double weighted = 0, weight = 0, arrived = 0;
      for (const Observation& s : fit[ObservedKind::Stock]) {
        if (s.origin != 0 || s.destination != d || s.value < o.min_stock || s.year <= window.start_year() ||
            s.year > window.last_year())
          continue;
        const double chosen = m.chosen_arrivals(0, d, s.year);
        if (chosen < 2 * ppa) continue;  // hardly anyone chose it: the effect is not identified
        const double ratio = (s.value - m.at(ObservedKind::Stock, 0, d, s.year) + chosen) / chosen;
        weighted += chosen * std::log(std::clamp(ratio, std::exp(-3.0), std::exp(3.0)));
        weight += chosen;
        arrived = std::max(arrived, chosen);
      }
      if (weight <= 0) continue;
      shift[static_cast<size_t>(d)] = weighted / weight;
      noise[static_cast<size_t>(d)] = kStockError * kStockError + ppa / arrived;
    }
    // Effects move shares, not how many leave (emigration_rate's part): the shifts are
    // centred so that the arrivals they move add up to none, which also keeps the
    // effects from drifting together (a constant added to all changes nothing).
    double before = 0, after = 0;
    for (int d = 0; d < places.destination_count(); ++d) {
      const double chosen = m.chosen_arrivals(0, d, window.last_year());
      before += chosen;
      after += chosen * std::exp(shift[static_cast<size_t>(d)]);
    }
    const double centre = before > 0 && after > 0 ? std::log(after / before) : 0.0;
    for (size_t d = 0; d < effects.size(); ++d)
      if (noise[d] >= 0) target[d] = effects[d] + shift[d] - centre;
    double square = 0, noise_sum = 0;
    int n = 0;
    for (size_t d = 0; d < effects.size(); ++d)
      if (noise[d] >= 0) {
        square += target[d] * target[d];
        noise_sum += noise[d];
        ++n;
      }
    if (n == 0) break;
    const double tau2 = std::max(0.05, (square - noise_sum) / n);
    *spread = std::sqrt(tau2);
    // An effect beyond kLargest would say more about what the model leaves out (citizens
    // of the destination, schemes that recruit) than about where people choose to go.
    for (size_t d = 0; d < effects.size(); ++d)
      if (noise[d] >= 0)
        effects[d] = std::clamp(effects[d] + kDamping * (target[d] * tau2 / (tau2 + noise[d]) - effects[d]), -kLargest,
                                kLargest);
  }
  return effects;
}

// The scenario with origin 0's pair effects set (over destination indices of its world).
Scenario with_effects(const Scenario& sc, const std::vector<double>& effects) {
  Scenario out = sc;
  out.origins[0].destination_effects.clear();
  const World places(std::make_shared<const Scenario>(sc));
  for (int d = 0; d < places.destination_count(); ++d)
    if (effects[static_cast<size_t>(d)] != 0)
      out.origins[0].destination_effects.emplace_back(places.destination_node(d), effects[static_cast<size_t>(d)]);
  return out;
}

}  // namespace

CalibrationResult calibrate(const Scenario& scenario, const Observations& observed, const CalibrationOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  CalibrationResult result;
  const bool defaults = options.priors.empty();
  result.priors = defaults ? default_priors() : options.priors;
  const std::vector<ParameterPrior> prior_only =
      defaults && options.prior_only.empty() ? default_prior_only() : options.prior_only;
  const Observations fit = observed.up_to(options.fit_cutoff);
  const World world(std::make_shared<const Scenario>(scenario));
  if (world.origin_count() != 1)
    throw std::invalid_argument("calibration fits one origin's parameters: give a scenario with one population entry");

  // Pair effects at the prior medians first, then at the posterior's.
  std::vector<double> effects(static_cast<size_t>(world.destination_count()), 0.0);
  if (!options.destination_effects)
    for (int d = 0; d < world.destination_count(); ++d)
      effects[static_cast<size_t>(d)] = world.destination_effect(0, d);
  std::vector<double> centre;
  for (const ParameterPrior& p : result.priors) centre.push_back(p.to_natural(p.mean));
  if (options.destination_effects)
    effects =
        estimate_destination_effects(scenario, fit, with_values(scenario.origins[0].behaviour, result.priors, centre),
                                     effects, options, 6, &result.effects_spread);
  SmcOptions smc = options.smc;
  smc.progress = options.progress;
  {
    const CalibrationLikelihood likelihood(with_effects(scenario, effects), observed, options, result.priors);
    result.posterior = smc_sample(result.priors, std::cref(likelihood), smc);
  }
  if (options.destination_effects)
    effects = estimate_destination_effects(scenario, fit,
                                           with_values(scenario.origins[0].behaviour, result.priors,
                                                       medians_of(result.posterior.particles, result.priors.size())),
                                           effects, options, 4, &result.effects_spread);
  const Scenario fitted = with_effects(scenario, effects);
  for (const auto& [node, effect] : fitted.origins[0].destination_effects)
    result.destination_effects.emplace_back(node, effect);
  // The likelihood with these effects and the simulation's noise measured again where
  // the posterior is; the sample carried over to it.
  CalibrationLikelihood likelihood(fitted, observed, options, result.priors);
  for (int k = 0; k < kObservedKinds; ++k)
    result.targets[static_cast<size_t>(k)] = likelihood.targets(static_cast<ObservedKind>(k));
  std::vector<std::vector<double>> points;
  const std::size_t n = result.posterior.particles.size();
  for (std::size_t k = 0; k < 8; ++k) points.push_back(result.posterior.particles[k * n / 8]);
  likelihood.measure_noise_at(points);
  result.posterior = smc_refine(result.posterior, result.priors, std::cref(likelihood), smc);

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

  // The parameters the fit cannot inform: drawn from their priors for every particle.
  result.fitted = result.priors.size();
  for (size_t j = 0; j < prior_only.size(); ++j) {
    const ParameterPrior& p = prior_only[j];
    result.posterior.names.push_back(p.name);
    for (size_t i = 0; i < n; ++i) {
      const Draws u = draw(smc.seed, i, static_cast<std::uint32_t>(1000 + j), Purpose::Prior);
      result.posterior.particles[i].push_back(
          p.to_natural(p.mean + p.sd * normal_from_uniforms(u.uniform(0), u.uniform(1))));
    }
    result.priors.push_back(p);
  }
  result.medians = medians_of(result.posterior.particles, result.priors.size());
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::string calibration_yaml(const Scenario& scenario, const CalibrationResult& r, const CalibrationOptions& options) {
  std::ostringstream out;
  out.precision(4);
  const std::string origin = scenario.nodes[scenario.origins[0].node].id;
  out << "# Written by `migflow calibrate " << scenario.file << "`: a posterior sample of " << origin << "'s\n"
      << "# parameters (docs/calibration.md). Data up to " << options.fit_cutoff << " only, against the run from "
      << scenario.calendar.start.str() << " as the scenario runs it:\n";
  for (int k = 0; k < kObservedKinds; ++k)
    if (r.targets[static_cast<size_t>(k)] > 0)
      out << "#   " << r.targets[static_cast<size_t>(k)] << " " << kObservedKindNames[static_cast<size_t>(k)]
          << (k == 0 ? " cells (UN DESA " + options.revision + " revision)" : " cells") << "\n";
  out << "# Tempered SMC: " << r.posterior.particles.size() << " particles, " << r.posterior.stages.size()
      << " stages, " << r.posterior.evaluations << " simulations, " << static_cast<long>(r.seconds)
      << " s; ln evidence " << r.posterior.log_evidence << ".\n"
      << "# parameter: prior median [90%] -> posterior median [90%] (* drawn from the prior: the fit does not read "
         "it)\n";
  for (size_t j = 0; j < r.priors.size(); ++j) {
    const ParameterPrior& p = r.priors[j];
    std::vector<double> column;
    for (const auto& particle : r.posterior.particles) column.push_back(particle[j]);
    out << "#   " << p.name << (j >= r.fitted ? "*" : "") << ": " << p.to_natural(p.mean) << " ["
        << p.to_natural(p.mean - 1.645 * p.sd) << ", " << p.to_natural(p.mean + 1.645 * p.sd) << "] -> "
        << quantile(column, 0.5) << " [" << quantile(column, 0.05) << ", " << quantile(column, 0.95) << "]\n";
  }
  int inside = 0;
  for (const FitCheck& c : r.fit) inside += c.observed.value >= c.lo90 && c.observed.value <= c.hi90;
  out << "# Posterior predictive check on the fitted data: " << inside << " of " << r.fit.size()
      << " observations inside their 90% interval.\n";
  out << "population:\n  - origin: " << origin << "\n    model:  # posterior medians, for `parameters: point`\n";
  out.precision(8);
  for (size_t j = 0; j < r.priors.size(); ++j)
    if (find_model_param(r.priors[j].name)) out << "      " << r.priors[j].name << ": " << r.medians[j] << "\n";
  if (!r.destination_effects.empty()) {
    out.precision(4);
    out << "    # Pair effects in the choice of destination, by empirical Bayes on the stocks up to "
        << options.fit_cutoff << ",\n    # shrunk towards none (their spread: " << r.effects_spread << ").\n"
        << "    destination_effects: {";
    for (size_t i = 0; i < r.destination_effects.size(); ++i)
      out << (i ? ", " : "") << scenario.nodes[r.destination_effects[i].first].id << ": "
          << std::round(r.destination_effects[i].second * 1e4) / 1e4;
    out << "}\n";
    out.precision(8);
  }
  out << "    posterior:\n      parameters: [";
  for (size_t j = 0; j < r.posterior.names.size(); ++j) out << (j ? ", " : "") << r.posterior.names[j];
  out << "]\n      draws:\n";
  for (const auto& particle : r.posterior.particles) {
    out << "        - [";
    for (size_t j = 0; j < particle.size(); ++j) out << (j ? ", " : "") << particle[j];
    out << "]\n";
  }
  return out.str();
}

}  // namespace migflow

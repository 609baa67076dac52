// Bayesian calibration of one partner's parameters by running the simulator
// (docs/calibration.md). The data: UN DESA stocks of the partner's migrants in each
// destination (mid-2010 and mid-2015), Frontex detections of its nationals per year
// (2009-2015) and Eurostat first-time asylum applicants per year (2011-2015), never
// anything after the fit cut-off (analysis/observations.hpp). The model runs in two
// five-year windows restarted from the observed stocks of 2005 and 2010
// (analysis/forecast_window.hpp), the same kind of forecast the backtest makes from 2015.
//
// Observation model, on ln(offset + persons) with offset one agent's worth of persons:
// observed - model ~ multivariate Normal(0, diag(sigma_kind^2) + S), with one sigma per
// kind of data (stocks, detections, asylum), fitted with the other parameters: it stands
// for the disagreement of sources (UN DESA revisions differ by a factor of 4 on some
// cells; Frontex counts detections, not persons) and for what the model leaves out. S is
// the simulation's own noise, measured over replicates (per-target variance factors on
// the Poisson variance, and correlations between targets), so small cells weigh less.
//
// The posterior is sampled by tempered sequential Monte Carlo (analysis/smc.hpp); the
// simulator keeps its random numbers across parameter sets (common random numbers), so
// the likelihood is a deterministic function of the parameters and the sample is the
// same on any number of threads.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "analysis/observations.hpp"
#include "analysis/smc.hpp"

namespace migflow {

struct CalibrationOptions {
  int fit_cutoff = kFitCutoff;                 // no observation after this year is read
  std::vector<int> window_starts{2005, 2010};  // each runs five years, restarted from observed stocks
  std::uint64_t agents = 40000;                // each window is scaled to about this many agents
  int replicates = 1;                          // per likelihood evaluation
  double min_stock = 1000;                     // stock cells fitted: at least this many persons observed
  std::string revision = "2020";               // UN DESA revision of the stocks given (for the file's comments)
  SmcOptions smc = [] {
    SmcOptions o;
    o.particles = 256;
    return o;
  }();
  std::vector<ParameterPrior> priors;  // the parameters fitted and their priors; empty: default_priors()
  // Called after each SMC stage with (stage, temperature, evaluations so far).
  std::function<void(int, double, long long)> progress;
};

// The parameters fitted: per-origin model parameters and the observation errors, each
// with its prior (defaults and reasoning in calibrate.cpp and docs/calibration.md).
std::vector<ParameterPrior> default_priors();

struct FitCheck {
  std::string kind;  // "stock", "detections", "asylum"
  Observation observed;
  double median = 0;  // posterior predictive, with observation error
  double offset = 1;  // values are compared on ln(offset + persons) (calibrate.cpp)
  double lo90 = 0, hi90 = 0;
};

struct CalibrationResult {
  SmcResult posterior;
  std::vector<ParameterPrior> priors;
  std::vector<double> medians;  // per parameter, natural scale
  std::vector<FitCheck> fit;    // posterior predictive checks on the fitted observations
  int stock_targets = 0, detection_targets = 0, asylum_targets = 0;
  double seconds = 0;
};

// One origin's calibration; `observed` may hold later years, which are never read.
// Throws std::invalid_argument when the scenario has several origins or no data to fit.
CalibrationResult calibrate(const Scenario& scenario, const Observations& observed, const CalibrationOptions& options);

// The log-likelihood of one parameter set for `scenario`'s origin over the fit data,
// as calibrate() evaluates it (for tests and diagnostics).
class CalibrationLikelihood {
 public:
  CalibrationLikelihood(const Scenario& scenario, const Observations& fit_data, const CalibrationOptions& options,
                        std::vector<ParameterPrior> priors);
  ~CalibrationLikelihood();
  double operator()(const std::vector<double>& natural) const;
  // Measures the simulation's noise again at these parameter sets (natural values),
  // for a likelihood refined where the posterior is (calibrate.cpp).
  void measure_noise_at(const std::vector<std::vector<double>>& points);
  // The parameter set's model values at every fitted observation (one replicate set).
  std::vector<std::pair<FitCheck, double>> predictions(const std::vector<double>& natural, int first_replicate) const;
  int stock_targets() const;
  int detection_targets() const;
  int asylum_targets() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The fitted values as a YAML fragment for the origin's `population:` entry: the
// posterior medians as `model:` (for `parameters: point`), and the posterior sample, with
// the fit's data, priors and checks in comments.
std::string calibration_yaml(const Scenario& scenario, const CalibrationResult& result,
                             const CalibrationOptions& options);

}  // namespace migflow

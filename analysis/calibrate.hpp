// Bayesian calibration of one partner's parameters by running the simulator
// (docs/calibration.md). The run fitted is the partner's baseline as the scenario runs
// it, from its start (2005) to the fit cut-off: what every comparison rests on. The
// data, never after the cut-off (analysis/observations.hpp): UN DESA stocks of the
// partner's migrants in each destination (mid-2010 and mid-2015), Frontex detections,
// Eurostat first-time asylum applicants, orders to leave and persons found illegally
// present (yearly totals), returns to a country outside the EU, first permits for
// employment and immigration (per Member State and year).
//
// Observation model, on ln(offset + persons) with offset one agent's worth of persons:
// observed - model ~ multivariate Normal(0, diag(sigma_kind^2) + S), with one sigma per
// kind of data, fitted with the other parameters: the model discrepancy, which stands for
// the disagreement of sources (UN DESA revisions differ by a factor of 4 on some cells;
// Frontex counts detections, not persons) and for what the model leaves out. S is the
// simulation's own noise, measured over replicates (per-target variance factors on the
// Poisson variance, and correlations between targets), so small cells weigh less.
//
// Where people go: besides wages, distance, diaspora, size and ties, each destination
// has a pair effect in the choice (`destination_effects:`), estimated by empirical Bayes
// on the stocks up to the cut-off, shrunk towards none with a spread fitted to the
// partner's destinations (calibrate.cpp, `estimate_destination_effects`).
//
// The posterior is sampled by tempered sequential Monte Carlo (analysis/smc.hpp); the
// simulator keeps its random numbers across parameter sets (common random numbers), so
// the likelihood is a deterministic function of the parameters and the sample is the
// same on any number of threads. Parameters the fitted data cannot inform (what only a
// package's policies use) are drawn from their priors into the same sample, so every
// replicate of every run draws them with the rest.
#pragma once
#include <array>
#include <functional>
#include <string>
#include <vector>

#include "analysis/observations.hpp"
#include "analysis/smc.hpp"

namespace migflow {

struct CalibrationOptions {
  int fit_cutoff = kFitCutoff;  // no observation after this year is read
  std::uint64_t agents = 0;     // the run is scaled to about this many agents (0: the scenario's scale)
  int replicates = 1;           // per likelihood evaluation
  // Cells fitted: stocks of at least min_stock persons observed; per Member State, returns,
  // employment permits and immigrants of at least these many in the year.
  double min_stock = 1000, min_returns = 50, min_permits = 200, min_immigration = 500;
  bool destination_effects = true;  // estimate pair effects (else: as the scenario gives them)
  std::string revision = "2020";    // UN DESA revision of the stocks given (for the file's comments)
  SmcOptions smc = [] {
    SmcOptions o;
    o.particles = 256;
    // A posterior of about 25 dimensions whose likelihood is rough (common random
    // numbers): more moves per stage keep the particles from collapsing onto a few.
    o.max_moves = 30;
    return o;
  }();
  std::vector<ParameterPrior> priors;  // the parameters fitted and their priors; empty: default_priors()
  // Parameters drawn from their priors only: what the baseline's run does not read.
  std::vector<ParameterPrior> prior_only;  // empty with priors empty: default_prior_only()
  // Called after each SMC stage with (stage, temperature, evaluations so far).
  std::function<void(int, double, long long)> progress;
};

// The parameters fitted: per-origin model parameters and the observation errors, each
// with its prior (defaults and reasoning in calibrate.cpp and docs/calibration.md).
std::vector<ParameterPrior> default_priors();
// The mechanisms' strengths that only policies of packages use (the quota fill, the
// response of remittances to their cost, visa facilitation over visas already issued
// under it): their priors from the evidence (docs/policies.md).
std::vector<ParameterPrior> default_prior_only();

struct FitCheck {
  std::string kind;  // a kObservedKindNames entry
  Observation observed;
  double median = 0;  // posterior predictive, with observation error
  double offset = 1;  // values are compared on ln(offset + persons) (calibrate.cpp)
  double lo90 = 0, hi90 = 0;
};

struct CalibrationResult {
  SmcResult posterior;                        // the fitted parameters, then the prior-only ones, per particle
  std::vector<ParameterPrior> priors;         // the fitted parameters', then the prior-only ones'
  std::size_t fitted = 0;                     // how many are fitted (the first ones)
  std::vector<double> medians;                // per parameter, natural scale
  std::vector<FitCheck> fit;                  // posterior predictive checks on the fitted observations
  std::array<int, kObservedKinds> targets{};  // observations fitted, per kind
  // Pair effects per destination node (the scenario's node index), and the spread of
  // their prior (tau) that the data gave.
  std::vector<std::pair<NodeId, double>> destination_effects;
  double effects_spread = 0;
  double seconds = 0;
};

// One origin's calibration; `observed` may hold later years, which are never read.
// Throws std::invalid_argument when the scenario has several origins or no data to fit.
CalibrationResult calibrate(const Scenario& scenario, const Observations& observed, const CalibrationOptions& options);

// The log-likelihood of one parameter set for `scenario`'s origin over the fit data,
// as calibrate() evaluates it (for tests and diagnostics). Parameters not in `priors`
// keep the scenario's values, its destination effects included.
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
  int targets(ObservedKind kind) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The fitted values as a YAML fragment for the origin's `population:` entry: the
// posterior medians as `model:` (for `parameters: point`), the pair effects, and the
// posterior sample, with the fit's data, priors and checks in comments.
std::string calibration_yaml(const Scenario& scenario, const CalibrationResult& result,
                             const CalibrationOptions& options);

}  // namespace migflow

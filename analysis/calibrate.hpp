// Calibration of a scenario's free behavioural parameters to observed bilateral
// migrant stocks (UN DESA) and, when given, irregular border-crossing detections
// (Frontex), with a backtest on years the fit did not see.
//
// Stocks: squared error of ln(1 + persons) over (origin, Member State, year) targets,
// with the model's stock abroad = regular + irregular migrants at mid-year (July).
// Detections: squared error of ln(1 + detections) over one total per period, with the
// model's detections = irregular crossings into a Member State over the external
// border plus interceptions there (Frontex counts events, so retries count again).
// Both are averaged over replicates; the objective is the root of the mean of the two
// mean squared errors. The simulation keeps its seed across evaluations (common random
// numbers), so the objective is a deterministic function of the parameters, minimised
// by Nelder-Mead (Eigen) in a transformed space.
#pragma once
#include <string>
#include <vector>

#include "model/scenario.hpp"

namespace migflow {

struct StockTarget {
  std::string origin, destination;
  int year = 0;
  double persons = 0;
};

// Reads origin,destination,persons,year rows (scenarios/data/diaspora.csv) for the
// scenario's origins and Member States.
std::vector<StockTarget> read_stock_targets(const std::string& csv, const Scenario& sc);

// Observed detections of the origin's nationals over whole years [first, last].
struct DetectionTarget {
  std::string origin;
  int first_year = 0, last_year = 0;
  double detections = 0;
};

// Reads origin,year,...,detections rows (scenarios/data/frontex_detections.csv; any
// other columns, such as route, are summed over) into one total per period and origin.
std::vector<DetectionTarget> read_detection_targets(const std::string& csv, const Scenario& sc,
                                                    const std::vector<std::pair<int, int>>& periods);

struct CalibrationOptions {
  std::vector<int> fit_years{2010, 2015};
  int test_year = 2020;
  std::uint64_t agents = 40000;  // the scenario is scaled to this many agents while fitting
  int replicates = 2;
  int max_evaluations = 200;
  double min_agents_per_target = 5;  // smaller observed stocks are below the fit's resolution
  // Detection periods (whole years), when detection targets are given.
  std::pair<int, int> detection_fit_years{2009, 2015};
  std::pair<int, int> detection_test_years{2016, 2020};
};

struct FittedParameter {
  std::string name;
  double start = 0, value = 0;
};

struct TargetFit {
  StockTarget target;
  double model = 0;  // persons
};

struct DetectionFit {
  DetectionTarget target;
  double model = 0;
  // Observed below the fit's resolution: fitted as "at most the resolution" (one-sided).
  bool upper_bound = false;
};

struct CalibrationResult {
  std::vector<FittedParameter> parameters;
  double start_rmse = 0;     // fit years, before
  double fit_rmse = 0;       // fit years, after (ln persons)
  double backtest_rmse = 0;  // the test year, after
  int evaluations = 0;
  int below_resolution = 0;  // targets left out
  std::vector<TargetFit> fit, backtest;
  // With detection targets: the ln error (model - observed) of each period.
  std::vector<DetectionFit> detection_fit, detection_backtest;
  double start_detection_error = 0, detection_error = 0, detection_backtest_error = 0;  // RMSE of ln
  double detection_resolution = 0;  // persons: 5 agents' worth at the fit's scale
};

// Fits emigration_rate, return_rate, logit_diaspora and logit_distance to the stocks,
// and also irregular_propensity when there are detection targets (legal_access stays:
// stocks and detections pin how many move and how many go irregularly, not both
// channel shares). Throws std::invalid_argument when the scenario's calendar cannot
// reach the years.
CalibrationResult calibrate(const Scenario& scenario, const std::vector<StockTarget>& targets,
                            const CalibrationOptions& options, const std::vector<DetectionTarget>& detections = {});

// The fitted values as a YAML scenario fragment (the origin's `population: - model:`
// block) with the fit and backtest errors in comments, ready for a scenario's `extends:`;
// a world with several partners extends each partner's fragment.
std::string calibration_yaml(const Scenario& scenario, const CalibrationResult& result,
                             const CalibrationOptions& options);

}  // namespace migflow

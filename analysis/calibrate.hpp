// Calibration of a scenario's free behavioural parameters to observed bilateral
// migrant stocks (UN DESA), and a backtest on a year the fit did not see.
//
// The objective is the mean squared error of ln(1 + persons) over (origin, Member
// State, year) targets, with the model's stock abroad = regular + irregular migrants
// at mid-year (July), averaged over replicates. The simulation keeps its seed across
// evaluations (common random numbers), so the objective is a deterministic function
// of the parameters, minimised by Nelder-Mead (Eigen) in a transformed space.
#pragma once
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

namespace migflow {

struct StockTarget {
  std::string origin, destination;
  int year = 0;
  double persons = 0;
};

// Reads origin,destination,persons,year rows (scenarios/data/diaspora.csv) for the
// scenario's origins and Member States.
std::vector<StockTarget> read_stock_targets(const std::string& csv, const Scenario& sc);

struct CalibrationOptions {
  std::vector<int> fit_years{2010, 2015};
  int test_year = 2020;
  std::uint64_t agents = 40000;  // the scenario is scaled to this many agents while fitting
  int replicates = 2;
  int max_evaluations = 200;
  double min_agents_per_target = 5;  // smaller observed stocks are below the fit's resolution
};

struct FittedParameter {
  std::string name;
  double start = 0, value = 0;
};

struct TargetFit {
  StockTarget target;
  double model = 0;  // persons
};

struct CalibrationResult {
  std::vector<FittedParameter> parameters;
  double start_rmse = 0;     // fit years, before
  double fit_rmse = 0;       // fit years, after (ln persons)
  double backtest_rmse = 0;  // the test year, after
  int evaluations = 0;
  int below_resolution = 0;  // targets left out
  std::vector<TargetFit> fit, backtest;
};

// Throws std::invalid_argument when the scenario's calendar cannot reach the years.
CalibrationResult calibrate(const Scenario& scenario, const std::vector<StockTarget>& targets,
                            const CalibrationOptions& options);

// The fitted values as a YAML scenario fragment (the origin's `population: - model:`
// block) with the fit and backtest errors in comments, ready for a scenario's `extends:`;
// a world with several partners extends each partner's fragment.
std::string calibration_yaml(const Scenario& scenario, const CalibrationResult& result, const CalibrationOptions& options);

}  // namespace migflow

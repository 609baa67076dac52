// The backtest: forecasts of data the calibration never saw, beside naive forecasts
// (docs/validation.md). From the observed stocks of mid-2015 (the fit cut-off) each
// partner's baseline runs to 2020 (analysis/forecast_window.hpp); its replicates draw
// their parameters from the posterior, and each gets its own observation error, so
// the spread of the forecasts is a predictive distribution. Scored against:
//   - UN DESA stocks of mid-2020 (cells of at least 1,000 persons): RMSE of ln persons
//     and median absolute relative error of the median forecast, beside persistence
//     (the 2015 value) and trend (2015 x 2015 / 2010), and the share of cells inside the
//     50% and 90% predictive intervals;
//   - Frontex detections and Eurostat first-time asylum applicants, 2016-2020: the
//     forecast's ratio to the observed total, and yearly coverage.
// The same from the 2024 revision's own 2015 stocks against its own 2020 ones, and a
// run from 2005 that sees no data after 2005 (the scenarios' own baseline).
#pragma once
#include <string>
#include <vector>

#include "analysis/observations.hpp"

namespace migflow {

struct BacktestOptions {
  int origin_year = kFitCutoff;                         // the forecast starts from this year's observed stocks
  int test_year = 2020;                                 // held-out stocks
  int first_count_year = 2016, last_count_year = 2020;  // held-out detections and applications
  int replicates = 40;  // posterior draws: replicates / the scenario's replicates_per_draw
  // Each forecast is scaled to about this many agents: the calibration's scale (its
  // default), so that its observation errors mean the same (0: as the scenario gives).
  std::uint64_t agents = 40000;
  double min_stock = 1000;  // cells scored: at least this many persons observed
  int noise_draws = 5;      // observation-error draws per replicate
};

// One held-out value and its forecasts.
struct Forecast {
  std::string kind;         // "stock", "detections", "asylum"
  std::string destination;  // stocks; "" for an origin's yearly count
  bool in_eu = true;
  int year = 0;
  double observed = 0;
  double persistence = 0, trend = 0;                      // stocks only
  double median = 0, q05 = 0, q25 = 0, q75 = 0, q95 = 0;  // predictive
};

struct PartnerBacktest {
  std::string partner, scenario;
  int start_year = 0;  // the forecast's origin (2015, or 2005 for the long run)
  std::vector<Forecast> forecasts;
};

// Scores over a set of stock forecasts (ln(1 + persons) throughout).
struct StockScores {
  int cells = 0;
  double rmse_model = 0, rmse_persistence = 0, rmse_trend = 0;
  double mdape_model = 0, mdape_persistence = 0, mdape_trend = 0;
  double inside50 = 0, inside90 = 0;  // shares
};
StockScores score_stocks(const std::vector<const Forecast*>& stocks);

// Forecasts one partner's baseline (a scenario with one origin, extending its
// calibration) from `start_year` with `observed` (one revision) and scores nothing yet.
PartnerBacktest backtest_partner(const Scenario& baseline, const Observations& observed, int start_year,
                                 const BacktestOptions& options);

struct BacktestReport {
  std::vector<PartnerBacktest> revision2020, revision2024, long_run;
  BacktestOptions options;
};

// docs/validation.md: the tables per partner and pooled, with what they mean.
std::string backtest_markdown(const BacktestReport& report);
// Every forecast, one line each, for readers who want their own scores.
std::string backtest_csv(const BacktestReport& report);

}  // namespace migflow

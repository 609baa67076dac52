// The backtest: forecasts of data the calibration never saw, beside naive forecasts
// (docs/validation.md). The calibration fits each partner's baseline as the scenario
// runs it, from 2005 to the fit cut-off; the backtest runs the same baseline on past the
// cut-off, as shipped (its scale, its posterior draws per replicate), and scores:
//   - stocks in the test year (UN DESA, cells of at least 1,000 persons): RMSE of ln
//     persons and median absolute relative error of the median forecast, beside
//     persistence (the cut-off year's value) and trend (its growth over the five years
//     before), and the share of cells inside the 50% and 90% predictive intervals;
//   - the flows after the cut-off (returns, first permits for employment, immigration,
//     asylum applicants, detections, orders, persons found illegally present): the
//     forecast's ratio to the observed total, beside persistence, and yearly coverage;
//   - in-sample, the stocks of the fitted years and the returns' distribution over the
//     Member States.
// Each replicate's value gets `noise_draws` draws of the model discrepancy its posterior
// draw carries (the fitted observation error of that kind), so the intervals are
// predictive intervals of the observed value, as `migflow compare` shows them.
// Reported beside it, a forecast restarted from the cut-off year's observed stocks
// (from both UN DESA revisions).
#pragma once
#include <string>
#include <vector>

#include "analysis/observations.hpp"

namespace migflow {

struct BacktestOptions {
  int origin_year = kFitCutoff;                         // the fit cut-off: data after it are held out
  int test_year = 2020;                                 // held-out stocks
  int first_count_year = 2016, last_count_year = 2020;  // held-out flows
  int replicates = 40;       // posterior draws: replicates / the scenario's replicates_per_draw
  std::uint64_t agents = 0;  // each run is scaled to about this many agents (0: the scenario's scale)
  double min_stock = 1000;   // stock cells scored: at least this many persons observed
  double min_flow = 50;      // per-state flow cells scored: at least this many a year observed
  int noise_draws = 5;       // model-discrepancy draws per replicate
};

// One held-out (or fitted) value and its forecasts.
struct Forecast {
  std::string kind;         // a kObservedKindNames entry
  std::string destination;  // a destination's id, "" for an origin's yearly total
  bool in_eu = true;
  int year = 0;
  double observed = 0;
  double persistence = 0, trend = 0;                      // from the cut-off year's data
  double median = 0, q05 = 0, q25 = 0, q75 = 0, q95 = 0;  // predictive
};

struct PartnerBacktest {
  std::string partner, scenario;
  int start_year = 0;               // where the run starts: the scenario's start, or a restart year
  std::vector<Forecast> forecasts;  // held out
  std::vector<Forecast> fitted;     // in-sample stocks and returns (the shipped run only)
};

// Scores over a set of stock forecasts (ln(1 + persons) throughout).
struct StockScores {
  int cells = 0;
  double rmse_model = 0, rmse_persistence = 0, rmse_trend = 0;
  double mdape_model = 0, mdape_persistence = 0, mdape_trend = 0;
  double inside50 = 0, inside90 = 0;  // shares
};
StockScores score_stocks(const std::vector<const Forecast*>& stocks);

// The partner's baseline (a scenario with one origin, extending its calibration), run as
// the scenario runs it (restart_year 0) or restarted from that year's observed stocks
// in `observed` (one revision), past the cut-off; its forecasts, not yet scored.
PartnerBacktest backtest_partner(const Scenario& baseline, const Observations& observed, int restart_year,
                                 const BacktestOptions& options);

struct BacktestReport {
  std::vector<PartnerBacktest> shipped, restart2020, restart2024;
  BacktestOptions options;
};

// docs/validation.md: the tables per partner and pooled, with what they mean.
std::string backtest_markdown(const BacktestReport& report);
// Every forecast, one line each, for readers who want their own scores.
std::string backtest_csv(const BacktestReport& report);

}  // namespace migflow

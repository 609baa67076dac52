// Comparison statistics and indicators read back from real output files; calibration.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "../test_support.hpp"
#include "analysis/calibrate.hpp"
#include "analysis/compare.hpp"
#include "ensemble/ensemble.hpp"
#include "sim/engine.hpp"

namespace migflow {
namespace {

TEST(Compare, MeanIntervalIsTheStudentTInterval) {
  const Interval iv = mean_interval({1, 2, 3, 4});
  // t(0.975, 3) = 3.182446; sd = 1.290994; half-width = 3.182446 * 1.290994 / 2.
  EXPECT_DOUBLE_EQ(iv.mean, 2.5);
  EXPECT_NEAR(iv.hi - iv.mean, 3.182446305 * 1.290994449 / 2, 1e-8);
  EXPECT_NEAR(iv.mean - iv.lo, iv.hi - iv.mean, 1e-12);
}

TEST(Compare, PairedDifferenceUsesReplicateDifferences) {
  const std::vector<double> a{10, 20, 30, 40}, b{11, 22, 31, 42};
  const Interval paired = difference_interval(a, b, true);
  const Interval welch = difference_interval(a, b, false);
  EXPECT_DOUBLE_EQ(paired.mean, 1.5);
  EXPECT_DOUBLE_EQ(welch.mean, 1.5);
  // Differences 1,2,1,2: sd 0.57735; the paired interval is far narrower than Welch's.
  EXPECT_NEAR(paired.hi - paired.mean, 3.182446305 * 0.577350269 / 2, 1e-8);
  EXPECT_GT(welch.hi - welch.mean, 10 * (paired.hi - paired.mean));
}

TEST(Compare, IndicatorsReadBackEqualTheRecordedSeries) {
  const auto run = testing::run_and_write("model: {emigration_rate: 0.01}", 3);
  const auto& replicates = run.replicates;
  const RunFile file = read_run_file(run.path);
  ASSERT_EQ(file.replicates(), 3u);
  const auto indicators = headline_indicators(file, true);
  for (size_t r = 0; r < 3; ++r) {
    const SeriesGroup& g = replicates[r].core;
    const int arrivals = g.find("arrivals");
    double legal = 0, irregular_deu = 0;
    for (size_t s = 0; s < g.steps(arrivals); ++s)
      for (int m = 0; m < 3; ++m) {
        legal += g.at(arrivals, s, m * kChannelCount);
        if (m == 2) irregular_deu += g.at(arrivals, s, m * kChannelCount + 1);
      }
    bool found_total = false, found_deu = false;
    for (const Indicator& ind : indicators) {
      if (ind.name == "arrivals_legal" && ind.member_state.empty()) {
        EXPECT_DOUBLE_EQ(ind.per_replicate[r], legal);
        found_total = true;
      }
      if (ind.name == "arrivals_irregular" && ind.member_state == "DEU") {
        EXPECT_DOUBLE_EQ(ind.per_replicate[r], irregular_deu);
        found_deu = true;
      }
    }
    EXPECT_TRUE(found_total && found_deu);
    EXPECT_GT(legal, 0);
  }
}

TEST(Compare, RejectsFilesThatAreNotMigflowRuns) {
  const std::string junk = testing::write_temp("junk.h5", "not hdf5");
  EXPECT_THROW(read_run_file(junk), std::runtime_error);
}

}  // namespace
}  // namespace migflow

namespace migflow {
namespace {

// What the small world's model produces, as the "observations" a fit must recover:
// mean stocks abroad at July of 2012, 2014 and 2016, and detections per year (irregular
// crossings into ROU over its two external land edges, MDA->ROU and UKR->ROU, plus
// interceptions there; the MDA->ITA air edge carries no irregular travel).
struct Observed {
  std::vector<StockTarget> stocks;
  std::map<int, double> detections_by_year;
};

Observed observe(const std::shared_ptr<Scenario>& truth) {
  Observed seen;
  auto world = testing::world_of(truth);
  const double ppa = truth->origins[0].persons_per_agent;
  std::vector<std::vector<double>> sums(3, std::vector<double>(3, 0.0));
  for (int r = 0; r < 2; ++r) {
    Engine engine(world, r);
    while (!engine.done()) {
      engine.step();
      const YearMonth d = truth->calendar.date(engine.steps_done() - 1);
      const auto& c = engine.counts();
      for (EdgeId e : {EdgeId{0}, EdgeId{2}})
        seen.detections_by_year[d.year] += (c.flows[c.oe(0, e) * kChannelCount + static_cast<int>(Channel::Irregular)] +
                                            c.edge_intercepted[c.oe(0, e)]) *
                                           ppa / 2;
      if (d.month != 7 || (d.year != 2012 && d.year != 2014 && d.year != 2016)) continue;
      for (int m = 0; m < 3; ++m) {
        const NodeId at = world->member_state_node(m);
        sums[(d.year - 2012) / 2][m] +=
            (c.stocks[c.stock(0, at, Status::Regular)] + c.stocks[c.stock(0, at, Status::Irregular)]) * ppa / 2;
      }
    }
  }
  for (int y = 0; y < 3; ++y)
    for (int m = 0; m < 3; ++m)
      seen.stocks.push_back({"MDA", truth->nodes[world->member_state_node(m)].id, 2012 + 2 * y, sums[y][m]});
  return seen;
}

CalibrationOptions small_world_options() {
  CalibrationOptions options;
  options.fit_years = {2012, 2014};
  options.test_year = 2016;
  options.agents = 20000;
  options.replicates = 2;
  options.max_evaluations = 100;
  options.detection_fit_years = {2010, 2013};
  options.detection_test_years = {2014, 2016};
  return options;
}

const char* const kSmallWorldFit =
    "calendar: {start: 2010-01, end: 2016-12}\npopulation: [{origin: MDA, agents: 20000, model: {";

// Stocks made by the model itself with a known emigration rate: the fit must find it.
TEST(Calibrate, RecoversAKnownEmigrationRateFromItsOwnStocks) {
  const Observed seen = observe(testing::small_scenario(std::string(kSmallWorldFit) + "emigration_rate: 0.004}}]"));
  const CalibrationOptions options = small_world_options();
  auto start = testing::small_scenario(std::string(kSmallWorldFit) + "emigration_rate: 0.0015}}]");
  const CalibrationResult r = calibrate(*start, seen.stocks, options);
  EXPECT_LT(r.fit_rmse, r.start_rmse / 3);
  EXPECT_NEAR(r.parameters[0].value, 0.004, 0.004 * 0.3) << "fitted emigration_rate";
  EXPECT_LT(r.backtest_rmse, 0.2);
  EXPECT_EQ(r.parameters.size(), 4u) << "without detections, the channel split is not fitted";
  EXPECT_NE(calibration_yaml(*start, r, options).find("emigration_rate:"), std::string::npos);
}

// Stocks and border detections made by the model with a known channel split: the fit,
// started from the default split, must find irregular_propensity, which moves the
// detections tenfold while the stocks barely tell it apart.
TEST(Calibrate, RecoversAKnownIrregularPropensityFromItsOwnDetections) {
  const Observed seen = observe(
      testing::small_scenario(std::string(kSmallWorldFit) + "emigration_rate: 0.004, irregular_propensity: 0.05}}]"));
  const CalibrationOptions options = small_world_options();
  // The detections file as the data script writes it, with a route column to sum over.
  std::string csv = "origin,year,route,border_type,detections\n";
  for (const auto& [year, n] : seen.detections_by_year) {
    csv += "MDA," + std::to_string(year) + ",Eastern Borders Route,Land," + std::to_string(n * 0.75) + "\n";
    csv += "MDA," + std::to_string(year) + ",Black Sea Route,Sea," + std::to_string(n * 0.25) + "\n";
  }
  auto start =
      testing::small_scenario(std::string(kSmallWorldFit) + "emigration_rate: 0.004, irregular_propensity: 0.5}}]");
  const auto detections = read_detection_targets(testing::write_temp("detections.csv", csv), *start,
                                                 {options.detection_fit_years, options.detection_test_years});
  ASSERT_EQ(detections.size(), 2u);
  double observed_fit = 0;
  for (int y = 2010; y <= 2013; ++y) observed_fit += seen.detections_by_year.at(y);
  EXPECT_NEAR(detections[0].detections, observed_fit, 1e-6 * observed_fit) << "routes summed over the fit years";

  const CalibrationResult r = calibrate(*start, seen.stocks, options, detections);
  ASSERT_EQ(r.parameters.size(), 5u);
  EXPECT_EQ(r.parameters[4].name, "irregular_propensity");
  EXPECT_GT(r.start_detection_error, 1.0) << "the default split is far from the truth";
  EXPECT_NEAR(r.parameters[4].value, 0.05, 0.05 * 0.35) << "fitted irregular_propensity";
  EXPECT_LT(r.detection_error, 0.15);
  EXPECT_LT(r.detection_backtest_error, 0.3);
  EXPECT_LT(r.fit_rmse, 0.2);
  EXPECT_NE(calibration_yaml(*start, r, options).find("irregular_propensity:"), std::string::npos);
}

}  // namespace
}  // namespace migflow

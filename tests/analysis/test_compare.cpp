// Comparison statistics and indicators read back from real output files; calibration.
#include <gtest/gtest.h>

#include <cmath>

#include "../test_support.hpp"
#include "analysis/calibrate.hpp"
#include "analysis/compare.hpp"
#include "sim/engine.hpp"
#include "sim/ensemble.hpp"

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

// Stocks made by the model itself with a known emigration rate: the fit must find it.
TEST(Calibrate, RecoversAKnownEmigrationRateFromItsOwnStocks) {
  auto truth = testing::small_scenario(
      "calendar: {start: 2010-01, end: 2016-12}\npopulation: [{origin: MDA, agents: 20000, model: {emigration_rate: 0.004}}]");
  CalibrationOptions options;
  options.fit_years = {2012, 2014};
  options.test_year = 2016;
  options.agents = 20000;
  options.replicates = 2;
  options.max_evaluations = 100;
  // "Observed" stocks: the true model's mean stocks abroad at mid-year.
  std::vector<StockTarget> observed;
  {
    auto world = testing::world_of(truth);
    std::vector<std::vector<double>> sums(3, std::vector<double>(3, 0.0));
    for (int r = 0; r < 2; ++r) {
      Engine engine(world, r);
      while (!engine.done()) {
        engine.step();
        const YearMonth d = truth->calendar.date(engine.steps_done() - 1);
        if (d.month != 7 || (d.year != 2012 && d.year != 2014 && d.year != 2016)) continue;
        for (int m = 0; m < 3; ++m) {
          const NodeId at = world->member_state_node(m);
          const auto& c = engine.counts();
          sums[(d.year - 2012) / 2][m] += (c.stocks[c.stock(0, at, Status::Regular)] + c.stocks[c.stock(0, at, Status::Irregular)]) *
                                          truth->origins[0].persons_per_agent / 2;
        }
      }
    }
    for (int y = 0; y < 3; ++y)
      for (int m = 0; m < 3; ++m)
        observed.push_back({"MDA", truth->nodes[world->member_state_node(m)].id, 2012 + 2 * y, sums[y][m]});
  }
  auto start = testing::small_scenario(
      "calendar: {start: 2010-01, end: 2016-12}\npopulation: [{origin: MDA, agents: 20000, model: {emigration_rate: 0.0015}}]");
  const CalibrationResult r = calibrate(*start, observed, options);
  EXPECT_LT(r.fit_rmse, r.start_rmse / 3);
  EXPECT_NEAR(r.parameters[0].value, 0.004, 0.004 * 0.3) << "fitted emigration_rate";
  EXPECT_LT(r.backtest_rmse, 0.2);
  EXPECT_NE(calibration_yaml(*start, r, options).find("emigration_rate:"), std::string::npos);
}

}  // namespace
}  // namespace migflow

// Comparison statistics and indicators read back from real output files.
#include <gtest/gtest.h>

#include <cmath>

#include "../test_support.hpp"
#include "analysis/compare.hpp"
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

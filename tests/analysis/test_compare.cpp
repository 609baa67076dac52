// Comparison statistics and indicators read back from real output files; calibration.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "../test_support.hpp"
#include "analysis/calibrate.hpp"
#include "analysis/compare.hpp"
#include "ensemble/ensemble.hpp"
#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace migflow {
namespace {

TEST(Compare, SummarySpansTheReplicates) {
  std::vector<double> x;
  for (int v = 1; v <= 41; ++v) x.push_back(v);
  const Summary s = summarize(x, std::vector<int>(41, -1));  // point values: all chance
  EXPECT_DOUBLE_EQ(s.mean, 21);
  EXPECT_DOUBLE_EQ(s.lo, 2);  // the 2.5% quantile of 1..41
  EXPECT_DOUBLE_EQ(s.hi, 40);
  EXPECT_DOUBLE_EQ(s.parameter_share, 0);
  EXPECT_NEAR(s.mean_error, s.sd / std::sqrt(41.0), 1e-12);
}

// Replicates in pairs that share a draw: x = parameter effect (sd 2) + chance (sd 1), so
// the parameters' share of the variance is 4 / 5.
TEST(Compare, VarianceSplitsIntoParametersAndChance) {
  std::vector<double> x;
  std::vector<int> groups;
  for (int g = 0; g < 400; ++g) {
    const Draws u = draw(5, static_cast<std::uint64_t>(g), 0, Purpose::Sensitivity);
    const double effect = 2 * normal_from_uniforms(u.uniform(0), u.uniform(1));
    for (std::uint32_t j = 0; j < 2; ++j) {
      const Draws chance = draw(5, static_cast<std::uint64_t>(g), 1 + j, Purpose::Sensitivity);
      x.push_back(effect + normal_from_uniforms(chance.uniform(0), chance.uniform(1)));
      groups.push_back(g);
    }
  }
  EXPECT_NEAR(summarize(x, groups).parameter_share, 0.8, 0.05);
  std::vector<int> singles(x.size());
  for (size_t r = 0; r < singles.size(); ++r) singles[r] = static_cast<int>(r);
  EXPECT_TRUE(std::isnan(summarize(x, singles).parameter_share)) << "no shared draws: cannot tell";
}

TEST(Compare, PairedDifferenceUsesReplicateDifferences) {
  const std::vector<double> a{10, 20, 30, 40}, b{11, 22, 31, 42};
  const std::vector<int> groups(4, -1);
  const Summary paired = summarize_difference(a, b, true, groups, groups);
  const Summary independent = summarize_difference(a, b, false, groups, groups);
  EXPECT_DOUBLE_EQ(paired.mean, 1.5);
  EXPECT_DOUBLE_EQ(independent.mean, 1.5);
  EXPECT_NEAR(paired.sd, 0.577350269, 1e-8);  // differences 1, 2, 1, 2
  EXPECT_GT(independent.sd, 10 * paired.sd);
}

// A posterior with two very different emigration rates, two replicates per draw: the
// spread of arrivals comes mostly from the parameters, and the file says which draw
// each replicate used.
TEST(Compare, PosteriorDrawsCarryParameterUncertaintyIntoTheIntervals) {
  const auto run = testing::run_and_write(R"(
replicates_per_draw: 2
population:
  - origin: MDA
    posterior: {parameters: [emigration_rate], draws: [[0.001], [0.008]]}
)",
                                          16);
  const RunFile file = read_run_file(run.path);
  ASSERT_EQ(file.parameter_draws.size(), 16u);
  for (size_t r = 0; r < 16; r += 2) EXPECT_EQ(file.parameter_draws[r], file.parameter_draws[r + 1]);
  const std::vector<int> groups = draw_groups(file);
  for (const Indicator& ind : headline_indicators(file, false)) {
    if (ind.name == "arrivals_legal") {
      EXPECT_GT(summarize(ind.per_replicate, groups).parameter_share, 0.8);
    }
  }
}

// The table's note says what its intervals hold: parameters and chance, or chance alone.
TEST(Compare, NoteSaysWhetherIntervalsHoldParameterUncertainty) {
  const auto posterior = testing::run_and_write(
      "population:\n  - origin: MDA\n    posterior: {parameters: [emigration_rate], draws: [[0.001], [0.008]]}\n", 4);
  const auto point = testing::run_and_write("model: {emigration_rate: 0.002}", 4);
  const std::vector<RunFile> both{read_run_file(posterior.path), read_run_file(posterior.path)};
  EXPECT_NE(comparison_note(compare_runs(both, false)).find("parameter uncertainty and chance"), std::string::npos);
  const std::vector<RunFile> fixed{read_run_file(point.path), read_run_file(point.path)};
  EXPECT_NE(comparison_note(compare_runs(fixed, false)).find("chance alone"), std::string::npos);
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

// The model discrepancy enters as the calibration's observation model has it: one error
// per observed series (a Member State) and year. A total over several Member States
// averages their independent errors, so its spread around the model's value is smaller
// than a single Member State's; applied to the total as one factor (one series), the two
// would spread alike. Runs with the same seeds share the draws.
TEST(Compare, ModelDiscrepancyIsDrawnPerMemberStateAndYear) {
  const auto run = testing::run_and_write("model: {emigration_rate: 0.01}", 60);
  const RunFile plain = read_run_file(run.path);
  RunFile noisy = plain;
  const double sigma = 0.5;
  noisy.model_discrepancy.assign(plain.replicates(), std::vector<double>(kObservedKinds, sigma));
  noisy.model_discrepancy_correlation.assign(plain.replicates(), std::vector<double>{0.5});
  auto by_key = [](const std::vector<Indicator>& all) {
    std::map<std::string, const Indicator*> m;
    for (const Indicator& i : all) m[i.name + "/" + i.member_state] = &i;
    return m;
  };
  const auto without_all = headline_indicators(plain, true), with_all = headline_indicators(noisy, true);
  const auto without = by_key(without_all), with = by_key(with_all);
  const Indicator& total = *with.at("arrivals_legal/");
  EXPECT_TRUE(total.with_discrepancy);
  EXPECT_FALSE(without.at("arrivals_legal/")->with_discrepancy);
  auto log_sd = [&](const std::string& key) {
    const auto& a = with.at(key)->per_replicate;
    const auto& b = without.at(key)->per_replicate;
    double sum = 0, sum2 = 0;
    for (size_t r = 0; r < a.size(); ++r) {
      const double x = std::log(a[r] / b[r]);
      sum += x;
      sum2 += x * x;
    }
    const double n = static_cast<double>(a.size());
    return std::sqrt(sum2 / n - (sum / n) * (sum / n));
  };
  double smallest_state = 1e9;
  for (const char* ms : {"ROU", "ITA", "DEU"}) {
    const double sd = log_sd(std::string("arrivals_legal/") + ms);
    EXPECT_GT(sd, 0.1) << ms;
    smallest_state = std::min(smallest_state, sd);
  }
  EXPECT_LT(log_sd("arrivals_legal/"), 0.85 * smallest_state);
  // Same seeds, same draws: the file read twice gives identical values.
  const auto again = headline_indicators(noisy, true);
  for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i].per_replicate, with_all[i].per_replicate);
}

// A run whose series disagree with their coordinates (a file migflow did not write, or
// a Dataset cut along one axis in Python) is refused with the reason, not read out of
// bounds: a status axis one short, a date axis one short, a missing status.
TEST(Compare, RunsWhoseShapesDisagreeWithTheirCoordinatesAreRefused) {
  const auto written = testing::run_and_write("", 2);
  const RunFile good = read_run_file(written.path);
  ASSERT_NO_THROW(headline_indicators(good, true));
  auto refused = [](const RunFile& run, const std::string& why) {
    try {
      headline_indicators(run, true);
      ADD_FAILURE() << "accepted; expected: " << why;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  RunFile short_status = good;
  short_status.labels["status"].pop_back();
  refused(short_status, "along 'status'");
  RunFile short_dates = good;
  short_dates.dates.pop_back();
  refused(short_dates, "steps");
  RunFile renamed = good;
  for (std::string& label : renamed.labels["status"])
    if (label == "in_transit") label = "travelling";
  refused(renamed, "lacks 'in_transit'");
}

TEST(Compare, RejectsFilesThatAreNotMigflowRuns) {
  const std::string junk = testing::write_temp("junk.h5", "not hdf5");
  EXPECT_THROW(read_run_file(junk), std::runtime_error);
}

}  // namespace
}  // namespace migflow

// The Bayesian calibration: the fit/test split it enforces, its reproducibility, and a
// self-check by simulation-based calibration (Talts et al. 2018): parameters drawn from
// the prior, data simulated by the model with them (and observation errors), and the
// posterior's 50% and 90% intervals must hold the true values at about those rates.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "../test_support.hpp"
#include "analysis/calibrate.hpp"
#include "analysis/forecast_window.hpp"
#include "sim/rng.hpp"

namespace migflow {
namespace {

// The small world from 2005, about 1,100 agents: cheap enough for many calibrations.
const char* const kWorld = R"(
calendar: {start: 2005-01, end: 2015-12}
population: [{origin: MDA, agents: 1000}]
model: {emigration_rate: 0.002, asylum_application: 0}
)";

std::vector<ParameterPrior> self_check_priors() {
  return {{"emigration_rate", Transform::Log, std::log(0.002), 0.5, 1e-8, 1},
          {"return_rate", Transform::Log, std::log(0.003), 0.5, 1e-6, 1},
          {"logit_diaspora", Transform::Identity, 0.6, 0.4, -50, 50},
          {"observation_error_stocks", Transform::Log, std::log(0.4), 0.3, 1e-3, 10},
          {"observation_error_detections", Transform::Log, std::log(0.4), 0.3, 1e-3, 10}};
}

CalibrationOptions self_check_options(std::uint64_t seed) {
  CalibrationOptions o;
  o.priors = self_check_priors();
  o.destination_effects = false;  // a plug-in estimate, checked on its own below
  // With fewer particles the sample's quantiles alone lose coverage: 48 iid draws put
  // about 86% of the distribution between their 5% and 95% quantiles.
  o.smc.particles = 96;
  o.smc.seed = seed;
  return o;
}

// Data the model makes with `truth` (one draw of the natural values, in the priors'
// order): the run from 2005 as the calibration sees it, its expected values (the mean
// of 10 replicates, with other random numbers than the fit's) with ln-normal
// observation errors. That is the calibration's observation model: data = model
// expectation + error, while the fit sees one simulated realisation, whose noise its
// likelihood allows for.
Observations simulate_observations(const Scenario& sc, const std::vector<double>& truth, int trial) {
  ModelParams p = sc.origins[0].behaviour;
  p.emigration_rate = truth[0];
  p.return_rate = truth[1];
  p.logit_diaspora = truth[2];
  Observations obs;
  std::uint32_t noise = 0;
  // On the calibration's scale: ln(one agent's worth + persons).
  const double offset = sc.origins[0].persons_per_agent;
  auto observe = [&](double model, double sd) {
    const Draws u = draw(7, static_cast<std::uint64_t>(trial), noise++, Purpose::ObservationNoise);
    return std::max(
        0.0, std::exp(std::log(offset + model) + sd * normal_from_uniforms(u.uniform(0), u.uniform(1))) - offset);
  };
  const ForecastWindow window(sc, obs, std::nullopt, 2015);
  const ModelObservations m = mean_of(window.simulate({&p, 1}, 10, 1000 + 10 * trial));
  for (int year : {2010, 2015})
    for (int d = 0; d < 3; ++d)
      obs[ObservedKind::Stock].push_back({0, d, year, observe(m.at(ObservedKind::Stock, 0, d, year), truth[3])});
  for (int y = 2006; y <= 2015; ++y)
    obs[ObservedKind::Detections].push_back({0, -1, y, observe(m.at(ObservedKind::Detections, 0, -1, y), truth[4])});
  return obs;
}

TEST(Calibrate, ReadsNothingAfterItsCutoff) {
  auto sc = testing::small_scenario(kWorld);
  const Observations obs = simulate_observations(*sc, {0.002, 0.003, 0.6, 0.15, 0.2}, 0);
  Observations later = obs;
  later[ObservedKind::Stock].push_back({0, 1, 2020, 123456});
  later[ObservedKind::Detections].push_back({0, -1, 2016, 999});
  later[ObservedKind::Asylum].push_back({0, -1, 2016, 999});
  EXPECT_EQ(later.up_to(2015)[ObservedKind::Stock].size(), obs[ObservedKind::Stock].size());
  CalibrationOptions o = self_check_options(1);
  o.smc.particles = 16;
  const CalibrationResult with = calibrate(*sc, later, o), without = calibrate(*sc, obs, o);
  EXPECT_EQ(with.posterior.particles, without.posterior.particles);  // the later data changed nothing
  EXPECT_EQ(with.targets, without.targets);
  // An earlier cut-off reads less: 2010's stocks only.
  o.fit_cutoff = 2010;
  EXPECT_EQ(calibrate(*sc, later, o).targets[static_cast<int>(ObservedKind::Stock)], 3);
}

TEST(Calibrate, SamePosteriorOnOneAndTwoThreads) {
  auto sc = testing::small_scenario(kWorld);
  const Observations obs = simulate_observations(*sc, {0.002, 0.003, 0.6, 0.15, 0.2}, 0);
  auto run = [&](int threads) {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
    CalibrationOptions o = self_check_options(3);
    o.smc.particles = 16;
    return calibrate(*sc, obs, o);
  };
  const CalibrationResult one = run(1), two = run(2);
  EXPECT_EQ(one.posterior.particles, two.posterior.particles);
  EXPECT_EQ(one.posterior.evaluations, two.posterior.evaluations);
  EXPECT_EQ(one.targets[static_cast<int>(ObservedKind::Stock)], 6);
  EXPECT_EQ(one.targets[static_cast<int>(ObservedKind::Detections)], 10);
}

// Pair effects: data made with a strong preference for Germany (+1.5 in the choice)
// and none elsewhere; the calibration's empirical Bayes estimate finds it, and leaves
// the others near none.
TEST(Calibrate, DestinationEffectsRecoverAPreferenceTheOtherTermsDoNotExplain) {
  const std::string world = "calendar: {start: 2005-01, end: 2015-12}\nmodel: {emigration_rate: 0.002}\n";
  auto truth_sc = testing::small_scenario(world +
                                          "population: [{origin: MDA, agents: 20000, "
                                          "destination_effects: {DEU: 1.5}}]\n");
  const ModelParams p = truth_sc->origins[0].behaviour;
  const ForecastWindow window(*truth_sc, Observations{}, std::nullopt, 2015);
  const ModelObservations m = mean_of(window.simulate({&p, 1}, 4, 500));
  Observations obs;
  for (int year : {2010, 2015})
    for (int d = 0; d < 3; ++d) obs[ObservedKind::Stock].push_back({0, d, year, m.at(ObservedKind::Stock, 0, d, year)});
  auto sc = testing::small_scenario(world + "population: [{origin: MDA, agents: 20000}]\n");
  CalibrationOptions o = self_check_options(5);
  o.destination_effects = true;
  o.smc.particles = 16;
  const CalibrationResult r = calibrate(*sc, obs, o);
  std::map<std::string, double> effect;
  for (const auto& [node, value] : r.destination_effects) effect[sc->nodes[node].id] = value;
  EXPECT_GT(effect["DEU"] - std::max(effect["ITA"], effect["ROU"]), 0.7);
}

// Simulation-based calibration: over trials whose truths are drawn from the prior, the
// posterior's central 90% (50%) intervals must hold the true value about 90% (50%) of
// the time. 20 trials x 5 parameters = 100 intervals; with a correct posterior the
// counts are binomial (sd 3 and 5), and the bounds below are about 3.3 sd wide.
// A posterior that is too narrow (overconfident) or too wide fails.
TEST(Calibrate, SelfCheckRecoversKnownParametersAtTheNominalRates) {
  auto sc = testing::small_scenario(kWorld);
  const std::vector<ParameterPrior> priors = self_check_priors();
  const int trials = 20;
  int inside90 = 0, inside50 = 0, intervals = 0;
  for (int trial = 0; trial < trials; ++trial) {
    std::vector<double> truth;
    for (size_t j = 0; j < priors.size(); ++j) {
      const Draws u = draw(11, static_cast<std::uint64_t>(trial), static_cast<std::uint32_t>(j), Purpose::Prior);
      truth.push_back(
          priors[j].to_natural(priors[j].mean + priors[j].sd * normal_from_uniforms(u.uniform(0), u.uniform(1))));
    }
    // The fit's own random numbers (the scenario seed's replicate 0) are part of what
    // varies from trial to trial: one realisation's chance would otherwise shift every
    // trial's posterior the same way.
    sc->seed = 5000 + static_cast<std::uint64_t>(trial);
    const Observations obs = simulate_observations(*sc, truth, trial);
    const CalibrationResult r = calibrate(*sc, obs, self_check_options(100 + static_cast<std::uint64_t>(trial)));
    for (size_t j = 0; j < priors.size(); ++j) {
      std::vector<double> column;
      for (const auto& p : r.posterior.particles) column.push_back(p[j]);
      std::sort(column.begin(), column.end());
      auto at = [&](double q) {
        return column[static_cast<size_t>(std::lround(q * static_cast<double>(column.size() - 1)))];
      };
      inside90 += truth[j] >= at(0.05) && truth[j] <= at(0.95);
      inside50 += truth[j] >= at(0.25) && truth[j] <= at(0.75);
      ++intervals;
    }
  }
  std::printf("self-check: %d of %d true values inside their 90%% intervals, %d inside their 50%% intervals\n",
              inside90, intervals, inside50);
  EXPECT_GE(inside90, 80) << inside90 << " of " << intervals << " in their 90% intervals";
  EXPECT_LE(inside90, 99) << inside90 << " of " << intervals << " in their 90% intervals";
  EXPECT_GE(inside50, 34) << inside50 << " of " << intervals << " in their 50% intervals";
  EXPECT_LE(inside50, 66) << inside50 << " of " << intervals << " in their 50% intervals";
}

}  // namespace
}  // namespace migflow

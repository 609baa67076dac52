// The simulated ensemble against the exact expectation (Eigen), and the expectation
// module against closed forms.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>

#include "../test_support.hpp"
#include "sim/engine.hpp"
#include "sim/expectation.hpp"

namespace migflow {
namespace {

// No interactions, so agents are independent chains; resources vary across households.
const char* kIndependent = R"(
population:
  - {origin: MDA, agents: 1000000, skills: {low: 0.5, medium: 0.35, high: 0.15},
     model: {savings_months: 3, savings_dispersion: 1.0}}
model:
  emigration_rate: 0.004
  logit_diaspora: 0
  aspiration_diaspora: 0
  remittance_share: 0
  savings_dispersion: 0.8
  permit_months: 6
  detection_rate: 0.05
  transit_give_up: 0.05
)";

TEST(Expectation, GaussHermiteIntegratesNormalMoments) {
  std::vector<double> z, w;
  normal_quadrature(16, z, w);
  double m0 = 0, m2 = 0, m4 = 0, lognormal = 0;
  for (size_t i = 0; i < z.size(); ++i) {
    m0 += w[i];
    m2 += w[i] * z[i] * z[i];
    m4 += w[i] * std::pow(z[i], 4);
    lognormal += w[i] * std::exp(0.8 * z[i]);
  }
  EXPECT_NEAR(m0, 1.0, 1e-12);
  EXPECT_NEAR(m2, 1.0, 1e-10);
  EXPECT_NEAR(m4, 3.0, 1e-9);
  EXPECT_NEAR(lognormal, std::exp(0.32), 1e-9);
}

TEST(Expectation, MatchesClosedFormForOneWayLegalMoves) {
  // Everyone who leaves goes legally and never comes back: P(home after T) = (1-p)^T.
  // No visits: a visitor is away from home for a while.
  auto sc = testing::small_scenario(R"(
short_stays_csv: ~
model: {logit_diaspora: 0, aspiration_diaspora: 0, remittance_share: 0, savings_dispersion: 0,
        legal_access: 1, return_rate: 0, permit_renewal: 1, overstay: 0})");
  auto world = testing::world_of(sc);
  const ExpectedStocks ex = expected_stocks(*world, 24);
  StepTables t;
  StepCounts none;
  none.resize(1, world->destination_count(), world->node_count(), world->edge_count(), 0);
  const std::vector<ModelParams> params = scenario_parameters(*sc);
  const NodeId home = world->origin_node(0);
  double expected_home = 0;
  for (int k = 0; k < kSkillCount; ++k) {
    double stay = 1;
    for (int s = 0; s < 24; ++s) {
      t.build(*world, baseline_environment(*world, params), params, none, s);
      const double r = t.savings_scale[0];
      stay *= std::exp(-t.leave_hazard[t.ok(0, k)] * r / (r + t.migration_cost[0]));
    }
    expected_home += sc->origins[0].skill_shares[k] * stay;
  }
  // Shares are of all the origin's agents, the diaspora abroad included.
  expected_home *= static_cast<double>(sc->origins[0].agents) / static_cast<double>(sc->origins[0].total_agents());
  EXPECT_NEAR(ex.share[23][home * kStatusCount + static_cast<int>(Status::AtHome)], expected_home, 1e-12);
  double total = 0;
  for (double v : ex.share[23]) total += v;
  EXPECT_NEAR(total, 1.0, 1e-12);
}

TEST(Expectation, RefusesInteractingScenarios) {
  auto world = testing::world_of(testing::small_scenario());
  EXPECT_THROW(expected_stocks(*world, 3), std::invalid_argument);
}

// The simulated stocks of one million agents lie within 4.5 standard deviations of the
// exact expectation, in every (node, status) cell, at three dates. A cell's count is a
// sum of independent Bernoulli indicators, so its sd is sqrt(N p (1 - p)).
ExpectedStocks expect_engine_matches_expectation(const std::shared_ptr<Scenario>& sc) {
  auto world = testing::world_of(sc);
  const int steps = sc->calendar.steps();
  const ExpectedStocks ex = expected_stocks(*world, steps);
  Engine engine(world, 0);
  const double n = static_cast<double>(sc->origins[0].total_agents());
  int checked = 0;
  while (!engine.done()) {
    engine.step();
    const int s = engine.steps_done() - 1;
    if (s != 5 && s != 17 && s != steps - 1) continue;
    for (int node = 0; node < world->node_count(); ++node)
      for (int st = 0; st < kStatusCount; ++st) {
        const size_t cell = static_cast<size_t>(node) * kStatusCount + st;
        const double p = ex.share[s][cell];
        const double simulated = static_cast<double>(engine.counts().stocks[cell]);
        const double sd = std::sqrt(n * p * (1 - p));
        EXPECT_NEAR(simulated, n * p, 4.5 * sd + 1e-9)
            << "step " << s << " node " << sc->nodes[node].id << " status " << kStatusNames[st];
        if (p > 1e-4) ++checked;
      }
  }
  EXPECT_GE(checked, 20);  // the comparison covered many occupied cells
  return ex;
}

// Every engine (stepped and event-driven) must match the exact expectation: the same
// bodies, parametrised by engine.
class EngineExpectation : public ::testing::TestWithParam<EngineMode> {
 protected:
  ExpectedStocks expect_simulation_matches_expectation(const std::shared_ptr<Scenario>& sc) const {
    sc->engine = GetParam();
    return expect_engine_matches_expectation(sc);
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, EngineExpectation, ::testing::Values(EngineMode::Stepped, EngineMode::Event),
                         [](const ::testing::TestParamInfo<EngineMode>& info) {
                           return std::string(kEngineModeNames[static_cast<int>(info.param)]);
                         });

TEST_P(EngineExpectation, SimulatedMeanMatchesExactExpectation) {
  expect_simulation_matches_expectation(testing::small_scenario(kIndependent));
}

// Every channel and status at once: a destination outside the EU open to the origin
// (visa-free, legal access 1), visits on short stays under a visa regime with
// overstays, students, a starting diaspora partly irregular, asylum
// applications with decisions and returns, readmission with a detection factor,
// exploitation of irregular arrivals with identification raised by anti_trafficking in
// one Member State (victims granted short permits or assisted home).
TEST_P(EngineExpectation, SimulatedMeanMatchesExactExpectationWithEveryChannel) {
  auto sc = testing::small_scenario(std::string(kIndependent) + R"(
nodes:
  - {id: RUS, role: destination, population: 95000000, gdp_pc: 25000, unemployment: 0.06,
     entry: [{origins: [MDA], legal_access: 1}]}
edges:
  - {from: MDA, to: RUS, distance_km: 1150, mode: air}
policies:
  - {name: visa_regime, member_states: [ITA, DEU], regimes: [{partner: MDA, kind: liberalisation, from: 2010-06}]}
  - {name: readmission, agreements: [{partner: MDA, in_force: 2011-01, execution: 0.7, assumption: a test}], detection_factor: 2}
  - {name: anti_trafficking, member_states: [ITA], from: 2010-07, funding_per_year: 1000000, lag_months: 3,
     ramp_years: 1, protection_share: 0.4, permit_months: 4}
)");
  // The origin's own overstay, asylum, irregular and exploitation shares, as a
  // calibration sets them.
  ModelParams& own = sc->origins[0].behaviour;
  own.overstay = 0.5;
  own.visit_overstay = 0.3;
  own.study_rate = 0.02;
  own.initial_irregular_share = 0.2;
  own.asylum_application = 0.4;
  own.asylum_recognition = 0.3;
  own.irregular_propensity = 0.6;
  own.exploitation_share = 0.3;
  own.victim_identification = 0.03;
  sc->model.victim_protection = 0.7;
  sc->model.victim_permit_months = 3;
  sc->model.asylum_decision_months = 4;
  sc->model.protection_permit_months = 5;
  auto world = testing::world_of(sc);
  ASSERT_EQ(world->destination_count(), 4);
  ASSERT_FALSE(world->governed_by_eu(3));
  const ExpectedStocks ex = expect_simulation_matches_expectation(sc);
  // The comparison covered every status and the destination outside the EU.
  std::vector<double> by_status(kStatusCount, 0.0);
  const std::vector<double>& end = ex.share.back();
  for (size_t cell = 0; cell < end.size(); ++cell) by_status[cell % kStatusCount] += end[cell];
  for (int st = 0; st < kStatusCount; ++st) EXPECT_GT(by_status[st], 1e-4) << kStatusNames[st];
  const NodeId rus = static_cast<NodeId>(sc->node_index("RUS"));
  EXPECT_GT(end[rus * kStatusCount + static_cast<int>(Status::Regular)], 1e-3);
}

// Asylum as the main route: no legal access, every irregular arrival applies, half are
// recognised after two months and get a three-month protection permit, renewed or not.
TEST_P(EngineExpectation, SimulatedMeanMatchesExactExpectationWhenAsylumIsTheMainRoute) {
  auto sc = testing::small_scenario(std::string(kIndependent) + R"(
policies:
  - {name: readmission, agreements: [{partner: MDA, in_force: 2010-01, execution: 0.5, assumption: a test}]}
)");
  ModelParams& own = sc->origins[0].behaviour;
  own.legal_access = 0;
  own.irregular_propensity = 1;
  own.asylum_application = 1;
  own.asylum_recognition = 0.5;
  sc->model.asylum_decision_months = 2;
  sc->model.protection_permit_months = 3;
  sc->model.permit_renewal = 0.3;
  const ExpectedStocks ex = expect_simulation_matches_expectation(sc);
  double asylum = 0;
  for (size_t cell = 0; cell < ex.share.back().size(); ++cell)
    if (cell % kStatusCount == static_cast<size_t>(Status::AsylumSeeker)) asylum += ex.share.back()[cell];
  EXPECT_GT(asylum, 5e-3);
}

// Exploitation as the main route: no legal access and no asylum, every irregular
// arrival is exploited; victims are identified at the baseline rate in DEU and at the
// rate anti_trafficking funds in ITA, and most of them get a permit that outlasts the run.
TEST_P(EngineExpectation, SimulatedMeanMatchesExactExpectationWhenExploitationIsTheMainRoute) {
  auto sc = testing::small_scenario(std::string(kIndependent) + R"(
policies:
  - {name: anti_trafficking, member_states: [ITA], funding_per_year: 3000000, lag_months: 6, ramp_years: 1,
     protection_share: 0.8, permit_months: 120}
)");
  ModelParams& own = sc->origins[0].behaviour;
  own.legal_access = 0;
  own.irregular_propensity = 1;
  own.asylum_application = 0;
  own.exploitation_share = 1;
  own.victim_identification = 0.02;
  own.return_rate = 0.001;
  const ExpectedStocks ex = expect_simulation_matches_expectation(sc);
  double exploited = 0;
  for (size_t cell = 0; cell < ex.share.back().size(); ++cell)
    if (cell % kStatusCount == static_cast<size_t>(Status::Exploited)) exploited += ex.share.back()[cell];
  EXPECT_GT(exploited, 5e-3);
}

// The model's own migration hump: the expected monthly hazard of leaving for a person
// at home, over the log-normal household resources, as the home country's GDP per head
// rises while everything else stays as it is. Clemens (2020, CGD WP 540): emigration
// rises with GDP per head, slowing after about $5,000 PPP and reversing after about
// $10,000 (older PPP dollars; the model's are constant 2021 international $, about 1.2
// times as many), with a within-country elasticity of +0.35 before the reversal.
TEST(Hump, PeaksAtTheIncomesOfTheEvidenceAndRisesAsFastBeforeIt) {
  std::vector<double> nodes, weights;
  normal_quadrature(40, nodes, weights);
  auto hazard = [&](double gdp_pc) {
    auto sc = testing::small_scenario("nodes: [{id: MDA, gdp_pc: " + std::to_string(gdp_pc) +
                                      ", unemployment: 0.07}]\nmodel: {remittance_share: 0}");
    sc->origins[0].behaviour = ModelParams{};  // the defaults, which the hump is about
    auto world = testing::world_of(sc);
    const std::vector<ModelParams> params = scenario_parameters(*sc);
    StepCounts none;
    none.resize(1, world->destination_count(), world->node_count(), world->edge_count(), 0);
    StepTables t;
    t.build(*world, baseline_environment(*world, params), params, none, 0);
    const double sigma = params[0].savings_dispersion;
    double expected = 0;
    for (size_t j = 0; j < nodes.size(); ++j) {
      const double r = std::exp(sigma * nodes[j] - 0.5 * sigma * sigma) * t.savings_scale[0];
      expected += weights[j] * t.leave_hazard[t.ok(0, 0)] * r / (r + t.migration_cost[0]);
    }
    return expected;
  };
  double peak = 0, best = 0;
  for (double gdp = 1000; gdp <= 40000; gdp *= 1.05)
    if (const double h = hazard(gdp); h > best) best = h, peak = gdp;
  EXPECT_GE(peak, 6000 * 1.2) << "the peak, in constant 2021 PPP $";
  EXPECT_LE(peak, 12000 * 1.2) << "the peak, in constant 2021 PPP $";
  // The elasticity before the peak, 1,000 to 5,000 $, and after it.
  const double rising = std::log(hazard(5000) / hazard(1000)) / std::log(5.0);
  EXPECT_NEAR(rising, 0.35, 0.08);
  EXPECT_LT(hazard(40000), hazard(20000));
}

}  // namespace
}  // namespace migflow

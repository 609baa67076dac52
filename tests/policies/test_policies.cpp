// Policy modules: every registered module through the same checks, then each one's
// expected effect on flows, and bad policy blocks.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>

#include "../test_support.hpp"
#include "ensemble/ensemble.hpp"
#include "policies/registry.hpp"
#include "sim/engine.hpp"
#include "sim/expectation.hpp"

namespace migflow {

void PrintTo(const PolicyModule& m, std::ostream* os) { *os << m.name; }

namespace {

using testing::small_scenario;
using testing::world_of;

std::vector<ReplicateSeries> run(const std::string& yaml, int threads = 2) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
  EnsembleOptions options;
  options.replicates = 1;
  return run_ensemble(world_of(small_scenario(yaml)), options).replicates;
}

// Indents a policy block as one item of a `policies:` list.
std::string as_policy(std::string_view block, const std::string& extra = "") {
  std::string out = "policies:\n  - ";
  for (char c : block) {
    out += c;
    if (c == '\n') out += "    ";
  }
  if (!extra.empty()) out += "\n    " + extra;
  return out + "\n";
}

// The model settings the module tests share: plenty of movers, stable rates.
const std::string kBusy = "model: {emigration_rate: 0.01, detection_rate: 0.03}\n";

const SeriesGroup& core(const std::vector<ReplicateSeries>& r) { return r[0].core; }
double sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}
std::vector<double> values(const SeriesGroup& g, const char* name) { return g.series()[g.find(name)].dense(); }

class EveryPolicy : public ::testing::TestWithParam<PolicyModule> {};

TEST_P(EveryPolicy, ExampleChangesFlowsAndRecordsItsGroup) {
  const auto with = run(kBusy + as_policy(GetParam().example));
  const auto without = run(kBusy);
  bool differs = false;
  for (const Series& s : core(with).series()) differs = differs || s.dense() != values(core(without), s.name.c_str());
  EXPECT_TRUE(differs) << GetParam().name << " changed nothing";
  ASSERT_EQ(with[0].policies.size(), 1u);
  const SeriesGroup& group = with[0].policies[0];
  EXPECT_EQ(group.name(), GetParam().name);
  ASSERT_FALSE(group.series().empty());
  for (size_t s = 0; s < group.series().size(); ++s) EXPECT_EQ(group.steps(static_cast<int>(s)), 36u);
}

TEST_P(EveryPolicy, DoesNothingOutsideItsDates) {
  const auto without = run(kBusy);
  for (const char* window : {"from: 2030-01", "until: 2009-12"}) {
    const auto late = run(kBusy + as_policy(GetParam().example, window));
    for (const Series& s : core(late).series())
      EXPECT_EQ(s.dense(), values(core(without), s.name.c_str())) << GetParam().name << " " << window << " " << s.name;
  }
}

TEST_P(EveryPolicy, IdenticalOnOneAndTwoThreads) {
  const std::string yaml = kBusy + as_policy(GetParam().example);
  const auto one = run(yaml, 1), two = run(yaml, 2);
  for (const Series& s : core(one).series()) EXPECT_EQ(s.dense(), values(core(two), s.name.c_str())) << s.name;
  for (size_t g = 0; g < one[0].policies.size(); ++g)
    for (const Series& s : one[0].policies[g].series())
      EXPECT_EQ(s.dense(), values(two[0].policies[g], s.name.c_str())) << s.name;
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryPolicy, ::testing::ValuesIn(builtin_policies().modules()),
                         [](const ::testing::TestParamInfo<PolicyModule>& info) {
                           return std::string(info.param.name);
                         });

// --- labour_market_openness -------------------------------------------------------------

// Legal arrivals in DEU from MDA, per step, when only a quota opens the legal channel.
std::vector<double> quota_run(int per_year, std::vector<double>* granted = nullptr) {
  const auto r = run("model: {emigration_rate: 0.02, legal_access: 0, logit_openness: 3}\n" +
                     as_policy("name: labour_market_openness\nquotas: [{member_state: DEU, partner: MDA, per_year: " +
                               std::to_string(per_year) + "}]"));
  const SeriesGroup& g = core(r);
  const int arrivals = g.find("arrivals");
  std::vector<double> legal;
  for (size_t s = 0; s < g.steps(arrivals); ++s) legal.push_back(g.at(arrivals, s, 2 * kChannelCount));  // DEU, legal
  if (granted) *granted = r[0].policies[0].series()[r[0].policies[0].find("granted")].dense();
  return legal;
}

TEST(LabourMarketOpenness, BindingQuotaCapsLegalArrivalsExactlyAndDoublingDoublesThem) {
  // 130 persons per agent: a quota of 130*12*4 a year is 4 agents a month.
  std::vector<double> granted;
  const auto single = quota_run(130 * 12 * 4, &granted);
  const auto twice = quota_run(130 * 12 * 8);
  double total_single = 0, total_twice = 0;
  for (size_t s = 0; s < single.size(); ++s) {
    EXPECT_DOUBLE_EQ(single[s], 130.0 * 4) << "step " << s;  // binding: exactly the quota
    EXPECT_DOUBLE_EQ(granted[s], single[s]);
    total_single += single[s];
    total_twice += twice[s];
  }
  EXPECT_DOUBLE_EQ(total_twice, 2 * total_single);
}

TEST(LabourMarketOpenness, ASecondQuotaForTheSamePairAddsItsPlacesToTheFirst) {
  // Two schemes of DEU for MDA, 4 and 2 agents a month, and far more applicants: the
  // second takes the first's losers, so arrivals are exactly the sum of both (before,
  // the later quota took every applicant and the first's places went unused).
  const auto r = run(std::string("model: {emigration_rate: 0.02, legal_access: 0, logit_openness: 3}\n") +
                     "policies:\n"
                     "  - {id: national, name: labour_market_openness, quotas: [{member_state: DEU, partner: MDA, "
                     "per_year: " +
                     std::to_string(130 * 12 * 4) +
                     "}]}\n"
                     "  - {id: package, name: labour_market_openness, quotas: [{member_state: DEU, partner: MDA, "
                     "per_year: " +
                     std::to_string(130 * 12 * 2) + "}]}\n");
  const SeriesGroup& g = core(r);
  const int arrivals = g.find("arrivals");
  auto series = [&](int block, const char* name) {
    const SeriesGroup& quotas = r[0].policies[static_cast<size_t>(block)];
    return quotas.series()[quotas.find(name)].dense();
  };
  const auto national = series(0, "granted"), package = series(1, "granted");
  const auto applied_national = series(0, "requests"), applied_package = series(1, "requests");
  for (size_t s = 0; s < g.steps(arrivals); ++s) {
    EXPECT_DOUBLE_EQ(g.at(arrivals, s, 2 * kChannelCount), 130.0 * 6) << "step " << s;  // DEU, legal
    EXPECT_DOUBLE_EQ(national[s], 130.0 * 4) << "step " << s;
    EXPECT_DOUBLE_EQ(package[s], 130.0 * 2) << "step " << s;
    // The package's applicants are the national scheme's losers.
    EXPECT_DOUBLE_EQ(applied_package[s], applied_national[s] - national[s]) << "step " << s;
  }
}

TEST(LabourMarketOpenness, PlacesApplicantsLeaveAreRecruitedForAtHome) {
  // Hardly anyone leaves of their own accord, so almost no one applies: the scheme
  // recruits at home for the places left the step before, 4 agents a month on average.
  const auto r =
      run("model: {emigration_rate: 0.000001, legal_access: 0}\n" +
              as_policy("name: labour_market_openness\nquotas: [{member_state: DEU, partner: MDA, per_year: " +
                        std::to_string(130 * 12 * 4) + "}]"),
          2);
  const SeriesGroup& quotas = r[0].policies[0];
  const auto recruited = quotas.series()[quotas.find("recruited")].dense();
  const auto granted = quotas.series()[quotas.find("granted")].dense();
  const SeriesGroup& g = core(r);
  const int arrivals = g.find("arrivals");
  double total = 0, legal = 0;
  for (size_t s = 1; s < recruited.size(); ++s) {
    total += recruited[s] + granted[s];
    legal += g.at(arrivals, s, 2 * kChannelCount);  // DEU, legal
  }
  const double expected = 130.0 * 4 * static_cast<double>(recruited.size() - 1);
  EXPECT_NEAR(total, expected, 4.5 * 130 * std::sqrt(expected / 130));  // Poisson-like in agents
  EXPECT_DOUBLE_EQ(legal, total);  // every legal arrival in DEU came through the scheme
  EXPECT_EQ(recruited[0], 0);      // nothing was left over before the first step
}

TEST(LabourMarketOpenness, AdmitsOnlyTheListedSkills) {
  auto world = world_of(small_scenario("model: {emigration_rate: 0.02, legal_access: 0, asylum_application: 0}\n" +
                                       as_policy("name: labour_market_openness\nquotas: [{member_state: DEU, partner: "
                                                 "MDA, per_year: 100000, skills: [high]}]")));
  Engine engine(world, 0);
  engine.run();
  const AgentStore& a = engine.agents();
  int regular = 0;
  const NodeId deu = static_cast<NodeId>(world->scenario().node_index("DEU"));  // no diaspora there at the start
  for (size_t i = 0; i < a.size(); ++i)
    if (a.status[i] == static_cast<std::uint8_t>(Status::Regular) && a.location[i] == deu) {
      ++regular;
      EXPECT_EQ(a.skill[i], 2) << "a regular migrant without a high-skill permit";
    }
  EXPECT_GT(regular, 10);
}

TEST(LabourMarketOpenness, CircularPermitsSendMigrantsHomeAtExpiry) {
  // Everyone returns when a 6-month permit ends: the regular stock in DEU is exactly the
  // permits granted in the last 6 steps (minus voluntary returns, switched off here).
  auto world = world_of(small_scenario(
      "model: {emigration_rate: 0.02, legal_access: 0, return_rate: 0, asylum_application: 0}\n" +
      as_policy("name: labour_market_openness\nquotas: [{member_state: DEU, partner: MDA, per_year: 6240, "
                "permit_months: 6, renewal: 0, return: 1}]")));
  Engine engine(world, 0);
  engine.run();
  const SeriesGroup& g = engine.series().core;
  const int stocks = g.find("stocks");
  const NodeId deu = static_cast<NodeId>(world->scenario().node_index("DEU"));
  const double regular = g.at(stocks, 35, deu * kStatusCount + static_cast<int>(Status::Regular));
  EXPECT_DOUBLE_EQ(regular, 6 * 520.0);  // 6240 a year = 520 a month, all granted
}

// --- readmission ------------------------------------------------------------------------

double executed_share(const std::vector<ReplicateSeries>& r) {
  const double orders = sum(values(core(r), "return_orders"));
  EXPECT_GT(orders, 0);
  return sum(values(core(r), "returns_executed")) / orders;
}

TEST(Readmission, AgreementRaisesExecutedReturnsToTheConfiguredShare) {
  const std::string model = "model: {emigration_rate: 0.02, detection_rate: 0.05, return_execution: 0.3}\n";
  const auto without = run(model);
  const auto with = run(
      model +
      as_policy(
          "name: readmission\nagreements: [{partner: MDA, in_force: 2010-01, execution: 0.8, assumption: a test}]"));
  const double orders = sum(values(core(with), "return_orders")) / 130;  // agents
  const double tolerance = 4.5 * std::sqrt(0.25 / orders);               // binomial sd of a share
  EXPECT_NEAR(executed_share(without), 0.3, tolerance);
  EXPECT_NEAR(executed_share(with), 0.8, tolerance);
}

TEST(Readmission, ThirdCountryNationalsAreReturnedToTheTransitPartner) {
  // Routes through Ukraine (the direct border is made expensive); Moldova does not
  // take its own nationals back, Ukraine readmits half of those who transited it.
  auto world = world_of(small_scenario(
      "edges: [{from: MDA, to: ROU, distance_km: 350, cost: 100000, external_border: true}]\n"
      "model: {emigration_rate: 0.02, detection_rate: 0.05, return_execution: 0, legal_access: 0, "
      "transit_give_up: 0}\n" +
      as_policy("name: readmission\nagreements: [{partner: UKR, in_force: 2010-01, execution: 0, assumption: a test, "
                "third_country_nationals: true, transit_execution: 0.5}]")));
  Engine engine(world, 0);
  engine.run();
  const auto& r = engine.series().core;
  const double orders = sum(values(r, "return_orders")), executed = sum(values(r, "returns_executed"));
  ASSERT_GT(orders, 0);
  EXPECT_NEAR(executed / orders, 0.5, 4.5 * std::sqrt(0.25 / (orders / 130)));
  // The readmitted wait in Ukraine.
  const NodeId ukr = static_cast<NodeId>(world->scenario().node_index("UKR"));
  EXPECT_GT(engine.counts().stocks[engine.counts().stock(0, ukr, Status::InTransit)], 0);
}

// --- border_capacity --------------------------------------------------------------------

TEST(BorderCapacity, CrossingsNeverExceedCapacityAndInterceptionsMatchTheirRate) {
  const auto r = run("model: {emigration_rate: 0.02, legal_access: 0}\n" +
                     as_policy("name: border_capacity\ncrossings: [{name: mr, edges: [MDA->ROU], "
                               "capacity_per_month: 1300, interception: 0.25}]"));
  const SeriesGroup& g = r[0].policies[0];
  const auto& attempts = values(g, "attempts");
  const auto& blocked = values(g, "blocked");
  const auto& intercepted = values(g, "intercepted");
  double total_attempts = 0, total_intercepted = 0, total_blocked = 0;
  for (size_t s = 0; s < attempts.size(); ++s) {
    EXPECT_LE(attempts[s], 1300.0) << "step " << s;
    total_attempts += attempts[s];
    total_intercepted += intercepted[s];
    total_blocked += blocked[s];
  }
  EXPECT_GT(total_blocked, 0) << "capacity never binding: the test shows nothing";
  const double n = total_attempts / 130;  // agents
  EXPECT_NEAR(total_intercepted / 130, 0.25 * n, 4.5 * std::sqrt(n * 0.25 * 0.75));
}

TEST(BorderCapacity, CapacityBuildingRaisesInterceptionOverTime) {
  const auto r =
      run(as_policy("name: border_capacity\nfrom: 2010-01\ncapacity_lag_months: 0\ncrossings: [{edges: [MDA->ROU], "
                    "interception: 0.1, interception_growth: 0.1, interception_max: 0.25, assumption: a test}]\n"
                    "assumption: a test"));
  const auto& rate = values(r[0].policies[0], "interception");
  EXPECT_DOUBLE_EQ(rate[0], 0.1);
  EXPECT_NEAR(rate[12], 0.2, 1e-12);
  EXPECT_DOUBLE_EQ(rate[35], 0.25);
}

TEST(BorderCapacity, FundingTurnsIntoInterceptionAfterTheLag) {
  // Funding from 2010-04, capacity in service 9 months later (2011-01, step 12); every
  // crossing goes through MDA->ROU (the route through Ukraine is made expensive).
  const std::string model =
      "edges: [{from: MDA, to: ROU, distance_km: 350, external_border: true}, {from: UKR, to: ROU, distance_km: 500, "
      "cost: 100000, external_border: true}]\n"
      "model: {emigration_rate: 0.02, legal_access: 0, transit_give_up: 0}\n";
  const auto r = run(model + as_policy("name: border_capacity\nfrom: 2010-04\ncapacity_lag_months: 9\ncrossings: "
                                       "[{edges: [MDA->ROU], interception: 0.1, interception_growth: 0.6, "
                                       "interception_max: 0.9, assumption: a test}]\nassumption: a test"));
  const SeriesGroup& g = r[0].policies[0];
  const auto& rate = values(g, "interception");
  const auto& attempts = values(g, "attempts");
  const auto& intercepted = values(g, "intercepted");
  for (size_t s = 3; s < 36; ++s) {
    const double years_built = std::max(0.0, (static_cast<double>(s) - 12) / 12);
    EXPECT_NEAR(rate[s], std::min(0.9, 0.1 + 0.6 * years_built), 1e-12) << "step " << s;
  }
  // Interceptions follow the rate: the share intercepted before the capacity is in
  // service, and in the last year (rate 0.7 at step 24, capped at 0.9 from step 28).
  auto share = [&](size_t a, size_t b, double* expected, double* sd) {
    double n = 0, k = 0, p = 0;
    for (size_t s = a; s < b; ++s) n += attempts[s] / 130, k += intercepted[s] / 130, p += rate[s] * attempts[s] / 130;
    *expected = p / n;
    *sd = std::sqrt(*expected * (1 - *expected) / n);
    EXPECT_GT(n, 200) << "too few attempts in steps " << a << "-" << b;
    return k / n;
  };
  double before_expected, before_sd, after_expected, after_sd;
  const double before = share(3, 12, &before_expected, &before_sd);
  const double after = share(24, 36, &after_expected, &after_sd);
  EXPECT_NEAR(before, 0.1, 4.5 * before_sd);
  EXPECT_NEAR(after, after_expected, 4.5 * after_sd);
  EXPECT_GT(after_expected, 0.7);
}

// --- remittances ------------------------------------------------------------------------

TEST(Remittances, TotalsEqualWhatStocksAndRatesImply) {
  const auto r = run(kBusy + as_policy("name: remittances\nfrom: 2010-01\ncost_start: 0.10\ncost_target: 0.03\n"
                                       "target_date: 2011-01"));
  auto sc = small_scenario();
  const ModelParams& p = sc->model;
  const SeriesGroup& g = core(r);
  const int stocks = g.find("stocks_by_origin"), remit = g.find("remittances");
  const char* ms[] = {"ROU", "ITA", "DEU"};
  const auto& cost = values(r[0].policies[0], "cost");
  for (size_t s = 1; s < 36; ++s) {
    const double c = std::min(1.0, static_cast<double>(s) / 12.0) * (0.03 - 0.10) + 0.10;
    EXPECT_NEAR(cost[s], c, 1e-12);
    for (int m = 0; m < 3; ++m) {
      const NodeSpec& n = sc->nodes[sc->node_index(ms[m])];
      const double wage = n.gdp_pc.at(sc->calendar.year(static_cast<int>(s))) * p.wage_share_of_gdp / 12;
      const size_t at = static_cast<size_t>(sc->node_index(ms[m])) * kStatusCount;
      // Migrants abroad at the start of the step send remittances during it.
      const double regular = g.at(stocks, s - 1, at + static_cast<int>(Status::Regular));
      const double irregular = g.at(stocks, s - 1, at + static_cast<int>(Status::Irregular));
      // Cheaper transfers: more is sent (the origin's semi-elasticity), less is lost.
      const double sent = std::exp(sc->origins[0].behaviour.remittance_cost_semielasticity * (p.remittance_cost - c));
      const double expected = (regular + irregular * p.irregular_income) * wage * p.remittance_share * sent * (1 - c);
      EXPECT_NEAR(g.at(remit, s, static_cast<size_t>(m)), expected, 1e-9 * expected) << "step " << s << " " << ms[m];
    }
  }
}

// --- protection_resettlement --------------------------------------------------------------

// Asylum decisions (recognised, rejected) summed over the run and the Member States.
std::pair<double, double> decisions(const std::vector<ReplicateSeries>& r) {
  const SeriesGroup& g = core(r);
  const int series = g.find("asylum_decisions");
  double recognised = 0, rejected = 0;
  for (size_t s = 0; s < g.steps(series); ++s)
    for (size_t m = 0; m < 3; ++m) {
      recognised += g.at(series, s, m * kDecisionCount + static_cast<int>(Decision::Recognised));
      rejected += g.at(series, s, m * kDecisionCount + static_cast<int>(Decision::Rejected));
    }
  return {recognised, rejected};
}

TEST(ProtectionResettlement, RecognitionSetsTheShareOfDecisionsGrantingProtection) {
  const std::string model =
      "model: {emigration_rate: 0.02, legal_access: 0, asylum_application: 1, "
      "asylum_decision_months: 3, asylum_recognition: 0.05}\n";
  const auto without = run(model);
  const auto with = run(model + as_policy("name: protection_resettlement\nrecognition: 0.6\npermit_months: 60"));
  for (const auto* r : {&without, &with}) {
    const auto [recognised, rejected] = decisions(*r);
    const double n = (recognised + rejected) / 130;  // agents decided on
    ASSERT_GT(n, 200) << "too few decisions for the test to show anything";
    const double expected = r == &with ? 0.6 : 0.05;
    EXPECT_NEAR(recognised / (recognised + rejected), expected, 4.5 * std::sqrt(expected * (1 - expected) / n));
  }
  // The group records the rate and the persons granted protection, as the core counts them.
  const SeriesGroup& g = with[0].policies[0];
  EXPECT_DOUBLE_EQ(values(g, "recognition")[5], 0.6);
  EXPECT_DOUBLE_EQ(sum(values(g, "granted_protection")), decisions(with).first);
  // More recognised means more with a permit at the end.
  const auto regular_end = [](const std::vector<ReplicateSeries>& r) {
    const SeriesGroup& c = core(r);
    const int stocks = c.find("stocks_by_origin");
    double total = 0;
    for (const char* ms : {"ROU", "ITA", "DEU"})
      total += c.at(
          stocks, 35,
          static_cast<size_t>(small_scenario()->node_index(ms)) * kStatusCount + static_cast<int>(Status::Regular));
    return total;
  };
  EXPECT_GT(regular_end(with), regular_end(without));
}

TEST(ProtectionResettlement, HostedStockBalancesArrivalsResettlementIntegrationAndReturns) {
  const auto r = run(as_policy(
      "name: protection_resettlement\nfrom: 2010-07\nresettlement:\n  - {host: UKR, refugees: {2010: 100000, 2012: "
      "160000}, member_states: [DEU, ITA], per_year: {2010: 1200, 2011: 2400}, local_integration: 0.05, return: "
      "0.02}"));
  const SeriesGroup& g = r[0].policies[0];
  const auto hosted = values(g, "hosted"), arrived = values(g, "arrived"), integrated = values(g, "integrated_locally"),
             returned = values(g, "returned");
  const int resettled = g.find("resettled");
  const auto place = std::find_if(g.dims().begin(), g.dims().end(), [](const auto& d) { return d.name == "place"; });
  ASSERT_NE(place, g.dims().end());
  EXPECT_EQ(place->labels, (std::vector<std::string>{"DEU<-UKR", "ITA<-UKR"}));
  // Nothing before the block's `from`; it starts from the data's stock (2010-07-01: 115,000).
  EXPECT_EQ(hosted[5], 0);
  const double start = 100000 + 60000 * (6.0 / 24);
  double previous = start, resettled_2011 = 0;
  for (size_t s = 6; s < 36; ++s) {
    const double out = g.at(resettled, s, 0) + g.at(resettled, s, 1);
    if (s >= 12 && s < 24) resettled_2011 += g.at(resettled, s, 0);
    // The data's growth, a month's share, until its last year (2012-01 on: none).
    EXPECT_NEAR(arrived[s], s < 24 ? 60000.0 / 24 : 0.0, 1e-6) << "step " << s;
    // Stock and flows balance exactly, step by step.
    EXPECT_NEAR(hosted[s], previous + arrived[s] - out - integrated[s] - returned[s], 1e-6) << "step " << s;
    // Integration and return take their yearly shares, compounded monthly.
    const double left = previous + arrived[s] - out;
    EXPECT_NEAR(integrated[s], left * (1 - std::pow(0.95, 1.0 / 12)), 1e-6);
    EXPECT_NEAR(returned[s], (left - integrated[s]) * (1 - std::pow(0.98, 1.0 / 12)), 1e-6);
    previous = hosted[s];
  }
  EXPECT_DOUBLE_EQ(resettled_2011, 2400);  // each Member State's yearly places, in whole persons
}

TEST(ProtectionResettlement, ResettlementNeverTakesMoreThanAreHosted) {
  const auto r =
      run(as_policy("name: protection_resettlement\nresettlement:\n  - {host: UKR, refugees: 500, member_state: DEU, "
                    "per_year: 12000, local_integration: 0, return: 0}"));
  const SeriesGroup& g = r[0].policies[0];
  EXPECT_NEAR(sum(values(g, "resettled")), 500, 1e-9);
  EXPECT_NEAR(values(g, "hosted")[35], 0, 1e-9);
}

// --- information_campaign ---------------------------------------------------------------

// Persons setting off irregularly in each step: irregular arrivals plus the change in
// the stock in transit. Exact when no one leaves transit but by arriving (no giving up,
// no interception), as in kIrregular.
std::vector<double> irregular_departures(const SeriesGroup& g) {
  const int arrivals = g.find("arrivals"), stocks = g.find("stocks");
  std::vector<double> out;
  double in_transit_before = 0;
  for (size_t s = 0; s < g.steps(arrivals); ++s) {
    double arrived = 0, in_transit = 0;
    for (size_t d = 0; d < 3; ++d)
      arrived += g.at(arrivals, s, d * kChannelCount + static_cast<int>(Channel::Irregular));
    for (size_t n = 0; n < 5; ++n)
      in_transit += g.at(stocks, s, n * kStatusCount + static_cast<int>(Status::InTransit));
    out.push_back(arrived + in_transit - in_transit_before);
    in_transit_before = in_transit;
  }
  return out;
}

// Few enough leave that the deterred are not the ones who would leave later anyway: in a
// world where most of those able to leave have left, a campaign delays departures more
// than it prevents them, and the run-long effect is smaller than reach * effect.
const std::string kIrregular =
    "model: {emigration_rate: 0.005, transit_give_up: 0, crossing_interception: 0, legal_access: 0.1}\n";

// Departures with a policy in steps [a, b) against what the baseline's departures times
// the recorded factor imply; the tolerance is 4.5 standard deviations of the difference
// of two independent Poisson counts of agents (the runs share random numbers, so the
// real spread is smaller).
void expect_departures_scaled(const std::vector<double>& with, const std::vector<double>& without,
                              const std::vector<double>& factor, size_t a, size_t b, const char* what) {
  double observed = 0, expected = 0, variance = 0;
  for (size_t s = a; s < b; ++s) {
    observed += with[s];
    expected += without[s] * factor[s];
    variance += (with[s] + without[s] * factor[s] * factor[s]) * 130;  // persons^2, 130 persons per agent
  }
  EXPECT_GT(expected, 100 * 130) << what << ": too few departures to show anything";
  EXPECT_NEAR(observed, expected, 4.5 * std::sqrt(variance)) << what;
}

// A mechanism's strength left out of a block is drawn per replicate from its prior:
// replicates that share a parameter draw share it, others differ, the point mode takes
// the prior's median, and a block that sets it must say why.
TEST(Mechanisms, StrengthsAreDrawnPerParameterDrawAndTheirMedianInPointMode) {
  const std::string campaign = as_policy("name: information_campaign\ncampaigns: [{partner: MDA, reach: 0.5}]");
  auto factors = [&](const std::string& mode) {
    auto sc = small_scenario("parameters: " + mode + "\nreplicates_per_draw: 2\n" + campaign);
    EnsembleOptions options;
    options.replicates = 4;
    std::vector<double> out;
    for (const ReplicateSeries& r : run_ensemble(world_of(sc), options).replicates)
      out.push_back(values(r.policies[0], "irregular_factor")[0]);  // step 0: reach 0.5, not yet halved
    return out;
  };
  const auto drawn = factors("posterior");
  EXPECT_EQ(drawn[0], drawn[1]);  // one parameter draw
  EXPECT_EQ(drawn[2], drawn[3]);
  EXPECT_NE(drawn[0], drawn[2]);                                          // another
  for (double f : factors("point")) EXPECT_DOUBLE_EQ(f, 1 - 0.5 * 0.05);  // the prior's median effect
  EXPECT_NE(testing::error_of(as_policy("name: information_campaign\ncampaigns: [{partner: MDA, effect: 0.4}]"))
                .find("campaigns[0].assumption': 'effect' sets an effect the evidence gives a prior for"),
            std::string::npos);
}

TEST(InformationCampaign, IrregularDeparturesFallByReachTimesEffect) {
  const auto without = run(kIrregular);
  const auto with =
      run(kIrregular + as_policy("name: information_campaign\ncampaigns: [{partner: MDA, start: 2010-01, "
                                 "reach: 0.6, effect: 0.5, half_life_months: 1200, assumption: a test}]"));
  const auto& factor = values(with[0].policies[0], "irregular_factor");
  const auto& reach = values(with[0].policies[0], "reach");
  for (size_t s = 0; s < factor.size(); ++s) {
    EXPECT_NEAR(reach[s], 0.6 * std::exp2(-static_cast<double>(s) / 1200), 1e-12);
    EXPECT_NEAR(factor[s], 1 - 0.5 * reach[s], 1e-12);
  }
  const auto dep_with = irregular_departures(core(with)), dep_without = irregular_departures(core(without));
  expect_departures_scaled(dep_with, dep_without, factor, 0, 36, "whole run");
}

TEST(InformationCampaign, DecayReturnsDeparturesTowardsBaseline) {
  const auto without = run(kIrregular);
  const auto with = run(kIrregular + as_policy("name: information_campaign\ncampaigns: [{partner: MDA, start: 2010-01, "
                                               "reach: 0.8, effect: 0.6, half_life_months: 4, assumption: a test}]"));
  const auto& factor = values(with[0].policies[0], "irregular_factor");
  EXPECT_NEAR(factor[0], 1 - 0.8 * 0.6, 1e-12);
  EXPECT_NEAR(factor[4], 1 - 0.4 * 0.6, 1e-12);  // one half-life
  EXPECT_GT(factor[24], 0.99);
  const auto dep_with = irregular_departures(core(with)), dep_without = irregular_departures(core(without));
  expect_departures_scaled(dep_with, dep_without, factor, 0, 6, "first half year");
  expect_departures_scaled(dep_with, dep_without, factor, 18, 36, "last year and a half");
  auto ratio = [&](size_t a, size_t b) {
    double w = 0, wo = 0;
    for (size_t s = a; s < b; ++s) w += dep_with[s], wo += dep_without[s];
    return w / wo;
  };
  EXPECT_LT(ratio(0, 6) + 0.2, ratio(18, 36));  // 1 - 0.8 * 0.6 at first, about 1 at the end
}

// --- development_aid --------------------------------------------------------------------

TEST(DevelopmentAid, WagesRiseByElasticityTimesTheAidOfLagMonthsBefore) {
  const auto r =
      run(as_policy("name: development_aid\nfrom: 2010-07\nlag_months: 12\nwage_elasticity: 0.8\nassumption: a test\n"
                    "programmes: [{partner: MDA, share_of_gdp: {2010: 0.05, 2012: 0.1}}]"));
  const SeriesGroup& g = r[0].policies[0];
  const auto& factor = values(g, "home_wage_factor");
  const auto& aid = values(g, "aid_share_of_gdp");
  for (size_t s = 0; s < 36; ++s) {
    // Funding from step 6 (2010-07); wages respond from step 18: to 2010's budget until
    // step 35 (2012-12) takes 2011's, which is still 2010's figure.
    EXPECT_DOUBLE_EQ(aid[s], s < 6 ? 0.0 : s < 24 ? 0.05 : 0.1) << "step " << s;
    EXPECT_DOUBLE_EQ(factor[s], s < 18 ? 1.0 : 1 + 0.8 * 0.05) << "step " << s;
  }
}

// The small world with Moldova's GDP per head replaced, for the migration hump. `model`
// adds to the model: block.
std::string hump_world(int gdp_pc, const std::string& model = "") {
  return "nodes: [{id: MDA, role: origin, partner_type: neighbourhood, population: 2600000, gdp_pc: " +
         std::to_string(gdp_pc) + ", unemployment: 0.07}]\nmodel: {emigration_rate: 0.002" + model + "}\n";
}
// Aid of 30% of GDP, all of it in wages at once: wages 30% higher.
const std::string kAid =
    "name: development_aid\nlag_months: 0\nwage_elasticity: 1\nassumption: a test\n"
    "programmes: [{partner: MDA, share_of_gdp: 0.3}]";

// Share of Moldova's agents at home with `status` (never left: at_home; came back:
// returned) at the end of the run, from the exact expectation (agents do not interact:
// no diaspora or remittance feedback).
double expected_at_home(const std::string& yaml, Status status = Status::AtHome) {
  auto world = world_of(small_scenario(yaml));
  const ExpectedStocks ex = expected_stocks(*world, 36);
  const NodeId mda = static_cast<NodeId>(world->scenario().node_index("MDA"));
  return ex.share.back()[static_cast<size_t>(mda) * kStatusCount + static_cast<int>(status)];
}
const std::string kIsolated = "model: {remittance_share: 0, logit_diaspora: 0, aspiration_diaspora: 0}\n";

// Poor: wages of 28 PPP $ a month, so savings are far below the cost of migrating and
// higher wages raise the means to leave more than they lower the wish to. Richer: a
// third of the EU's wages, savings above the cost, and higher wages mostly lower the
// wish to leave.
constexpr int kPoorGdp = 600, kRicherGdp = 30000;

TEST(DevelopmentAid, ExactExpectationRisesForAPoorPartnerAndFallsForARicherOne) {
  const std::string isolated = ", remittance_share: 0, logit_diaspora: 0, aspiration_diaspora: 0";  // kIsolated
  const double poor = expected_at_home(hump_world(kPoorGdp, isolated));
  const double poor_aid = expected_at_home(hump_world(kPoorGdp, isolated) + as_policy(kAid));
  const double richer = expected_at_home(hump_world(kRicherGdp, isolated));
  const double richer_aid = expected_at_home(hump_world(kRicherGdp, isolated) + as_policy(kAid));
  EXPECT_LT(poor_aid, poor) << "aid should raise emigration from the poor partner";
  EXPECT_GT(richer_aid, richer) << "aid should lower emigration from the richer partner";
}

// Persons who left home over the run (at home at the start minus at the end).
double left_home(const std::vector<ReplicateSeries>& r) {
  const SeriesGroup& g = core(r);
  const int stocks = g.find("stocks");
  const size_t at_home = static_cast<size_t>(Status::AtHome);  // MDA is node 0
  return g.at(stocks, 0, at_home) - g.at(stocks, g.steps(stocks) - 1, at_home);
}

TEST(DevelopmentAid, SimulationWithFeedbackShowsBothSidesOfTheHump) {
  // The poor partner's diaspora sends nothing home (remittances would lift its
  // households' means above the cost); the runs share their random numbers, so the
  // difference is the aid's.
  const std::string poor = hump_world(kPoorGdp, ", remittance_share: 0"), richer = hump_world(kRicherGdp);
  EXPECT_GT(left_home(run(poor + as_policy(kAid))), left_home(run(poor)));
  EXPECT_LT(left_home(run(richer + as_policy(kAid))), left_home(run(richer)));
}

// --- diaspora_engagement ----------------------------------------------------------------

std::string engagement(double cost_reduction, double savings_increase, double return_increase) {
  return as_policy("name: diaspora_engagement\nprogrammes: [{partner: MDA, remittance_cost_reduction: " +
                   std::to_string(cost_reduction) + ", savings_increase: " + std::to_string(savings_increase) +
                   ", return_increase: " + std::to_string(return_increase) + ", assumption: a test}]");
}

double stock_at_end(const std::vector<ReplicateSeries>& r, Status status) {
  const SeriesGroup& g = core(r);
  const int stocks = g.find("stocks");
  return g.at(stocks, g.steps(stocks) - 1, static_cast<size_t>(status));  // MDA is node 0
}

TEST(DiasporaEngagement, CheaperTransfersRaiseRemittancesReceivedByTheCostRatio) {
  const auto without = run(kBusy), with = run(kBusy + engagement(0.5, 0, 0));
  const auto sc = small_scenario();
  const double cost = sc->model.remittance_cost;
  const double semielasticity = sc->origins[0].behaviour.remittance_cost_semielasticity;
  EXPECT_DOUBLE_EQ(values(with[0].policies[0], "remittance_cost")[0], cost * 0.5);
  // Step 1 reads the stocks step 0 left, which the cost did not change (step 0 saw no
  // remittances yet): migrants send more (the semi-elasticity), of which households
  // receive more. DEU has no diaspora yet.
  const auto& a = values(core(with), "remittances");
  const auto& b = values(core(without), "remittances");
  for (size_t m = 0; m < 2; ++m) {
    ASSERT_GT(b[3 + m], 0);
    EXPECT_NEAR(a[3 + m] / b[3 + m], std::exp(semielasticity * cost * 0.5) * (1 - cost * 0.5) / (1 - cost), 1e-12)
        << "Member State " << m;
  }
  EXPECT_GT(sum(a), sum(b));
}

TEST(DiasporaEngagement, MoreSavingsMoreDepartures) {
  // Savings are the means to leave (capability), so more of them mean more departures.
  EXPECT_LT(expected_at_home(kIsolated + engagement(0, 1, 0)), expected_at_home(kIsolated));
  EXPECT_GT(left_home(run(kBusy + engagement(0, 1, 0))), left_home(run(kBusy)));
}

TEST(DiasporaEngagement, ReturnProgrammesBringMoreMigrantsHome) {
  EXPECT_GT(expected_at_home(kIsolated + engagement(0, 0, 1), Status::Returned),
            expected_at_home(kIsolated, Status::Returned));
  const auto without = run(kBusy), with = run(kBusy + engagement(0, 0, 1));
  EXPECT_DOUBLE_EQ(values(with[0].policies[0], "return_factor")[0], 2.0);
  EXPECT_GT(stock_at_end(with, Status::Returned), stock_at_end(without, Status::Returned));
}

// --- anti_trafficking -------------------------------------------------------------------

// Plenty of irregular arrivals, a third of them exploited; identification at the
// baseline rate (0.01 a month) unless funded.
const std::string kTrafficked = "model: {emigration_rate: 0.01, legal_access: 0, exploitation_share: 0.3}\n";

std::vector<ReplicateSeries> trafficking_run(double funding, const std::string& extra = "") {
  return run(kTrafficked + as_policy("name: anti_trafficking\nfunding_per_year: " + std::to_string(funding) +
                                     "\nlag_months: 0\nramp_years: 0" + extra));
}

// The exploited in every node at the end of the run, from the core stocks.
double exploited_at_end(const std::vector<ReplicateSeries>& r) {
  const SeriesGroup& g = core(r);
  const int stocks = g.find("stocks");
  double total = 0;
  for (size_t n = 0; n < small_scenario()->nodes.size(); ++n)
    total += g.at(stocks, 35, n * kStatusCount + static_cast<int>(Status::Exploited));
  return total;
}

TEST(AntiTrafficking, FundingIdentifiesMoreVictimsAndShrinksTheExploitedStock) {
  const auto base = run(kTrafficked);
  const auto unfunded = trafficking_run(0);
  // Without funding the module keeps the baseline rate and the model's shares.
  for (const Series& s : core(base).series()) EXPECT_EQ(s.dense(), values(core(unfunded), s.name.c_str())) << s.name;
  double last_identified = sum(values(unfunded[0].policies[0], "victims_identified"));
  double last_exploited = exploited_at_end(unfunded);
  EXPECT_GT(last_identified, 0) << "no victim identified at the baseline rate: the test shows nothing";
  EXPECT_GT(last_exploited, 0);
  for (double funding : {5e5, 2e6, 8e6}) {
    const auto r = trafficking_run(funding);
    const double identified = sum(values(r[0].policies[0], "victims_identified"));
    const double exploited = exploited_at_end(r);
    EXPECT_GT(identified, last_identified) << funding << " EUR a year";
    EXPECT_LT(exploited, last_exploited) << funding << " EUR a year";
    // The policy's own stock is the core one (every Member State is covered).
    EXPECT_DOUBLE_EQ(values(r[0].policies[0], "exploited")[35], exploited);
    last_identified = identified;
    last_exploited = exploited;
  }
}

TEST(AntiTrafficking, IdentificationRateFollowsTheCapacityRamp) {
  const auto r = run(kTrafficked + as_policy("name: anti_trafficking\nfrom: 2010-01\nfunding_per_year: 1000000\n"
                                             "funding_scale: 1000000\nmax_identification: 0.11\nlag_months: 6\n"
                                             "assumption: a test\n"
                                             "ramp_years: 1"));
  const auto& rate = values(r[0].policies[0], "identification_rate");
  const double base = 0.01, gap = 0.1;
  EXPECT_DOUBLE_EQ(rate[5], base);                                   // still within the lag
  EXPECT_NEAR(rate[6], base + gap * -std::expm1(-1.0 / 12), 1e-12);  // a month of the ramp
  EXPECT_NEAR(rate[17], base + gap * -std::expm1(-1.0), 1e-12);      // full funding
  EXPECT_NEAR(rate[35], base + gap * -std::expm1(-1.0), 1e-12);
}

TEST(AntiTrafficking, ProtectionShareSplitsIdentifiedVictimsBetweenPermitsAndReturns) {
  for (double share : {0.25, 0.8}) {
    const auto r = trafficking_run(4e6, "\nprotection_share: " + std::to_string(share));
    const SeriesGroup& g = r[0].policies[0];
    const double identified = sum(values(g, "victims_identified")), granted = sum(values(g, "granted_protection"));
    EXPECT_DOUBLE_EQ(granted + sum(values(g, "assisted_returns")), identified);
    const double n = identified / 130;  // agents
    ASSERT_GT(n, 200) << "too few victims for the share to mean anything";
    EXPECT_NEAR(granted / 130, share * n, 4.5 * std::sqrt(n * share * (1 - share))) << share;
  }
}

TEST(AntiTrafficking, WithoutExploitationIdentificationChangesNothing) {
  // No one is exploited (the baseline default): funding, shares and permits act on an
  // empty stock, and every draw is the same as without the module.
  const auto without = run(kBusy);
  const auto with = run(kBusy + as_policy("name: anti_trafficking\nfunding_per_year: 5000000\nlag_months: 0\n"
                                          "protection_share: 0.9\npermit_months: 12"));
  for (const Series& s : core(without).series()) EXPECT_EQ(s.dense(), values(core(with), s.name.c_str())) << s.name;
  EXPECT_EQ(sum(values(with[0].policies[0], "victims_identified")), 0);
}

// --- bad policy blocks ------------------------------------------------------------------

using testing::error_of;

TEST(PolicyBlocks, BadBlocksNameFileLineAndField) {
  struct Case {
    std::string yaml, expect;
  } cases[] = {
      {as_policy("name: labour_market_openness\nquotas: [{member_state: XXX, partner: MDA, per_year: 5}]"),
       "policies[0].quotas[0].member_state': unknown node 'XXX'"},
      {as_policy("name: labour_market_openness\nquotas: [{member_state: DEU, partner: UKR, per_year: 5}]"),
       "policies[0].quotas[0].partner': node 'UKR' is a transit, expected origin"},
      {as_policy("name: labour_market_openness\nquotas: [{member_state: DEU, partner: MDA, per_year: -5}]"),
       "policies[0].quotas[0].per_year': must lie in [0"},
      {as_policy(
           "name: labour_market_openness\nquotas: [{member_state: DEU, partner: MDA, per_year: 5, renewal: 1.2}]"),
       "quotas[0].renewal': must lie in [0, 1]"},
      {as_policy("name: readmission\nagreements: [{partner: ITA}]"),
       "node 'ITA' is a member_state, expected origin or transit"},
      {as_policy("name: readmission\ndetection: {XYZ: 0.1}"), "policies[0].detection.XYZ': unknown Member State"},
      {as_policy("name: border_capacity\ncrossings: [{edges: [MDA->UKR]}]"), "does not cross the external border"},
      {as_policy("name: border_capacity\ncrossings: [{edges: [MDA->XXX]}]"), "unknown edge 'MDA->XXX'"},
      {as_policy("name: border_capacity\ncrossings: [{edges: [MDA->ROU], capacity_per_month: -1}]"),
       "capacity_per_month': must lie in [0"},
      {as_policy("name: border_capacity\ncapacity_lag_months: -2\ncrossings: [{edges: [MDA->ROU]}]"),
       "policies[0].capacity_lag_months': must lie in [0, 240]"},
      {as_policy("name: remittances\ncost_target: 3"), "policies[0].cost_target': must lie in [0, 1]"},
      {as_policy("name: remittances\ncots_target: 0.03"), "policies[0].cots_target': unknown field"},
      {as_policy("name: readmission\nfrom: 2012-01\nuntil: 2011-01"), "until is before from"},
      {as_policy("name: protection_resettlement\nresettlement: [{host: DEU, refugees: 10, per_year: 1}]"),
       "resettlement[0].host': node 'DEU' is a member_state, expected origin or transit"},
      {as_policy("name: protection_resettlement\nresettlement: [{host: UKR, per_year: 1}]"),
       "resettlement[0].refugees': required field is missing"},
      {as_policy("name: protection_resettlement\nresettlement: [{host: UKR, refugees: {2012: 5, 2011: 6}, "
                 "per_year: 1}]"),
       "resettlement[0].refugees': years must increase"},
      {as_policy("name: protection_resettlement\nrecognition: 1.5"), "policies[0].recognition': must lie in [0, 1]"},
      {as_policy("name: protection_resettlement\nresettlement: [{host: UKR, refugees: 9, per_year: 1}, "
                 "{host: UKR, refugees: 9, per_year: 1}]"),
       "two programmes are labelled 'UKR'"},
      {as_policy("name: information_campaign\ncampaigns: [{partner: XXX}]"),
       "policies[0].campaigns[0].partner': unknown node 'XXX'"},
      {as_policy("name: information_campaign\ncampaigns: [{partner: MDA, reach: 1.5}]"),
       "policies[0].campaigns[0].reach': must lie in [0, 1]"},
      {as_policy("name: information_campaign\ncampaigns: [{partner: MDA, half_life_months: 0}]"),
       "campaigns[0].half_life_months': must lie in [1, 1200]"},
      {as_policy("name: information_campaign\ncampaigns: [{partner: MDA}, {partner: MDA}]"),
       "a second campaign MDA@2010-01"},
      {as_policy("name: information_campaign"), "policies[0].campaigns': required field is missing"},
      {as_policy("name: development_aid\nprogrammes: [{partner: XXX, share_of_gdp: 0.01}]"),
       "policies[0].programmes[0].partner': unknown node 'XXX'"},
      {as_policy("name: development_aid\nprogrammes: [{partner: MDA, share_of_gdp: 2}]"),
       "programmes[0].share_of_gdp': must lie in [0, 0.5]"},
      {as_policy("name: development_aid\nprogrammes: [{partner: MDA, share_of_gdp: {2011: 0.01, 2012: 0.9}}]"),
       "programmes[0].share_of_gdp.2012': must lie in [0, 0.5]"},
      {as_policy("name: development_aid\nprogrammes: [{partner: MDA}]"),
       "programmes[0].share_of_gdp': required field is missing"},
      {as_policy("name: development_aid\nlag_months: -3\nprogrammes: [{partner: MDA, share_of_gdp: 0.01}]"),
       "policies[0].lag_months': must lie in [0, 240]"},
      {as_policy("name: development_aid\nprogrammes: [{partner: MDA, share_of_gdp: 0.01}, {partner: MDA, "
                 "share_of_gdp: 0.02}]"),
       "a second programme for MDA"},
      {as_policy("name: diaspora_engagement\nprogrammes: [{partner: ROU}]"),
       "programmes[0].partner': node 'ROU' is a member_state, expected origin"},
      {as_policy("name: diaspora_engagement\nprogrammes: [{partner: MDA, remittance_cost_reduction: 1.5}]"),
       "programmes[0].remittance_cost_reduction': must lie in [0, 1]"},
      {as_policy("name: diaspora_engagement\nprogrammes: [{partner: MDA, return_increase: -1}]"),
       "programmes[0].return_increase': must lie in [0, 10]"},
      {as_policy("name: anti_trafficking\nprotection_share: 1.5"), "policies[0].protection_share': must lie in [0, 1]"},
      {as_policy("name: anti_trafficking\nmember_states: [MDA]"), "node 'MDA' is a origin, expected member_state"},
  };
  for (const Case& c : cases) {
    const std::string message = error_of(c.yaml);
    EXPECT_NE(message.find("scenario.yaml:"), std::string::npos) << message;
    EXPECT_NE(message.find(c.expect), std::string::npos) << "expected '" << c.expect << "' in: " << message;
  }
}

}  // namespace
}  // namespace migflow

namespace migflow {
namespace {

TEST(PolicyBlocks, ReadmissionPartnerMayBeAnOriginNodeWithoutPopulation) {
  // Belarus as a country Moldovans pass through: a partner node, not simulated here.
  const std::string yaml = "nodes: [{id: BLR, role: origin, gdp_pc: 15000, unemployment: 0.05}]\n" +
                           as_policy("name: readmission\nagreements: [{partner: BLR, third_country_nationals: true}]");
  EXPECT_EQ(error_of(yaml), "no error");
  // Quotas, though, are for simulated origins only.
  const std::string quota = "nodes: [{id: BLR, role: origin, gdp_pc: 15000, unemployment: 0.05}]\n" +
                            as_policy("name: labour_market_openness\nquotas: [{partner: BLR, per_year: 10}]");
  EXPECT_NE(error_of(quota).find("origin 'BLR' has no population: block"), std::string::npos) << error_of(quota);
}

}  // namespace
}  // namespace migflow

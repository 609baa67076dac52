// Shapley attribution: the arithmetic on synthetic games, and end to end on the small
// world against runs of each subset made independently.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <functional>
#include <numeric>

#include "../test_support.hpp"
#include "analysis/attribution.hpp"
#include "analysis/compare.hpp"
#include "output/run_file_reader.hpp"
#include "sim/rng.hpp"

namespace migflow {
namespace {

using Game = std::function<double(std::uint32_t)>;

std::vector<double> values_of(const ShapleyPlan& plan, const Game& v) {
  std::vector<double> out;
  for (std::uint32_t s : plan.coalitions) out.push_back(v(s));
  return out;
}

bool has(std::uint32_t s, int i) { return (s >> i) & 1u; }

// An arbitrary game: a fixed pseudo-random value per subset.
double noise_game(std::uint32_t s) { return 1000.0 * draw(3, s, 0, Purpose::Sensitivity).uniform(0); }

TEST(Attribution, AdditiveGameGivesEachBlockItsOwnEffect) {
  const std::vector<double> a{120, -35, 7.5, 0};
  const Game v = [&](std::uint32_t s) {
    double x = 5000;  // what the blocks left on in every run give
    for (int i = 0; i < 4; ++i) x += has(s, i) ? a[static_cast<std::size_t>(i)] : 0.0;
    return x;
  };
  const ShapleyPlan plan = exact_shapley_plan(4);
  ASSERT_EQ(plan.coalitions.size(), 16u);
  const std::vector<double> phi = shapley_values(plan, values_of(plan, v));
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(phi[static_cast<std::size_t>(i)], a[static_cast<std::size_t>(i)], 1e-9);
  // Sampled orders, too: in an additive game every order gives each block its effect.
  const ShapleyPlan sampled = sampled_shapley_plan(4, 3, 11);
  const std::vector<double> est = shapley_values(sampled, values_of(sampled, v));
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(est[static_cast<std::size_t>(i)], a[static_cast<std::size_t>(i)], 1e-9);
}

TEST(Attribution, TwoWayInteractionIsSplitEqually) {
  // Blocks 0 and 1 together add 60 more than apart; block 2 is additive.
  const Game v = [](std::uint32_t s) {
    return 10.0 * has(s, 0) + 20.0 * has(s, 1) + 5.0 * has(s, 2) + 60.0 * (has(s, 0) && has(s, 1));
  };
  const ShapleyPlan plan = exact_shapley_plan(3);
  const std::vector<double> phi = shapley_values(plan, values_of(plan, v));
  EXPECT_NEAR(phi[0], 10 + 30, 1e-9);
  EXPECT_NEAR(phi[1], 20 + 30, 1e-9);
  EXPECT_NEAR(phi[2], 5, 1e-9);
  // The two-block formula of the documentation: phi_1 = (v1 - v0)/2 + (v12 - v2)/2.
  const ShapleyPlan two = exact_shapley_plan(2);
  const std::vector<double> phi2 = shapley_values(two, values_of(two, v));
  EXPECT_NEAR(phi2[0], 0.5 * (v(1) - v(0)) + 0.5 * (v(3) - v(2)), 1e-9);
  EXPECT_NEAR(phi2[1], 0.5 * (v(2) - v(0)) + 0.5 * (v(3) - v(1)), 1e-9);
}

TEST(Attribution, ValuesAddUpToThePackageEffect) {
  for (int k = 1; k <= 6; ++k) {
    const ShapleyPlan plan = exact_shapley_plan(k);
    const std::vector<double> phi = shapley_values(plan, values_of(plan, noise_game));
    const double package = noise_game((1u << k) - 1) - noise_game(0);
    EXPECT_NEAR(std::accumulate(phi.begin(), phi.end(), 0.0), package, 1e-9) << "k = " << k;
  }
  // Each sampled order's marginal effects add up to the package effect, so their mean does.
  const ShapleyPlan sampled = sampled_shapley_plan(9, 17, 5);
  const std::vector<double> est = shapley_values(sampled, values_of(sampled, noise_game));
  EXPECT_NEAR(std::accumulate(est.begin(), est.end(), 0.0), noise_game((1u << 9) - 1) - noise_game(0), 1e-9);
}

// A k = 8 game with pairwise and three-way interactions: the sampled estimate converges
// to the exact values. Tolerance: 4 standard errors of the mean of the sampled marginal
// effects (their spread over orders, over the root of the number of orders).
TEST(Attribution, SampledEstimateConvergesToTheExactValues) {
  constexpr int k = 8;
  const Game v = [](std::uint32_t s) {
    double x = 0;
    for (int i = 0; i < k; ++i) x += (i + 1) * 10.0 * has(s, i);
    for (int i = 0; i < k; ++i)
      for (int j = i + 1; j < k; ++j) x += ((i * 7 + j * 3) % 11 - 5) * 4.0 * (has(s, i) && has(s, j));
    return x + 150.0 * (has(s, 0) && has(s, 3) && has(s, 5));
  };
  const ShapleyPlan exact = exact_shapley_plan(k);
  const std::vector<double> phi = shapley_values(exact, values_of(exact, v));
  const int m = 4000;
  const ShapleyPlan sampled = sampled_shapley_plan(k, m, 20260101);
  EXPECT_EQ(sampled.orders.size(), static_cast<std::size_t>(m));
  const std::vector<double> est = shapley_values(sampled, values_of(sampled, v));
  const std::vector<double> se_of_plan = shapley_sampling_error(sampled, values_of(sampled, v));
  EXPECT_EQ(shapley_sampling_error(exact, values_of(exact, v)), std::vector<double>(k, 0.0));
  double worst = 0;
  for (int i = 0; i < k; ++i) {
    std::vector<double> marginal;  // block i's marginal effect in each sampled order
    for (const std::vector<int>& order : sampled.orders) {
      std::uint32_t before = 0;
      for (int b : order) {
        if (b == i) break;
        before |= 1u << b;
      }
      marginal.push_back(v(before | (1u << i)) - v(before));
    }
    const double mean = std::accumulate(marginal.begin(), marginal.end(), 0.0) / m;
    EXPECT_NEAR(mean, est[static_cast<std::size_t>(i)], 1e-9) << "the plan's weights are the orders' mean";
    double ss = 0;
    for (double x : marginal) ss += (x - mean) * (x - mean);
    const double se = std::sqrt(ss / (m - 1) / m);
    EXPECT_NEAR(se_of_plan[static_cast<std::size_t>(i)], se, 1e-9 * se) << "the reported standard error";
    ASSERT_GT(se, 0.1) << "block " << i << ": the game must make orders matter";
    EXPECT_NEAR(est[static_cast<std::size_t>(i)], phi[static_cast<std::size_t>(i)], 4 * se) << "block " << i;
    worst = std::max(worst, std::fabs(est[static_cast<std::size_t>(i)] - phi[static_cast<std::size_t>(i)]));
  }
  EXPECT_LT(worst, 3.0) << "persons; the blocks' values run from about 10 to 200";
  // Few orders are a rougher estimate of the same values.
  const ShapleyPlan few = sampled_shapley_plan(k, 3, 20260101);
  const std::vector<double> rough = shapley_values(few, values_of(few, v));
  double rough_worst = 0;
  for (int i = 0; i < k; ++i)
    rough_worst =
        std::max(rough_worst, std::fabs(rough[static_cast<std::size_t>(i)] - phi[static_cast<std::size_t>(i)]));
  EXPECT_GT(rough_worst, worst);
  // The same seed gives the same orders.
  EXPECT_EQ(sampled_shapley_plan(k, 5, 9).orders, sampled_shapley_plan(k, 5, 9).orders);
  EXPECT_NE(sampled_shapley_plan(k, 5, 9).orders, sampled_shapley_plan(k, 5, 10).orders);
}

TEST(Attribution, RefusesBadBlocksAndPlansNamingTheOption) {
  auto message = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "no error";
  };
  const auto sc = testing::small_scenario(
      "policies:\n  - {id: quota, name: labour_market_openness, quotas: [{member_state: ITA, per_year: 500}]}\n"
      "  - {id: cheap, name: remittances, cost_target: 0.02}\n");
  EXPECT_EQ(attributed_blocks(*sc, {}, nullptr), (std::vector<std::string>{"quota", "cheap"}));
  EXPECT_EQ(attributed_blocks(*sc, {"cheap"}, nullptr), (std::vector<std::string>{"cheap"}));
  const auto base = testing::small_scenario(
      "policies:\n  - {id: quota, name: labour_market_openness, quotas: "
      "[{member_state: ITA, per_year: 500}]}\n");
  EXPECT_EQ(attributed_blocks(*sc, {}, base.get()), (std::vector<std::string>{"cheap"}));
  const std::string unknown = message([&] { attributed_blocks(*sc, {"quota", "visa"}, nullptr); });
  EXPECT_NE(unknown.find("--blocks: 'visa' is not a policy block"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("its blocks: quota, cheap"), std::string::npos) << unknown;
  EXPECT_NE(message([&] {
              attributed_blocks(*sc, {"quota", "quota"}, nullptr);
            }).find("named twice"),
            std::string::npos);
  EXPECT_NE(message([&] { attributed_blocks(*sc, {}, sc.get()); }).find("--baseline"), std::string::npos);
  EXPECT_NE(message([] { attribution_plan(0, 0, 1); }).find("--blocks: no blocks"), std::string::npos);
  const std::string seven = message([] { attribution_plan(7, 0, 1); });
  EXPECT_NE(seven.find("--permutations"), std::string::npos) << seven;
  EXPECT_EQ(message([] { attribution_plan(7, 10, 1); }), "no error");
  EXPECT_EQ(attribution_plan(6, 0, 1).coalitions.size(), 64u);
}

// The small world with a second partner, Georgia, whose people share no route, quota or
// border capacity with Moldova's.
const std::string kTwoPartners = R"(
replicates: 4
nodes:
  - {id: GEO, role: origin, partner_type: neighbourhood, population: 3700000, gdp_pc: 8000, unemployment: 0.12}
edges:
  - {from: GEO, to: ITA, distance_km: 2600, mode: air, external_border: true}
  - {from: GEO, to: DEU, distance_km: 2900, mode: air, external_border: true}
population:
  - {origin: GEO, agents: 12000, skills: {low: 0.4, medium: 0.4, high: 0.2}}
diaspora:
  - {origin: GEO, destination: ITA, persons: 30000}
)";

// Each subset's indicators, from a run made and written the ordinary way.
std::vector<Indicator> indicators_with(const std::string& yaml, int replicates) {
  return headline_indicators(read_run_file(testing::run_and_write(yaml, replicates).path), false);
}

double mean(const std::vector<double>& x) { return std::accumulate(x.begin(), x.end(), 0.0) / x.size(); }

// Readmission for Moldova and cheaper remittances for Georgia act on different people.
// With common random numbers each Moldovan follows the same path whether Georgia's
// block is on or not (the partners share no quota or border capacity, and neither block
// changes a table the other's agents read),
// so the interaction is exactly zero: each block's Shapley value is its effect alone,
// in every replicate and for every indicator.
TEST(Attribution, BlocksOnDifferentPeopleGetTheirOwnEffects) {
  const std::string readmit =
      "  - {id: readmit_mda, name: readmission, agreements: [{partner: MDA, execution: 0.95, assumption: a test}]}\n";
  const std::string remit =
      "  - {id: remit_geo, name: remittances, partners: [GEO], cost_start: 0.01, cost_target: 0.01}\n";
  const auto sc = testing::small_scenario(kTwoPartners + "policies:\n" + readmit + remit);
  const AttributionResult r = attribute(*sc, {"readmit_mda", "remit_geo"}, {});
  ASSERT_EQ(r.plan.coalitions.size(), 4u);
  ASSERT_EQ(r.replicates, 4);
  for (std::size_t j = 0; j < r.indicators.size(); ++j) {
    for (std::size_t b = 0; b < 2; ++b) {
      const BlockShare s = block_share(r, j, b);
      for (int rep = 0; rep < 4; ++rep) {
        const double alone =
            r.values[1u << b][j][static_cast<std::size_t>(rep)] - r.values[0][j][static_cast<std::size_t>(rep)];
        EXPECT_NEAR(r.shapley[j][b][static_cast<std::size_t>(rep)], alone, 1e-9 * (1 + std::fabs(alone)))
            << r.indicators[j].name << " " << r.blocks[b];
      }
      EXPECT_NEAR(s.value.mean, s.alone.mean, 1e-9 * (1 + std::fabs(s.alone.mean)));
    }
  }
  // Not vacuous: each block changes its own partner's outcomes.
  auto named = [&](const std::string& name) {
    return static_cast<std::size_t>(
        std::find_if(r.indicators.begin(), r.indicators.end(), [&](const Indicator& i) { return i.name == name; }) -
        r.indicators.begin());
  };
  EXPECT_GT(mean(r.shapley[named("returns_executed")][0]), 10) << "readmission executes more returns";
  EXPECT_GT(mean(r.shapley[named("remittances")][1]), 0) << "cheaper transfers bring more home";
}

// A labour quota to Italy and stricter detection with readmission act on the same
// Moldovans: a permit holder cannot be detected as irregular. The values must be the
// Shapley formula of subsets run independently (same seed and replicates), add up to
// the package effect, and differ from the effects alone.
TEST(Attribution, InteractingBlocksSplitTheirInteractionAsShapleyPrescribes) {
  const std::string quota =
      "  - {id: quota, name: labour_market_openness, quotas: [{member_states: [ITA, DEU], partner: MDA, "
      "per_year: 6000}]}\n";
  const std::string detect =
      "  - {id: detect, name: readmission, agreements: [{partner: MDA, execution: 0.9, assumption: a test}], "
      "detection: 0.08}\n";
  const std::string base = "replicates: 4\n";
  const auto sc = testing::small_scenario(base + "policies:\n" + quota + detect);
  const AttributionResult r = attribute(*sc, {"quota", "detect"}, {});
  ASSERT_EQ(r.blocks, (std::vector<std::string>{"quota", "detect"}));
  const std::vector<Indicator> v0 = indicators_with(base + "policies: []\n", 4);
  const std::vector<Indicator> v1 = indicators_with(base + "policies:\n" + quota, 4);
  const std::vector<Indicator> v2 = indicators_with(base + "policies:\n" + detect, 4);
  const std::vector<Indicator> v12 = indicators_with(base + "policies:\n" + quota + detect, 4);
  ASSERT_EQ(v0.size(), r.indicators.size());
  double largest_interaction = 0;
  for (std::size_t j = 0; j < r.indicators.size(); ++j) {
    ASSERT_EQ(v0[j].name, r.indicators[j].name);
    for (std::size_t rep = 0; rep < 4; ++rep) {
      const double a0 = v0[j].per_replicate[rep], a1 = v1[j].per_replicate[rep], a2 = v2[j].per_replicate[rep],
                   a12 = v12[j].per_replicate[rep];
      const double tol = 1e-9 * (1 + std::fabs(a12));
      EXPECT_NEAR(r.shapley[j][0][rep], 0.5 * (a1 - a0) + 0.5 * (a12 - a2), tol) << r.indicators[j].name;
      EXPECT_NEAR(r.shapley[j][1][rep], 0.5 * (a2 - a0) + 0.5 * (a12 - a1), tol) << r.indicators[j].name;
      EXPECT_NEAR(r.shapley[j][0][rep] + r.shapley[j][1][rep], a12 - a0, tol) << r.indicators[j].name;
      EXPECT_NEAR(r.package[j][rep], a12 - a0, tol);
    }
    if (r.indicators[j].unit == "persons")
      largest_interaction =
          std::max(largest_interaction, std::fabs(mean(r.shapley[j][0]) - block_share(r, j, 0).alone.mean));
  }
  EXPECT_LT(r.efficiency_gap, 1e-6);
  EXPECT_GT(largest_interaction, 20) << "persons: the blocks interact, so values differ from effects alone";
}

// A group of blocks is one player: switched on and off together. Three blocks as two
// players (the quota; detection and cheaper remittances as one group) must give the
// two-player Shapley values of subsets run independently, the group's run holding both.
TEST(Attribution, AGroupOfBlocksIsOnePlayer) {
  const std::string quota =
      "  - {id: quota, name: labour_market_openness, quotas: [{member_states: [ITA, DEU], partner: MDA, "
      "per_year: 6000}]}\n";
  const std::string detect =
      "  - {id: detect, name: readmission, agreements: [{partner: MDA, execution: 0.9, assumption: a test}], "
      "detection: 0.08}\n";
  const std::string cheap = "  - {id: cheap, name: remittances, cost_target: 0.02}\n";
  const std::string base = "replicates: 3\n";
  const auto sc = testing::small_scenario(base + "policies:\n" + quota + detect + cheap);
  const AttributionResult r = attribute(*sc, {"eu=detect+cheap", "quota"}, {});
  ASSERT_EQ(r.blocks, (std::vector<std::string>{"quota", "eu"}));  // the scenario's order
  ASSERT_EQ(r.members[1], (std::vector<std::string>{"detect", "cheap"}));
  ASSERT_EQ(r.plan.coalitions.size(), 4u);
  const std::vector<Indicator> v0 = indicators_with(base + "policies: []\n", 3);
  const std::vector<Indicator> v1 = indicators_with(base + "policies:\n" + quota, 3);
  const std::vector<Indicator> v2 = indicators_with(base + "policies:\n" + detect + cheap, 3);
  const std::vector<Indicator> v12 = indicators_with(base + "policies:\n" + quota + detect + cheap, 3);
  for (std::size_t j = 0; j < r.indicators.size(); ++j)
    for (std::size_t rep = 0; rep < 3; ++rep) {
      const double a0 = v0[j].per_replicate[rep], a1 = v1[j].per_replicate[rep], a2 = v2[j].per_replicate[rep],
                   a12 = v12[j].per_replicate[rep];
      const double tol = 1e-9 * (1 + std::fabs(a12));
      EXPECT_NEAR(r.shapley[j][0][rep], 0.5 * (a1 - a0) + 0.5 * (a12 - a2), tol) << r.indicators[j].name;
      EXPECT_NEAR(r.shapley[j][1][rep], 0.5 * (a2 - a0) + 0.5 * (a12 - a1), tol) << r.indicators[j].name;
    }
  // Bad groups are refused naming --blocks.
  for (const char* bad : {"eu=", "=detect", "eu=detect+", "eu=detect+nope", "eu=detect+cheap,cheap"}) {
    std::vector<std::string> items;
    std::string all = bad;
    for (std::size_t at = 0;;) {
      const auto comma = all.find(',', at);
      items.push_back(all.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
    try {
      attributed_blocks(*sc, items, nullptr);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("--blocks"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace migflow

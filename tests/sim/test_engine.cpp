// Engine invariants: conservation, reproducibility across thread counts and seeds.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "../test_support.hpp"
#include "ensemble/ensemble.hpp"
#include "sim/engine.hpp"

namespace migflow {
namespace {

// Recounts the agent store directly, independent of the engine's observe phase.
std::vector<std::int64_t> recount(const Engine& e) {
  const AgentStore& a = e.agents();
  const StepCounts& c = e.counts();
  std::vector<std::int64_t> cells(c.stocks.size(), 0);
  for (int o = 0; o < c.origins; ++o)
    for (std::uint64_t i = a.origin_begin[o]; i < a.origin_begin[o + 1]; ++i) {
      EXPECT_LT(a.location[i], c.nodes);
      EXPECT_LT(a.status[i], kStatusCount);
      ++cells[c.stock(o, a.location[i], static_cast<Status>(a.status[i]))];
    }
  return cells;
}

TEST(Engine, ConservesAgentsInExactlyOneCellEveryStep) {
  auto world = testing::world_of(testing::small_scenario("model: {emigration_rate: 0.01}"));
  Engine engine(world, 0);
  const std::int64_t total = static_cast<std::int64_t>(world->scenario().total_agents());
  bool anyone_moved = false;
  while (!engine.done()) {
    engine.step();
    const auto& stocks = engine.counts().stocks;
    std::int64_t sum = 0;
    for (auto v : stocks) sum += v;
    ASSERT_EQ(sum, total) << "step " << engine.steps_done();
    ASSERT_EQ(recount(engine), stocks) << "step " << engine.steps_done();
    const NodeId home = world->origin_node(0);
    anyone_moved = anyone_moved || stocks[engine.counts().stock(0, home, Status::AtHome)] <
                                       static_cast<std::int64_t>(world->scenario().origins[0].agents);
  }
  EXPECT_TRUE(anyone_moved);
  // Agents at a node with a status that cannot occur there would reveal a kernel bug.
  const auto& c = engine.counts();
  for (int n = 0; n < c.nodes; ++n) {
    const Role role = world->scenario().nodes[n].role;
    if (role != Role::MemberState) {
      EXPECT_EQ(c.stocks[c.stock(0, n, Status::Regular)], 0);
      EXPECT_EQ(c.stocks[c.stock(0, n, Status::Irregular)], 0);
    }
    if (n != world->origin_node(0)) {
      EXPECT_EQ(c.stocks[c.stock(0, n, Status::AtHome)], 0);
      EXPECT_EQ(c.stocks[c.stock(0, n, Status::Returned)], 0);
    }
  }
}

std::vector<ReplicateSeries> run_with_threads(std::shared_ptr<const World> world, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
  EnsembleOptions options;
  options.replicates = world->scenario().replicates;
  return run_ensemble(world, options).replicates;
}

void expect_identical(const std::vector<ReplicateSeries>& a, const std::vector<ReplicateSeries>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t r = 0; r < a.size(); ++r) {
    ASSERT_EQ(a[r].core.series().size(), b[r].core.series().size());
    for (size_t s = 0; s < a[r].core.series().size(); ++s)
      EXPECT_EQ(a[r].core.series()[s].dense(), b[r].core.series()[s].dense())
          << "replicate " << r << " series " << a[r].core.series()[s].name;
  }
}

TEST(Engine, IdenticalResultsOnOneTwoAndFourThreads) {
  // Enough agents that the parallel loop really splits into many tasks.
  auto world = testing::world_of(testing::small_scenario(
      "population: [{origin: MDA, agents: 150000}]\nreplicates: 3\nmodel: {emigration_rate: 0.01}"));
  const auto one = run_with_threads(world, 1);
  expect_identical(one, run_with_threads(world, 2));
  expect_identical(one, run_with_threads(world, 4));
}

TEST(Engine, DifferentSeedsAndReplicatesDiffer) {
  auto a = run_with_threads(testing::world_of(testing::small_scenario("seed: 1")), 2);
  auto b = run_with_threads(testing::world_of(testing::small_scenario("seed: 2")), 2);
  const int stocks = a[0].core.find("stocks");
  EXPECT_NE(a[0].core.series()[stocks].dense(), b[0].core.series()[stocks].dense());
  EXPECT_NE(a[0].core.series()[stocks].dense(), a[1].core.series()[stocks].dense());
  EXPECT_NE(a[0].seed, a[1].seed);
}

TEST(Engine, PersonsPerAgentScalesOutputs) {
  auto sc = testing::small_scenario("population: [{origin: MDA, agents: ~, persons_per_agent: 100}]");
  EXPECT_EQ(sc->origins[0].agents, 26000u);
  ASSERT_EQ(sc->origins[0].abroad.size(), 2u);
  EXPECT_EQ(sc->origins[0].total_agents(), 26000u + 400u + 100u);
  auto world = testing::world_of(sc);
  Engine engine(world, 0);
  engine.step();
  const SeriesGroup& g = engine.series().core;
  const int stocks = g.find("stocks");
  double persons = 0;
  for (size_t c = 0; c < g.series()[stocks].cells; ++c) persons += g.at(stocks, 0, c);
  EXPECT_DOUBLE_EQ(persons, 2600000.0 + 50000.0);  // at home, plus the diaspora in ROU and ITA
}

TEST(Engine, NoIrregularMovesWithoutIrregularPropensity) {
  auto world = testing::world_of(testing::small_scenario("model: {irregular_propensity: 0, emigration_rate: 0.01}"));
  Engine engine(world, 0);
  engine.run();
  const SeriesGroup& g = engine.series().core;
  const int arrivals = g.find("arrivals");
  double legal = 0, irregular = 0;
  for (size_t s = 0; s < g.steps(arrivals); ++s)
    for (int m = 0; m < 3; ++m) {
      legal += g.at(arrivals, s, m * kChannelCount + 0);
      irregular += g.at(arrivals, s, m * kChannelCount + 1);
    }
  EXPECT_GT(legal, 0);
  EXPECT_EQ(irregular, 0);
}

}  // namespace
}  // namespace migflow

// Engine invariants: conservation, reproducibility across thread counts and seeds,
// resuming from a saved state; every engine through the same test bodies (EngineTest,
// parametrised by engine; tests/sim/test_expectation.cpp does the same for the exact
// expectation).
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "../test_support.hpp"
#include "ensemble/ensemble.hpp"
#include "loader/scenario_loader.hpp"
#include "output/binary.hpp"
#include "policies/registry.hpp"
#include "sim/engine.hpp"
#include "sim/event_schedule.hpp"

namespace migflow {
namespace {

// Recounts the agent store directly, independent of the engine's observe phase.
std::vector<std::int64_t> recount(const Engine& e) {
  const AgentStore& a = e.agents();
  const StepCounts& c = e.counts();
  std::vector<std::int64_t> cells(c.stocks.size(), 0);
  for (int o = 0; o < c.origins; ++o)
    for (std::uint64_t i = a.origin_begin[o]; i < a.origin_begin[o + 1]; ++i) {
      if (a.status[i] == kAbsent) continue;  // outside a renewing working-age population
      EXPECT_LT(a.location[i], c.nodes);
      EXPECT_LT(a.status[i], kStatusCount);
      ++cells[c.stock(o, a.location[i], static_cast<Status>(a.status[i]))];
    }
  return cells;
}

// Morocco to Italy: via Spain and France, or out of Spain to Algeria and Tunisia and
// across the sea again, which is shorter. A route into the EU never leaves it once
// inside: the crossing out would count as a second entry (a Frontex detection).
TEST(World, RoutesToAMemberStateNeverLeaveTheEuOnceInside) {
  const std::string path = testing::write_temp("routes.yaml", R"(calendar: {start: 2010-01, end: 2010-12}
nodes:
  - {id: MAR, role: origin, population: 1000000, gdp_pc: 7000, unemployment: 0.1}
  - {id: DZA, role: transit, gdp_pc: 11000, unemployment: 0.1}
  - {id: TUN, role: transit, gdp_pc: 10000, unemployment: 0.1}
  - {id: ESP, role: member_state, population: 30000000, gdp_pc: 35000, unemployment: 0.2}
  - {id: FRA, role: member_state, population: 40000000, gdp_pc: 40000, unemployment: 0.09}
  - {id: ITA, role: member_state, population: 39000000, gdp_pc: 38000, unemployment: 0.1}
edges:
  - {from: MAR, to: ESP, distance_km: 760, mode: sea, external_border: true}
  - {from: DZA, to: ESP, distance_km: 700, mode: sea, external_border: true}
  - {from: MAR, to: DZA, distance_km: 900, mode: land}
  - {from: DZA, to: TUN, distance_km: 640, mode: land}
  - {from: TUN, to: ITA, distance_km: 600, mode: sea, external_border: true}
  - {from: ESP, to: FRA, distance_km: 1050, mode: land}
  - {from: FRA, to: ITA, distance_km: 1110, mode: land}
population:
  - {origin: MAR, agents: 100}
)");
  const World world(std::make_shared<const Scenario>(load_scenario(path, builtin_policies())));
  const Scenario& sc = world.scenario();
  for (int d = 0; d < world.destination_count(); ++d) {
    NodeId at = world.origin_node(0);
    std::string route = sc.nodes[at].id;
    bool inside = false;
    for (int hops = 0; at != world.destination_node(d) && hops < 10; ++hops) {
      const EdgeId e = world.irregular_next_hop(at, d);
      ASSERT_NE(e, kNoEdge) << route;
      at = world.edge(e).to;
      route += "->" + sc.nodes[at].id;
      const bool in_eu = sc.nodes[at].role == Role::MemberState;
      EXPECT_FALSE(inside && !in_eu) << "leaves the EU: " << route;
      inside = inside || in_eu;
    }
    EXPECT_EQ(at, world.destination_node(d)) << route;
  }
  // To Italy: through Spain and France, not back out through Algeria and Tunisia.
  const int italy = world.destination_index(static_cast<NodeId>(sc.node_index("ITA")));
  EXPECT_EQ(sc.nodes[world.edge(world.irregular_next_hop(static_cast<NodeId>(sc.node_index("ESP")), italy)).to].id,
            "FRA");
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

// --- every engine through the same bodies (stepped, the reference, and event-driven) ----

// Every mechanism at once: quotas and a capped border (moves that wait for resolve),
// waits in transit, permits, short stays, asylum, readmission, and a visa regime and
// quotas that start mid-run (the event-driven engine's gate bounds change, its classes
// are drawn again).
std::string busy_world(EngineMode engine, int agents = 60000, int replicates = 2) {
  return "engine: " + std::string(kEngineModeNames[static_cast<int>(engine)]) +
         "\npopulation: [{origin: MDA, agents: " + std::to_string(agents) +
         "}]\nreplicates: " + std::to_string(replicates) + R"(
model: {emigration_rate: 0.02, irregular_propensity: 0.4, overstay: 0.3, asylum_application: 0.3}
policies:
  - {name: labour_market_openness, from: 2010-07,
     quotas: [{member_state: DEU, partner: MDA, per_year: 600}]}
  - {name: border_capacity, capacity_lag_months: 0, assumption: a test,
     crossings: [{name: mr, edges: [MDA->ROU], capacity_per_month: 40, interception: 0.2}]}
  - {name: visa_regime, member_states: [ITA, DEU], regimes: [{partner: MDA, kind: liberalisation, from: 2011-06}]}
  - {name: readmission, agreements: [{partner: MDA, in_force: 2011-01, execution: 0.6, assumption: a test}]}
)";
}

class EngineTest : public ::testing::TestWithParam<EngineMode> {};

std::string engine_name(const ::testing::TestParamInfo<EngineMode>& info) {
  return std::string(kEngineModeNames[static_cast<int>(info.param)]);
}

// Every agent is in exactly one (origin, node, status) cell at every step: the stocks sum
// to the agents and equal a recount of the agent store, as does the in-transit waiting
// time; statuses occur only where they can (no permit outside a Member State, nobody at
// home abroad).
TEST_P(EngineTest, ConservesAgentsInExactlyOneCellEveryStep) {
  auto world = testing::world_of(testing::small_scenario(busy_world(GetParam())));
  Engine engine(world, 0);
  EXPECT_EQ(engine.schedule() != nullptr, GetParam() == EngineMode::Event);
  const std::int64_t total = static_cast<std::int64_t>(world->scenario().total_agents());
  std::int64_t requests = 0, in_transit = 0;
  while (!engine.done()) {
    engine.step();
    const StepCounts& c = engine.counts();
    std::int64_t sum = 0;
    for (auto v : c.stocks) sum += v;
    ASSERT_EQ(sum, total) << "step " << engine.steps_done();
    ASSERT_EQ(recount(engine), c.stocks) << "step " << engine.steps_done();
    std::vector<std::int64_t> wait(c.transit_wait.size(), 0);
    const AgentStore& a = engine.agents();
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a.status[i] == static_cast<std::uint8_t>(Status::InTransit)) {
        wait[c.on(0, a.location[i])] += (engine.steps_done() - 1) - a.timer[i];
        ++in_transit;
      }
    ASSERT_EQ(wait, c.transit_wait) << "step " << engine.steps_done();
    for (auto v : c.quota_requests) requests += v;
    for (auto v : c.edge_blocked) requests += v;
  }
  EXPECT_GT(requests, 0);    // quotas and the capped border were contested
  EXPECT_GT(in_transit, 0);  // waits were counted
  const StepCounts& c = engine.counts();
  EXPECT_LT(c.stocks[c.stock(0, world->origin_node(0), Status::AtHome)],
            static_cast<std::int64_t>(world->scenario().origins[0].agents));  // people left
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

TEST_P(EngineTest, IdenticalResultsOnOneTwoAndFourThreads) {
  // Enough agents that the parallel loop really splits into many tasks.
  auto world = testing::world_of(testing::small_scenario(busy_world(GetParam(), 150000, 3)));
  const auto one = run_with_threads(world, 1);
  expect_identical(one, run_with_threads(world, 2));
  expect_identical(one, run_with_threads(world, 4));
}

// A run saved halfway and restored into a fresh engine carries on exactly as if never
// stopped (the event-driven engine's schedule, next events and gate bounds, is part of
// the state).
// Runs replicate 1 whole, and again saved after 17 steps and restored into a fresh engine:
// the two must give the same series, and the schedule the same looks.
void expect_resumes_exactly(std::shared_ptr<const World> world) {
  Engine whole(world, 1);
  whole.run();
  Engine first(world, 1);
  for (int s = 0; s < 17; ++s) first.step();
  BinaryWriter out;
  first.save(out);
  Engine second(world, 1);
  BinaryReader in(out.bytes().data(), out.bytes().size());
  second.restore(in);
  second.run();
  std::vector<ReplicateSeries> a, b;
  a.push_back(std::move(whole.series()));
  b.push_back(std::move(second.series()));
  expect_identical(a, b);
  if (whole.schedule()) {
    EXPECT_EQ(whole.schedule()->looks(), first.schedule()->looks() + second.schedule()->looks());
  }
}

TEST_P(EngineTest, ResumesExactlyFromASavedState) {
  expect_resumes_exactly(testing::world_of(testing::small_scenario(busy_world(GetParam()))));
}

// --- a renewing population (docs/model.md, "Population"), through both engines ----

// The busy world with MDA's working-age population growing by a fifth in 2010 and then
// falling by a quarter in 2011, and emigration within the reserve's allowance.
std::string renewing_world(EngineMode engine, int agents = 60000, int replicates = 2) {
  std::string world = busy_world(engine, agents, replicates);
  world.replace(world.find("emigration_rate: 0.02"), 21, "emigration_rate: 0.001");
  return world + R"(demography: {mode: renewing}
nodes: [{id: MDA, population: {2010: 2600000, 2011: 3100000, 2012: 2300000}}]
)";
}

std::int64_t residents_at_home(const StepCounts& c) {
  std::int64_t n = 0;
  for (int node = 0; node < c.nodes; ++node)
    n += c.stocks[c.stock(0, node, Status::AtHome)] + c.stocks[c.stock(0, node, Status::Returned)] +
         c.stocks[c.stock(0, node, Status::Visitor)];
  return n;
}

// Each January the residents at home are brought to the population series: exactly
// where it grows (the reserve makes up the rest), within 1% where it falls (leavers are
// drawn); every step, the agents in the population change by entries minus exits, and
// the stocks equal a recount of the agent store.
TEST_P(EngineTest, RenewingPopulationFollowsItsSeriesAndCountsEveryEntryAndExit) {
  auto world = testing::world_of(testing::small_scenario(renewing_world(GetParam())));
  const Scenario& sc = world->scenario();
  ASSERT_GT(sc.origins[0].reserve, 0u);
  Engine engine(world, 0);
  auto in_population = [](const StepCounts& c) {
    std::int64_t n = 0;
    for (auto v : c.stocks) n += v;
    return n;
  };
  std::int64_t before = in_population(engine.counts()), entries = 0, exits = 0;
  int renewals = 0;
  while (!engine.done()) {
    const int step = engine.steps_done();
    engine.update();
    if (sc.opens_year(step)) {
      ++renewals;
      const double target = sc.resident_target(0, step);
      const std::int64_t residents = residents_at_home(engine.counts());
      if (sc.calendar.date(step).year == 2011) {
        EXPECT_EQ(residents, std::llround(target)) << "growing, " << sc.calendar.date(step).str();
      } else {
        EXPECT_NEAR(static_cast<double>(residents) / target, 1.0, 0.01) << "falling, " << sc.calendar.date(step).str();
      }
    }
    engine.decide();
    engine.resolve_and_apply();
    engine.record();
    engine.finish_step();
    const StepCounts& c = engine.counts();
    const std::int64_t after = in_population(c);
    ASSERT_EQ(after, before + c.entries[0] - c.exits[0]) << "step " << step;
    ASSERT_EQ(recount(engine), c.stocks) << "step " << step;
    if (!sc.opens_year(step)) {
      EXPECT_EQ(c.entries[0] + c.exits[0], 0) << "step " << step;
    }
    entries += c.entries[0];
    exits += c.exits[0];
    before = after;
  }
  EXPECT_EQ(renewals, 2);
  EXPECT_GT(entries, 0);
  EXPECT_GT(exits, entries / 4);  // turnover in 2011, the fall in 2012
}

TEST_P(EngineTest, RenewingPopulationIdenticalOnOneTwoAndFourThreads) {
  auto world = testing::world_of(testing::small_scenario(renewing_world(GetParam(), 150000, 3)));
  const auto one = run_with_threads(world, 1);
  expect_identical(one, run_with_threads(world, 2));
  expect_identical(one, run_with_threads(world, 4));
}

// Saved between the two renewals: the entrants so far, who left, and the new persons'
// traits are part of the state.
TEST_P(EngineTest, RenewingPopulationResumesExactlyFromASavedState) {
  expect_resumes_exactly(testing::world_of(testing::small_scenario(renewing_world(GetParam()))));
}

INSTANTIATE_TEST_SUITE_P(Engines, EngineTest, ::testing::Values(EngineMode::Stepped, EngineMode::Event), engine_name);

// The reserve is sized from the calendar and the series; a closed population has none.
TEST(Engine, ARenewingPopulationsReserveCoversItsGrowthAndAClosedOneHasNone) {
  auto closed = testing::small_scenario(busy_world(EngineMode::Event));
  EXPECT_EQ(closed->origins[0].reserve, 0u);
  auto renewing = testing::small_scenario(renewing_world(EngineMode::Event));
  const double growth = renewing->resident_target(0, 12) - static_cast<double>(renewing->origins[0].agents);
  EXPECT_GE(static_cast<double>(renewing->origins[0].reserve), growth);
  EXPECT_NE(testing::error_of("demography: {mode: growing}").find("demography.mode"), std::string::npos);
  EXPECT_NE(testing::error_of("demography: {turnover: 2}").find("demography.turnover"), std::string::npos);
}

// What the event-driven engine is for: in this world, which moves fast (2% leave a month,
// and those in transit are looked at every step), it looks at far fewer agents than the
// stepped engine (all of them every step), and the mid-run policies change gate bounds.
TEST(Engine, EventDrivenLooksAtFewAgents) {
  auto world = testing::world_of(testing::small_scenario(busy_world(EngineMode::Event)));
  Engine engine(world, 0);
  engine.run();
  const EventSchedule& schedule = *engine.schedule();
  const double agent_steps = static_cast<double>(world->scenario().total_agents()) * engine.steps();
  EXPECT_LT(static_cast<double>(schedule.looks()), 0.5 * agent_steps);
  EXPECT_GT(schedule.looks(), 0u);
  EXPECT_GT(schedule.class_redraws(), static_cast<std::uint64_t>(kStatusCount));
}

// The two engines draw different random numbers but the same process: over replicates,
// their mean stocks at the end agree within sampling error, on a world where agents
// interact (quotas, a capped border, diaspora feedback) so no exact expectation exists.
TEST(Engine, EventDrivenAndSteppedAgreeInDistribution) {
  auto event_sc = testing::small_scenario(busy_world(EngineMode::Event, 60000, 24));
  auto stepped_sc = std::make_shared<Scenario>(*event_sc);
  stepped_sc->engine = EngineMode::Stepped;
  const auto event_runs = run_with_threads(testing::world_of(event_sc), 2);
  const auto stepped_runs = run_with_threads(testing::world_of(stepped_sc), 2);
  const int stocks = event_runs[0].core.find("stocks");
  const std::size_t cells = event_runs[0].core.series()[stocks].cells;
  const int last = event_sc->calendar.steps() - 1;
  auto moments = [&](const std::vector<ReplicateSeries>& runs, std::size_t cell) {
    double sum = 0, sq = 0;
    for (const auto& r : runs) {
      const double v = r.core.at(stocks, last, cell);
      sum += v;
      sq += v * v;
    }
    const double n = static_cast<double>(runs.size());
    const double mean = sum / n;
    return std::pair{mean, std::max(0.0, sq / n - mean * mean) * n / (n - 1)};
  };
  int compared = 0;
  for (std::size_t cell = 0; cell < cells; ++cell) {
    const auto [me, ve] = moments(event_runs, cell);
    const auto [ms, vs] = moments(stepped_runs, cell);
    if (me + ms < 200) continue;  // too few persons to compare
    const double se = std::sqrt((ve + vs) / static_cast<double>(event_runs.size()));
    // 4.5 standard errors, and a floor for cells with almost no spread.
    EXPECT_NEAR(me, ms, 4.5 * se + 0.002 * (me + ms)) << "cell " << cell;
    ++compared;
  }
  EXPECT_GE(compared, 8);
}

}  // namespace
}  // namespace migflow

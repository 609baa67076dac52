// The session layer: the precedence of a user's overrides, `extends:` by bundled name,
// the requests' tables, and the long commands stopped and resumed to the result they
// give uninterrupted, bit for bit.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "../test_support.hpp"
#include "loader/extends.hpp"
#include "loader/overrides.hpp"
#include "session/bundled_data.hpp"
#include "session/commands.hpp"
#include "session/partners.hpp"
#include "session/run.hpp"
#include "session/session.hpp"
#include "sim/engine.hpp"

namespace migflow {
namespace {

namespace fs = std::filesystem;

// The bundled scenarios of the source tree, as an installed migflow finds its own.
struct Bundled : ::testing::Test {
  static void SetUpTestSuite() { set_embedding_data_dir(MIGFLOW_SOURCE_DIR); }
};

std::string library() { return std::string(MIGFLOW_SOURCE_DIR) + "/scenarios"; }

// --- overrides ---------------------------------------------------------------------------

TEST(Overrides, KeyValueItemsMergeAsAFileExtendingTheScenario) {
  const TreePtr tree =
      overrides_tree({"model.emigration_rate=0.001", "replicates=3", "model.return_rate=0.01"}, "--set");
  EXPECT_EQ(to_yaml(*tree), "model:\n  emigration_rate: 0.001\n  return_rate: 0.01\nreplicates: 3\n");
  for (const std::string bad : {"model.emigration_rate", "=3", "model..x=1", ".x=1"})
    EXPECT_THROW(overrides_tree({bad}, "--set"), InputError) << bad;
}

// The case: a calibrated origin's posterior draws used to win over the user's
// value. An override of a per-origin parameter is now every origin's own value, and the
// parameter leaves the posterior sample (its other parameters are still drawn).
TEST(Overrides, APerOriginParameterBeatsTheOriginsValueAndItsPosteriorDraws) {
  const std::string base = testing::write_temp(
      "calibrated.yaml", "extends: " + testing::data_path("small.yaml") +
                             "\npopulation:\n  - origin: MDA\n    model: {emigration_rate: 0.004, return_rate: 0.01}\n"
                             "    posterior:\n      parameters: [emigration_rate, return_rate]\n"
                             "      draws: [[0.0002, 0.02], [0.0004, 0.03]]\n");
  const TreePtr merged = apply_overrides(load_merged_tree(base), overrides_tree({"model.emigration_rate=0"}, "--set"));
  const Scenario sc = build_scenario(merged, base, builtin_policies());
  EXPECT_EQ(sc.origins[0].behaviour.emigration_rate, 0.0);
  EXPECT_EQ(sc.origins[0].posterior.names, std::vector<std::string>{"return_rate"});
  EXPECT_EQ(sc.origins[0].posterior.draws, (std::vector<std::vector<double>>{{0.02}, {0.03}}));
  // Per origin, through its own population entry: the same.
  const Scenario own = build_scenario(
      apply_overrides(load_merged_tree(base),
                      overrides_tree({"population=[{origin: MDA, model: {return_rate: 0.05}}]"}, "--set")),
      base, builtin_policies());
  EXPECT_EQ(own.origins[0].behaviour.return_rate, 0.05);
  EXPECT_EQ(own.origins[0].posterior.names, std::vector<std::string>{"emigration_rate"});
  // Without the override, the draws decide (the precedence is the override's only).
  const Scenario plain = build_scenario(load_merged_tree(base), base, builtin_policies());
  EXPECT_EQ(plain.origins[0].posterior.names.size(), 2u);
}

// Every bundled baseline runs at a scale where a cell of 1,000 persons (the smallest
// stock cell the calibration fits and the backtest scores) is at least 20 agents: at
// most 50 persons an agent; calibrate and backtest run at the scenario's scale.
TEST_F(Bundled, BaselinesKeepSmallCellsAtTwentyAgentsOrMore) {
  for (const std::string& name : partner_baselines()) {
    const Scenario sc = load_named(name, builtin_policies());
    ASSERT_EQ(sc.origins.size(), 1u) << name;
    EXPECT_LE(sc.origins[0].persons_per_agent, 50.0) << name;
    EXPECT_GE(sc.origins[0].persons_per_agent, 1.0) << name;
  }
  EXPECT_EQ(CalibrateRequest{}.agents, 0u) << "calibrate runs at the scenario's scale by default";
  EXPECT_EQ(BacktestRequest{}.agents, 0u) << "backtest runs at the scenario's scale by default";
}

// Every partner's projections start in 2025 with a renewing population; Moldova's starts
// from the UN DESA 2024 revision's stocks, destination by destination, and its residents
// at home follow the WPP 2024 working-age series within 1% each January.
TEST_F(Bundled, ProjectionsStartIn2025FromThe2024StocksAndFollowTheWorkingAgePopulation) {
  for (const std::string& name : partner_baselines()) {
    const std::string folder = name.substr(0, name.find('/'));
    for (const char* kind : {"baseline", "security_heavy", "mobility_heavy"}) {
      const Scenario sc = load_named(folder + "/projection_" + kind, builtin_policies());
      EXPECT_EQ(sc.calendar.start.str(), "2025-01") << folder << " " << kind;
      EXPECT_EQ(sc.demography.mode, DemographyMode::Renewing) << folder << " " << kind;
    }
  }
  auto sc = std::make_shared<Scenario>(load_named("moldova/projection_baseline", builtin_policies()));
  auto world = std::make_shared<const World>(sc);
  Engine engine(world, 0);
  const StepCounts& c = engine.counts();
  std::map<std::string, double> observed;
  std::ifstream csv(std::string(MIGFLOW_SOURCE_DIR) + "/scenarios/data/diaspora_2024_start.csv");
  std::string line;
  std::getline(csv, line);
  while (std::getline(csv, line)) {
    std::stringstream row(line);
    std::string origin, destination, persons;
    std::getline(row, origin, ',');
    std::getline(row, destination, ',');
    std::getline(row, persons, ',');
    if (origin == "MDA") observed[destination] = std::stod(persons);
  }
  const double ppa = sc->origins[0].persons_per_agent;
  int destinations = 0;
  for (int d = 0; d < world->destination_count(); ++d) {
    const NodeId node = world->destination_node(d);
    const auto it = observed.find(sc->nodes[node].id);
    if (it == observed.end()) continue;
    double abroad = 0;
    for (Status s : {Status::Regular, Status::Irregular, Status::AsylumSeeker, Status::Exploited})
      abroad += static_cast<double>(c.stocks[c.stock(0, node, s)]) * ppa;
    EXPECT_NEAR(abroad, it->second, ppa / 2) << sc->nodes[node].id;
    ++destinations;
  }
  EXPECT_GT(destinations, 20);
  int renewals = 0;
  while (!engine.done()) {
    const int step = engine.steps_done();
    engine.update();
    if (sc->opens_year(step)) {
      std::int64_t residents = 0;
      for (int n = 0; n < c.nodes; ++n)
        for (Status s : {Status::AtHome, Status::Returned, Status::Visitor}) residents += c.stocks[c.stock(0, n, s)];
      EXPECT_NEAR(static_cast<double>(residents) / sc->resident_target(0, step), 1.0, 0.01)
          << sc->calendar.date(step).str();
      ++renewals;
    }
    engine.decide();
    engine.resolve_and_apply();
    engine.finish_step();
  }
  EXPECT_EQ(renewals, 10);
}

// The same through a command: the user's emigration_rate 0 changes the run (nobody
// leaves home), where it used to give the calibrated baseline.
TEST_F(Bundled, AnOverrideOfACalibratedOriginChangesTheRun) {
  RunRequest r;
  r.scenario = "cape_verde/baseline";
  r.replicates = 2;
  r.threads = 2;
  const Context ctx(builtin_policies());
  const RunResult baseline = run_command(r, ctx);
  r.set = {"model.emigration_rate=0"};
  const RunResult zero = run_command(r, ctx);
  // Arrivals to work or irregularly: short stays, family and study have their own rates.
  const auto arrivals = [](const RunResult& run) {
    const SeriesGroup& g = run.ensemble.replicates.at(0).core;
    const Series& s = g.series()[static_cast<std::size_t>(g.find("arrivals"))];
    EXPECT_EQ(g.dims()[static_cast<std::size_t>(s.dims.back())].name, "channel");
    const std::size_t channels = g.dims()[static_cast<std::size_t>(s.dims.back())].labels.size();
    const std::vector<double> values = s.dense();
    double sum = 0;
    for (std::size_t i = 0; i < values.size(); ++i)
      if (const auto c = static_cast<Channel>(i % channels); c == Channel::Legal || c == Channel::Irregular)
        sum += values[i];
    return sum;
  };
  EXPECT_GT(arrivals(baseline), 0);
  EXPECT_LT(arrivals(zero), 0.5 * arrivals(baseline));
  EXPECT_NE(zero.meta.scenario_text.find("emigration_rate: 0\n"), std::string::npos);
}

// --- extends: by bundled name --------------------------------------------------------------

TEST(Extends, ABaseIsAFileBesideTheFileOrABundledScenarioByName) {
  const std::string mine = testing::write_temp("mine.yaml", "extends: moldova/baseline\ntitle: mine\n");
  const Scenario sc = load_scenario(mine, builtin_policies(), library());
  EXPECT_EQ(sc.title, "mine");
  EXPECT_EQ(sc.nodes[sc.origins[0].node].id, "MDA");
  // Without a library, a name is a missing file, said with the path tried.
  try {
    load_scenario(mine, builtin_policies());
    FAIL() << "loaded without a library";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("file not found"), std::string::npos) << e.what();
  }
  const std::string typo = testing::write_temp("typo.yaml", "extends: moldova/baselin\n");
  try {
    load_scenario(typo, builtin_policies(), library());
    FAIL() << "loaded a scenario that does not exist";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nor a bundled scenario 'moldova/baselin'"), std::string::npos) << e.what();
  }
}

// --- the requests' tables -------------------------------------------------------------------

TEST(Requests, ValuesAreCheckedByTheFieldAndRoundTripThroughAManifest) {
  RunRequest r;
  const auto& fields = run_fields();
  const auto field = [&](const char* name) {
    return *std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return std::string(f.name) == name; });
  };
  set_field(r, field("replicates"), {"7"}, "--replicates");
  set_field(r, field("set"), {"model.x=1", "title=\"a, b\""}, "--set");
  EXPECT_EQ(r.replicates, 7);
  for (const std::string bad : {"0", "-1", "1e3", "7.0", "100001"}) {
    try {
      set_field(r, field("replicates"), {bad}, "--replicates");
      FAIL() << bad;
    } catch (const SessionError& e) {
      EXPECT_EQ(e.failure, Failure::BadInput);
      EXPECT_EQ(std::string(e.what()), "--replicates: '" + bad + "' is not a whole number in [1, 100000]");
    }
  }
  RunRequest back;
  apply_settings(back, fields, manifest_settings(r, fields), "manifest.yaml", "run");
  EXPECT_EQ(back.replicates, 7);
  EXPECT_EQ(back.set, r.set);
  EXPECT_FALSE(back.seed.has_value());  // left at its default
}

// --- long commands: stopped, then resumed -----------------------------------------------------

// How a command fails, and its message ("ran" when it does not).
template <class Command>
std::pair<Failure, std::string> failure_in(Command&& command) {
  try {
    command();
    return {Failure::Unexpected, "ran"};
  } catch (const SessionError& e) {
    return {e.failure, e.what()};
  }
}

// Stops a command once `progress` reports `after` or more done.
struct Stopper {
  std::atomic<bool> stop{false};
  Context context(long long after) {
    Context ctx(builtin_policies());
    ctx.stop = &stop;
    ctx.progress = [this, after](long long done, long long) {
      if (done >= after) stop = true;
    };
    return ctx;
  }
};

template <class Request, class Command>
auto stopped_then_resumed(Request request, long long after, Command command) {
  request.checkpoint = testing::temp_dir() + "/checkpoint";
  Stopper stopper;
  try {
    command(request, stopper.context(after));
    ADD_FAILURE() << "the command was not stopped";
  } catch (const SessionError& e) {
    EXPECT_EQ(e.failure, Failure::Stopped) << e.what();
    EXPECT_NE(std::string(e.what()).find("--resume " + request.checkpoint), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::exists(request.checkpoint + "/manifest.yaml"));
  Request resumed;
  resumed.resume = request.checkpoint;
  auto out = command(resumed, Context(builtin_policies()));
  write_outputs(out.outputs);
  EXPECT_FALSE(fs::exists(request.checkpoint)) << "checkpoint left behind";
  return out;
}

// Everything but the line with the wall time.
std::string without_seconds(const std::string& text) {
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    end = end == std::string::npos ? text.size() : end + 1;
    const std::string line = text.substr(at, end - at);
    if (line.find(" s\n") == std::string::npos && line.find(" s;") == std::string::npos) out += line;
    at = end;
  }
  return out;
}

TEST_F(Bundled, CalibrateStoppedAfterAStageAndResumedGivesTheUninterruptedSample) {
  CalibrateRequest r;
  r.scenario = "cape_verde/baseline";
  r.particles = 16;
  r.agents = 2000;
  r.threads = 2;
  const CalibrateOutcome whole = calibrate_command(r, Context(builtin_policies()));
  ASSERT_GE(whole.result.posterior.stages.size(), 3u) << "too few stages to stop between";
  // Progress is the temperature in thousandths: stop once the first stage is done.
  const CalibrateOutcome resumed = stopped_then_resumed(r, 1, calibrate_command);
  EXPECT_EQ(resumed.result.posterior.particles, whole.result.posterior.particles);
  EXPECT_EQ(resumed.result.posterior.log_likelihood, whole.result.posterior.log_likelihood);
  EXPECT_EQ(resumed.result.posterior.evaluations, whole.result.posterior.evaluations);
  EXPECT_EQ(resumed.result.posterior.log_evidence, whole.result.posterior.log_evidence);
  EXPECT_EQ(resumed.result.posterior.stages.size(), whole.result.posterior.stages.size());
  EXPECT_EQ(without_seconds(resumed.markdown), without_seconds(whole.markdown));
  EXPECT_EQ(without_seconds(resumed.yaml), without_seconds(whole.yaml));
}

TEST(LongCommands, SensitivityStoppedAndResumedGivesTheUninterruptedIndices) {
  SensitivityRequest r;
  r.scenario = testing::data_path("small.yaml");
  r.indicators = {"arrivals_legal", "stock_irregular_end"};
  r.prior = true;
  r.samples = 8;
  r.agents = 500;
  r.threads = 2;
  const SensitivityOutcome whole = sensitivity_command(r, Context(builtin_policies()));
  const SensitivityOutcome resumed = stopped_then_resumed(r, whole.result.runs / 3, sensitivity_command);
  EXPECT_EQ(resumed.csv, whole.csv);
  EXPECT_EQ(resumed.markdown, whole.markdown);
}

TEST(LongCommands, AttributeStoppedAndResumedGivesTheUninterruptedValues) {
  AttributeRequest r;
  r.scenario = testing::write_temp(
      "package.yaml", "extends: " + testing::data_path("small.yaml") +
                          "\npolicies:\n  - {id: quota, name: labour_market_openness, quotas: [{member_state: ITA, "
                          "per_year: 2000}]}\n  - {id: detect, name: readmission, detection: 0.05}\n");
  r.agents = 2000;
  r.replicates = 2;
  r.threads = 2;
  const AttributeOutcome whole = attribute_command(r, Context(builtin_policies()));
  // Progress counts steps over every subset's replicates: stop in the second subset.
  const long long steps = 36 * 2;
  const AttributeOutcome resumed = stopped_then_resumed(r, steps + steps / 2, attribute_command);
  EXPECT_EQ(resumed.csv, whole.csv);
  EXPECT_EQ(resumed.markdown, whole.markdown);
}

TEST_F(Bundled, BacktestStoppedBetweenForecastsAndResumedGivesTheUninterruptedReport) {
  BacktestRequest r;
  r.scenarios = {"cape_verde/baseline", "moldova/baseline"};
  r.replicates = 2;
  r.agents = 2000;
  r.revision2024 = false;
  r.threads = 2;
  const BacktestOutcome whole = backtest_command(r, Context(builtin_policies()));
  const BacktestOutcome resumed = stopped_then_resumed(r, 1, backtest_command);
  EXPECT_EQ(resumed.csv, whole.csv);
  EXPECT_EQ(resumed.markdown, whole.markdown);
}

// A checkpoint belongs to its command and its inputs: another command's, or one whose
// scenario changed, is refused naming the manifest's field.
TEST(LongCommands, ACheckpointOfAnotherCommandOrChangedInputsIsRefused) {
  // Extends the test world (whose data files are found beside it) with a seed to change.
  const std::string scenario =
      testing::write_temp("s.yaml", "extends: " + testing::data_path("small.yaml") + "\nseed: 7\n");
  SensitivityRequest r;
  r.scenario = scenario;
  r.indicators = {"arrivals_legal"};
  r.prior = true;
  r.samples = 4;
  r.agents = 500;
  r.checkpoint = testing::temp_dir() + "/ck";
  Stopper stopper;
  EXPECT_EQ(failure_in([&] { sensitivity_command(r, stopper.context(5)); }).first, Failure::Stopped);
  AttributeRequest other;
  other.resume = r.checkpoint;
  const auto [kind, message] = failure_in([&] { attribute_command(other, Context(builtin_policies())); });
  EXPECT_EQ(kind, Failure::BadInput);
  EXPECT_NE(message.find("field 'command'"), std::string::npos) << message;
  std::string changed = testing::read_text(scenario);
  changed.replace(changed.find("seed: 7"), 7, "seed: 8");
  std::ofstream(scenario) << changed;
  SensitivityRequest resumed;
  resumed.resume = r.checkpoint;
  const auto [changed_kind, why] = failure_in([&] { sensitivity_command(resumed, Context(builtin_policies())); });
  EXPECT_EQ(changed_kind, Failure::BadInput);
  EXPECT_NE(why.find("field 'fingerprint'"), std::string::npos) << why;
}

// Every command that simulates refuses, before it runs, what cannot fit in memory.
TEST(LongCommands, TheMemoryCheckRunsBeforeEveryCommandThatSimulates) {
  const std::string huge =
      testing::write_temp("huge.yaml", "extends: " + testing::data_path("small.yaml") +
                                           "\npopulation: [{origin: MDA, agents: ~, persons_per_agent: 0.001}]\n");
  const Context ctx(builtin_policies());
  SensitivityRequest s;
  s.scenario = huge;
  s.indicators = {"arrivals_legal"};
  s.prior = true;
  EXPECT_NE(failure_in([&] { sensitivity_command(s, ctx); }).second.find("GB are available"), std::string::npos);
  RunRequest r;
  r.scenario = huge;
  EXPECT_NE(failure_in([&] { run_command(r, ctx); }).second.find("GB are available"), std::string::npos);
}

}  // namespace
}  // namespace migflow

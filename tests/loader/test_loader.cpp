// Scenario loading: extends, CSV tables, and bad input named by file, line and field.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "../test_support.hpp"
#include "loader/yaml_tree.hpp"

namespace migflow {
namespace {

struct BadCase;
void PrintTo(const BadCase& c, std::ostream* os);

using testing::small_scenario;
using testing::write_temp;

using testing::error_of;

TEST(Loader, ReadsTheSmallWorld) {
  auto sc = small_scenario();
  EXPECT_EQ(sc->nodes.size(), 5u);
  EXPECT_EQ(sc->edges.size(), 12u);  // six bidirectional edges
  EXPECT_EQ(sc->calendar.steps(), 36);
  EXPECT_EQ(sc->origins[0].agents, 20000u);
  EXPECT_NEAR(sc->origins[0].persons_per_agent, 130.0, 1e-9);
  EXPECT_DOUBLE_EQ(sc->model.emigration_rate, 0.002);
  EXPECT_DOUBLE_EQ(sc->model.permit_months, ModelParams{}.permit_months);  // default kept
  // Interpolated yearly series.
  EXPECT_DOUBLE_EQ(sc->nodes[0].gdp_pc.at(2011.0), 9750.0);
  EXPECT_DOUBLE_EQ(sc->nodes[0].gdp_pc.at(2030.0), 10500.0);
}

TEST(Loader, ExtendsOverridesFieldsAndMergesListsByKey) {
  auto sc = small_scenario(R"(
seed: 99
nodes:
  - {id: DEU, unemployment: 0.05}
  - {id: FRA, role: member_state, population: 40000000, gdp_pc: 40000, unemployment: 0.09}
edges:
  - {from: ROU, to: FRA, distance_km: 1900}
model: {detection_rate: 0.02})");
  EXPECT_EQ(sc->seed, 99u);
  ASSERT_EQ(sc->nodes.size(), 6u);
  EXPECT_EQ(sc->nodes[4].id, "DEU");
  EXPECT_DOUBLE_EQ(sc->nodes[4].unemployment.at(2010), 0.05);
  EXPECT_DOUBLE_EQ(sc->nodes[4].gdp_pc.at(2010), 50000);  // inherited field kept
  EXPECT_EQ(sc->nodes[5].id, "FRA");
  EXPECT_EQ(sc->edges.size(), 14u);
  EXPECT_DOUBLE_EQ(sc->model.detection_rate, 0.02);
  EXPECT_DOUBLE_EQ(sc->model.emigration_rate, 0.002);  // from the base
  EXPECT_NE(sc->text.find("FRA"), std::string::npos);  // resolved text kept for provenance
}

TEST(Loader, AnOriginCanSetItsOwnBehaviourButNotInstitutions) {
  auto sc = small_scenario("population: [{origin: MDA, model: {emigration_rate: 0.007, logit_distance: 2}}]");
  EXPECT_DOUBLE_EQ(sc->origins[0].behaviour.emigration_rate, 0.007);
  EXPECT_DOUBLE_EQ(sc->origins[0].behaviour.logit_distance, 2);
  EXPECT_DOUBLE_EQ(sc->origins[0].behaviour.return_rate, sc->model.return_rate);  // inherited
  EXPECT_DOUBLE_EQ(sc->model.emigration_rate, 0.002);                             // scenario-wide unchanged
  const std::string message = error_of("population: [{origin: MDA, model: {permit_months: 12}}]");
  EXPECT_NE(message.find("population[0].model.permit_months': unknown field"), std::string::npos) << message;
}

TEST(Loader, ReadsAttributeAndDiasporaTables) {
  const std::string csv = write_temp("attributes.csv",
                                     "id,year,population,gdp_pc,unemployment\n"
                                     "MDA,2010,2500000,8000,0.06\nMDA,2012,2400000,,0.05\nXXX,2010,1,1,0.1\n");
  const std::string dia = write_temp("diaspora.csv", "origin,destination,persons\nMDA,DEU,1234\nXXX,DEU,5\n");
  auto sc = small_scenario("attributes_csv: " + csv + "\ndiaspora_csv: " + dia);
  EXPECT_DOUBLE_EQ(sc->nodes[0].population.at(2010), 2500000);
  EXPECT_DOUBLE_EQ(sc->nodes[0].gdp_pc.at(2010), 8000);
  EXPECT_DOUBLE_EQ(sc->nodes[0].gdp_pc.at(2012), 10500);  // empty cell: YAML value stays
  EXPECT_DOUBLE_EQ(sc->nodes[0].unemployment.at(2012), 0.05);
  // The table's 1,234 Moldovans in Germany are agents abroad at the origin's scale.
  const NodeId deu = static_cast<NodeId>(sc->node_index("DEU"));
  const auto& abroad = sc->origins[0].abroad;
  const auto in_deu = std::find_if(abroad.begin(), abroad.end(), [&](const auto& a) { return a.first == deu; });
  ASSERT_NE(in_deu, abroad.end());
  EXPECT_EQ(in_deu->second, static_cast<std::uint64_t>(std::llround(1234 / sc->origins[0].persons_per_agent)));
}

struct BadCase {
  const char* what;
  const char* yaml;
  std::vector<std::string> expected;  // substrings of the message
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.what; }

class BadScenario : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadScenario, IsRejectedWithFileLineAndField) {
  const BadCase& c = GetParam();
  const std::string message = error_of(c.yaml);
  EXPECT_NE(message, "no error") << c.what;
  EXPECT_NE(message.find("scenario.yaml:"), std::string::npos) << message;  // file and line
  for (const auto& s : c.expected) EXPECT_NE(message.find(s), std::string::npos) << c.what << ": " << message;
}

INSTANTIATE_TEST_SUITE_P(
    Loader, BadScenario,
    ::testing::Values(
        BadCase{"malformed YAML", "seed: [1, 2\nreplicates: 3", {"malformed YAML"}},
        BadCase{"unknown top-level field", "sead: 3", {"field 'sead'", "unknown field", "seed"}},
        BadCase{"unknown model parameter",
                "model: {emigraton_rate: 0.1}",
                {"field 'model.emigraton_rate'", "unknown field"}},
        BadCase{
            "negative agent count", "population: [{origin: MDA, agents: -5}]", {"population[0].agents", "must lie in"}},
        BadCase{"edge to an unknown node",
                "edges: [{from: MDA, to: ATLANTIS, distance_km: 5}]",
                {"edges[6].to", "unknown node 'ATLANTIS'"}},
        BadCase{"self-loop edge", "edges: [{from: MDA, to: MDA, distance_km: 5}]", {"edges[6].to", "itself"}},
        BadCase{"rate outside [0,1]", "model: {detection_rate: 1.5}", {"model.detection_rate", "[0, 1]"}},
        BadCase{"dates out of order", "calendar: {start: 2012-01, end: 2010-01}", {"calendar.end", "before start"}},
        BadCase{"malformed date", "calendar: {start: 2012-13}", {"calendar.start", "YYYY-MM"}},
        BadCase{"not a number", "seed: lots", {"field 'seed'", "expected a number"}},
        BadCase{"skills not summing to one",
                "population: [{origin: MDA, skills: {low: 0.5, medium: 0.1, high: 0.1}}]",
                {"skills", "sum to 1"}},
        BadCase{"missing CSV file",
                "attributes_csv: no-such-file.csv",
                {"attributes_csv", "no-such-file.csv': cannot open"}},
        BadCase{"unknown policy",
                "policies: [{name: teleportation}]",
                {"policies[0].name", "unknown policy 'teleportation'"}},
        BadCase{"both agents and scale",
                "population: [{origin: MDA, persons_per_agent: 10}]",
                {"exactly one of agents or persons_per_agent"}},
        // Issue #13: what used to pass validation and fail, or mislead, later.
        BadCase{"origin without agents", "population: [{origin: MDA, agents: 0}]", {"population[0].agents", "[1, "}},
        BadCase{"more agents than an origin may have",
                "population: [{origin: MDA, agents: 5e9}]",
                {"population[0].agents"}},
        BadCase{"persons per agent giving too many agents at home",
                "population: [{origin: MDA, agents: ~, persons_per_agent: 0.0001}]",
                {"population[0].persons_per_agent", "agents at home; must be 1 to "}},
        BadCase{"a diaspora giving too many agents abroad",
                "population: [{origin: MDA, agents: ~, persons_per_agent: 1}]\n"
                "diaspora: [{origin: MDA, destination: ITA, persons: 9e9}]",
                {"population.persons_per_agent", "an origin has at most"}},
        BadCase{"unbounded diaspora",
                "diaspora: [{origin: MDA, destination: ITA, persons: 1e300}]",
                {"diaspora[0].persons", "must lie in [0, "}},
        BadCase{"second edge between the same nodes",
                "edges: [{from: ROU, to: MDA, distance_km: 5}]",
                {"edges[6].to", "a second edge ROU->MDA"}},
        BadCase{"policy id with a slash",
                "policies: [{name: border_capacity, id: a/b}]",
                {"policies[0].id", "cannot name the policy's output group"}},
        BadCase{"policy id '.'", "policies: [{name: border_capacity, id: '.'}]", {"policies[0].id"}},
        BadCase{"empty policy id", "policies: [{name: border_capacity, id: ''}]", {"policies[0].id"}},
        BadCase{"two crossings of one name",
                "policies: [{name: border_capacity, crossings: [{name: x, edges: [MDA->ROU]}, {name: x, edges: "
                "[UKR->ROU]}]}]",
                {"policies[0].crossings[1].name", "two crossings named 'x'"}},
        BadCase{"node id of invalid UTF-8",
                "nodes: [{id: \"M\xc5"
                "D\", role: transit, gdp_pc: 1, unemployment: 0}]",
                {"nodes[0].id", "invalid UTF-8"}},
        BadCase{"title of invalid UTF-8",
                "title: \"Mo\xff"
                "dova\"",
                {"field 'title'", "invalid UTF-8"}}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      std::string name = info.param.what;
      for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return name;
    });

TEST(Loader, DuplicateNodeIdIsAnError) {
  const std::string path = write_temp("dup.yaml",
                                      "calendar: {start: 2010-01, end: 2010-12}\nnodes:\n"
                                      "  - {id: MDA, role: origin}\n  - {id: MDA, role: transit}\n");
  try {
    load_scenario(path, builtin_policies());
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("dup.yaml:4"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("duplicate node id 'MDA'"), std::string::npos) << e.what();
  }
}

TEST(Loader, BadCsvCellNamesTheCsvFileLineAndColumn) {
  const std::string csv = write_temp("attributes.csv", "id,year,gdp_pc\nMDA,2010,8000\nMDA,2011,cheap\n");
  const std::string message = error_of("attributes_csv: " + csv);
  EXPECT_NE(message.find("attributes.csv:3:3"), std::string::npos) << message;
  EXPECT_NE(message.find("gdp_pc"), std::string::npos) << message;
}

// Data tables get the checks YAML gets (issue #13): each case is one table and what its
// error must name.
TEST(Loader, AttributeTablesAreCheckedLikeYaml) {
  const std::string head = "id,year,gdp_pc\n";
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {head + "MDA,20120,8000\n", {"attributes.csv:2:2", "year", "whole number in [1900, 2200]"}},
      {head + "MDA,-2012,8000\n", {"attributes.csv:2:2", "year"}},
      {head + "MDA,2011.999,8000\n", {"attributes.csv:2:2", "year"}},
      {head + "MDA,2011,8000\nMDA,2011,9000\n", {"attributes.csv:3:1", "a second row for 'MDA' in 2011", "line 2"}},
      {"id,year,wages\nMDA,2011,800\n", {"attributes.csv:1:3", "'wages'", "unknown column"}},
      {"id,year,gdp_pc,gdp_pc\nMDA,2011,1,2\n", {"attributes.csv:1:4", "named twice"}},
      {"id,year,gdp_pc\nM\xe9"
       "D,2011,1\n",
       {"attributes.csv:2:", "invalid UTF-8"}},
  };
  for (const auto& [table, expected] : cases) {
    const std::string message = error_of("attributes_csv: " + write_temp("attributes.csv", table));
    for (const std::string& part : expected) EXPECT_NE(message.find(part), std::string::npos) << table << message;
  }
  // Excel's byte-order mark is not part of the first column's name.
  const std::string bom = write_temp("bom.csv",
                                     "\xEF\xBB\xBF"
                                     "id,year,gdp_pc\nMDA,2011,8000\n");
  EXPECT_EQ(error_of("attributes_csv: " + bom), "no error");
  const std::string dup = write_temp("diaspora.csv", "origin,destination,persons\nMDA,ITA,5\nMDA,ITA,6\n");
  EXPECT_NE(error_of("diaspora_csv: " + dup).find("a second row for MDA in ITA"), std::string::npos);
}

// What a run reads, not where it reads it from, is the data's identity (checkpoints
// compare it): an edited table changes it, a copy elsewhere does not.
TEST(Loader, DataDigestFollowsTheContentsOfDataFiles) {
  const std::string table = "id,year,gdp_pc\nMDA,2011,8000\n";
  const auto digest = [](const std::string& path) { return small_scenario("attributes_csv: " + path)->data_digest; };
  const std::string a = write_temp("a.csv", table);
  const std::string b = write_temp("b.csv", table);
  const std::uint64_t before = digest(a);
  EXPECT_EQ(before, digest(b));
  std::ofstream(a) << "id,year,gdp_pc\nMDA,2011,8001\n";
  EXPECT_NE(before, digest(a));
}

// A device never ends and a FIFO blocks: neither is read (issue #13).
TEST(Loader, DataPathsThatAreNotRegularFilesAreRefused) {
  const std::string fifo = testing::temp_dir() + "/table.csv";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& path : {std::string("/dev/zero"), fifo}) {
    const std::string message = error_of("attributes_csv: " + path);
    EXPECT_NE(message.find("not a regular file"), std::string::npos) << message;
  }
  EXPECT_THROW(load_scenario(fifo, builtin_policies()), InputError);
}

TEST(Loader, UnreachableMemberStateIsAnError) {
  auto sc =
      small_scenario("nodes: [{id: SWE, role: member_state, population: 6000000, gdp_pc: 50000, unemployment: 0.07}]");
  try {
    World world(sc);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no route from 'MDA' to Member State 'SWE'"), std::string::npos) << e.what();
  }
}

TEST(Loader, CircularExtendsIsAnError) {
  const std::string dir = testing::temp_dir();
  write_temp("x", "");
  std::ofstream(dir + "/a.yaml") << "extends: b.yaml\n";
  std::ofstream(dir + "/b.yaml") << "extends: a.yaml\n";
  EXPECT_THROW(load_scenario(dir + "/a.yaml", builtin_policies()), InputError);
}

}  // namespace
}  // namespace migflow

namespace migflow {
namespace {

// Every input the fuzzer (or its corpus work) found crashing is now a clean InputError.
TEST(Loader, FuzzerFindingsAreRejectedCleanly) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::data_path("fuzz_regressions"))) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    try {
      World world(std::make_shared<Scenario>(load_scenario(entry.path().string(), builtin_policies())));
      ADD_FAILURE() << entry.path() << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(entry.path().filename().string()), std::string::npos) << e.what();
    }
  }
  EXPECT_GE(files, 3);
}

// The alias guard is sized to the text: a large document without aliases (a posterior
// of many draws, as `calibrate --write` writes one) has more than a million values and
// is read; the same number of values from a few hundred bytes of aliases is refused.
TEST(Loader, LargeDocumentsWithoutAliasesAreReadAndAliasBombsAreNot) {
  std::string big = "values: [";
  for (int i = 0; i < 1'200'000; ++i) big += i ? ",0" : "0";
  big += "]\n";
  const TreePtr tree = parse_yaml_text(big, "big.yaml");
  ASSERT_NE(tree->find("values"), nullptr);
  EXPECT_EQ(tree->find("values")->items.size(), 1'200'000u);
  std::string bomb = "a: &a [0,0,0,0,0,0,0,0,0,0]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    const std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev +
            ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n";
  }
  try {
    parse_yaml_text(bomb, "bomb.yaml");
    ADD_FAILURE() << "10^8 values from " << bomb.size() << " bytes were accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nested aliases"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace migflow

namespace migflow {
namespace {

// A catalog of one module that reads a `level` field, to see what the loader does with
// the catalog it is handed and what it keeps of a block.
class OneModule final : public PolicyCatalog {
 public:
  explicit OneModule(std::string field) : field_(std::move(field)) {
    parse_ = [this](MapReader& block, const Scenario&) -> std::shared_ptr<const PolicyConfig> {
      block.number(field_, 0);
      return nullptr;
    };
  }
  const PolicyParser* find(std::string_view name) const override { return name == "probe" ? &parse_ : nullptr; }
  std::vector<std::string> names() const override { return {"probe"}; }

 private:
  std::string field_;
  PolicyParser parse_;
};

Scenario load_with(const PolicyCatalog& catalog, const std::string& policies) {
  const std::string path =
      write_temp("scenario.yaml", "extends: " + testing::data_path("small.yaml") + "\n" + policies);
  return load_scenario(path, catalog);
}

TEST(Loader, PolicyBlocksAreParsedByTheCatalogItIsHandedAndKeepTheirFields) {
  const Scenario sc = load_with(OneModule("level"), "policies: [{name: probe, id: p1, from: 2011-01, level: 3}]\n");
  ASSERT_EQ(sc.policies.size(), 1u);
  EXPECT_EQ(sc.policies[0].name, "probe");
  EXPECT_EQ(sc.policies[0].id, "p1");
  const std::vector<std::pair<std::string, std::string>> kept{{"from", "2011-01"}, {"level", "3"}};
  EXPECT_EQ(sc.policies[0].parameters, kept);
  try {
    load_with(OneModule("level"), "policies: [{name: readmission}]\n");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown policy 'readmission' (known policies: probe)"), std::string::npos)
        << e.what();
  }
}

TEST(Loader, APolicyFieldMayNotTakeTheNameOfAnOutputAttribute) {
  try {
    load_with(OneModule("module"), "policies: [{name: probe, module: 3}]\n");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("policies[0].module': a policy field may not be named 'module'"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace migflow

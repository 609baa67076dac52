// A scenario after parsing and validation: plain typed data, every name resolved.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/calendar.hpp"
#include "model/input_error.hpp"
#include "model/model_params.hpp"
#include "model/types.hpp"

namespace migflow {

// A yearly attribute, linearly interpolated between years and held flat outside.
struct YearSeries {
  std::vector<double> years;
  std::vector<double> values;
  bool empty() const { return years.empty(); }
  double at(double year) const;
};

struct NodeSpec {
  std::string id;  // ISO3 code or hub name; the key everything else refers to
  std::string name;
  Role role = Role::Transit;
  YearSeries population;    // working-age persons (15-64)
  YearSeries gdp_pc;        // GDP per capita, PPP, current international $
  YearSeries unemployment;  // share of the labour force, 0..1
  YearSeries wage;          // monthly wage, PPP $; derived from gdp_pc when absent
  SourceLocation where;
};

struct EdgeSpec {
  NodeId from = 0, to = 0;
  double distance_km = 0;
  Mode mode = Mode::Land;
  double cost = 0;               // route-planning weight (e.g. $ or days); must be > 0
  double hazard = 0;             // chance per attempt that the crossing fails and must be retried
  bool external_border = false;  // crosses the EU's external border
  SourceLocation where;
};

struct OriginSpec {
  NodeId node = 0;
  double persons_per_agent = 1;  // scale: each agent stands for this many persons
  std::uint64_t agents = 0;      // resolved count of agents at home
  // The diaspora at the start, as agents living in Member States with a permanent
  // residence (no permit expiry): (Member State node, agents).
  std::vector<std::pair<NodeId, std::uint64_t>> abroad;
  std::uint64_t total_agents() const {
    std::uint64_t n = agents;
    for (const auto& [node, count] : abroad) n += count;
    return n;
  }
  std::array<double, kSkillCount> skill_shares{0.5, 0.35, 0.15};
  // The scenario's model: block with this origin's own behavioural values
  // (`population: - model:`), e.g. from its calibration. Institutional parameters
  // (permits, detection, returns, remittances) stay the scenario's.
  ModelParams behaviour;
  SourceLocation where;
};

// A module's parsed, validated parameters. Opaque here: the engine's policy interface
// (sim/policy.hpp) defines it, and the module registry the loader is handed fills it.
struct PolicyConfig;

struct PolicySpec {
  std::string name;  // the module
  std::string id;    // this instance: names its output group; `extends:` merges by it
  YearMonth from{1900, 1};
  YearMonth until{2200, 12};
  std::shared_ptr<const PolicyConfig> config;
  // The block's fields besides name and id, as written (maps and lists as one-line
  // YAML): the output keeps them as attributes of the policy's group.
  std::vector<std::pair<std::string, std::string>> parameters;
  SourceLocation where;
};

struct Scenario {
  std::string file;  // the top file given on the command line
  std::string text;  // the resolved scenario, as YAML, kept in the output for provenance
  std::string title;
  Calendar calendar;
  std::uint64_t seed = 1;
  int replicates = 1;
  std::vector<NodeSpec> nodes;
  std::vector<EdgeSpec> edges;
  std::vector<OriginSpec> origins;
  ModelParams model;
  std::vector<PolicySpec> policies;

  std::uint64_t total_agents() const;
  int node_index(const std::string& id) const;  // -1 when absent
  std::string edge_label(EdgeId e) const;       // "FROM->TO", as scenarios and output name edges
  // The same persons as about `agents` agents: every origin's scale changes by one factor
  // (benchmarks and quick looks at a large world).
  void scale_to(std::uint64_t agents);
  // Keeps only the first `steps` steps of the calendar.
  void truncate_steps(int steps);
};

}  // namespace migflow

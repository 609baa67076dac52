// A scenario after parsing and validation: plain typed data, every name resolved.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  // Linear between the given years, flat before the first and after the last.
  double at(double year) const;
  // The value of the latest given year not after `year` (the first before it): for
  // figures that hold from their year until the next, such as a scheme's yearly size.
  double held_at(double year) const;
};

// Who may move to a destination outside the EU (`entry:` of a node), and how.
struct EntryRule {
  std::vector<NodeId> origins;
  // Share of movers with a legal route there (e.g. 1 where they enter visa-free and may
  // stay); NaN: each origin's own legal_access.
  double legal_access = 0.0 / 0.0;
  SourceLocation where;
};

struct NodeSpec {
  std::string id;  // ISO3 code or hub name; the key everything else refers to
  std::string name;
  Role role = Role::Transit;
  // A destination outside the EU (role destination, or an origin that receives other
  // origins' migrants): the origins it is open to. Member States are open to all.
  std::vector<EntryRule> entry;
  YearSeries population;    // working-age persons (15-64)
  YearSeries gdp_pc;        // GDP per capita, PPP, current international $
  YearSeries unemployment;  // share of the labour force, 0..1
  YearSeries wage;          // monthly wage, PPP $; derived from gdp_pc when absent
  // A Member State's enforcement relative to others: it detects irregular residents at
  // detection_factor times each origin's detection_rate, and executes return orders at
  // execution_factor times each origin's return_execution (capped at 1). 1 by default.
  double detection_factor = 1, execution_factor = 1;
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

// A posterior sample of an origin's fitted parameters (`population: - posterior:`,
// written by `migflow calibrate`): equally weighted rows over `names`. A name is a
// per-origin model parameter, or one of the calibration's observation errors (kept for
// the backtest's predictive intervals; the engine does not read them).
struct ParameterSample {
  std::vector<std::string> names;
  std::vector<std::vector<double>> draws;
  bool empty() const { return draws.empty(); }
  int column(const std::string& name) const;  // -1 when absent
};

// Visits of an origin's citizens to a destination on short stays (short_stays_csv): visas
// issued a year, and the visa regime they were issued under (0 none, 1 facilitation;
// held from its year on), so that a scenario with another regime in force can scale
// them (docs/model.md, "Short stays").
struct ShortStays {
  NodeId origin = 0, destination = 0;
  YearSeries visits;  // persons a year, linear between years
  YearSeries regime;  // held_at: the regime of the data year
};

// Ties of an origin to a destination that enter its people's choice (pair_ties_csv).
struct PairTie {
  NodeId origin = 0, destination = 0;
  bool language = false;  // a common official language
  bool colony = false;    // a colonial link, ever
};

struct OriginSpec {
  NodeId node = 0;
  double persons_per_agent = 1;  // scale: each agent stands for this many persons
  std::uint64_t agents = 0;      // resolved count of agents at home
  // The diaspora at the start, as agents living in destinations (Member States and
  // others) with a permanent residence (no permit expiry): (destination node, agents).
  std::vector<std::pair<NodeId, std::uint64_t>> abroad;
  // A renewing population's reserve: agents not yet in the working-age population, who
  // enter it in id order (Scenario::size_reserves; 0 for a closed population).
  std::uint64_t reserve = 0;
  std::uint64_t total_agents() const {
    std::uint64_t n = agents + reserve;
    for (const auto& [node, count] : abroad) n += count;
    return n;
  }
  std::array<double, kSkillCount> skill_shares{0.5, 0.35, 0.15};
  // The scenario's model: block with this origin's own values (`population: - model:`),
  // e.g. from its calibration: its people's behaviour and the partner-specific legal
  // access, detection and overstay. Institutional parameters (permit length and
  // renewal, return execution, remittances) stay the scenario's.
  ModelParams behaviour;
  ParameterSample posterior;
  // Pair effects in the choice of destination (`destination_effects:`, written by the
  // calibration): utility added for a destination beyond what wages, distance,
  // diaspora, size and ties explain, estimated with shrinkage on data up to the fit
  // cut-off (docs/calibration.md).
  std::vector<std::pair<NodeId, double>> destination_effects;
  SourceLocation where;
};

// The value of an enum whose names are `names` (in the enum's order) named `name`, or
// nothing for another name.
template <class Enum, std::size_t N>
std::optional<Enum> enum_named(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == name) return static_cast<Enum>(i);
  return std::nullopt;
}

// Which parameters replicates use: a draw from the origins' posteriors, shared by
// replicates_per_draw consecutive replicates (the default; origins without a posterior
// use their point values), or every replicate the
// point values (`parameters: point`, `migflow run --parameters point`).
enum class ParameterMode : std::uint8_t { Posterior, Point };
inline constexpr std::array<std::string_view, 2> kParameterModeNames{"posterior", "point"};
inline std::optional<ParameterMode> parameter_mode_named(std::string_view name) {
  return enum_named<ParameterMode>(kParameterModeNames, name);
}

// How the engine steps the agents (docs/design.md, "Event-driven stepping"): every
// agent every step with a gate draw (stepped, the reference), or only the agents whose
// next event falls in the step (event, the default). Both are exact and give the same
// distribution; their random numbers differ, so their runs differ replicate by replicate.
enum class EngineMode : std::uint8_t { Stepped, Event };
inline constexpr std::array<std::string_view, 2> kEngineModeNames{"stepped", "event"};
inline std::optional<EngineMode> engine_mode_named(std::string_view name) {
  return enum_named<EngineMode>(kEngineModeNames, name);
}

// A module's parsed, validated parameters. Opaque here: the engine's policy interface
// (sim/policy.hpp) defines it, and the module registry the loader is handed fills it.
struct PolicyConfig;

// Whether each origin's working-age population renews (docs/model.md, "Population"):
// closed, the agents of the start and no others (the default); renewing, each January
// people leave the working-age population at home (ageing out, death) and enter it, so
// that the origin's residents follow its `population` series (UN WPP 2024 estimates
// and projections in the bundled data).
enum class DemographyMode : std::uint8_t { Closed, Renewing };
inline constexpr std::array<std::string_view, 2> kDemographyModeNames{"closed", "renewing"};

struct Demography {
  DemographyMode mode = DemographyMode::Closed;
  // Share of the working-age residents at home who leave it in a year, each replaced by a
  // new person (besides those whose places stay empty when the population falls): 1/50,
  // the 50 single years of age of 15-64 in a flat age structure (ages are not in the
  // data: docs/model.md says what this leaves out).
  double turnover = 0.02;
  // The net emigration in a year, as a share of the residents, that the reserve of
  // entrants is sized for (the baselines run renewing reach 1.4% at most: docs/model.md).
  // Beyond it, entrants take the places of those who left, found by a scan; with none
  // left either, the residents stay short of the series until places free up.
  static constexpr double kEmigrationAllowance = 0.015;
};

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
  // The contents of the data files it reads (CSV tables), hashed in order: with `text`,
  // everything that determines a run's result (checkpoints check it).
  std::uint64_t data_digest = 0;
  std::string title;
  Calendar calendar;
  std::uint64_t seed = 1;
  int replicates = 1;
  ParameterMode parameters = ParameterMode::Posterior;
  // Consecutive replicates that share a parameter draw (with different random numbers),
  // so that `migflow compare` can split an interval's width into parameter uncertainty
  // and chance. 2: the smallest that can.
  int replicates_per_draw = 2;
  EngineMode engine = EngineMode::Event;
  Demography demography;
  std::vector<NodeSpec> nodes;
  std::vector<EdgeSpec> edges;
  std::vector<OriginSpec> origins;
  ModelParams model;
  std::vector<ShortStays> short_stays;
  std::vector<PairTie> ties;
  std::vector<PolicySpec> policies;

  std::uint64_t total_agents() const;
  int node_index(const std::string& id) const;  // -1 when absent
  std::string edge_label(EdgeId e) const;       // "FROM->TO", as scenarios and output name edges
  // The same persons as about `agents` agents: every origin's scale changes by one factor
  // (benchmarks and quick looks at a large world).
  void scale_to(std::uint64_t agents);
  // Keeps only the first `steps` steps of the calendar.
  void truncate_steps(int steps);
  // Each origin's reserve for a renewing population, from its calendar, scale and
  // population series: the entrants its growth, turnover and the emigration allowance
  // can need by the end. Call after changing any of them (0 for a closed population).
  void size_reserves();
  // The residents at home (at home, returned, on a visit abroad) origin o's population
  // series asks for at `step`, in agents.
  double resident_target(int o, int step) const;
  // Whether `step` opens a calendar year (the steps where a renewing population renews).
  bool opens_year(int step) const { return step > 0 && calendar.date(step).year != calendar.date(step - 1).year; }
};

}  // namespace migflow

// The scenario format's fields (docs/scenarios.md), as the loader reads them and `migflow
// schema` describes them. Policy blocks' own fields are each module's
// (PolicyCatalog::fields); model parameters are model/model_params.hpp's table.
#pragma once
#include <cstdint>

#include "loader/fields.hpp"
#include "model/scenario.hpp"
#include "model/types.hpp"

namespace migflow {

// More persons than live on Earth is a typo (and would overflow the agent count).
inline constexpr double kMaxPersons = 1e10;
// Agents per origin, at home and abroad: far beyond any machine's memory, small enough
// that counts and memory estimates cannot overflow.
inline constexpr std::uint64_t kMaxAgents = 4'000'000'000;

namespace fields {

using namespace field;

// Partner types of the EU's external migration policy: descriptive, not simulated.
inline constexpr std::array<std::string_view, 5> kPartnerTypes{"none", "candidate", "pre_accession", "neighbourhood",
                                                               "development"};

namespace calendar {
inline constexpr FieldSpec start = required(month("start", "first month simulated"));
inline constexpr FieldSpec end = required(month("end", "last month simulated"));
inline constexpr FieldSpec step_months = integer("step_months", 1, 12, "months per step (default 1)");
inline constexpr FieldSpec all[] = {start, end, step_months};
}  // namespace calendar

namespace entry {
inline constexpr FieldSpec origins = required(node_ids("origins", "origins whose migrants may live here"));
inline constexpr FieldSpec legal_access = share("legal_access", "their share of movers with a legal route here");
inline constexpr FieldSpec all[] = {origins, legal_access};
}  // namespace entry

namespace node {
inline constexpr FieldSpec id = required(text("id", "the node's id (an ISO 3166 alpha-3 code for a country)"));
inline constexpr FieldSpec name = text("name", "a readable name (default: the id)");
inline constexpr FieldSpec role = choice("role", kRoleNames, "what the node is in the simulation (default transit)");
inline constexpr FieldSpec partner_type =
    choice("partner_type", kPartnerTypes, "kind of EU partner (describes the node; not simulated)");
inline constexpr FieldSpec population =
    of("population", K::YearSeries, "working-age population, persons (or {year: persons})", 0, 2e9);
inline constexpr FieldSpec gdp_pc = of("gdp_pc", K::YearSeries, "GDP per head, PPP dollars (or {year: value})", 1, 1e6);
inline constexpr FieldSpec unemployment =
    of("unemployment", K::YearSeries, "unemployment share, 0 to 1 (or {year: share})", 0, 1);
inline constexpr FieldSpec wage =
    of("wage", K::YearSeries, "monthly wage, PPP dollars (default from gdp_pc; or {year: value})", 1, 1e6);
inline constexpr FieldSpec entry_rules =
    list("entry", entry::all, "who may live in a destination outside the EU (or an origin that receives others)");
inline constexpr FieldSpec detection_factor =
    number("detection_factor", 0, 100, "a Member State's detection of irregular residents, x each origin's rate");
inline constexpr FieldSpec execution_factor =
    number("execution_factor", 0, 100, "a Member State's execution of return orders, x each origin's share");
inline constexpr FieldSpec all[] = {id,           name, role,        partner_type,     population,      gdp_pc,
                                    unemployment, wage, entry_rules, detection_factor, execution_factor};
}  // namespace node

namespace edge {
inline constexpr FieldSpec from = required(node_id("from", "node id"));
inline constexpr FieldSpec to = required(node_id("to", "node id"));
inline constexpr FieldSpec distance_km = number("distance_km", 0, 40000, "length of the route, km");
inline constexpr FieldSpec mode = choice("mode", kModeNames, "how the route is travelled (default land)");
inline constexpr FieldSpec cost = number("cost", 0, 1e9, "route cost in the route planner (default distance_km)");
inline constexpr FieldSpec hazard = share("hazard", "chance of dying or turning back on the way");
inline constexpr FieldSpec external_border = boolean("external_border", "crosses the EU's external border");
inline constexpr FieldSpec bidirectional = boolean("bidirectional", "also the route back (default true)");
inline constexpr FieldSpec all[] = {from, to, distance_km, mode, cost, hazard, external_border, bidirectional};
}  // namespace edge

namespace posterior {
inline constexpr FieldSpec parameters =
    required(of("parameters", K::Any, "names of per-origin model parameters and observation errors"));
inline constexpr FieldSpec draws = required(of("draws", K::Any, "rows of values, one per posterior draw"));
inline constexpr FieldSpec all[] = {parameters, draws};
}  // namespace posterior

namespace population {
inline constexpr FieldSpec origin = required(node_id("origin", "an origin node"));
inline constexpr FieldSpec agents =
    integer("agents", 1, static_cast<double>(kMaxAgents), "agents at home (or give persons_per_agent)");
inline constexpr FieldSpec persons_per_agent =
    number("persons_per_agent", 1e-9, 1e12, "persons one agent stands for (or give agents)");
inline constexpr FieldSpec skill_shares[] = {share("low", "share of low-skilled"),
                                             share("medium", "share of medium-skilled"),
                                             share("high", "share of high-skilled")};
static_assert(std::size(skill_shares) == kSkillCount && skill_shares[0].key == kSkillNames[0] &&
              skill_shares[1].key == kSkillNames[1] && skill_shares[2].key == kSkillNames[2]);
inline constexpr FieldSpec skills = map("skills", skill_shares, "shares of each skill level, summing to 1");
// lo = 1: the per-origin parameters only.
inline constexpr FieldSpec model = of("model", K::Model, "the origin's own behavioural parameters", 1);
inline constexpr FieldSpec sample =
    map("posterior", posterior::all, "calibrated parameter draws (tools/calibrate_all.sh writes them)");
inline constexpr FieldSpec destination_effects =
    of("destination_effects", K::NumberMap, "{destination: utility} beyond the choice's terms (the calibration's)", -20,
       20);
inline constexpr FieldSpec all[] = {origin, agents, persons_per_agent, skills, model, sample, destination_effects};
}  // namespace population

namespace diaspora {
inline constexpr FieldSpec origin = required(node_id("origin", "an origin node"));
inline constexpr FieldSpec destination = required(node_id("destination", "where they live"));
inline constexpr FieldSpec persons = required(number("persons", 0, kMaxPersons, "persons living there at the start"));
inline constexpr FieldSpec all[] = {origin, destination, persons};
}  // namespace diaspora

namespace demography {
inline constexpr FieldSpec mode =
    choice("mode", kDemographyModeNames, "closed: the start's agents only (default); renewing: follows population");
inline constexpr FieldSpec turnover =
    share("turnover", "share of working-age residents at home leaving working age a year (default 0.02)");
inline constexpr FieldSpec all[] = {mode, turnover};
}  // namespace demography

namespace policy {
inline constexpr FieldSpec name = required(text("name", "the policy module"));
inline constexpr FieldSpec id = text("id", "the block's id (default: name; two blocks of a module need ids)");
inline constexpr FieldSpec from = month("from", "first month in force (default: the start)");
inline constexpr FieldSpec until = month("until", "last month in force (default: the end)");
inline constexpr FieldSpec all[] = {name, id, from, until};
}  // namespace policy

namespace top {
inline constexpr FieldSpec extends =
    of("extends", K::Any, "scenario file(s) this one builds on, relative to this file");
inline constexpr FieldSpec title = text("title", "a title (default: the file name)");
inline constexpr FieldSpec calendar = required(map("calendar", calendar::all, "the months simulated"));
inline constexpr FieldSpec seed = integer("seed", 0, 9e18, "random seed (default 1)");
inline constexpr FieldSpec replicates = integer("replicates", 1, 100000, "random replicates (default 1)");
inline constexpr FieldSpec parameters =
    choice("parameters", kParameterModeNames, "posterior: each replicate draws its parameters; point: medians");
inline constexpr FieldSpec replicates_per_draw =
    integer("replicates_per_draw", 1, 100000, "replicates sharing one posterior draw");
inline constexpr FieldSpec engine =
    choice("engine", kEngineModeNames, "event: only agents with an event (default); stepped: every agent every step");
inline constexpr FieldSpec demography =
    map("demography", demography::all, "whether the origins' working-age populations renew (docs/model.md)");
inline constexpr FieldSpec nodes = required(list("nodes", node::all, "countries and hubs"));
inline constexpr FieldSpec attributes_csv = text("attributes_csv", "CSV of node attributes by year");
inline constexpr FieldSpec edges = list("edges", edge::all, "routes between nodes");
inline constexpr FieldSpec model = of("model", K::Model, "behavioural parameters (docs/model.md)", 0);
inline constexpr FieldSpec population = required(list("population", population::all, "the simulated origins"));
inline constexpr FieldSpec diaspora = list("diaspora", diaspora::all, "migrants abroad at the start");
inline constexpr FieldSpec diaspora_csv = text("diaspora_csv", "CSV of migrants abroad at the start");
inline constexpr FieldSpec short_stays_csv =
    text("short_stays_csv", "CSV of visits on short stays (origin, destination, year, visits, regime)");
inline constexpr FieldSpec pair_ties_csv =
    text("pair_ties_csv", "CSV of ties between origins and destinations (origin, destination, comlang_off, colony)");
inline constexpr FieldSpec policies = list("policies", policy::all, "policy blocks (docs/policies.md)");
inline constexpr FieldSpec all[] = {
    extends,  title,        calendar,        seed,           replicates, parameters, replicates_per_draw,
    engine,   demography,   nodes,           attributes_csv, edges,      model,      population,
    diaspora, diaspora_csv, short_stays_csv, pair_ties_csv,  policies};
}  // namespace top

}  // namespace fields
}  // namespace migflow

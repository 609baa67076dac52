#include "loader/scenario_loader.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "loader/csv_table.hpp"
#include "loader/extends.hpp"
#include "loader/input_file.hpp"
#include "loader/scenario_fields.hpp"

namespace migflow {

namespace {

void read_model_params(MapReader& r, ModelParams& m, bool per_origin_only) {
  for (const ParamSpec& p : model_param_specs())
    if (p.per_origin || !per_origin_only) m.*(p.member) = r.number_in(std::string(p.name), m.*(p.member), p.lo, p.hi);
}

// Where a node's migrants can live: Member States, destinations outside the EU, and
// origins that are open to other origins' migrants (`entry:`).
bool is_destination(const NodeSpec& n) {
  return n.role == Role::MemberState || n.role == Role::Destination || !n.entry.empty();
}

// The yearly attributes of a node, in YAML and in attributes_csv alike.
const std::pair<const FieldSpec*, YearSeries NodeSpec::*> kNodeAttributes[] = {
    {&fields::node::population, &NodeSpec::population},
    {&fields::node::gdp_pc, &NodeSpec::gdp_pc},
    {&fields::node::unemployment, &NodeSpec::unemployment},
    {&fields::node::wage, &NodeSpec::wage}};

// Persons from an origin living in a node at the start; they become agents abroad.
struct Diaspora {
  NodeId origin = 0, destination = 0;
  double persons = 0;
};

struct Builder {
  Scenario sc;
  std::map<std::string, int> node_ids;
  std::vector<Diaspora> diaspora;
  std::vector<std::tuple<std::size_t, const Tree*, std::string>> entry_trees;  // node, entry:, field

  int node_ref(const Tree& node, const std::string& field) {
    const std::string id = scalar_string(node, field);
    auto it = node_ids.find(id);
    if (it == node_ids.end()) fail(node, field, "unknown node '" + id + "' (not in nodes:)");
    return it->second;
  }

  void read_calendar(const Tree& node) {
    namespace f = fields::calendar;
    MapReader r(node, "calendar");
    sc.calendar.start = r.required_month(f::start);
    sc.calendar.end = r.required_month(f::end);
    sc.calendar.step_months = static_cast<int>(r.integer(f::step_months, 1));
    if (sc.calendar.end.index() < sc.calendar.start.index())
      fail(*node.find("end"), "calendar.end",
           "end " + sc.calendar.end.str() + " is before start " + sc.calendar.start.str());
    r.finish();
  }

  void read_demography(const Tree& node) {
    namespace f = fields::demography;
    MapReader r(node, "demography");
    sc.demography.mode = static_cast<DemographyMode>(r.choice(f::mode, 0));
    sc.demography.turnover = r.number(f::turnover, sc.demography.turnover);
    r.finish();
  }

  void read_nodes(const Tree& list) {
    if (!list.is_list()) fail(list, "nodes", "expected a list of nodes");
    for (size_t i = 0; i < list.items.size(); ++i) {
      const Tree& item = *list.items[i];
      namespace f = fields::node;
      MapReader r(item, "nodes[" + std::to_string(i) + "]");
      NodeSpec n;
      n.where = item.where;
      n.id = r.required_string(f::id);
      if (n.id.empty()) fail(item, r.field(f::id), "empty id");
      if (node_ids.count(n.id)) fail(*item.find(f::id), r.field(f::id), "duplicate node id '" + n.id + "'");
      n.name = r.string(f::name, n.id);
      n.role = static_cast<Role>(r.choice(f::role, static_cast<int>(Role::Transit)));
      // Checked, and kept in the scenario text that the output stores.
      r.choice(f::partner_type, 0);
      for (const auto& [spec, member] : kNodeAttributes)
        if (const Tree* t = r.child(*spec)) n.*member = read_year_series(*t, r.field(*spec), spec->lo, spec->hi);
      if (r.has(f::detection_factor) || r.has(f::execution_factor)) {
        if (n.role != Role::MemberState)
          fail(item, r.field(r.has(f::detection_factor) ? f::detection_factor : f::execution_factor),
               "only a Member State has enforcement factors");
        n.detection_factor = r.number(f::detection_factor, 1);
        n.execution_factor = r.number(f::execution_factor, 1);
      }
      if (const Tree* t = r.child(f::entry_rules)) {
        if (n.role != Role::Destination && n.role != Role::Origin)
          fail(*t, r.field("entry"), "only a destination (or an origin that receives others) has entry rules");
        entry_trees.emplace_back(sc.nodes.size(), t, r.field("entry"));
      }
      r.finish();
      node_ids[n.id] = static_cast<int>(sc.nodes.size());
      sc.nodes.push_back(std::move(n));
    }
    if (sc.nodes.size() >= kNoNode) fail(list, "nodes", "too many nodes");
    for (const auto& [node, tree, field] : entry_trees) read_entry(sc.nodes[node], *tree, field);
  }

  // entry: [{origins: [A, B], legal_access: 1}, {origins: [C]}]; read once every node is
  // known, since entries name origins.
  void read_entry(NodeSpec& n, const Tree& list, const std::string& field) {
    if (!list.is_list()) fail(list, field, "expected a list of {origins: [...], legal_access: share}");
    for (size_t i = 0; i < list.items.size(); ++i) {
      const Tree& item = *list.items[i];
      MapReader r(item, field + "[" + std::to_string(i) + "]");
      EntryRule rule;
      rule.where = item.where;
      const Tree& origins = r.required_child(fields::entry::origins);
      if (!origins.is_list() || origins.items.empty())
        fail(origins, r.field("origins"), "expected a list of origin ids");
      for (const auto& o : origins.items) {
        const int id = node_ref(*o, r.field("origins"));
        if (sc.nodes[id].role != Role::Origin)
          fail(*o, r.field("origins"), "node '" + sc.nodes[id].id + "' is not an origin");
        if (id == node_ids.at(n.id)) fail(*o, r.field("origins"), "a node cannot be its own destination");
        for (const EntryRule& other : n.entry)
          if (std::find(other.origins.begin(), other.origins.end(), id) != other.origins.end())
            fail(*o, r.field("origins"), "origin '" + sc.nodes[id].id + "' has two entry rules here");
        rule.origins.push_back(static_cast<NodeId>(id));
      }
      if (r.has(fields::entry::legal_access)) rule.legal_access = r.number(fields::entry::legal_access, 0);
      r.finish();
      n.entry.push_back(rule);
    }
  }

  // attributes_csv: columns id, year and any of population, gdp_pc, unemployment, wage.
  // Values from the table add to (and override by year) those written in the YAML.
  // Rows of countries that are not nodes of this scenario are skipped: one world table
  // serves many scenarios (a misspelt node id still fails: its attributes are missing).
  void read_attributes_csv(const Tree& ref) {
    const CsvTable t = CsvTable::read(resolve_path(ref, "attributes_csv"), ref.where, "attributes_csv");
    sc.data_digest = content_digest(std::to_string(t.digest()), sc.data_digest);
    t.only_columns({"id", "year", "population", "gdp_pc", "unemployment", "wage"});
    const int id_col = t.column("id", true), year_col = t.column("year", true);
    using Attr = std::pair<const FieldSpec*, YearSeries NodeSpec::*>;
    std::map<std::pair<int, const Attr*>, std::map<double, double>> values;
    std::map<std::pair<std::string, long>, size_t> seen;  // (id, year) -> row
    for (size_t row = 0; row < t.rows(); ++row) {
      // The same range as a year in YAML; one row per (id, year), so no value silently wins.
      const long year_number = t.integer(row, year_col, 1900, 2200);
      const auto [first, fresh] = seen.emplace(std::pair{t.cell(row, id_col), year_number}, row);
      if (!fresh)
        throw InputError(t.where(row, id_col), "id",
                         "a second row for '" + t.cell(row, id_col) + "' in " + std::to_string(year_number) +
                             " (the first is line " + std::to_string(t.where(first->second, id_col).line) + ")");
      auto it = node_ids.find(t.cell(row, id_col));
      if (it == node_ids.end()) continue;
      const double year = static_cast<double>(year_number);
      for (const Attr& a : kNodeAttributes) {
        const FieldSpec& spec = *a.first;
        const int col = t.column(spec, false);
        if (col < 0) continue;
        const double v = t.number(row, col, true);
        if (std::isnan(v)) continue;
        if (v < spec.lo || v > spec.hi)
          throw InputError(t.where(row, col), spec,
                           "value outside [" + std::to_string(spec.lo) + ", " + std::to_string(spec.hi) + "]");
        values[{it->second, &a}][year] = v;
      }
    }
    for (auto& [key, by_year] : values) {
      YearSeries& s = sc.nodes[key.first].*(key.second->second);
      for (size_t i = 0; i < s.years.size(); ++i) by_year.emplace(s.years[i], s.values[i]);
      s = {};
      for (const auto& [y, v] : by_year) {
        s.years.push_back(y);
        s.values.push_back(v);
      }
    }
  }

  void add_edge(int from, int to, const EdgeSpec& e, const Tree& at, const std::string& field) {
    // A second edge between the same nodes would repeat its label in the output.
    for (const EdgeSpec& other : sc.edges)
      if (other.from == from && other.to == to)
        fail(at, field,
             "a second edge " + sc.nodes[from].id + "->" + sc.nodes[to].id + " (the first is at line " +
                 std::to_string(other.where.line) + ")");
    EdgeSpec d = e;
    d.from = static_cast<NodeId>(from);
    d.to = static_cast<NodeId>(to);
    sc.edges.push_back(d);
  }

  void read_edges(const Tree& list) {
    if (!list.is_list()) fail(list, "edges", "expected a list of edges");
    for (size_t i = 0; i < list.items.size(); ++i) {
      const Tree& item = *list.items[i];
      namespace f = fields::edge;
      MapReader r(item, "edges[" + std::to_string(i) + "]");
      EdgeSpec e;
      e.where = item.where;
      const int from = node_ref(r.required_child(f::from), r.field(f::from));
      const int to = node_ref(r.required_child(f::to), r.field(f::to));
      if (from == to) fail(item, r.field(f::to), "an edge cannot join a node to itself");
      e.distance_km = r.number(f::distance_km, 0);
      e.mode = static_cast<Mode>(r.choice(f::mode, static_cast<int>(Mode::Land)));
      e.cost = r.number(f::cost, e.distance_km);
      if (e.cost <= 0) fail(item, r.field(f::cost), "route cost must be positive (set cost or distance_km)");
      e.hazard = r.number(f::hazard, 0);
      e.external_border = r.boolean(f::external_border, false);
      const bool both = r.boolean(f::bidirectional, true);
      r.finish();
      add_edge(from, to, e, item, r.field("to"));
      if (both) add_edge(to, from, e, item, r.field("to"));
    }
  }

  void read_population(const Tree& list) {
    if (!list.is_list()) fail(list, "population", "expected a list of origins");
    for (size_t i = 0; i < list.items.size(); ++i) {
      const Tree& item = *list.items[i];
      namespace f = fields::population;
      MapReader r(item, "population[" + std::to_string(i) + "]");
      OriginSpec o;
      o.where = item.where;
      o.node = static_cast<NodeId>(node_ref(r.required_child(f::origin), r.field(f::origin)));
      const NodeSpec& n = sc.nodes[o.node];
      for (const auto& other : sc.origins)
        if (other.node == o.node) fail(item, r.field("origin"), "origin '" + n.id + "' listed twice");
      const double persons = n.population.empty() ? std::nan("") : n.population.at(sc.calendar.year(0));
      const bool has_agents = r.has(f::agents), has_scale = r.has(f::persons_per_agent);
      if (has_agents == has_scale) fail(item, r.field(f::agents), "give exactly one of agents or persons_per_agent");
      if (has_agents) {
        o.agents = static_cast<std::uint64_t>(r.integer(f::agents, 1));
        o.persons_per_agent = (std::isnan(persons) || o.agents == 0) ? 1.0 : persons / o.agents;
      } else {
        o.persons_per_agent = r.number(f::persons_per_agent, 1);
        if (o.persons_per_agent <= 0)
          fail(*item.find("persons_per_agent"), r.field("persons_per_agent"), "must be positive");
        if (std::isnan(persons))
          fail(item, r.field("persons_per_agent"), "node '" + n.id + "' has no population to scale");
        const double agents = std::round(persons / o.persons_per_agent);
        if (!(agents >= 1 && agents <= kMaxAgents))
          fail(*item.find("persons_per_agent"), r.field("persons_per_agent"),
               "gives " + std::to_string(agents) + " agents at home; must be 1 to " + std::to_string(kMaxAgents));
        o.agents = static_cast<std::uint64_t>(agents);
      }
      if (const Tree* skills = r.child(f::skills)) {
        MapReader s(*skills, r.field(f::skills));
        double sum = 0;
        for (int k = 0; k < kSkillCount; ++k) sum += o.skill_shares[k] = s.number(f::skill_shares[k], 0);
        s.finish();
        if (std::fabs(sum - 1.0) > 1e-6)
          fail(*skills, r.field(f::skills), "shares must sum to 1, got " + std::to_string(sum));
      }
      // The origin's people: the scenario's behavioural parameters unless set here.
      o.behaviour = sc.model;
      if (const Tree* own = r.child(f::model)) {
        MapReader m(*own, r.field(f::model));
        read_model_params(m, o.behaviour, true);
        m.finish();
      }
      if (const Tree* post = r.child(f::sample)) o.posterior = read_posterior(*post, r.field(f::sample));
      if (const Tree* effects = r.child(f::destination_effects)) {
        MapReader e(*effects, r.field(f::destination_effects));
        if (!effects->is_map()) fail(*effects, r.field(f::destination_effects), "expected {destination: utility}");
        for (const auto& [id, value] : effects->entries) {
          const auto it = node_ids.find(id);
          if (it == node_ids.end()) fail(*value, e.field(id), "unknown node '" + id + "' (not in nodes:)");
          if (!is_destination(sc.nodes[it->second])) fail(*value, e.field(id), "'" + id + "' is not a destination");
          o.destination_effects.emplace_back(static_cast<NodeId>(it->second),
                                             e.number_in(id, 0, f::destination_effects.lo, f::destination_effects.hi));
        }
        e.finish();
      }
      r.finish();
      sc.origins.push_back(o);
    }
  }

  // posterior: {parameters: [names], draws: [[values], ...]}
  static ParameterSample read_posterior(const Tree& node, const std::string& field) {
    MapReader r(node, field);
    ParameterSample sample;
    const Tree& names = r.required_child(fields::posterior::parameters);
    if (!names.is_list() || names.items.empty())
      fail(names, r.field("parameters"), "expected a list of parameter names");
    std::vector<const ParamSpec*> specs;
    for (const auto& item : names.items) {
      const std::string name = scalar_string(*item, r.field("parameters"));
      const ParamSpec* spec = find_model_param(name);
      const bool error_term = is_observation_error_term(name);
      if ((!spec || !spec->per_origin) && !error_term)
        fail(*item, r.field("parameters"),
             "'" + name + "' is not a per-origin model parameter or an observation error");
      if (sample.column(name) >= 0) fail(*item, r.field("parameters"), "'" + name + "' listed twice");
      sample.names.push_back(name);
      specs.push_back(spec);
    }
    const Tree& draws = r.required_child(fields::posterior::draws);
    if (!draws.is_list() || draws.items.empty()) fail(draws, r.field("draws"), "expected a list of rows of values");
    for (size_t i = 0; i < draws.items.size(); ++i) {
      const Tree& row = *draws.items[i];
      const std::string at = r.field("draws[" + std::to_string(i) + "]");
      if (!row.is_list() || row.items.size() != specs.size())
        fail(row, at, "expected a row of " + std::to_string(specs.size()) + " values");
      std::vector<double> values;
      for (size_t j = 0; j < specs.size(); ++j) {
        const double v = scalar_number(*row.items[j], at);
        const double lo = specs[j] ? specs[j]->lo : 0.0, hi = specs[j] ? specs[j]->hi : 1e6;
        if (!(v >= lo && v <= hi))
          fail(*row.items[j], at,
               sample.names[j] + " = " + std::to_string(v) + " outside [" + std::to_string(lo) + ", " +
                   std::to_string(hi) + "]");
        values.push_back(v);
      }
      sample.draws.push_back(std::move(values));
    }
    r.finish();
    return sample;
  }

  void add_diaspora(const Tree& at, const std::string& field, int o, int d, double persons) {
    if (!(persons >= 0 && persons <= kMaxPersons))
      fail(at, field, "persons must lie in [0, " + std::to_string(kMaxPersons) + "]");
    diaspora.push_back({static_cast<NodeId>(o), static_cast<NodeId>(d), persons});
  }

  void read_diaspora(const Tree& list) {
    if (!list.is_list()) fail(list, "diaspora", "expected a list");
    for (size_t i = 0; i < list.items.size(); ++i) {
      const Tree& item = *list.items[i];
      namespace f = fields::diaspora;
      MapReader r(item, "diaspora[" + std::to_string(i) + "]");
      const int o = node_ref(r.required_child(f::origin), r.field(f::origin));
      const int d = node_ref(r.required_child(f::destination), r.field(f::destination));
      add_diaspora(item, r.field(f::persons), o, d, r.required_number(f::persons));
      r.finish();
    }
  }

  // diaspora_csv: columns origin, destination, persons; rows about countries outside
  // the scenario are skipped, like attributes_csv.
  void read_diaspora_csv(const Tree& ref) {
    const CsvTable t = CsvTable::read(resolve_path(ref, "diaspora_csv"), ref.where, "diaspora_csv");
    sc.data_digest = content_digest(std::to_string(t.digest()), sc.data_digest);
    t.only_columns({"origin", "destination", "persons"});
    const int oc = t.column("origin", true), dc = t.column("destination", true), pc = t.column("persons", true);
    std::map<std::pair<std::string, std::string>, size_t> seen;  // (origin, destination) -> row
    for (size_t row = 0; row < t.rows(); ++row) {
      const auto [first, fresh] = seen.emplace(std::pair{t.cell(row, oc), t.cell(row, dc)}, row);
      if (!fresh)
        throw InputError(t.where(row, oc), "origin",
                         "a second row for " + t.cell(row, oc) + " in " + t.cell(row, dc) + " (the first is line " +
                             std::to_string(t.where(first->second, oc).line) + ")");
      auto o = node_ids.find(t.cell(row, oc));
      auto d = node_ids.find(t.cell(row, dc));
      if (o == node_ids.end() || d == node_ids.end()) continue;
      const double persons = t.number(row, pc);
      if (persons < 0 || persons > kMaxPersons)
        throw InputError(t.where(row, pc), "persons", "must lie in [0, " + std::to_string(kMaxPersons) + "]");
      diaspora.push_back({static_cast<NodeId>(o->second), static_cast<NodeId>(d->second), persons});
    }
  }

  // short_stays_csv: columns origin, destination, year, visits and regime (none or
  // facilitation: the visa regime the visits were made under). Rows about countries
  // outside the scenario are skipped.
  void read_short_stays_csv(const Tree& ref) {
    const CsvTable t = CsvTable::read(resolve_path(ref, "short_stays_csv"), ref.where, "short_stays_csv");
    sc.data_digest = content_digest(std::to_string(t.digest()), sc.data_digest);
    t.only_columns({"origin", "destination", "year", "visits", "regime"});
    const int oc = t.column("origin", true), dc = t.column("destination", true), yc = t.column("year", true),
              vc = t.column("visits", true), rc = t.column("regime", true);
    std::map<std::pair<NodeId, NodeId>, std::map<double, std::pair<double, double>>> by_pair;
    for (size_t row = 0; row < t.rows(); ++row) {
      const auto o = node_ids.find(t.cell(row, oc)), d = node_ids.find(t.cell(row, dc));
      if (o == node_ids.end() || d == node_ids.end()) continue;
      const double year = static_cast<double>(t.integer(row, yc, 1900, 2200));
      const double visits = t.number(row, vc);
      if (!(visits >= 0 && visits <= kMaxPersons))
        throw InputError(t.where(row, vc), "visits", "must lie in [0, " + std::to_string(kMaxPersons) + "]");
      const std::string& regime = t.cell(row, rc);
      if (regime != "none" && regime != "facilitation")
        throw InputError(t.where(row, rc), "regime", "must be none or facilitation, not '" + regime + "'");
      auto& years = by_pair[{static_cast<NodeId>(o->second), static_cast<NodeId>(d->second)}];
      if (!years.emplace(year, std::pair{visits, regime == "none" ? 0.0 : 1.0}).second)
        throw InputError(t.where(row, yc), "year",
                         "a second row for " + t.cell(row, oc) + " in " + t.cell(row, dc) + " in " +
                             std::to_string(static_cast<int>(year)));
    }
    for (const auto& [pair, years] : by_pair) {
      ShortStays s{pair.first, pair.second, {}, {}};
      for (const auto& [year, value] : years) {
        s.visits.years.push_back(year);
        s.visits.values.push_back(value.first);
        s.regime.years.push_back(year);
        s.regime.values.push_back(value.second);
      }
      sc.short_stays.push_back(std::move(s));
    }
  }

  // pair_ties_csv: columns origin, destination, comlang_off and colony (0 or 1), as
  // CEPII's GeoDist gives them; other columns are ignored.
  void read_pair_ties_csv(const Tree& ref) {
    const CsvTable t = CsvTable::read(resolve_path(ref, "pair_ties_csv"), ref.where, "pair_ties_csv");
    sc.data_digest = content_digest(std::to_string(t.digest()), sc.data_digest);
    const int oc = t.column("origin", true), dc = t.column("destination", true), lc = t.column("comlang_off", true),
              cc = t.column("colony", true);
    for (size_t row = 0; row < t.rows(); ++row) {
      const auto o = node_ids.find(t.cell(row, oc)), d = node_ids.find(t.cell(row, dc));
      if (o == node_ids.end() || d == node_ids.end()) continue;
      sc.ties.push_back({static_cast<NodeId>(o->second), static_cast<NodeId>(d->second), t.integer(row, lc, 0, 1) == 1,
                         t.integer(row, cc, 0, 1) == 1});
    }
  }

  void read_model(const Tree& node) {
    MapReader r(node, fields::top::model);
    read_model_params(r, sc.model, false);
    r.finish();
  }

  // The module of a block, or an InputError at its `name` listing the known modules.
  const PolicyParser& policy_parser(const PolicyCatalog& catalog, const std::string& name, const Tree& at,
                                    const std::string& field) {
    if (const PolicyParser* parse = catalog.find(name)) return *parse;
    std::string known;
    for (const std::string& n : catalog.names()) known += (known.empty() ? "" : ", ") + n;
    fail(at, field, "unknown policy '" + name + "' (known policies: " + known + ")");
  }

  void read_policies(const Tree& list, const PolicyCatalog& catalog) {
    if (!list.is_list()) fail(list, "policies", "expected a list of policy blocks");
    for (size_t i = 0; i < list.items.size(); ++i) {
      const Tree& item = *list.items[i];
      namespace f = fields::policy;
      MapReader r(item, "policies[" + std::to_string(i) + "]");
      PolicySpec p;
      p.where = item.where;
      p.name = r.required_string(f::name);
      p.id = r.string(f::id, p.name);
      // The id names the policy's output group (HDF5): no empty name, '.' or '/'.
      if (p.id.empty() || p.id == "." || p.id.find('/') != std::string::npos)
        fail(item.find(f::id) ? *item.find(f::id) : item, r.field(f::id),
             "'" + p.id + "' cannot name the policy's output group (empty, '.', or with '/')");
      for (const PolicySpec& other : sc.policies)
        if (other.id == p.id)
          fail(item, r.field(f::id), "two policy blocks with id '" + p.id + "' (give each instance its own id)");
      const PolicyParser& parse = policy_parser(catalog, p.name, *item.find(f::name), r.field(f::name));
      p.from = r.month(f::from, p.from);
      p.until = r.month(f::until, p.until);
      if (p.until.index() < p.from.index()) fail(item, r.field(f::until), "until is before from");
      p.config = parse(r, sc);
      r.finish();
      for (const auto& [key, value] : item.entries) {
        if (key == "name" || key == "id" || value->kind == Tree::Kind::Null) continue;
        // The output names the module and the group with these (ensemble/run_metadata.cpp).
        if (key == "module" || key == "policy")
          fail(*value, r.field(key), "a policy field may not be named '" + key + "'");
        p.parameters.emplace_back(key, to_flow_yaml(*value));
      }
      sc.policies.push_back(std::move(p));
    }
  }
};

void require_attributes(const Scenario& sc, const Tree& root) {
  bool any_ms = false, size_matters = sc.model.logit_size != 0;
  for (const OriginSpec& o : sc.origins) size_matters = size_matters || o.behaviour.logit_size != 0;
  for (const NodeSpec& n : sc.nodes) {
    const bool ms = n.role == Role::MemberState;
    any_ms = any_ms || ms;
    auto need = [&](const YearSeries& s, const char* attr, const char* why) {
      if (s.empty()) throw InputError(n.where, "nodes." + n.id + "." + attr, why);
    };
    if (is_destination(n) || n.role == Role::Origin) {
      need(n.unemployment, "unemployment", "required for this node's role");
      if (n.wage.empty()) need(n.gdp_pc, "gdp_pc", "required for this node's role");
    }
    if (is_destination(n) && size_matters)
      need(n.population, "population", "a destination's size enters the choice (or set model.logit_size: 0)");
  }
  if (!any_ms) fail(root, "nodes", "no node has role member_state");
  if (sc.origins.empty()) fail(root, "population", "no origin population given");
  for (const OriginSpec& o : sc.origins)
    if (sc.nodes[o.node].role != Role::Origin)
      throw InputError(o.where, "population.origin", "node '" + sc.nodes[o.node].id + "' does not have role origin");
}

}  // namespace

Scenario build_scenario(const TreePtr& root, const std::string& file, const PolicyCatalog& policies) {
  Builder b;
  Scenario& sc = b.sc;
  sc.file = file;
  sc.text = to_yaml(*root);
  namespace f = fields::top;
  MapReader r(*root, "");
  sc.title = r.string(f::title, file);
  b.read_calendar(r.required_child(f::calendar));
  sc.seed = static_cast<std::uint64_t>(r.integer(f::seed, 1));
  sc.replicates = static_cast<int>(r.integer(f::replicates, 1));
  sc.parameters = static_cast<ParameterMode>(r.choice(f::parameters, 0));
  sc.replicates_per_draw = static_cast<int>(r.integer(f::replicates_per_draw, sc.replicates_per_draw));
  sc.engine = static_cast<EngineMode>(r.choice(f::engine, static_cast<int>(sc.engine)));
  if (const Tree* t = r.child(f::demography)) b.read_demography(*t);
  b.read_nodes(r.required_child(f::nodes));
  if (const Tree* t = r.child(f::attributes_csv)) b.read_attributes_csv(*t);
  if (const Tree* t = r.child(f::edges)) b.read_edges(*t);
  if (const Tree* t = r.child(f::model)) b.read_model(*t);
  b.read_population(r.required_child(f::population));
  if (const Tree* t = r.child(f::diaspora)) b.read_diaspora(*t);
  if (const Tree* t = r.child(f::diaspora_csv)) b.read_diaspora_csv(*t);
  if (const Tree* t = r.child(f::short_stays_csv)) b.read_short_stays_csv(*t);
  if (const Tree* t = r.child(f::pair_ties_csv)) b.read_pair_ties_csv(*t);
  require_attributes(sc, *root);
  // The start-of-run diaspora in the destinations becomes agents abroad, at each
  // origin's scale (stocks in transit countries are not simulated).
  for (OriginSpec& o : sc.origins) {
    std::map<NodeId, double> persons;
    for (const Diaspora& d : b.diaspora)
      if (d.origin == o.node && d.destination != o.node && is_destination(sc.nodes[d.destination]))
        persons[d.destination] += d.persons;
    std::uint64_t total = o.agents;
    for (const auto& [node, p] : persons) {
      const double n = std::round(p / o.persons_per_agent);
      if (n > static_cast<double>(kMaxAgents - total))
        throw InputError(o.where, "population.persons_per_agent",
                         "the diaspora of '" + sc.nodes[o.node].id + "' in '" + sc.nodes[node].id + "' gives " +
                             std::to_string(n) + " agents; an origin has at most " + std::to_string(kMaxAgents));
      if (n > 0) o.abroad.emplace_back(node, static_cast<std::uint64_t>(n));
      total += static_cast<std::uint64_t>(n);
    }
  }
  if (sc.calendar.steps() >= 65000) fail(r.required_child("calendar"), "calendar", "more than 65000 steps");
  if (sc.demography.mode == DemographyMode::Renewing)
    for (const OriginSpec& o : sc.origins)
      if (sc.nodes[o.node].population.empty())
        throw InputError(o.where, "population.origin",
                         "origin '" + sc.nodes[o.node].id + "' has no population series for a renewing demography");
  sc.size_reserves();
  if (const Tree* t = r.child(f::policies)) b.read_policies(*t, policies);
  r.finish();
  return std::move(b.sc);
}

Scenario load_scenario(const std::string& path, const PolicyCatalog& policies, const std::string& library) {
  return build_scenario(load_merged_tree(path, library), path, policies);
}

}  // namespace migflow

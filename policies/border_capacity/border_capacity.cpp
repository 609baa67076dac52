// border_capacity: how many people an external-border crossing (an edge or a named
// group of edges) lets through per step, and the chance of interception, which
// capacity-building funds (the EU's, for equipment and training of a partner's or a
// Member State's border guards) raise over time, from `capacity_lag_months` after the
// funding starts. How far funding raises interception is drawn per replicate from a
// prior (docs/policies.md, "border_capacity"): enforcement moves irregular crossings
// little (Gathmann 2008: tripled US border enforcement, about 10% fewer crossings).
// See README.md.
#include <algorithm>

#include "loader/fields.hpp"

#include "policies/block_fields.hpp"
#include "policies/mechanism.hpp"
#include "policies/registry.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace migflow {

namespace {

struct Crossing {
  std::string name;
  std::vector<EdgeId> edges;
  double capacity_per_month;  // persons; negative: unlimited
  double interception;        // at the policy's start
  bool capacity_building;     // funded: interception grows
  // Added per year of capacity building: median 0.02, sd 0.8 on the log scale. No
  // published estimate maps funding to interception; a small, uncertain growth, since
  // enforcement moves crossings little (Gathmann 2008) and the model's interception
  // mostly delays crossings (the intercepted wait and try again).
  Mechanism growth{"border_capacity.interception_growth", Mechanism::Scale::Log, 0.02, 0.8, 0, 1};
  // The ceiling: median 0.3, sd 0.7 on the logit scale; reasoned, no published value.
  Mechanism most{"border_capacity.interception_max", Mechanism::Scale::Logit, 0.3, 0.7, 0, 1};
};

struct Config : PolicyConfig {
  std::vector<Crossing> crossings;
  YearMonth from;  // funding for capacity building starts
  // Months from the start of funding to the first added interception capacity:
  // Normal(15, 5) within [0, 60]. Equipment is procured and border guards trained
  // before anything is in service; no published value.
  Mechanism capacity_lag{"border_capacity.capacity_lag_months", Mechanism::Scale::Normal, 15, 5, 0, 60};
  std::unique_ptr<Policy> instantiate(const World& world) const override;
};

class BorderCapacity : public Policy {
 public:
  BorderCapacity(const Config& c, const World& w) : config_(c), world_(w) {}

  void declare(SeriesGroup& out) override {
    std::vector<std::string> names;
    for (const Crossing& c : config_.crossings) names.push_back(c.name);
    out.dimension("crossing", names);
    capacity_ =
        out.declare("capacity", {"crossing"}, "persons", "crossings the border lets through this step (-1: unlimited)");
    interception_ = out.declare("interception", {"crossing"}, "1", "chance that a crossing attempt is intercepted");
    attempts_ = out.declare("attempts", {"crossing"}, "persons", "attempts let through to the border this step");
    blocked_ = out.declare("blocked", {"crossing"}, "persons", "attempts turned away by capacity, left waiting");
    intercepted_ = out.declare("intercepted", {"crossing"}, "persons", "attempts intercepted this step");
  }

  double interception(const Crossing& c, int step, std::uint64_t key) const {
    if (!c.capacity_building) return c.interception;
    const double months =
        months_since(world_.scenario().calendar, step, config_.from) - config_.capacity_lag.value(key);
    const double years = std::max(0.0, months / 12.0);
    return std::min(std::max(c.interception, c.most.value(key)), c.interception + c.growth.value(key) * years);
  }

  void update(const StepContext& ctx, const StepCounts&, Environment& env) override {
    for (const Crossing& c : config_.crossings) {
      int group = -1;
      if (c.capacity_per_month >= 0) {
        group = static_cast<int>(env.group_capacity.size());
        env.group_capacity.push_back(ctx.per_step_share(c.capacity_per_month * 12.0));
      }
      for (EdgeId e : c.edges) {
        env.crossing_group[e] = group;
        env.interception[e] = interception(c, ctx.step, env.mechanism_key);
      }
    }
  }

  void record(const StepContext& ctx, bool active, const Environment& env, const StepCounts& now,
              SeriesGroup& out) const override {
    double* capacity = out.append_row(capacity_);
    double* interception_row = out.append_row(interception_);
    double* attempts = out.append_row(attempts_);
    double* blocked = out.append_row(blocked_);
    double* intercepted = out.append_row(intercepted_);
    const Scenario& sc = world_.scenario();
    for (size_t i = 0; i < config_.crossings.size(); ++i) {
      const Crossing& c = config_.crossings[i];
      capacity[i] = !active ? -1 : c.capacity_per_month < 0 ? -1 : ctx.per_step_share(c.capacity_per_month * 12.0);
      interception_row[i] = active ? interception(c, ctx.step, env.mechanism_key) : 0.0;
      for (EdgeId e : c.edges)
        for (int o = 0; o < now.origins; ++o) {
          const double ppa = sc.origins[o].persons_per_agent;
          attempts[i] += now.edge_attempts[now.oe(o, e)] * ppa;
          blocked[i] += now.edge_blocked[now.oe(o, e)] * ppa;
          intercepted[i] += now.edge_intercepted[now.oe(o, e)] * ppa;
        }
    }
  }

 private:
  const Config& config_;
  const World& world_;
  SeriesHandle capacity_, interception_, attempts_, blocked_, intercepted_;
};

std::unique_ptr<Policy> Config::instantiate(const World& world) const {
  return std::make_unique<BorderCapacity>(*this, world);
}

namespace f {
using namespace field;
constexpr FieldSpec edges = required(of("edges", K::Edges, "edges FROM->TO across the external border, or external"));
constexpr FieldSpec name = text("name", "the crossing's name (default: its first edge)");
constexpr FieldSpec capacity_per_month =
    number("capacity_per_month", 0, 1e9, "persons let through (default: no limit)");
constexpr FieldSpec interception = share("interception", "chance a crossing attempt is intercepted at the start");
constexpr FieldSpec capacity_building =
    boolean("capacity_building", "funded capacity building: interception grows (default false)");
constexpr FieldSpec interception_growth =
    number("interception_growth", 0, 1, "added per year of capacity building (an assumption; default: drawn)");
constexpr FieldSpec interception_max =
    share("interception_max", "interception grows to this at most (an assumption; default: drawn)");
constexpr FieldSpec crossing[] = {edges,
                                  name,
                                  capacity_per_month,
                                  interception,
                                  capacity_building,
                                  interception_growth,
                                  interception_max,
                                  fields::assumption};
constexpr FieldSpec crossings = list("crossings", crossing, "crossings: an edge or a group of edges each");
constexpr FieldSpec capacity_lag_months =
    number("capacity_lag_months", 0, 240,
           "months from funding start (from) to the growth of interception (an assumption; default: drawn)");
constexpr FieldSpec all[] = {crossings, capacity_lag_months, fields::assumption};
}  // namespace f

std::shared_ptr<const PolicyConfig> parse(MapReader& params, const Scenario& sc) {
  auto config = std::make_shared<Config>();
  config->from = params.month("from", sc.calendar.start);
  config->capacity_lag = read_mechanism(params, f::capacity_lag_months, config->capacity_lag);
  const Tree* list = params.child(f::crossings);
  if (list && !list->is_list()) fail(*list, params.field(f::crossings), "expected a list of crossings");
  std::vector<bool> used(sc.edges.size(), false);
  for (size_t i = 0; list && i < list->items.size(); ++i) {
    MapReader r(*list->items[i], params.field("crossings[" + std::to_string(i) + "]"));
    Crossing c;
    c.edges = read_edges(r, f::edges, sc);
    for (EdgeId e : c.edges) {
      if (!sc.edges[e].external_border)
        fail(*list->items[i], r.field("edges"), "edge '" + sc.edge_label(e) + "' does not cross the external border");
      if (used[e]) fail(*list->items[i], r.field("edges"), "edge '" + sc.edge_label(e) + "' is in two crossings");
      used[e] = true;
    }
    c.name = r.string(f::name, sc.edge_label(c.edges[0]) + (c.edges.size() > 1 ? "+" : ""));
    for (const Crossing& other : config->crossings)
      if (other.name == c.name)
        fail(*list->items[i], r.field(f::name),
             "two crossings named '" + c.name + "' (the output labels them by name)");
    c.capacity_per_month = r.has(f::capacity_per_month) ? r.number(f::capacity_per_month, 0) : -1;
    c.interception = r.number(f::interception, sc.model.crossing_interception);
    // Setting the growth or the ceiling is funding with an assumed effect.
    c.capacity_building =
        r.boolean(f::capacity_building, false) || r.has(f::interception_growth) || r.has(f::interception_max);
    c.growth = read_mechanism(r, f::interception_growth, c.growth);
    c.most = read_mechanism(r, f::interception_max, c.most);
    r.finish();
    config->crossings.push_back(c);
  }
  return config;
}

}  // namespace

PolicyModule border_capacity_module() {
  return {"border_capacity", &parse,
          R"(name: border_capacity
crossings:
  - {name: moldova_romania, edges: [MDA->ROU], capacity_per_month: 30, interception: 0.2, capacity_building: true})",
          f::all};
}

}  // namespace migflow

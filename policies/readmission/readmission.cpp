// readmission: EU readmission agreements with partner countries (an EU competence),
// and the detection of irregular migrants by each Member State. See README.md.
#include "policies/block_fields.hpp"
#include "policies/registry.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace migflow {

namespace {

struct Agreement {
  NodeId partner;
  YearMonth in_force;
  double execution;            // share of return orders executed, own nationals
  bool third_country;          // covers third-country nationals who transited the partner
  double transit_execution;    // share executed to the partner for those
  double interception_return;  // share of intercepted nationals returned at once
};

struct Config : PolicyConfig {
  std::vector<Agreement> agreements;
  std::vector<std::pair<NodeId, double>> detection;  // Member State, rate per month
  std::unique_ptr<Policy> instantiate(const World& world) const override;
};

class Readmission : public Policy {
 public:
  Readmission(const Config& c, const World& w) : config_(c), world_(w) {}

  void declare(SeriesGroup& out) override {
    std::vector<std::string> partners;
    for (const Agreement& a : config_.agreements) partners.push_back(world_.scenario().nodes[a.partner].id);
    out.dimension("partner", partners);
    in_force_ = out.declare("in_force", {"partner"}, "1", "1 while the agreement is in force, else 0");
    execution_ =
        out.declare("execution", {"partner"}, "1", "share of return orders executed for the partner's nationals");
  }

  void update(const StepContext& ctx, const StepCounts&, Environment& env) override {
    const YearMonth now = world_.scenario().calendar.date(ctx.step);
    for (const Agreement& a : config_.agreements) {
      if (now.index() < a.in_force.index()) continue;
      if (const int o = world_.origin_index(a.partner); o >= 0) {
        env.return_execution[o] = a.execution;
        env.interception_return[o] = a.interception_return;
      }
      if (a.third_country) env.transit_readmission[a.partner] = a.transit_execution;
    }
    for (const auto& [ms, rate] : config_.detection) env.detection_rate[world_.member_state_index(ms)] = rate;
  }

  void record(const StepContext& ctx, bool active, const Environment& env, const StepCounts&,
              SeriesGroup& out) const override {
    double* in_force = out.append_row(in_force_);
    double* execution = out.append_row(execution_);
    const YearMonth now = world_.scenario().calendar.date(ctx.step);
    for (size_t i = 0; i < config_.agreements.size(); ++i) {
      const Agreement& a = config_.agreements[i];
      in_force[i] = active && now.index() >= a.in_force.index() ? 1.0 : 0.0;
      const int o = world_.origin_index(a.partner);
      execution[i] = o >= 0 ? env.return_execution[o] : env.transit_readmission[a.partner];
    }
  }

 private:
  const Config& config_;
  const World& world_;
  SeriesHandle in_force_, execution_;
};

std::unique_ptr<Policy> Config::instantiate(const World& world) const {
  return std::make_unique<Readmission>(*this, world);
}

std::shared_ptr<const PolicyConfig> parse(MapReader& params, const Scenario& sc) {
  auto config = std::make_shared<Config>();
  const Tree* list = params.child("agreements");
  if (list && !list->is_list()) fail(*list, params.field("agreements"), "expected a list of agreements");
  for (size_t i = 0; list && i < list->items.size(); ++i) {
    MapReader r(*list->items[i], params.field("agreements[" + std::to_string(i) + "]"));
    // A transit country can be a partner too: readmission of those who transited it.
    const auto partners = read_nodes(r, "partner", "partners", sc, {Role::Origin, Role::Transit});
    Agreement a;
    a.in_force = r.month("in_force", sc.calendar.start);
    a.execution = r.probability("execution", 0.6);
    a.third_country = r.boolean("third_country_nationals", false);
    a.transit_execution = r.probability("transit_execution", a.third_country ? 0.3 : 0.0);
    a.interception_return = r.probability("interception_return", a.execution);
    r.finish();
    for (NodeId p : partners) {
      for (const Agreement& other : config->agreements)
        if (other.partner == p)
          fail(*list->items[i], r.field("partner"), "a second agreement with '" + sc.nodes[p].id + "'");
      a.partner = p;
      config->agreements.push_back(a);
    }
  }
  if (const Tree* det = params.child("detection"); det && det->is_scalar()) {
    const double rate = params.probability("detection", 0);  // one rate for every Member State
    for (size_t n = 0; n < sc.nodes.size(); ++n)
      if (sc.nodes[n].role == Role::MemberState) config->detection.emplace_back(static_cast<NodeId>(n), rate);
  } else if (det) {
    MapReader r(*det, params.field("detection"));
    for (const auto& [ms_id, value] : det->entries) {
      const int n = sc.node_index(ms_id);
      if (n < 0 || sc.nodes[n].role != Role::MemberState)
        fail(*value, r.field(ms_id), "unknown Member State '" + ms_id + "'");
      config->detection.emplace_back(static_cast<NodeId>(n), r.probability(ms_id, 0));
    }
    r.finish();
  }
  return config;
}

}  // namespace

PolicyModule readmission_module() {
  return {"readmission", &parse,
          R"(name: readmission
agreements:
  - {partner: MDA, in_force: 2010-06, execution: 0.8, third_country_nationals: true, transit_execution: 0.4}
detection: {ITA: 0.03, DEU: 0.02})"};
}

}  // namespace migflow

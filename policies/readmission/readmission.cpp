// readmission: EU readmission agreements with partner countries (an EU competence),
// and the detection of irregular migrants by each Member State. An agreement in force
// multiplies the share of the partner's nationals' return orders executed by
// exp(readmission_effect), the origin's parameter with a prior from the evaluations of
// readmission agreements (docs/policies.md); a block may instead state the share it
// assumes, with its reason (`execution` and `assumption`). See README.md.
#include <algorithm>
#include <cmath>

#include "loader/fields.hpp"
#include "policies/block_fields.hpp"
#include "policies/registry.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace migflow {

namespace {

struct Agreement {
  NodeId partner;
  YearMonth in_force;
  // Share of return orders executed for its nationals, as the block assumes it; NaN: the
  // evidence's mechanism (the origin's return_execution times exp(readmission_effect)).
  double execution;
  bool third_country;          // covers third-country nationals who transited the partner
  double transit_execution;    // share executed to the partner for those
  double interception_return;  // share of intercepted nationals returned at once; NaN: as executed
};

struct Config : PolicyConfig {
  std::vector<Agreement> agreements;
  std::vector<std::pair<NodeId, double>> detection;  // Member State, rate per month
  double detection_factor = 1;                       // multiplies every Member State's baseline rate
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
        // An EU agreement: returns from the Member States only.
        const ModelParams& p = env.params[o];
        double executed = a.execution;
        if (std::isnan(executed)) {
          env.readmission[o] = 1;
          executed = std::min(1.0, p.return_execution * std::exp(p.readmission_effect));
        } else {
          for (int m = 0; m < env.member_states; ++m) env.return_execution[env.od(o, m)] = executed;
        }
        env.interception_return[o] = std::isnan(a.interception_return) ? executed : a.interception_return;
      }
      if (a.third_country) env.transit_readmission[a.partner] = a.transit_execution;
    }
    for (int o = 0; o < env.origins; ++o) {
      for (int m = 0; m < env.member_states; ++m)
        env.detection_rate[env.od(o, m)] = std::min(1.0, env.detection_rate[env.od(o, m)] * config_.detection_factor);
      for (const auto& [ms, rate] : config_.detection)
        env.detection_rate[env.od(o, world_.member_state_index(ms))] = rate;
    }
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
      const double multiplier = o >= 0 && env.readmission[o] ? std::exp(env.params[o].readmission_effect) : 1.0;
      execution[i] =
          o >= 0 ? std::min(1.0, env.return_execution[env.od(o, 0)] * multiplier) : env.transit_readmission[a.partner];
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

namespace f {
using namespace field;
constexpr FieldSpec partner = node_id("partner", "the partner (or give partners)");
constexpr FieldSpec partners = node_ids("partners", "origins, transit countries or destinations outside the EU");
constexpr FieldSpec in_force = month("in_force", "first month in force (default: the start)");
constexpr FieldSpec execution =
    share("execution", "an assumed share of return orders executed for its nationals (needs assumption)");
constexpr FieldSpec assumption =
    text("assumption", "why the block assumes an execution share instead of the evidence's mechanism");
constexpr FieldSpec third_country_nationals =
    boolean("third_country_nationals", "also readmits others who transited the partner");
constexpr FieldSpec transit_execution = share("transit_execution", "share executed for those");
constexpr FieldSpec interception_return = share("interception_return", "share of intercepted nationals returned");
constexpr FieldSpec agreement[] = {partner,           partners,           in_force,
                                   execution,         assumption,         third_country_nationals,
                                   transit_execution, interception_return};
constexpr FieldSpec agreements = list("agreements", agreement, "EU readmission agreements");
constexpr FieldSpec detection = of(
    "detection", K::NumberMap, "monthly detection rate of irregular migrants: one for all, or per Member State", 0, 1);
constexpr FieldSpec detection_factor = number("detection_factor", 0, 100, "multiplies every baseline detection rate");
constexpr FieldSpec all[] = {agreements, detection, detection_factor};
}  // namespace f

std::shared_ptr<const PolicyConfig> parse(MapReader& params, const Scenario& sc) {
  auto config = std::make_shared<Config>();
  const Tree* list = params.child(f::agreements);
  if (list && !list->is_list()) fail(*list, params.field(f::agreements), "expected a list of agreements");
  for (size_t i = 0; list && i < list->items.size(); ++i) {
    MapReader r(*list->items[i], params.field("agreements[" + std::to_string(i) + "]"));
    // A transit country (also one that is a destination outside the EU) can be a
    // partner too: readmission of those who transited it.
    const auto partners = read_nodes(r, f::partner, f::partners, sc, {Role::Origin, Role::Transit, Role::Destination});
    Agreement a;
    a.in_force = r.month(f::in_force, sc.calendar.start);
    // An effect size the evidence does not support must say so in the file.
    a.execution = r.has(f::execution) ? r.number(f::execution, 0) : std::nan("");
    if (!std::isnan(a.execution) && r.string(f::assumption, "").empty())
      fail(*list->items[i], r.field(f::assumption),
           "an execution share is an assumption against the evidence's mechanism (docs/policies.md, readmission): "
           "give its reason in `assumption`, or leave execution out");
    a.third_country = r.boolean(f::third_country_nationals, false);
    // Agreements' clauses on third-country nationals do not raise returns measurably
    // (Stutz & Trauner 2022): 0.05, a small share, unless the block says otherwise.
    a.transit_execution = r.number(f::transit_execution, a.third_country ? 0.05 : 0.0);
    a.interception_return = r.has(f::interception_return) ? r.number(f::interception_return, 0) : std::nan("");
    r.finish();
    for (NodeId p : partners) {
      for (const Agreement& other : config->agreements)
        if (other.partner == p)
          fail(*list->items[i], r.field("partner"), "a second agreement with '" + sc.nodes[p].id + "'");
      a.partner = p;
      config->agreements.push_back(a);
    }
  }
  if (const Tree* det = params.child(f::detection); det && det->is_scalar()) {
    const double rate = params.number(f::detection, 0);  // one rate for every Member State
    for (size_t n = 0; n < sc.nodes.size(); ++n)
      if (sc.nodes[n].role == Role::MemberState) config->detection.emplace_back(static_cast<NodeId>(n), rate);
  } else if (det) {
    MapReader r(*det, params.field(f::detection));
    for (const auto& [ms_id, value] : det->entries) {
      const int n = sc.node_index(ms_id);
      if (n < 0 || sc.nodes[n].role != Role::MemberState)
        fail(*value, r.field(ms_id), "unknown Member State '" + ms_id + "'");
      config->detection.emplace_back(static_cast<NodeId>(n), r.number_in(ms_id, 0, f::detection.lo, f::detection.hi));
    }
    r.finish();
  }
  // A multiplier, so that a package raises detection relative to each partner's own
  // (fitted) baseline; `detection` sets absolute rates over it.
  config->detection_factor = params.number(f::detection_factor, 1);
  return config;
}

}  // namespace

PolicyModule readmission_module() {
  return {"readmission", &parse,
          R"(name: readmission
agreements:
  - {partner: MDA, in_force: 2010-06, third_country_nationals: true}
detection: {ITA: 0.03, DEU: 0.02})",
          f::all};
}

}  // namespace migflow

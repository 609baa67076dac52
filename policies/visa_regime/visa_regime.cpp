// visa_regime: the EU's visa facilitation and visa liberalisation for a partner's
// citizens (an EU competence), from the dates they took effect. Visits on short stays
// follow the visas the Member States' consulates issued; a regime in force scales them
// from the regime they were issued under by the partner's visa_*_effect, a parameter
// with a prior from the evidence on visas and travel (docs/policies.md). Some visitors
// stay on at the end of their stay (visit_overstay).
#include <algorithm>

#include "loader/fields.hpp"

#include "policies/block_fields.hpp"
#include "policies/registry.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace migflow {

namespace {

enum class Kind { Facilitation, Liberalisation };
constexpr std::string_view kKindNames[] = {"facilitation", "liberalisation"};

struct Regime {
  NodeId partner;
  Kind kind;
  YearMonth from, until;
  std::string label;
};

struct Config : PolicyConfig {
  std::vector<Regime> regimes;
  std::vector<NodeId> member_states;
  double stay_months = 3;
  std::unique_ptr<Policy> instantiate(const World& world) const override;
};

class VisaRegime : public Policy {
 public:
  VisaRegime(const Config& c, const World& w) : config_(c), world_(w) {
    for (NodeId n : c.member_states) member_states_.push_back(w.member_state_index(n));
  }

  void declare(SeriesGroup& out) override {
    std::vector<std::string> labels;
    for (const Regime& r : config_.regimes) labels.push_back(r.label);
    out.dimension("regime", labels);
    in_force_ = out.declare("in_force", {"regime"}, "1", "1 while the regime is in force, else 0");
    visitors_ = out.declare("short_stay_arrivals", {"regime"}, "persons",
                            "the partner's arrivals on a short stay in the regime's Member States this step");
  }

  bool in_force(const Regime& r, int step) const {
    const int now = world_.scenario().calendar.date(step).index();
    return now >= r.from.index() && now <= r.until.index();
  }

  void update(const StepContext& ctx, const StepCounts&, Environment& env) override {
    env.short_stay_months = config_.stay_months;
    for (const Regime& r : config_.regimes) {
      if (!in_force(r, ctx.step)) continue;
      const int o = world_.origin_index(r.partner);
      // Regimes of one partner do not add up: the most open one in force counts.
      const auto regime = static_cast<std::uint8_t>(static_cast<int>(r.kind) + 1);
      for (int m : member_states_) env.visa_regime[env.od(o, m)] = std::max(env.visa_regime[env.od(o, m)], regime);
    }
  }

  void record(const StepContext& ctx, bool active, const Environment&, const StepCounts& now,
              SeriesGroup& out) const override {
    double* in_force_row = out.append_row(in_force_);
    double* visitors = out.append_row(visitors_);
    for (size_t i = 0; i < config_.regimes.size(); ++i) {
      const Regime& r = config_.regimes[i];
      if (!active || !in_force(r, ctx.step)) continue;
      in_force_row[i] = 1;
      const int o = world_.origin_index(r.partner);
      for (int m : member_states_)
        visitors[i] += now.arrivals[now.od(o, m) * kChannelCount + static_cast<int>(Channel::ShortStay)] *
                       world_.scenario().origins[o].persons_per_agent;
    }
  }

 private:
  const Config& config_;
  const World& world_;
  std::vector<int> member_states_;  // dense Member State indices
  SeriesHandle in_force_, visitors_;
};

std::unique_ptr<Policy> Config::instantiate(const World& world) const {
  return std::make_unique<VisaRegime>(*this, world);
}

namespace f {
using namespace field;
using fields::member_state, fields::member_states, fields::partner, fields::partners;
constexpr FieldSpec kind = required(choice("kind", kKindNames, "facilitation or liberalisation"));
constexpr FieldSpec from = required(month("from", "first month in force"));
constexpr FieldSpec until = month("until", "last month in force (default: open-ended)");
constexpr FieldSpec regime[] = {partner, partners, kind, from, until};
constexpr FieldSpec stay_months = number("stay_months", 0.5, 24, "months of a short stay");
constexpr FieldSpec regimes = required(list("regimes", regime, "each partner's regimes and their dates"));
constexpr FieldSpec all[] = {member_state, member_states, stay_months, regimes};
}  // namespace f

std::shared_ptr<const PolicyConfig> parse(MapReader& params, const Scenario& sc) {
  auto config = std::make_shared<Config>();
  // Member States that apply the EU's common visa policy (Schengen and the states bound
  // to join it; not Ireland, nor the UK): listed in the scenario, default all.
  config->member_states = read_nodes(params, f::member_state, f::member_states, sc, {Role::MemberState});
  config->stay_months = params.number(f::stay_months, 3);
  const Tree& list = params.required_child(f::regimes);
  if (!list.is_list()) fail(list, params.field("regimes"), "expected a list of regimes");
  for (size_t i = 0; i < list.items.size(); ++i) {
    MapReader r(*list.items[i], params.field("regimes[" + std::to_string(i) + "]"));
    Regime regime;
    if (!r.has(f::kind))
      fail(*list.items[i], r.field(f::kind), "required field is missing (facilitation or liberalisation)");
    regime.kind = static_cast<Kind>(r.choice(f::kind, 0));
    regime.from = r.required_month(f::from);
    regime.until = r.month(f::until, {2200, 12});
    if (regime.until.index() < regime.from.index()) fail(*list.items[i], r.field(f::until), "until is before from");
    const auto partners = read_nodes(r, f::partner, f::partners, sc, {Role::Origin});
    r.finish();
    const std::string kind(kKindNames[static_cast<int>(regime.kind)]);
    add_per_partner(
        config->regimes, regime, partners, [&](NodeId p) { return sc.nodes[p].id + ":" + kind; }, *list.items[i],
        r.field("partner"), "regime");
  }
  return config;
}

}  // namespace

PolicyModule visa_regime_module() {
  return {"visa_regime", &parse,
          R"(name: visa_regime
member_states: [ITA, DEU, ROU]
regimes:
  - {partner: MDA, kind: facilitation, from: 2010-06}
  - {partner: MDA, kind: liberalisation, from: 2011-06})",
          f::all};
}

}  // namespace migflow

// information_campaign: campaigns in a partner country on the risks of irregular routes.
// A campaign reaches a share of households from its start, that share decays with a
// half-life, and those reached are less likely to set off irregularly: the partner's
// irregular propensity is multiplied by (1 - reach(t) * effect). The published evidence
// on such campaigns is thin, so every default is reasoned, not fitted (docs/policies.md,
// "information_campaign"). See README.md.
#include <cmath>

#include "loader/fields.hpp"

#include "policies/block_fields.hpp"
#include "policies/registry.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace migflow {

namespace {

struct Campaign {
  NodeId partner;
  YearMonth start;  // first month households are reached
  // Share of the partner's households reached at the start. Default 0.3: national
  // media and community campaigns reach a minority of households; no published value.
  double reach = 0.3;
  // Relative reduction of the irregular propensity among those reached. Default 0.2:
  // the few evaluations measure knowledge and stated intentions, not departures, and
  // intentions overstate behaviour, so a modest share; no published value.
  double effect = 0.2;
  // Months in which the share still reached halves (messages fade, audiences change).
  // Default 12: no published value; a one-off campaign is assumed to be mostly
  // forgotten within two to three years.
  double half_life_months = 12;
  std::string label;

  // Share of households reached in month `months` after the start (0 before it).
  double reach_at(int months) const { return months < 0 ? 0.0 : reach * std::exp2(-months / half_life_months); }
};

struct Config : PolicyConfig {
  std::vector<Campaign> campaigns;
  std::unique_ptr<Policy> instantiate(const World& world) const override;
};

class InformationCampaign : public Policy {
 public:
  InformationCampaign(const Config& c, const World& w) : config_(c), world_(w) {}

  void declare(SeriesGroup& out) override {
    std::vector<std::string> labels;
    for (const Campaign& c : config_.campaigns) labels.push_back(c.label);
    out.dimension("campaign", labels);
    out.dimension("origin", origin_ids(world_));
    reach_ = out.declare("reach", {"campaign"}, "1", "share of the partner's households the campaign reaches");
    factor_ = out.declare("irregular_factor", {"origin"}, "1",
                          "multiplier of the irregular propensity as it stands after every block (1: no effect)");
  }

  double reach(const Campaign& c, int step) const {
    return c.reach_at(months_since(world_.scenario().calendar, step, c.start));
  }

  void update(const StepContext& ctx, const StepCounts&, Environment& env) override {
    // Campaigns reach households independently: their factors multiply.
    for (const Campaign& c : config_.campaigns)
      env.irregular_factor[world_.origin_index(c.partner)] *= 1.0 - reach(c, ctx.step) * c.effect;
  }

  void record(const StepContext& ctx, bool active, const Environment& env, const StepCounts&,
              SeriesGroup& out) const override {
    double* reach_row = out.append_row(reach_);
    double* factor = out.append_row(factor_);
    for (size_t i = 0; i < config_.campaigns.size(); ++i)
      reach_row[i] = active ? reach(config_.campaigns[i], ctx.step) : 0.0;
    for (int o = 0; o < world_.origin_count(); ++o) factor[o] = env.irregular_factor[o];
  }

 private:
  const Config& config_;
  const World& world_;
  SeriesHandle reach_, factor_;
};

std::unique_ptr<Policy> Config::instantiate(const World& world) const {
  return std::make_unique<InformationCampaign>(*this, world);
}

namespace f {
using namespace field;
using fields::partner, fields::partners;
constexpr FieldSpec start = month("start", "first month households are reached (default: the block's from)");
constexpr FieldSpec reach = share("reach", "share of households reached at the start (default 0.3)");
constexpr FieldSpec effect =
    share("effect", "relative reduction of irregular propensity among those reached (default 0.2)");
constexpr FieldSpec half_life_months =
    number("half_life_months", 1, 1200, "months in which the share reached halves (default 12)");
constexpr FieldSpec campaign[] = {partner, partners, start, reach, effect, half_life_months};
constexpr FieldSpec campaigns = required(list("campaigns", campaign, "campaigns, one per partner named"));
constexpr FieldSpec all[] = {campaigns};
}  // namespace f

std::shared_ptr<const PolicyConfig> parse(MapReader& params, const Scenario& sc) {
  auto config = std::make_shared<Config>();
  const YearMonth from = params.month("from", sc.calendar.start);
  for_each_item(params, f::campaigns, [&](MapReader& r, const Tree& item) {
    Campaign c;
    c.start = r.month(f::start, from);
    c.reach = r.number(f::reach, c.reach);
    c.effect = r.number(f::effect, c.effect);
    c.half_life_months = r.number(f::half_life_months, c.half_life_months);
    const auto partners = read_nodes(r, f::partner, f::partners, sc, {Role::Origin});
    add_per_partner(
        config->campaigns, c, partners, [&](NodeId p) { return sc.nodes[p].id + "@" + c.start.str(); }, item,
        r.field(f::start), "campaign");
  });
  return config;
}

}  // namespace

PolicyModule information_campaign_module() {
  return {"information_campaign", &parse,
          R"(name: information_campaign
campaigns:
  - {partner: MDA, start: 2010-06, reach: 0.6, effect: 0.5, half_life_months: 18})",
          f::all};
}

}  // namespace migflow

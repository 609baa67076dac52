// information_campaign: campaigns in a partner country on the risks of irregular routes.
// A campaign reaches a share of households from its start, that share decays with a
// half-life, and those reached are less likely to set off irregularly: the partner's
// irregular propensity is multiplied by (1 - reach(t) * effect). The effect and the
// half-life are drawn per replicate from priors on the trials' evidence (docs/policies.md,
// "information_campaign"): campaigns move stated intentions, departures barely.
// See README.md.
#include <cmath>

#include "loader/fields.hpp"

#include "policies/block_fields.hpp"
#include "policies/mechanism.hpp"
#include "policies/registry.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace migflow {

namespace {

struct Campaign {
  NodeId partner;
  YearMonth start;  // first month households are reached
  // Share of the partner's households reached at the start: the campaign's scale, what
  // its funders buy. Default 0.15: the trials reach the people they invite, and no
  // published figure gives a national campaign's reach; a minority of households.
  double reach = 0.15;
  // Relative reduction of the irregular propensity among those reached: Normal(0.05,
  // 0.08) within [-0.1, 0.4]. Peer-to-peer events in Dakar lowered intentions to leave
  // irregularly (Tjaden & Dunsch 2021, World Development 145); in The Gambia and Nigeria
  // effects on departures were small or undetectable (Bah et al. 2023; Beber et al.),
  // and correcting overestimated risks can raise migration (Bah & Batista).
  Mechanism effect{"information_campaign.effect", Mechanism::Scale::Normal, 0.05, 0.08, -0.1, 0.4};
  // Months in which the share still reached halves: median 6, sd 0.7 on the log scale
  // (90%: 2-19); the trials' follow-ups are at 3-12 months and none measures decay.
  Mechanism half_life{"information_campaign.half_life_months", Mechanism::Scale::Log, 6, 0.7, 1, 1200};
  std::string label;

  // Share of households reached in month `months` after the start (0 before it).
  double reach_at(int months, std::uint64_t key) const {
    return months < 0 ? 0.0 : reach * std::exp2(-months / half_life.value(key));
  }
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

  double reach(const Campaign& c, int step, std::uint64_t key) const {
    return c.reach_at(months_since(world_.scenario().calendar, step, c.start), key);
  }

  void update(const StepContext& ctx, const StepCounts&, Environment& env) override {
    // Campaigns reach households independently: their factors multiply.
    for (const Campaign& c : config_.campaigns)
      env.irregular_factor[world_.origin_index(c.partner)] *=
          1.0 - reach(c, ctx.step, env.mechanism_key) * c.effect.value(env.mechanism_key);
  }

  void record(const StepContext& ctx, bool active, const Environment& env, const StepCounts&,
              SeriesGroup& out) const override {
    double* reach_row = out.append_row(reach_);
    double* factor = out.append_row(factor_);
    for (size_t i = 0; i < config_.campaigns.size(); ++i)
      reach_row[i] = active ? reach(config_.campaigns[i], ctx.step, env.mechanism_key) : 0.0;
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
constexpr FieldSpec reach = share("reach", "share of households reached at the start (default 0.15)");
constexpr FieldSpec effect = number("effect", -1, 1,
                                    "relative reduction of irregular propensity among those reached (an assumption; "
                                    "default: drawn from the evidence's prior)");
constexpr FieldSpec half_life_months =
    number("half_life_months", 1, 1200, "months in which the share reached halves (an assumption; default: drawn)");
constexpr FieldSpec campaign[] = {partner, partners, start, reach, effect, half_life_months, fields::assumption};
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
    c.effect = read_mechanism(r, f::effect, c.effect);
    c.half_life = read_mechanism(r, f::half_life_months, c.half_life);
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
  - {partner: MDA, start: 2010-06, reach: 0.6, effect: 0.5, half_life_months: 18,
     assumption: a campaign as effective as the most hopeful evaluations})",
          f::all};
}

}  // namespace migflow

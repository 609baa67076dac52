// diaspora_engagement: programmes with a partner's diaspora that lower the cost of
// sending money home, raise households' productive investment and savings at home,
// and encourage migrants to return. Each acts on one knob of the partner's
// Environment: the transfer cost from the Member States (relative reduction), a
// multiplier of household savings, a multiplier of the return rate. No published value
// exists for any of the three effects (docs/policies.md, "diaspora_engagement").
// See README.md.
#include "loader/fields.hpp"

#include "policies/block_fields.hpp"
#include "policies/registry.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace migflow {

namespace {

struct Programme {
  NodeId partner;
  // Relative reduction of the transfer cost from the Member States. Default 0.2 (7% to
  // 5.6%): partnerships with transfer operators, price comparison and matching schemes
  // lower fees somewhat; no published value.
  double remittance_cost_reduction = 0.2;
  // Relative rise of household savings (the means to migrate, or to invest). Default
  // 0.1: investment schemes reach few households; no published value.
  double savings_increase = 0.1;
  // Relative rise of the return rate of the partner's migrants (regular, irregular and
  // asylum seekers withdrawing). Default 0.2: return and reintegration schemes are
  // taken up by few of a diaspora; no published value.
  double return_increase = 0.2;
  std::string label;
};

struct Config : PolicyConfig {
  std::vector<Programme> programmes;
  std::unique_ptr<Policy> instantiate(const World& world) const override;
};

class DiasporaEngagement : public Policy {
 public:
  DiasporaEngagement(const Config& c, const World& w) : config_(c), world_(w) {}

  void declare(SeriesGroup& out) override {
    out.dimension("origin", origin_ids(world_));
    cost_ = out.declare("remittance_cost", {"origin"}, "1",
                        "share of a transfer from the first Member State lost to fees, after every block");
    savings_ = out.declare("savings_factor", {"origin"}, "1",
                           "multiplier of household savings as it stands after every block (1: no effect)");
    return_ = out.declare("return_factor", {"origin"}, "1",
                          "multiplier of the return rate as it stands after every block (1: no effect)");
  }

  void update(const StepContext&, const StepCounts&, Environment& env) override {
    for (const Programme& p : config_.programmes) {
      const int o = world_.origin_index(p.partner);
      for (int m = 0; m < env.member_states; ++m)
        env.remittance_cost[env.od(o, m)] *= 1.0 - p.remittance_cost_reduction;
      env.savings_factor[o] *= 1.0 + p.savings_increase;
      env.return_factor[o] *= 1.0 + p.return_increase;
    }
  }

  void record(const StepContext&, bool, const Environment& env, const StepCounts&, SeriesGroup& out) const override {
    double* cost = out.append_row(cost_);
    double* savings = out.append_row(savings_);
    double* returns = out.append_row(return_);
    for (int o = 0; o < world_.origin_count(); ++o) {
      cost[o] = env.remittance_cost[env.od(o, 0)];
      savings[o] = env.savings_factor[o];
      returns[o] = env.return_factor[o];
    }
  }

 private:
  const Config& config_;
  const World& world_;
  SeriesHandle cost_, savings_, return_;
};

std::unique_ptr<Policy> Config::instantiate(const World& world) const {
  return std::make_unique<DiasporaEngagement>(*this, world);
}

namespace f {
using namespace field;
using fields::partner, fields::partners;
constexpr FieldSpec remittance_cost_reduction =
    share("remittance_cost_reduction", "relative reduction of the transfer cost from the Member States (default 0.2)");
constexpr FieldSpec savings_increase =
    number("savings_increase", 0, 5, "relative rise of household savings (default 0.1)");
constexpr FieldSpec return_increase =
    number("return_increase", 0, 10, "relative rise of the return rate (default 0.2)");
constexpr FieldSpec programme[] = {partner, partners, remittance_cost_reduction, savings_increase, return_increase};
constexpr FieldSpec programmes = required(list("programmes", programme, "programmes, one per partner named"));
constexpr FieldSpec all[] = {programmes};
}  // namespace f

std::shared_ptr<const PolicyConfig> parse(MapReader& params, const Scenario& sc) {
  auto config = std::make_shared<Config>();
  for_each_item(params, f::programmes, [&](MapReader& r, const Tree& item) {
    Programme p;
    p.remittance_cost_reduction = r.number(f::remittance_cost_reduction, p.remittance_cost_reduction);
    p.savings_increase = r.number(f::savings_increase, p.savings_increase);
    p.return_increase = r.number(f::return_increase, p.return_increase);
    const auto partners = read_nodes(r, f::partner, f::partners, sc, {Role::Origin});
    add_per_partner(
        config->programmes, p, partners, [&](NodeId n) { return sc.nodes[n].id; }, item, r.field(f::partner),
        "programme for");
  });
  return config;
}

}  // namespace

PolicyModule diaspora_engagement_module() {
  return {"diaspora_engagement", &parse,
          R"(name: diaspora_engagement
programmes:
  - {partner: MDA, remittance_cost_reduction: 0.5, savings_increase: 0.5, return_increase: 1})",
          f::all};
}

}  // namespace migflow

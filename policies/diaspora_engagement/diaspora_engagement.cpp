// diaspora_engagement: programmes with a partner's diaspora that lower the cost of
// sending money home, raise households' productive investment and savings at home,
// and encourage migrants to return. Each acts on one knob of the partner's
// Environment: the transfer cost from the Member States (relative reduction), a
// multiplier of household savings, a multiplier of the return rate. No causal estimate
// exists for any of the three effects: each is drawn per replicate from a prior on what
// programmes' outputs suggest (docs/policies.md, "diaspora_engagement"). See README.md.
#include "loader/fields.hpp"

#include "policies/block_fields.hpp"
#include "policies/mechanism.hpp"
#include "policies/registry.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace migflow {

namespace {

struct Programme {
  NodeId partner;
  // Relative reduction of the transfer cost from the Member States: median 0.1, sd 0.7
  // on the logit scale. Partnerships with transfer operators, price comparison and
  // matching schemes lower fees somewhat; no published effect of such programmes.
  Mechanism remittance_cost_reduction{
      "diaspora_engagement.remittance_cost_reduction", Mechanism::Scale::Logit, 0.1, 0.7, 0, 1};
  // Relative rise of household savings (the means to migrate, or to invest): median
  // 0.02, sd 1 on the log scale. Moldova's PARE 1+1 drew about 3 lei of investment per
  // lei of grant, for a few thousand households of a diaspora of hundreds of thousands.
  Mechanism savings_increase{"diaspora_engagement.savings_increase", Mechanism::Scale::Log, 0.02, 1.0, 0, 5};
  // Relative rise of the return rate of the partner's migrants: median 0.05, sd 0.9 on
  // the log scale (90%: 0.011-0.22). PARE helped 564 migrants return in about a decade
  // (about 0.01 of the return rate Moldova's stock implies); Spain's 2008 paid-return plan
  // reached about 10% of those eligible (Plewa 2012: programmes draw few).
  Mechanism return_increase{"diaspora_engagement.return_increase", Mechanism::Scale::Log, 0.05, 0.9, 0, 10};
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
    const std::uint64_t key = env.mechanism_key;
    for (const Programme& p : config_.programmes) {
      const int o = world_.origin_index(p.partner);
      for (int m = 0; m < env.member_states; ++m)
        env.remittance_cost[env.od(o, m)] *= 1.0 - p.remittance_cost_reduction.value(key);
      env.savings_factor[o] *= 1.0 + p.savings_increase.value(key);
      env.return_factor[o] *= 1.0 + p.return_increase.value(key);
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
    share("remittance_cost_reduction",
          "relative reduction of the transfer cost from the Member States (an assumption; default: drawn)");
constexpr FieldSpec savings_increase =
    number("savings_increase", 0, 5, "relative rise of household savings (an assumption; default: drawn)");
constexpr FieldSpec return_increase =
    number("return_increase", 0, 10, "relative rise of the return rate (an assumption; default: drawn)");
constexpr FieldSpec programme[] = {partner,          partners,        remittance_cost_reduction,
                                   savings_increase, return_increase, fields::assumption};
constexpr FieldSpec programmes = required(list("programmes", programme, "programmes, one per partner named"));
constexpr FieldSpec all[] = {programmes};
}  // namespace f

std::shared_ptr<const PolicyConfig> parse(MapReader& params, const Scenario& sc) {
  auto config = std::make_shared<Config>();
  for_each_item(params, f::programmes, [&](MapReader& r, const Tree& item) {
    Programme p;
    p.remittance_cost_reduction = read_mechanism(r, f::remittance_cost_reduction, p.remittance_cost_reduction);
    p.savings_increase = read_mechanism(r, f::savings_increase, p.savings_increase);
    p.return_increase = read_mechanism(r, f::return_increase, p.return_increase);
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
  - {partner: MDA, remittance_cost_reduction: 0.5, savings_increase: 0.5, return_increase: 1,
     assumption: effects far above the evidence to show each knob})",
          f::all};
}

}  // namespace migflow

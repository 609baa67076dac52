// development_aid: aid to a partner country, as a share of its GDP per year, raising
// home wages after a lag: the home wage is multiplied by 1 + wage_elasticity * aid/GDP
// of `lag_months` before. A higher home wage lowers aspiration (the wage gap) but raises
// capability (savings are months of the home wage), so aid can raise emigration from a
// poor partner whose people lack the means to leave, and lower it from a richer one:
// the migration hump. Neither the elasticity nor the lag has a published value for
// wages: both are drawn per replicate from wide priors (docs/policies.md,
// "development_aid"). See README.md.
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
  YearSeries share_of_gdp;  // aid disbursed per year / the partner's GDP, each figure held from its year on
  std::string label;
};

struct Config : PolicyConfig {
  std::vector<Programme> programmes;
  YearMonth from;  // funding starts
  // Months from a disbursement to its effect on wages: Normal(36, 12) within [0, 120].
  // Aid-financed investment takes years to show in incomes, and studies of aid and
  // growth look for effects with a lag of years (Clemens, Radelet, Bhavnani and Bazzi
  // 2012); no published value for wages.
  Mechanism lag_months{"development_aid.lag_months", Mechanism::Scale::Normal, 36, 12, 0, 120};
  // Proportional rise of the home wage per unit of aid/GDP: median 0.5 (aid of 2% of GDP
  // raises wages by 1%), sd 0.8 on the log scale (90%: 0.13-1.9). Part of aid goes to
  // imports, administration and projects whose returns come later; aid's effects on
  // emigration run mostly through public services, not wages (Lanati & Thiele 2018,
  // World Development 111: doubling aid lowers emigration by about 15%), and their sign
  // is disputed (Clemens & Postel 2018; Berthelemy, Beuran & Maurel 2009).
  Mechanism wage_elasticity{"development_aid.wage_elasticity", Mechanism::Scale::Log, 0.5, 0.8, 0, 20};
  std::unique_ptr<Policy> instantiate(const World& world) const override;
};

class DevelopmentAid : public Policy {
 public:
  DevelopmentAid(const Config& c, const World& w) : config_(c), world_(w) {}

  void declare(SeriesGroup& out) override {
    std::vector<std::string> labels;
    for (const Programme& p : config_.programmes) labels.push_back(p.label);
    out.dimension("programme", labels);
    out.dimension("origin", origin_ids(world_));
    aid_ = out.declare("aid_share_of_gdp", {"programme"}, "1",
                       "aid disbursed, per year, as a share of the partner's GDP (this step's budget)");
    effective_ = out.declare("effective_aid_share_of_gdp", {"programme"}, "1",
                             "the aid acting on wages this step: the budget of lag_months before, 0 before "
                             "lag_months after funding starts");
    factor_ = out.declare("home_wage_factor", {"origin"}, "1",
                          "multiplier of the home wage as it stands after every block (1: no effect)");
  }

  // Aid per year / GDP disbursed at `step` (0 before funding starts).
  double budget(const Programme& p, int step) const {
    if (months_since(world_.scenario().calendar, step, config_.from) < 0) return 0.0;
    return p.share_of_gdp.held_at(world_.scenario().calendar.year(step));
  }

  // The aid acting on wages at `step`: the budget of lag_months before.
  double effective(const Programme& p, int step, std::uint64_t key) const {
    const Calendar& cal = world_.scenario().calendar;
    const double lag = config_.lag_months.value(key);
    const double since = months_since(cal, step, config_.from) - lag;
    return since < 0 ? 0.0 : p.share_of_gdp.held_at(cal.year(step) - lag / 12.0);
  }

  void update(const StepContext& ctx, const StepCounts&, Environment& env) override {
    const double elasticity = config_.wage_elasticity.value(env.mechanism_key);
    for (const Programme& p : config_.programmes)
      env.home_wage_factor[world_.origin_index(p.partner)] *=
          1.0 + elasticity * effective(p, ctx.step, env.mechanism_key);
  }

  void record(const StepContext& ctx, bool active, const Environment& env, const StepCounts&,
              SeriesGroup& out) const override {
    double* aid = out.append_row(aid_);
    double* effective_row = out.append_row(effective_);
    double* factor = out.append_row(factor_);
    for (size_t i = 0; active && i < config_.programmes.size(); ++i) {
      aid[i] = budget(config_.programmes[i], ctx.step);
      effective_row[i] = effective(config_.programmes[i], ctx.step, env.mechanism_key);
    }
    for (int o = 0; o < world_.origin_count(); ++o) factor[o] = env.home_wage_factor[o];
  }

 private:
  const Config& config_;
  const World& world_;
  SeriesHandle aid_, effective_, factor_;
};

std::unique_ptr<Policy> Config::instantiate(const World& world) const {
  return std::make_unique<DevelopmentAid>(*this, world);
}

namespace f {
using namespace field;
using fields::partner, fields::partners;
constexpr FieldSpec share_of_gdp =
    required(of("share_of_gdp", K::YearNumbers,
                "aid per year / GDP: one figure, or {year: figure} held from each year on", 0, 0.5));
constexpr FieldSpec programme[] = {partner, partners, share_of_gdp};
constexpr FieldSpec programmes = required(list("programmes", programme, "aid budgets, one per partner named"));
constexpr FieldSpec lag_months =
    number("lag_months", 0, 240, "months from disbursement to the wage effect (an assumption; default: drawn)");
constexpr FieldSpec wage_elasticity =
    number("wage_elasticity", 0, 20, "proportional wage rise per unit of aid/GDP (an assumption; default: drawn)");
constexpr FieldSpec all[] = {programmes, lag_months, wage_elasticity, fields::assumption};
}  // namespace f

std::shared_ptr<const PolicyConfig> parse(MapReader& params, const Scenario& sc) {
  auto config = std::make_shared<Config>();
  config->from = params.month("from", sc.calendar.start);
  config->lag_months = read_mechanism(params, f::lag_months, config->lag_months);
  config->wage_elasticity = read_mechanism(params, f::wage_elasticity, config->wage_elasticity);
  for_each_item(params, f::programmes, [&](MapReader& r, const Tree& item) {
    Programme p;
    p.share_of_gdp = read_yearly_figures(r, f::share_of_gdp);
    const auto partners = read_nodes(r, f::partner, f::partners, sc, {Role::Origin});
    add_per_partner(
        config->programmes, p, partners, [&](NodeId n) { return sc.nodes[n].id; }, item, r.field(f::partner),
        "programme for");
  });
  return config;
}

}  // namespace

PolicyModule development_aid_module() {
  return {"development_aid", &parse,
          R"(name: development_aid
lag_months: 6
wage_elasticity: 2
assumption: a large and quick effect, to show the hump
programmes:
  - {partner: MDA, share_of_gdp: {2010: 0.05, 2011: 0.1}})",
          f::all};
}

}  // namespace migflow

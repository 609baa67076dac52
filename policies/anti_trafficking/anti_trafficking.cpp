// anti_trafficking: the EU's funding of capacity to identify victims of trafficking in
// human beings in the Member States (labour inspectors, police, NGOs, referral
// mechanisms). Exploitation itself is part of the model (model.exploitation_share,
// status exploited); this module raises the rate at which the exploited are identified
// and sets what identified victims get. How far funding raises identification is drawn
// per replicate from a wide prior (docs/policies.md, "anti_trafficking"). See README.md.
#include <algorithm>
#include <cmath>

#include "loader/fields.hpp"
#include "policies/block_fields.hpp"
#include "policies/mechanism.hpp"
#include "policies/registry.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace migflow {

namespace {

struct Config : PolicyConfig {
  std::vector<NodeId> partners;       // origins whose nationals it covers
  std::vector<NodeId> member_states;  // where the capacity is built
  double funding = 0;                 // EUR per year, in each covered Member State
  // EUR per year that closes 1 - 1/e of the gap: median 1 million, sd 1 on the log
  // scale; nothing measures the response of identification to funding.
  Mechanism funding_scale{"anti_trafficking.funding_scale", Mechanism::Scale::Log, 1e6, 1.0, 1, 1e12};
  // Identification as capacity saturates, a multiple of the base rate: median 5, sd 0.6
  // on the log scale. Registered victims per inhabitant differ about 25-fold between
  // Member States (Eurostat 2020: 2 to 57 per million), partly with the capacity to
  // identify them; estimates by multiple systems put victims at 4-9 times those
  // registered (Netherlands 2017, Serbia 2013-2016).
  Mechanism identification_gain{"anti_trafficking.identification_gain", Mechanism::Scale::Log, 5, 0.6, 1, 100};
  double max_identification = std::nan("");  // a block's own saturating rate (an assumption), per month
  double lag_months = 12, ramp_years = 2;
  double protection_share = 0.5, permit_months = 6;
  bool sets_exploitation = false;
  double exploitation_share = 0;
  YearMonth start;
  std::unique_ptr<Policy> instantiate(const World& world) const override;
};

class AntiTrafficking : public Policy {
 public:
  AntiTrafficking(const Config& c, const World& w) : config_(c), world_(w) {
    for (NodeId n : c.member_states) member_states_.push_back(w.member_state_index(n));
  }

  void declare(SeriesGroup& out) override {
    std::vector<std::string> partners;
    for (NodeId p : config_.partners) partners.push_back(world_.scenario().nodes[p].id);
    out.dimension("partner", partners);
    const char* where = " in the block's Member States";
    rate_ = out.declare("identification_rate", {"partner"}, "1/month",
                        std::string("monthly rate of identifying exploited victims") + where);
    identified_ = out.declare("victims_identified", {"partner"}, "persons",
                              std::string("exploited persons identified as victims this step") + where);
    protected_ = out.declare("granted_protection", {"partner"}, "persons",
                             std::string("identified victims granted a residence permit this step") + where);
    returned_ = out.declare("assisted_returns", {"partner"}, "persons",
                            std::string("identified victims assisted home this step") + where);
    exploited_ = out.declare("exploited", {"partner"}, "persons",
                             std::string("persons held in exploitation at the end of the step") + where);
  }

  // The capacity funded at `step`: none before the lag, then rising linearly over the
  // ramp to the full funding.
  double capacity(int step) const {
    const double months = world_.scenario().calendar.date(step).index() - config_.start.index();
    const double built = months - config_.lag_months;
    if (built < 0) return 0;
    const double ramp = 12 * config_.ramp_years;
    return config_.funding * (ramp > 0 ? std::min(1.0, (built + 1) / ramp) : 1.0);
  }

  // identification = base + (max - base) * (1 - exp(-capacity / scale)), never below base.
  double identification(double base, int step, std::uint64_t key) const {
    const double most = std::isnan(config_.max_identification)
                            ? std::min(1.0, base * config_.identification_gain.value(key))
                            : config_.max_identification;
    const double gain = std::max(0.0, most - base);
    return base + gain * -std::expm1(-capacity(step) / config_.funding_scale.value(key));
  }

  void update(const StepContext& ctx, const StepCounts&, Environment& env) override {
    for (NodeId p : config_.partners) {
      const int o = world_.origin_index(p);
      for (int m : member_states_) {
        const int i = env.od(o, m);
        env.victim_identification[i] = identification(env.victim_identification[i], ctx.step, env.mechanism_key);
        env.victim_protection[i] = config_.protection_share;
        env.victim_permit_months[i] = config_.permit_months;
        if (config_.sets_exploitation) env.exploitation_share[i] = config_.exploitation_share;
      }
    }
  }

  void record(const StepContext&, bool, const Environment& env, const StepCounts& now,
              SeriesGroup& out) const override {
    double* rate = out.append_row(rate_);
    double* identified = out.append_row(identified_);
    double* granted = out.append_row(protected_);
    double* returned = out.append_row(returned_);
    double* exploited = out.append_row(exploited_);
    for (size_t j = 0; j < config_.partners.size(); ++j) {
      const int o = world_.origin_index(config_.partners[j]);
      const double ppa = world_.scenario().origins[o].persons_per_agent;
      if (!member_states_.empty()) rate[j] = env.victim_identification[env.od(o, member_states_.front())];
      for (int m : member_states_) {
        const auto in = now.od(o, m);
        identified[j] += static_cast<double>(now.victims_identified[in]) * ppa;
        granted[j] += static_cast<double>(now.victims_protected[in]) * ppa;
        returned[j] += static_cast<double>(now.victims_identified[in] - now.victims_protected[in]) * ppa;
        exploited[j] +=
            static_cast<double>(now.stocks[now.stock(o, world_.destination_node(m), Status::Exploited)]) * ppa;
      }
    }
  }

 private:
  const Config& config_;
  const World& world_;
  std::vector<int> member_states_;  // dense Member State indices
  SeriesHandle rate_, identified_, protected_, returned_, exploited_;
};

std::unique_ptr<Policy> Config::instantiate(const World& world) const {
  return std::make_unique<AntiTrafficking>(*this, world);
}

namespace f {
using namespace field;
using fields::member_state, fields::member_states, fields::partner, fields::partners;
constexpr FieldSpec funding =
    number("funding_per_year", 0, 1e12, "EUR a year for identification capacity, per Member State");
constexpr FieldSpec funding_scale = number(
    "funding_scale", 1, 1e12, "EUR a year that closes 63% of the gap to the most (an assumption; default: drawn)");
constexpr FieldSpec max_identification = number(
    "max_identification", 0, 1, "monthly identification rate as capacity saturates (an assumption; default: drawn)");
constexpr FieldSpec lag_months = number("lag_months", 0, 600, "months from `from` before capacity starts to act");
constexpr FieldSpec ramp_years = number("ramp_years", 0, 50, "years over which capacity then builds up linearly");
constexpr FieldSpec protection_share = share("protection_share", "share of identified victims granted a permit");
constexpr FieldSpec permit_months = number("permit_months", 1, 600, "length of a victim's residence permit");
constexpr FieldSpec exploitation_share =
    share("exploitation_share", "overrides the share of irregular arrivals exploited (default: the model's)");
constexpr FieldSpec all[] = {partner,       partners,           member_state,      member_states, funding,
                             funding_scale, max_identification, lag_months,        ramp_years,    protection_share,
                             permit_months, exploitation_share, fields::assumption};
}  // namespace f

std::shared_ptr<const PolicyConfig> parse(MapReader& params, const Scenario& sc) {
  auto config = std::make_shared<Config>();
  config->partners = read_nodes(params, f::partner, f::partners, sc, {Role::Origin});
  config->member_states = read_nodes(params, f::member_state, f::member_states, sc, {Role::MemberState});
  config->funding = params.number(f::funding, 0);
  config->funding_scale = read_mechanism(params, f::funding_scale, config->funding_scale);
  if (params.has(f::max_identification))
    config->max_identification = read_mechanism(params, f::max_identification, config->identification_gain).fixed;
  config->lag_months = params.number(f::lag_months, 12);
  config->ramp_years = params.number(f::ramp_years, 2);
  config->protection_share = params.number(f::protection_share, sc.model.victim_protection);
  config->permit_months = params.number(f::permit_months, sc.model.victim_permit_months);
  config->sets_exploitation = params.has(f::exploitation_share);
  config->exploitation_share = params.number(f::exploitation_share, 0);
  config->start = params.month("from", sc.calendar.start);
  return config;
}

}  // namespace

PolicyModule anti_trafficking_module() {
  return {"anti_trafficking", &parse,
          R"(name: anti_trafficking
funding_per_year: 2000000
lag_months: 0
ramp_years: 0
exploitation_share: 0.3
protection_share: 0.6)",
          f::all};
}

}  // namespace migflow

// labour_market_openness: work-permit quotas that a Member State opens to a partner
// country (a Member State competence), with circular-migration rules at expiry.
// See README.md beside this file.
#include <cmath>

#include "loader/fields.hpp"

#include "policies/block_fields.hpp"
#include "policies/registry.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace migflow {

namespace {

struct QuotaSpec {
  NodeId member_state, partner;
  YearSeries per_year;  // persons a year, each figure held from its year on (held_at)
  // Announced places become permits at the partner's quota_fill (a parameter with a
  // prior from the take-up of quota systems, docs/policies.md); issued ones (permits
  // counted by Eurostat, as the baselines' national schemes) are permits already.
  bool announced;
  std::uint8_t skill_mask;
  double permit_months, renewal, return_home;
  std::string label;
};

struct Config : PolicyConfig {
  std::vector<QuotaSpec> quotas;
  std::unique_ptr<Policy> instantiate(const World& world) const override;
};

class LabourMarketOpenness : public Policy {
 public:
  LabourMarketOpenness(const Config& c, const World& w) : config_(c), world_(w) {}

  void declare(SeriesGroup& out) override {
    std::vector<std::string> labels;
    for (const QuotaSpec& q : config_.quotas) labels.push_back(q.label);
    out.dimension("quota", labels);
    capacity_ = out.declare("capacity", {"quota"}, "persons", "work permits available this step");
    requests_ = out.declare("requests", {"quota"}, "persons", "applications for a work permit this step");
    granted_ = out.declare("granted", {"quota"}, "persons", "work permits granted to applicants this step");
    recruited_ = out.declare("recruited", {"quota"}, "persons",
                             "persons recruited at home for the places applicants left the step before");
  }

  void update(const StepContext& ctx, const StepCounts&, Environment& env) override {
    first_quota_ = static_cast<int>(env.quotas.size());
    for (const QuotaSpec& q : config_.quotas) {
      Quota quota;
      quota.origin = world_.origin_index(q.partner);
      quota.member_state = world_.member_state_index(q.member_state);
      quota.skill_mask = q.skill_mask;
      const double fill = q.announced ? env.params[quota.origin].quota_fill : 1.0;
      quota.per_step = ctx.per_step_share(q.per_year.held_at(ctx.year) * fill);
      quota.permit_months = q.permit_months;
      quota.renewal = q.renewal;
      quota.return_home = q.return_home;
      env.quotas.push_back(quota);
    }
  }

  void record(const StepContext&, bool active, const Environment& env, const StepCounts& now,
              SeriesGroup& out) const override {
    double* capacity = out.append_row(capacity_);
    double* requests = out.append_row(requests_);
    double* granted = out.append_row(granted_);
    double* recruited = out.append_row(recruited_);
    if (!active) return;
    for (size_t i = 0; i < config_.quotas.size(); ++i) {
      const size_t q = static_cast<size_t>(first_quota_) + i;
      const double ppa = world_.scenario().origins[world_.origin_index(config_.quotas[i].partner)].persons_per_agent;
      capacity[i] = env.quotas[q].per_step;
      requests[i] = static_cast<double>(now.quota_requests[q]) * ppa;
      granted[i] = static_cast<double>(now.quota_granted[q]) * ppa;
      recruited[i] = static_cast<double>(now.quota_recruited[q]) * ppa;
    }
  }

 private:
  const Config& config_;
  const World& world_;
  int first_quota_ = 0;  // where this policy's quotas start in env.quotas
  SeriesHandle capacity_, requests_, granted_, recruited_;
};

std::unique_ptr<Policy> Config::instantiate(const World& world) const {
  return std::make_unique<LabourMarketOpenness>(*this, world);
}

namespace f {
using namespace field;
using fields::member_state, fields::member_states, fields::partner, fields::partners;
constexpr FieldSpec per_year =
    required(of("per_year", K::YearNumbers, "permits per year, or {year: permits} held from each year on", 0, 1e9));
constexpr std::string_view kPlaces[] = {"issued", "announced"};
constexpr FieldSpec places =
    choice("places", kPlaces, "issued: per_year are permits (default); announced: places, filled at quota_fill");
constexpr FieldSpec skills = choices("skills", kSkillNames, "skill levels admitted (default all)");
constexpr FieldSpec permit_months = number("permit_months", 1, 600, "length of a permit (default: the model's)");
constexpr FieldSpec renewal = share("renewal", "share renewing at expiry");
constexpr FieldSpec return_home = share("return", "share going home at expiry (the rest overstay)");
constexpr FieldSpec quota[] = {member_state, member_states, partner,       partners, per_year,
                               places,       skills,        permit_months, renewal,  return_home};
constexpr FieldSpec quotas = list("quotas", quota, "work-permit quotas, one per (Member State, partner) named");
constexpr FieldSpec all[] = {quotas};
}  // namespace f

std::shared_ptr<const PolicyConfig> parse(MapReader& params, const Scenario& sc) {
  auto config = std::make_shared<Config>();
  const ModelParams& model = sc.model;
  const Tree* list = params.child(f::quotas);
  if (list && !list->is_list()) fail(*list, params.field(f::quotas), "expected a list of quotas");
  for (size_t i = 0; list && i < list->items.size(); ++i) {
    const Tree& item = *list->items[i];
    MapReader r(item, params.field("quotas[" + std::to_string(i) + "]"));
    // One quota per (Member State, partner) pair named; absent lists mean all of them.
    const auto member_states = read_nodes(r, f::member_state, f::member_states, sc, {Role::MemberState});
    const auto partners = read_nodes(r, f::partner, f::partners, sc, {Role::Origin});
    QuotaSpec q;
    q.per_year = read_yearly_figures(r, f::per_year);
    q.announced = r.choice(f::places, 0) == 1;
    q.skill_mask = 0;
    if (const Tree* skills = r.child(f::skills)) {
      if (!skills->is_list()) fail(*skills, r.field("skills"), "expected a list such as [low, medium, high]");
      for (const auto& s : skills->items) {
        const std::string name = scalar_string(*s, r.field("skills"));
        int k = 0;
        while (k < kSkillCount && kSkillNames[k] != name) ++k;
        if (k == kSkillCount) fail(*s, r.field("skills"), "unknown skill '" + name + "' (expected low, medium, high)");
        q.skill_mask |= static_cast<std::uint8_t>(1u << k);
      }
    } else {
      q.skill_mask = 0b111;
    }
    q.permit_months = r.number(f::permit_months, model.permit_months);
    q.renewal = r.number(f::renewal, model.permit_renewal);
    // By default, those who neither renew nor overstay go home, as for any permit.
    q.return_home = r.number(f::return_home, (1 - q.renewal) * (1 - model.overstay));
    if (q.renewal + q.return_home > 1 + 1e-12)
      fail(item, r.field("return"), "renewal + return must not exceed 1 (the rest overstay)");
    r.finish();
    for (NodeId ms : member_states)
      for (NodeId partner : partners) {
        q.member_state = ms;
        q.partner = partner;
        q.label = sc.nodes[ms].id + "<-" + sc.nodes[partner].id;
        if (q.skill_mask != 0b111)
          for (int k = 0, first = 1; k < kSkillCount; ++k)
            if (q.skill_mask & (1u << k)) {
              q.label += first-- > 0 ? ':' : '+';
              q.label += kSkillNames[k];
            }
        for (const QuotaSpec& other : config->quotas)
          if (other.member_state == ms && other.partner == partner && (other.skill_mask & q.skill_mask))
            fail(item, r.field("skills"), "overlaps an earlier quota for " + q.label);
        config->quotas.push_back(q);
      }
  }
  return config;
}

}  // namespace

PolicyModule labour_market_openness_module() {
  return {"labour_market_openness", &parse,
          R"(name: labour_market_openness
quotas:
  - {member_state: DEU, partner: MDA, per_year: 1200, skills: [medium, high], permit_months: 12, renewal: 0.2, return: 0.7})",
          f::all};
}

}  // namespace migflow

// protection_resettlement: durable solutions for refugees, the partnerships' protection
// instruments. Two parts, either optional:
//  - a protection route for the partners' own nationals, joined to the model's asylum
//    channel: the share of first decisions in the Member States that grant protection,
//    and the permit that protection brings;
//  - resettlement programmes: Member States take refugees hosted in a partner or
//    transit country (e.g. Syrians in Jordan) each year, with local integration in the
//    host and voluntary return as the other durable solutions.
// Hosted refugees are not agents (they are not the partners' nationals): each programme
// keeps their stock as an aggregate, moved by expected flows, so it is the same in every
// replicate and does not feed back on the agents. See README.md and docs/policies.md.
#include <algorithm>
#include <cmath>

#include "loader/fields.hpp"
#include "output/binary.hpp"

#include "policies/block_fields.hpp"
#include "policies/registry.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace migflow {

namespace {

struct Programme {
  std::string label;                  // "<host>" or the block's `name`
  NodeId host = 0;                    // where the refugees are hosted
  YearSeries refugees;                // hosted refugees, persons (UNHCR end-year stocks)
  std::vector<NodeId> member_states;  // the resettling states
  YearSeries per_year;                // resettlement places per Member State, held from each year
  double local_integration = 0;       // share of the hosted reaching local integration, per year
  double return_rate = 0;             // share of the hosted returning home, per year
};

struct Config : PolicyConfig {
  std::vector<NodeId> partners;  // the protection route covers their nationals
  double recognition = -1;       // share of first decisions granting protection; < 0: the model's
  double permit_months = -1;     // permit protection brings; < 0: the model's
  std::vector<Programme> programmes;
  std::unique_ptr<Policy> instantiate(const World& world) const override;
};

// Share of a stock that leaves in a step at `per_year` (a yearly share, compounded).
double step_share(double per_year, double months) { return 1.0 - std::pow(1.0 - per_year, months / 12.0); }

class ProtectionResettlement : public Policy {
 public:
  ProtectionResettlement(const Config& c, const World& w) : config_(c), world_(w), hosted_(c.programmes.size(), -1.0) {}

  void declare(SeriesGroup& out) override {
    std::vector<std::string> programmes, places;
    for (const Programme& p : config_.programmes) {
      programmes.push_back(p.label);
      for (NodeId m : p.member_states) places.push_back(world_.scenario().nodes[m].id + "<-" + p.label);
    }
    out.dimension("origin", origin_ids(world_));
    recognition_ = out.declare("recognition", {"origin"}, "1", "share of first asylum decisions granting protection");
    protected_ = out.declare("granted_protection", {"origin"}, "persons",
                             "the partners' nationals granted protection in the Member States this step");
    if (config_.programmes.empty()) return;
    out.dimension("programme", programmes);
    out.dimension("place", places);
    hosted_series_ = out.declare("hosted", {"programme"}, "persons", "refugees hosted at the end of the step");
    arrived_ =
        out.declare("arrived", {"programme"}, "persons", "new refugees in the host this step (the data's growth)");
    resettled_ = out.declare("resettled", {"place"}, "persons", "refugees resettled to the Member State this step");
    integrated_ = out.declare("integrated_locally", {"programme"}, "persons",
                              "refugees reaching local integration in the host this step");
    returned_ = out.declare("returned", {"programme"}, "persons", "refugees returning home this step");
  }

  void update(const StepContext& ctx, const StepCounts&, Environment& env) override {
    for (NodeId p : config_.partners) {
      const int o = world_.origin_index(p);
      if (config_.recognition >= 0) env.asylum_recognition[o] = config_.recognition;
    }
    if (config_.permit_months > 0) env.protection_permit_months = config_.permit_months;
    flows_.assign(config_.programmes.size(), {});
    for (size_t i = 0; i < config_.programmes.size(); ++i) {
      const Programme& p = config_.programmes[i];
      // ctx.year is the middle of the step: the data are read at its start and end.
      const double start = ctx.year - ctx.months / 24.0, end = ctx.year + ctx.months / 24.0;
      Flows& f = flows_[i];
      if (hosted_[i] < 0) hosted_[i] = p.refugees.at(start);  // the programme's first step
      // New arrivals: the growth of the hosted stock in the data during the step (net of
      // the few who left then, so a slight underestimate of arrivals).
      f.arrived = std::max(0.0, p.refugees.at(end) - p.refugees.at(start));
      double left = hosted_[i] + f.arrived;
      for (size_t k = 0; k < p.member_states.size(); ++k) {
        const double places = std::min(left, ctx.per_step_share(p.per_year.held_at(ctx.year)));
        f.resettled.push_back(places);
        left -= places;
      }
      f.integrated = left * step_share(p.local_integration, ctx.months);
      f.returned = (left - f.integrated) * step_share(p.return_rate, ctx.months);
      hosted_[i] = left - f.integrated - f.returned;
    }
  }

  void record(const StepContext&, bool active, const Environment& env, const StepCounts& now,
              SeriesGroup& out) const override {
    double* recognition = out.append_row(recognition_);
    double* granted = out.append_row(protected_);
    for (int o = 0; o < world_.origin_count(); ++o) {
      recognition[o] = env.asylum_recognition[o];
      if (!active) continue;
      const double ppa = world_.scenario().origins[o].persons_per_agent;
      for (int m = 0; m < env.member_states; ++m)
        granted[o] +=
            now.asylum_decisions[now.od(o, m) * kDecisionCount + static_cast<int>(Decision::Recognised)] * ppa;
    }
    if (config_.programmes.empty()) return;
    double* hosted = out.append_row(hosted_series_);
    double* arrived = out.append_row(arrived_);
    double* resettled = out.append_row(resettled_);
    double* integrated = out.append_row(integrated_);
    double* returned = out.append_row(returned_);
    for (size_t i = 0, place = 0; i < config_.programmes.size(); ++i) {
      const size_t n = config_.programmes[i].member_states.size();
      if (!active || flows_.size() <= i) {
        place += n;
        continue;
      }
      const Flows& f = flows_[i];
      hosted[i] = hosted_[i];
      arrived[i] = f.arrived;
      integrated[i] = f.integrated;
      returned[i] = f.returned;
      for (size_t k = 0; k < n; ++k) resettled[place++] = f.resettled[k];
    }
  }

  // The hosted stocks carry over from step to step.
  void save(BinaryWriter& out) const override { out.put_vector(hosted_); }
  void restore(BinaryReader& in) override {
    std::vector<double> hosted = in.get_vector<double>();
    if (hosted.size() != hosted_.size()) throw CorruptData("protection_resettlement: wrong number of programmes");
    hosted_ = std::move(hosted);
  }

 private:
  struct Flows {
    double arrived = 0, integrated = 0, returned = 0;
    std::vector<double> resettled;  // per resettling Member State
  };
  const Config& config_;
  const World& world_;
  std::vector<double> hosted_;  // per programme; < 0 before its first step
  std::vector<Flows> flows_;    // this step's, for record()
  SeriesHandle recognition_, protected_, hosted_series_, arrived_, resettled_, integrated_, returned_;
};

std::unique_ptr<Policy> Config::instantiate(const World& world) const {
  return std::make_unique<ProtectionResettlement>(*this, world);
}

namespace f {
using namespace field;
using fields::member_state, fields::member_states, fields::partner, fields::partners;
constexpr FieldSpec recognition =
    share("recognition", "share of first asylum decisions granting protection to the partners' nationals");
constexpr FieldSpec permit_months = number("permit_months", 1, 600, "months of the permit protection brings");
constexpr FieldSpec host = required(node_id("host", "the partner or transit country hosting the refugees"));
constexpr FieldSpec refugees =
    required(of("refugees", K::YearSeries, "refugees hosted, persons (or {year: persons}, e.g. UNHCR)", 0, 2e9));
constexpr FieldSpec per_year =
    required(of("per_year", K::YearNumbers, "resettlement places per Member State a year (or {year: places})", 0, 1e8));
constexpr FieldSpec local_integration = share("local_integration", "share of the hosted integrated locally a year");
constexpr FieldSpec return_rate = share("return", "share of the hosted returning home a year");
constexpr FieldSpec name = text("name", "label of the programme in the output (default: the host)");
constexpr FieldSpec programme[] = {host,     refugees,          member_state, member_states,
                                   per_year, local_integration, return_rate,  name};
constexpr FieldSpec resettlement = list("resettlement", programme, "resettlement programmes from a host country");
constexpr FieldSpec all[] = {partner, partners, recognition, permit_months, resettlement};
}  // namespace f

std::shared_ptr<const PolicyConfig> parse(MapReader& params, const Scenario& sc) {
  auto config = std::make_shared<Config>();
  config->partners = read_nodes(params, f::partner, f::partners, sc, {Role::Origin});
  if (params.has(f::recognition)) config->recognition = params.number(f::recognition, 0);
  if (params.has(f::permit_months)) config->permit_months = params.number(f::permit_months, 0);
  const Tree* list = params.child(f::resettlement);
  if (list && !list->is_list()) fail(*list, params.field(f::resettlement), "expected a list of programmes");
  for (size_t i = 0; list && i < list->items.size(); ++i) {
    MapReader r(*list->items[i], params.field("resettlement[" + std::to_string(i) + "]"));
    Programme p;
    // Hosts are outside the EU: a partner (origin) or a transit country.
    p.host = read_node(r, f::host, sc, {Role::Origin, Role::Transit});
    p.label = r.string(f::name, sc.nodes[p.host].id);
    p.refugees = read_year_series(r.required_child(f::refugees), r.field(f::refugees), f::refugees.lo, f::refugees.hi);
    p.member_states = read_nodes(r, f::member_state, f::member_states, sc, {Role::MemberState});
    p.per_year = read_year_series(r.required_child(f::per_year), r.field(f::per_year), f::per_year.lo, f::per_year.hi);
    // Defaults, docs/policies.md: no published rate of local integration for the region's
    // hosts; returns: UNHCR's refugee returns of Syrians from Jordan, 2017-2024, were 0.5%
    // to 4.5% of those hosted a year, median about 0.9%.
    p.local_integration = r.number(f::local_integration, 0.02);
    p.return_rate = r.number(f::return_rate, 0.01);
    r.finish();
    for (const Programme& other : config->programmes)
      if (other.label == p.label)
        fail(*list->items[i], r.field(f::name), "two programmes are labelled '" + p.label + "': give each a name");
    config->programmes.push_back(std::move(p));
  }
  return config;
}

}  // namespace

PolicyModule protection_resettlement_module() {
  return {"protection_resettlement", &parse,
          R"(name: protection_resettlement
partner: MDA
recognition: 0.5
resettlement:
  - {host: UKR, refugees: {2008: 10000, 2012: 30000}, member_states: [DEU, ITA], per_year: 600})",
          f::all};
}

}  // namespace migflow

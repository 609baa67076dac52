// remittances: the cost of sending money home, lowered over time (e.g. the G20 and SDG
// 10.c target of 3%). The flows themselves are part of the model (model.remittance_share);
// this module sets the transfer cost per partner and records what it saves households.
// See README.md.
#include <algorithm>

#include "loader/fields.hpp"

#include "policies/block_fields.hpp"
#include "policies/registry.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace migflow {

namespace {

struct Config : PolicyConfig {
  std::vector<NodeId> partners;  // origins whose corridors the policy covers
  double cost_start = 0.10, cost_target = 0.03;
  YearMonth start, target;  // the cost moves linearly from start to target date
  std::unique_ptr<Policy> instantiate(const World& world) const override;
};

class Remittances : public Policy {
 public:
  Remittances(const Config& c, const World& w) : config_(c), world_(w) {}

  void declare(SeriesGroup& out) override {
    out.dimension("origin", origin_ids(world_));
    cost_ = out.declare("cost", {"origin"}, "1", "share of a transfer lost to fees");
    fees_saved_ = out.declare("fees_saved", {"origin"}, "PPP dollars",
                              "fees households did not pay this step, compared with the model's baseline cost");
  }

  double cost(int step) const {
    const int now = world_.scenario().calendar.date(step).index();
    const int a = config_.start.index(), b = config_.target.index();
    const double w = b > a ? std::clamp((now - a) / static_cast<double>(b - a), 0.0, 1.0) : 1.0;
    return config_.cost_start + w * (config_.cost_target - config_.cost_start);
  }

  void update(const StepContext& ctx, const StepCounts&, Environment& env) override {
    for (NodeId p : config_.partners) {
      const int o = world_.origin_index(p);
      // Transfers from the Member States: the EU's side of the corridors.
      for (int m = 0; m < env.member_states; ++m) env.remittance_cost[env.od(o, m)] = cost(ctx.step);
    }
  }

  void record(const StepContext&, bool active, const Environment& env, const StepCounts& now,
              SeriesGroup& out) const override {
    double* cost_row = out.append_row(cost_);
    double* saved = out.append_row(fees_saved_);
    const double baseline = world_.scenario().model.remittance_cost;
    // Received = sent * (1 - cost), so sent = received / (1 - cost); what a baseline
    // cost would have taken from the same sending is sent * (baseline - cost).
    const auto& received = now.remittances;
    for (int o = 0; o < world_.origin_count(); ++o) {
      const double c = env.remittance_cost[env.od(o, 0)];
      cost_row[o] = c;
      if (!active) continue;
      for (int m = 0; m < env.member_states; ++m) {
        const double cm = env.remittance_cost[env.od(o, m)];
        saved[o] += cm < 1 ? received[env.od(o, m)] / (1 - cm) * (baseline - cm) : 0.0;
      }
    }
  }

 private:
  const Config& config_;
  const World& world_;
  SeriesHandle cost_, fees_saved_;
};

std::unique_ptr<Policy> Config::instantiate(const World& world) const {
  return std::make_unique<Remittances>(*this, world);
}

namespace f {
using namespace field;
using fields::member_state, fields::member_states, fields::partner, fields::partners;
constexpr FieldSpec cost_start = share("cost_start", "share of a transfer lost to fees at the start");
constexpr FieldSpec cost_target = share("cost_target", "the target share (default 0.03)");
constexpr FieldSpec target_date = month("target_date", "when the target is reached (or years_to_target)");
constexpr FieldSpec years_to_target = integer("years_to_target", 0, 100, "years from `from` to the target");
constexpr FieldSpec all[] = {partner, partners, cost_start, cost_target, target_date, years_to_target};
}  // namespace f

std::shared_ptr<const PolicyConfig> parse(MapReader& params, const Scenario& sc) {
  auto config = std::make_shared<Config>();
  config->partners = read_nodes(params, f::partner, f::partners, sc, {Role::Origin});
  config->cost_start = params.number(f::cost_start, sc.model.remittance_cost);
  config->cost_target = params.number(f::cost_target, 0.03);
  config->start = params.month("from", sc.calendar.start);
  // The target is reached at an absolute date, or a number of years after `from`.
  if (params.has(f::target_date) && params.has(f::years_to_target))
    fail(params.tree(), params.field(f::years_to_target), "give target_date or years_to_target, not both");
  const int years = static_cast<int>(params.integer(f::years_to_target, 0));
  config->target = params.month(f::target_date, YearMonth::from_index(config->start.index() + 12 * years));
  if (config->target.index() < config->start.index())
    fail(*params.tree().find(f::target_date), params.field(f::target_date), "target_date is before from");
  return config;
}

}  // namespace

PolicyModule remittances_module() {
  return {"remittances", &parse,
          R"(name: remittances
cost_start: 0.10
cost_target: 0.03
years_to_target: 2)",
          f::all};
}

}  // namespace migflow

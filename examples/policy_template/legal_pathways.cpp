// legal_pathways: the worked example of a policy module (README.md beside this file).
// Member States open legal routes (family, study and work visas outside quotas) to a
// partner's nationals: the share of movers with a legal route, the Environment's
// legal_access, is raised to `legal_access` for each (Member State, partner) pair.
#include "examples/policy_template/legal_pathways.hpp"

#include "policies/block_fields.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace migflow::example {

namespace {

// 1. The block's parameters, parsed and validated once, when the scenario is loaded.
struct Config : PolicyConfig {
  std::vector<NodeId> member_states, partners;
  double legal_access = 0;
  std::unique_ptr<Policy> instantiate(const World& world) const override;
};

// 2. The policy of one replicate: what it changes each step, and what it records.
class LegalPathways : public Policy {
 public:
  LegalPathways(const Config& c, const World& w) : config_(c), world_(w) {}

  void declare(SeriesGroup& out) override {
    std::vector<std::string> partners, member_states;
    for (NodeId p : config_.partners) partners.push_back(world_.scenario().nodes[p].id);
    for (NodeId m : config_.member_states) member_states.push_back(world_.scenario().nodes[m].id);
    out.dimension("partner", partners);
    out.dimension("member_state", member_states);
    legal_access_ = out.declare("legal_access", {"partner", "member_state"}, "1",
                                "share of movers with a legal route besides quotas");
  }

  void update(const StepContext&, const StepCounts&, Environment& env) override {
    for (NodeId p : config_.partners)
      for (NodeId m : config_.member_states) env.legal_access[cell(env, p, m)] = config_.legal_access;
  }

  void record(const StepContext&, bool, const Environment& env, const StepCounts&, SeriesGroup& out) const override {
    double* row = out.append_row(legal_access_);
    for (NodeId p : config_.partners)
      for (NodeId m : config_.member_states) *row++ = env.legal_access[cell(env, p, m)];
  }

 private:
  int cell(const Environment& env, NodeId partner, NodeId member_state) const {
    return env.od(world_.origin_index(partner), world_.member_state_index(member_state));
  }

  const Config& config_;
  const World& world_;
  SeriesHandle legal_access_;
};

std::unique_ptr<Policy> Config::instantiate(const World& world) const {
  return std::make_unique<LegalPathways>(*this, world);
}

// 3. The parser: scenario block -> Config. Errors name file, line and field.
std::shared_ptr<const PolicyConfig> parse(MapReader& block, const Scenario& sc) {
  auto config = std::make_shared<Config>();
  config->member_states = read_nodes(block, "member_state", "member_states", sc, {Role::MemberState});
  config->partners = read_nodes(block, "partner", "partners", sc, {Role::Origin});
  if (!block.has("legal_access")) fail(block.tree(), block.field("legal_access"), "required field is missing");
  config->legal_access = block.probability("legal_access", 0);
  return config;
}

}  // namespace

// 4. The module: its name in scenarios, its parser, and a block for the tests.
PolicyModule legal_pathways_module() {
  return {"legal_pathways", &parse, "name: legal_pathways\nmember_states: [DEU, ITA]\nlegal_access: 0.6"};
}

}  // namespace migflow::example

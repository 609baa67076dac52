// The one place that lists the built-in policy modules. Adding a module: write its
// folder, then add its describe function here (explicit, so a static library cannot
// silently drop a self-registering module).
#include "policies/registry.hpp"

#include <stdexcept>

namespace migflow {

PolicyModule labour_market_openness_module();
PolicyModule readmission_module();
PolicyModule border_capacity_module();
PolicyModule remittances_module();
PolicyModule visa_regime_module();
PolicyModule protection_resettlement_module();
PolicyModule information_campaign_module();
PolicyModule development_aid_module();
PolicyModule diaspora_engagement_module();
PolicyModule anti_trafficking_module();

const PolicyRegistry& builtin_policies() {
  static const PolicyRegistry registry({
      labour_market_openness_module(),
      readmission_module(),
      border_capacity_module(),
      remittances_module(),
      visa_regime_module(),
      protection_resettlement_module(),
      information_campaign_module(),
      development_aid_module(),
      diaspora_engagement_module(),
      anti_trafficking_module(),
  });
  return registry;
}

PolicyRegistry::PolicyRegistry(std::vector<PolicyModule> modules) {
  for (PolicyModule& m : modules) add(std::move(m));
}

void PolicyRegistry::add(PolicyModule module) {
  if (find(module.name)) throw std::logic_error("two policy modules named '" + module.name + "'");
  modules_.push_back(std::move(module));
}

const PolicyParser* PolicyRegistry::find(std::string_view name) const {
  for (const PolicyModule& m : modules_)
    if (m.name == name) return &m.parse;
  return nullptr;
}

std::span<const FieldSpec> PolicyRegistry::fields(std::string_view name) const {
  for (const PolicyModule& m : modules_)
    if (m.name == name) return m.fields;
  return {};
}

std::vector<std::string> PolicyRegistry::names() const {
  std::vector<std::string> out;
  for (const PolicyModule& m : modules_) out.push_back(m.name);
  return out;
}

}  // namespace migflow

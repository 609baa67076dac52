// The one place that lists the built-in policy modules. Adding a module: write its
// folder, then add its describe function here (explicit, so a static library cannot
// silently drop a self-registering module).
#include "policies/policy.hpp"

namespace migflow {

PolicyModule labour_market_openness_module();
PolicyModule readmission_module();
PolicyModule border_capacity_module();
PolicyModule remittances_module();

const std::vector<PolicyModule>& policy_modules() {
  static const std::vector<PolicyModule> modules = {
      labour_market_openness_module(),
      readmission_module(),
      border_capacity_module(),
      remittances_module(),
  };
  return modules;
}

const PolicyModule& find_policy_module(const std::string& name, const Tree& where, const std::string& field) {
  for (const PolicyModule& m : policy_modules())
    if (m.name == name) return m;
  std::string known;
  for (const PolicyModule& m : policy_modules()) known += (known.empty() ? "" : ", ") + std::string(m.name);
  fail(where, field, "unknown policy '" + name + "' (known policies: " + known + ")");
}

}  // namespace migflow

// The one place that lists the built-in policy modules. Adding a module: write its
// folder, then add its describe function here (explicit, so a static library cannot
// silently drop a self-registering module).
#include "policies/policy.hpp"

namespace migflow {

const std::vector<PolicyModule>& policy_modules() {
  static const std::vector<PolicyModule> modules = {};
  return modules;
}

const PolicyModule& find_policy_module(const std::string& name, const Tree& where, const std::string& field) {
  for (const PolicyModule& m : policy_modules())
    if (m.name == name) return m;
  std::string known;
  for (const PolicyModule& m : policy_modules()) known += (known.empty() ? "" : ", ") + std::string(m.name);
  fail(where, field, "unknown policy '" + name + "' (known policies: " + (known.empty() ? "none" : known) + ")");
}

}  // namespace migflow

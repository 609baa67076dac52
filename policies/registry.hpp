// The policy modules a scenario can name. A module is a name, the parser of its blocks
// and an example block; the registry is the catalog the loader is handed
// (loader/policy_catalog.hpp), so the application decides which modules exist.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "loader/policy_catalog.hpp"

namespace migflow {

struct PolicyModule {
  std::string name;
  PolicyParser parse;
  // A block that acts on tests/data/small.yaml's world (MDA; ROU, ITA, DEU); the
  // registry-wide tests run every module with it.
  std::string example;
  // Its blocks' fields as its parser reads them (loader/fields.hpp), for `migflow schema`.
  std::span<const FieldSpec> fields{};
};

class PolicyRegistry final : public PolicyCatalog {
 public:
  PolicyRegistry() = default;
  explicit PolicyRegistry(std::vector<PolicyModule> modules);
  // Adds a module (e.g. one of a researcher's own); throws std::logic_error when a
  // module of that name is registered already.
  void add(PolicyModule module);
  const std::vector<PolicyModule>& modules() const { return modules_; }

  const PolicyParser* find(std::string_view name) const override;
  std::vector<std::string> names() const override;
  std::span<const FieldSpec> fields(std::string_view name) const override;

 private:
  std::vector<PolicyModule> modules_;
};

// Every built-in module (policies/<name>/), registered explicitly in registry.cpp.
const PolicyRegistry& builtin_policies();

}  // namespace migflow

// The policy modules a scenario may name, as the loader sees them. The loader knows no
// module: the application hands it a catalog (the module registry, policies/registry.hpp),
// and the loader asks it for the parser of each `policies:` block's `name`.
#pragma once
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loader/map_reader.hpp"
#include "model/scenario.hpp"

namespace migflow {

// Parses one policy block into the module's typed, validated parameters. `block` has
// `name`, `id`, `from` and `until` already read; the loader calls block.finish() after,
// so unknown fields are rejected. Throws InputError naming file, line and field.
using PolicyParser = std::function<std::shared_ptr<const PolicyConfig>(MapReader& block, const Scenario& scenario)>;

class PolicyCatalog {
 public:
  virtual ~PolicyCatalog() = default;
  // The parser of module `name`; null when there is no such module.
  virtual const PolicyParser* find(std::string_view name) const = 0;
  // Every module's name, in the order an error message lists them.
  virtual std::vector<std::string> names() const = 0;
  // The fields of module `name`'s blocks besides name, id, from and until, as its parser
  // reads them (`migflow schema` describes them); empty when the module does not say.
  virtual std::span<const FieldSpec> fields(std::string_view /*name*/) const { return {}; }
};

}  // namespace migflow

// Scenario files: YAML (with `extends:`) plus the CSV tables they reference, read into
// a validated Scenario. Every error is an InputError naming file, line and field.
#pragma once
#include <string>

#include "loader/policy_catalog.hpp"
#include "loader/yaml_tree.hpp"
#include "model/scenario.hpp"

namespace migflow {

// Reads `path`, follows `extends:` (bases by path, or by name in `library`:
// loader/extends.hpp), reads referenced CSV files, validates everything; `policies:`
// blocks are parsed by the modules of `policies`. Throws InputError.
Scenario load_scenario(const std::string& path, const PolicyCatalog& policies, const std::string& library = "");

// The same from an already-merged tree (tests and the fuzzer use it with in-memory YAML).
Scenario build_scenario(const TreePtr& merged, const std::string& file, const PolicyCatalog& policies);

}  // namespace migflow

// `migflow schema`: the JSON Schema (draft-07) of scenario files, generated from the
// tables the loader reads with (loader/scenario_fields.hpp, the model parameters, each
// policy module's fields), so that an editor with a YAML language server checks a
// scenario while it is typed. It checks what a field can be on its own: keys, types,
// ranges, choices, months, required fields. What needs the whole scenario (node ids
// that exist, shares that sum to 1, one of agents or persons_per_agent) the loader
// checks. A file with `extends:`, or without `calendar:` or `population:` (a world, a
// calibration), may leave required fields to the files it is merged with.
#pragma once
#include <string>

#include "loader/policy_catalog.hpp"

namespace migflow {

std::string scenario_json_schema(const PolicyCatalog& policies);

}  // namespace migflow

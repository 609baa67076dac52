// A user's explicit overrides of a scenario: `migflow ... --set KEY=VALUE` and the Python
// package's keyword fields (`migflow.run("georgia/baseline", model={...})`). They merge
// over the scenario as a file extending it would (merge_trees), with one precedence
// more. A per-origin model parameter they set, for every origin (top-level `model:`) or
// for one (its `population:` entry's `model:`), is that origin's value in every
// replicate: it beats the origin's own value (from its calibration) and its posterior
// draws, since the parameter leaves the origin's posterior sample (docs/calibration.md,
// "Runs use the posterior"). Without this, a calibrated origin would silently keep its
// posterior values and the user's would change nothing.
#pragma once
#include <string>
#include <vector>

#include "loader/yaml_tree.hpp"

namespace migflow {

// `KEY=VALUE` items as one tree: KEY a path of map keys joined by dots
// ("model.emigration_rate"), VALUE YAML ("0.001", "[a, b]", "{origin: GEO}"; "~" removes
// the key). Later items merge over earlier ones. Throws InputError naming `source` (the
// option, e.g. "--set") and the item.
TreePtr overrides_tree(const std::vector<std::string>& items, const std::string& source);

// `scenario` (a merged tree) with `overrides` over it, with the precedence above.
TreePtr apply_overrides(const TreePtr& scenario, const TreePtr& overrides);

}  // namespace migflow

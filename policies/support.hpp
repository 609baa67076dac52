// Helpers every policy parser uses: node references by role, edge references,
// step conversions. Errors name file, line and field like the rest of the loader.
#pragma once
#include <string>
#include <vector>

#include "scenarios/loader.hpp"
#include "sim/world.hpp"

namespace migflow {

// Nodes given as `singular: X` or `plural: [X, Y]`, each with one of `roles`; when both
// keys are absent, every node with the first role (e.g. every origin). When `roles` is
// just {Origin}, each must also have a population block.
std::vector<NodeId> read_nodes(MapReader& r, const std::string& singular, const std::string& plural,
                               const Scenario& sc, std::vector<Role> roles);
// Edges named "FROM->TO" (a string or a list of them), or the word `external`: every
// land and sea edge across the EU's external border.
std::vector<EdgeId> read_edges(MapReader& r, const std::string& key, const Scenario& sc);

// A per-year amount spread over steps so that whole persons add up exactly over any
// run of steps: step s gets floor((s+1) * a) - floor(s * a), a = per_year * months / 12.
double per_step_share(double per_year, double months, int step);

}  // namespace migflow

// Helpers every policy parser uses: node references by role, edge references,
// step conversions. Errors name file, line and field like the rest of the loader.
#pragma once
#include <string>
#include <vector>

#include "scenarios/loader.hpp"
#include "sim/world.hpp"

namespace migflow {

// The node named by `key` in `r`, which must have `role`; returns its NodeId.
NodeId read_node(MapReader& r, const std::string& key, const Scenario& sc, Role role);
// A list of node ids (or a single one) with `role`; absent key: every node with the role.
std::vector<NodeId> read_nodes(MapReader& r, const std::string& key, const Scenario& sc, Role role);
// Edges named "FROM->TO" (a string or a list of them).
std::vector<EdgeId> read_edges(MapReader& r, const std::string& key, const Scenario& sc);

// Labels for output dimensions.
std::string node_label(const Scenario& sc, NodeId n);
std::string edge_label(const Scenario& sc, EdgeId e);

// A per-year amount spread over steps so that whole persons add up exactly over any
// run of steps: step s gets floor((s+1) * a) - floor(s * a), a = per_year * months / 12.
double per_step_share(double per_year, double months, int step);

}  // namespace migflow

// Fields that many policy blocks share: lists of nodes by role, and lists of edges.
// Errors name file, line and field like the rest of the loader.
#pragma once
#include <string>
#include <vector>

#include "loader/map_reader.hpp"
#include "model/scenario.hpp"

namespace migflow {

// Nodes given as `singular: X` or `plural: [X, Y]`, each with one of `roles`; when both
// keys are absent, every node with the first role (e.g. every origin). When `roles` is
// just {Origin}, each must also have a population block.
std::vector<NodeId> read_nodes(MapReader& r, const std::string& singular, const std::string& plural, const Scenario& sc,
                               std::vector<Role> roles);
// Edges named "FROM->TO" (a string or a list of them), or the word `external`: every
// land and sea edge across the EU's external border.
std::vector<EdgeId> read_edges(MapReader& r, const std::string& key, const Scenario& sc);

}  // namespace migflow

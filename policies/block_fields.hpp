// Fields that many policy blocks share: lists of nodes by role, and lists of edges.
// Errors name file, line and field like the rest of the loader.
#pragma once
#include <string>
#include <vector>

#include "loader/fields.hpp"
#include "loader/map_reader.hpp"
#include "model/scenario.hpp"

namespace migflow {

// The node-list fields most blocks have (read_nodes reads them in pairs).
namespace fields {
inline constexpr FieldSpec partner = field::node_id("partner", "one partner (or give partners)");
inline constexpr FieldSpec partners = field::node_ids("partners", "the partners it covers (default: every origin)");
inline constexpr FieldSpec member_state = field::node_id("member_state", "one Member State (or give member_states)");
inline constexpr FieldSpec member_states =
    field::node_ids("member_states", "the Member States it covers (default: all)");
}  // namespace fields

// Nodes given as `singular: X` or `plural: [X, Y]`, each with one of `roles`; when both
// keys are absent, every node with the first role (e.g. every origin). When `roles` is
// just {Origin}, each must also have a population block.
std::vector<NodeId> read_nodes(MapReader& r, const std::string& singular, const std::string& plural, const Scenario& sc,
                               std::vector<Role> roles);
// The node of a required single-node field (e.g. a host country), with one of `roles`.
NodeId read_node(MapReader& r, const std::string& key, const Scenario& sc, std::vector<Role> roles);

// Edges named "FROM->TO" (a string or a list of them), or the word `external`: every
// land and sea edge across the EU's external border.
std::vector<EdgeId> read_edges(MapReader& r, const std::string& key, const Scenario& sc);

}  // namespace migflow

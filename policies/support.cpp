#include "policies/support.hpp"

#include <cmath>

namespace migflow {

static NodeId node_by_id(const Tree& at, const std::string& field, const Scenario& sc, Role role) {
  const std::string id = scalar_string(at, field);
  const int n = sc.node_index(id);
  if (n < 0) fail(at, field, "unknown node '" + id + "'");
  if (sc.nodes[n].role != role)
    fail(at, field, "node '" + id + "' is not a " + std::string(kRoleNames[static_cast<int>(role)]) + " (it is a " +
                        std::string(kRoleNames[static_cast<int>(sc.nodes[n].role)]) + ")");
  return static_cast<NodeId>(n);
}

NodeId read_node(MapReader& r, const std::string& key, const Scenario& sc, Role role) {
  return node_by_id(r.required_child(key), r.field(key), sc, role);
}

std::vector<NodeId> read_nodes(MapReader& r, const std::string& key, const Scenario& sc, Role role) {
  std::vector<NodeId> out;
  const Tree* node = r.child(key);
  if (!node) {
    for (size_t n = 0; n < sc.nodes.size(); ++n)
      if (sc.nodes[n].role == role) out.push_back(static_cast<NodeId>(n));
    return out;
  }
  if (node->is_list())
    for (size_t i = 0; i < node->items.size(); ++i)
      out.push_back(node_by_id(*node->items[i], r.field(key) + "[" + std::to_string(i) + "]", sc, role));
  else
    out.push_back(node_by_id(*node, r.field(key), sc, role));
  return out;
}

std::vector<EdgeId> read_edges(MapReader& r, const std::string& key, const Scenario& sc) {
  const Tree& node = r.required_child(key);
  std::vector<const Tree*> items;
  if (node.is_list())
    for (const auto& i : node.items) items.push_back(i.get());
  else
    items.push_back(&node);
  std::vector<EdgeId> out;
  for (const Tree* item : items) {
    const std::string label = scalar_string(*item, r.field(key));
    bool found = false;
    for (size_t e = 0; e < sc.edges.size(); ++e)
      if (edge_label(sc, static_cast<EdgeId>(e)) == label) {
        out.push_back(static_cast<EdgeId>(e));
        found = true;
      }
    if (!found) fail(*item, r.field(key), "unknown edge '" + label + "' (write edges as FROM->TO)");
  }
  if (out.empty()) fail(node, r.field(key), "no edges given");
  return out;
}

std::string node_label(const Scenario& sc, NodeId n) { return sc.nodes[n].id; }

std::string edge_label(const Scenario& sc, EdgeId e) {
  return sc.nodes[sc.edges[e].from].id + "->" + sc.nodes[sc.edges[e].to].id;
}

double per_step_share(double per_year, double months, int step) {
  const double a = per_year * months / 12.0;
  return std::floor((step + 1) * a) - std::floor(step * a);
}

}  // namespace migflow

#include "policies/block_fields.hpp"

#include <algorithm>

namespace migflow {

static NodeId node_by_id(const Tree& at, const std::string& field, const Scenario& sc, const std::vector<Role>& roles) {
  const std::string id = scalar_string(at, field);
  const int n = sc.node_index(id);
  if (n < 0) fail(at, field, "unknown node '" + id + "'");
  const Role role = sc.nodes[n].role;
  if (std::find(roles.begin(), roles.end(), role) == roles.end()) {
    std::string wanted;
    for (Role r : roles) wanted += (wanted.empty() ? "" : " or ") + std::string(kRoleNames[static_cast<int>(r)]);
    fail(at, field,
         "node '" + id + "' is a " + std::string(kRoleNames[static_cast<int>(role)]) + ", expected " + wanted);
  }
  // Where only origins are wanted, they are the simulated ones (quotas, remittances); a
  // readmission partner may be any country agents pass through, simulated or not.
  if (roles.size() == 1 && role == Role::Origin &&
      std::none_of(sc.origins.begin(), sc.origins.end(), [&](const OriginSpec& o) { return o.node == n; }))
    fail(at, field, "origin '" + id + "' has no population: block");
  return static_cast<NodeId>(n);
}

std::vector<NodeId> read_nodes(MapReader& r, const std::string& singular, const std::string& plural, const Scenario& sc,
                               std::vector<Role> roles) {
  if (r.has(singular) && r.has(plural))
    fail(r.tree(), r.field(plural), "give " + singular + " or " + plural + ", not both");
  std::vector<NodeId> out;
  if (const Tree* one = r.child(singular)) return {node_by_id(*one, r.field(singular), sc, roles)};
  if (const Tree* list = r.child(plural)) {
    if (!list->is_list()) fail(*list, r.field(plural), "expected a list of node ids");
    for (size_t i = 0; i < list->items.size(); ++i)
      out.push_back(node_by_id(*list->items[i], r.field(plural) + "[" + std::to_string(i) + "]", sc, roles));
    if (out.empty()) fail(*list, r.field(plural), "empty list");
    return out;
  }
  if (roles.front() == Role::Origin)
    for (const OriginSpec& o : sc.origins) out.push_back(o.node);
  else
    for (size_t n = 0; n < sc.nodes.size(); ++n)
      if (sc.nodes[n].role == roles.front()) out.push_back(static_cast<NodeId>(n));
  return out;
}

NodeId read_node(MapReader& r, const std::string& key, const Scenario& sc, std::vector<Role> roles) {
  return node_by_id(r.required_child(key), r.field(key), sc, roles);
}

std::vector<std::string> origin_ids(const World& world) {
  std::vector<std::string> out;
  for (int o = 0; o < world.origin_count(); ++o) out.push_back(world.scenario().nodes[world.origin_node(o)].id);
  return out;
}

int months_since(const Calendar& calendar, int step, const YearMonth& since) {
  return calendar.date(step).index() - since.index();
}

std::vector<EdgeId> read_edges(MapReader& r, const std::string& key, const Scenario& sc) {
  const Tree& node = r.required_child(key);
  std::vector<const Tree*> items;
  if (node.is_list())
    for (const auto& i : node.items) items.push_back(i.get());
  else
    items.push_back(&node);
  std::vector<EdgeId> out;
  if (node.is_scalar() && node.scalar == "external") {
    for (size_t e = 0; e < sc.edges.size(); ++e)
      if (sc.edges[e].external_border && sc.edges[e].mode != Mode::Air) out.push_back(static_cast<EdgeId>(e));
    if (out.empty()) fail(node, r.field(key), "the scenario has no land or sea edge across the external border");
    return out;
  }
  for (const Tree* item : items) {
    const std::string label = scalar_string(*item, r.field(key));
    bool found = false;
    for (size_t e = 0; e < sc.edges.size(); ++e)
      if (sc.edge_label(static_cast<EdgeId>(e)) == label) {
        out.push_back(static_cast<EdgeId>(e));
        found = true;
      }
    if (!found) fail(*item, r.field(key), "unknown edge '" + label + "' (write edges as FROM->TO)");
  }
  if (out.empty()) fail(node, r.field(key), "no edges given");
  return out;
}

}  // namespace migflow

// Fields that many policy blocks share: lists of nodes by role, and lists of edges.
// Errors name file, line and field like the rest of the loader.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "loader/fields.hpp"
#include "loader/map_reader.hpp"
#include "model/scenario.hpp"
#include "sim/world.hpp"

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
// Each item of the list field `f` (a list of maps) as a MapReader named
// `<block>.<key>[i]`, handed to fn(reader, item) and then finished (unknown fields are
// errors); an absent field is an error when `f` is required, else no items.
template <class Fn>
void for_each_item(MapReader& r, const FieldSpec& f, Fn fn) {
  const Tree* list = f.required ? &r.required_child(f) : r.child(f);
  if (!list) return;
  if (!list->is_list()) fail(*list, r.field(f), "expected a list of maps");
  if (f.required && list->items.empty()) fail(*list, r.field(f), "empty list");
  for (size_t i = 0; i < list->items.size(); ++i) {
    MapReader item(*list->items[i], r.field(std::string(f.key) + "[" + std::to_string(i) + "]"));
    fn(item, *list->items[i]);
    item.finish();
  }
}

// Appends one copy of `item` per partner, with its `partner` and its `label` (made by
// label(partner)) set; a label already in `items` is an error at `at`, naming `field`:
// "a second <what> <label>".
template <class Item, class Label>
void add_per_partner(std::vector<Item>& items, Item item, const std::vector<NodeId>& partners, Label label,
                     const Tree& at, const std::string& field, const std::string& what) {
  for (NodeId p : partners) {
    item.partner = p;
    item.label = label(p);
    for (const Item& other : items)
      if (other.label == item.label) fail(at, field, "a second " + what + " " + item.label);
    items.push_back(item);
  }
}

// Every simulated origin's node id, in origin order: the labels of an `origin` dimension.
std::vector<std::string> origin_ids(const World& world);

// A figure per year read from the field `f` (kind YearNumbers): one number, or {year:
// number} each checked to lie in [f.lo, f.hi]. Quotas and budgets read it with
// YearSeries::held_at (each figure holds from its year until the next).
inline YearSeries read_yearly_figures(MapReader& r, const FieldSpec& f) {
  return read_year_series(r.required_child(f), r.field(f), f.lo, f.hi);
}

// Whole months from `since` to the month of `step` of the calendar (negative before it).
int months_since(const Calendar& calendar, int step, const YearMonth& since);

// Edges named "FROM->TO" (a string or a list of them), or the word `external`: every
// land and sea edge across the EU's external border.
std::vector<EdgeId> read_edges(MapReader& r, const std::string& key, const Scenario& sc);

}  // namespace migflow

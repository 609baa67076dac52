#include "sim/world.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/filtered_graph.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <cmath>
#include <functional>
#include <limits>

namespace migflow {

namespace {

// Vertices are node indices; each graph edge carries the scenario's edge index.
using Graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, boost::no_property,
                          boost::property<boost::edge_weight_t, double, boost::property<boost::edge_index_t, int>>>;

// Next hop towards `target` from every vertex, over the edges `usable` accepts:
// Boost's Dijkstra on the reversed, filtered graph from the target gives each vertex
// its successor on a cheapest route; the hop is the cheapest usable edge to it.
template <class Usable>
std::vector<EdgeId> next_hops_towards(const Graph& g, const Scenario& sc, NodeId target, Usable usable) {
  const size_t n = boost::num_vertices(g);
  auto index = boost::get(boost::edge_index, g);
  auto keep = [&](const Graph::edge_descriptor& e) { return usable(sc.edges[index[e]]); };
  boost::filtered_graph<Graph, std::function<bool(const Graph::edge_descriptor&)>> allowed(g, keep);
  auto reversed = boost::make_reverse_graph(allowed);
  std::vector<double> dist(n);
  std::vector<size_t> successor(n);
  boost::dijkstra_shortest_paths(
      reversed, target,
      boost::predecessor_map(
          boost::make_iterator_property_map(successor.begin(), boost::get(boost::vertex_index, reversed)))
          .distance_map(boost::make_iterator_property_map(dist.begin(), boost::get(boost::vertex_index, reversed)))
          .weight_map(boost::get(boost::edge_weight, reversed)));
  std::vector<EdgeId> next(n, kNoEdge);
  for (size_t u = 0; u < n; ++u) {
    if (u == target || successor[u] == u) continue;  // the target itself, or unreachable
    double best = std::numeric_limits<double>::infinity();
    for (auto [it, end] = boost::out_edges(u, g); it != end; ++it) {
      const int e = index[*it];
      if (boost::target(*it, g) != successor[u] || !usable(sc.edges[e])) continue;
      if (sc.edges[e].cost < best) {
        best = sc.edges[e].cost;
        next[u] = static_cast<EdgeId>(e);
      }
    }
  }
  return next;
}

}  // namespace

World::World(std::shared_ptr<const Scenario> scenario) : scenario_(std::move(scenario)) {
  const Scenario& sc = *scenario_;
  origin_index_.assign(sc.nodes.size(), -1);
  destination_index_.assign(sc.nodes.size(), -1);
  for (const OriginSpec& o : sc.origins) {
    origin_index_[o.node] = static_cast<int>(origins_.size());
    origins_.push_back(o.node);
  }
  auto add_destinations = [&](auto wanted) {
    for (size_t i = 0; i < sc.nodes.size(); ++i)
      if (wanted(sc.nodes[i])) {
        destination_index_[i] = static_cast<int>(destinations_.size());
        destinations_.push_back(static_cast<NodeId>(i));
      }
  };
  add_destinations([](const NodeSpec& n) { return n.role == Role::MemberState; });
  member_states_ = static_cast<int>(destinations_.size());
  add_destinations(
      [](const NodeSpec& n) { return n.role == Role::Destination || (n.role == Role::Origin && !n.entry.empty()); });
  const int D = destination_count();
  open_.assign(origins_.size() * D, 0);
  entry_access_.assign(origins_.size() * D, std::nan(""));
  for (int d = 0; d < D; ++d) {
    for (int o = 0; o < origin_count(); ++o) open_[od(o, d)] = governed_by_eu(d);
    for (const EntryRule& rule : sc.nodes[destinations_[d]].entry)
      for (NodeId n : rule.origins)
        if (const int o = origin_index_[n]; o >= 0) {  // origins without agents here are skipped
          open_[od(o, d)] = 1;
          entry_access_[od(o, d)] = rule.legal_access;
        }
  }
  ties_.assign(origins_.size() * D, 0);
  effects_.assign(origins_.size() * D, 0.0);
  short_stays_.assign(origins_.size() * D, nullptr);
  auto pair = [&](NodeId origin, NodeId destination) -> std::ptrdiff_t {
    const int o = origin_index_[origin], d = destination_index_[destination];
    return o < 0 || d < 0 ? -1 : static_cast<std::ptrdiff_t>(od(o, d));
  };
  for (const PairTie& t : sc.ties)
    if (const auto i = pair(t.origin, t.destination); i >= 0)
      ties_[static_cast<size_t>(i)] = (t.language ? kLanguage : 0) | (t.colony ? kColony : 0);
  for (const OriginSpec& o : sc.origins)
    for (const auto& [node, effect] : o.destination_effects)
      if (const auto i = pair(o.node, node); i >= 0) effects_[static_cast<size_t>(i)] = effect;
  for (const ShortStays& s : sc.short_stays)
    if (const auto i = pair(s.origin, s.destination); i >= 0) short_stays_[static_cast<size_t>(i)] = &s;
  plan_routes();
}

void World::plan_routes() {
  const Scenario& sc = *scenario_;
  Graph g(sc.nodes.size());
  for (size_t e = 0; e < sc.edges.size(); ++e)
    boost::add_edge(sc.edges[e].from, sc.edges[e].to, Graph::edge_property_type(sc.edges[e].cost, static_cast<int>(e)),
                    g);

  const int D = destination_count(), N = node_count();
  legal_routes_.assign(origins_.size() * D, {});
  route_km_.assign(origins_.size() * D, 0.0);
  irregular_next_.assign(static_cast<size_t>(N) * D, kNoEdge);
  for (int d = 0; d < D; ++d) {
    const NodeId target = destinations_[d];
    // A route to a Member State never leaves the EU once inside it: a crossing back out
    // (ESP -> DZA on the way from Morocco to Italy) would be counted as a second entry,
    // and a package's border controls would intercept people already in the EU.
    const bool to_member_state = governed_by_eu(d);
    auto stays_inside = [&](const EdgeSpec& e) {
      return !to_member_state || sc.nodes[e.from].role != Role::MemberState || sc.nodes[e.to].role == Role::MemberState;
    };
    const auto legal = next_hops_towards(g, sc, target, stays_inside);
    const auto irregular =
        next_hops_towards(g, sc, target, [&](const EdgeSpec& e) { return e.mode != Mode::Air && stays_inside(e); });
    for (int n = 0; n < N; ++n) irregular_next_[static_cast<size_t>(n) * D + d] = irregular[n];
    for (int o = 0; o < origin_count(); ++o) {
      if (!open(o, d)) continue;
      auto& route = legal_routes_[od(o, d)];
      NodeId at = origins_[o];
      while (at != target) {
        const EdgeId e = legal[at];
        if (e == kNoEdge) {
          const OriginSpec& spec = sc.origins[o];
          throw InputError(spec.where, "population.origin",
                           "no route from '" + sc.nodes[origins_[o]].id + "' to " +
                               (governed_by_eu(d) ? "Member State '" : "destination '") + sc.nodes[target].id +
                               "' (check edges)");
        }
        route.push_back(e);
        route_km_[od(o, d)] += sc.edges[e].distance_km;
        at = sc.edges[e].to;
      }
    }
  }
}

}  // namespace migflow

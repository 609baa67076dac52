#include "sim/world.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/filtered_graph.hpp>
#include <boost/graph/reverse_graph.hpp>
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
  ms_index_.assign(sc.nodes.size(), -1);
  for (const OriginSpec& o : sc.origins) {
    origin_index_[o.node] = static_cast<int>(origins_.size());
    origins_.push_back(o.node);
  }
  for (size_t i = 0; i < sc.nodes.size(); ++i)
    if (sc.nodes[i].role == Role::MemberState) {
      ms_index_[i] = static_cast<int>(member_states_.size());
      member_states_.push_back(static_cast<NodeId>(i));
    }
  plan_routes();
}

void World::plan_routes() {
  const Scenario& sc = *scenario_;
  Graph g(sc.nodes.size());
  for (size_t e = 0; e < sc.edges.size(); ++e)
    boost::add_edge(sc.edges[e].from, sc.edges[e].to, Graph::edge_property_type(sc.edges[e].cost, static_cast<int>(e)),
                    g);

  const int M = member_state_count(), N = node_count();
  legal_routes_.assign(origins_.size() * M, {});
  route_km_.assign(origins_.size() * M, 0.0);
  irregular_next_.assign(static_cast<size_t>(N) * M, kNoEdge);
  for (int m = 0; m < M; ++m) {
    const NodeId target = member_states_[m];
    const auto legal = next_hops_towards(g, sc, target, [](const EdgeSpec&) { return true; });
    const auto irregular =
        next_hops_towards(g, sc, target, [](const EdgeSpec& e) { return !(e.mode == Mode::Air && e.external_border); });
    for (int n = 0; n < N; ++n) irregular_next_[n * M + m] = irregular[n];
    for (int o = 0; o < origin_count(); ++o) {
      auto& route = legal_routes_[o * M + m];
      NodeId at = origins_[o];
      while (at != target) {
        const EdgeId e = legal[at];
        if (e == kNoEdge) {
          const OriginSpec& spec = sc.origins[o];
          throw InputError(spec.where, "population.origin",
                           "no route from '" + sc.nodes[origins_[o]].id + "' to Member State '" + sc.nodes[target].id +
                               "' (check edges)");
        }
        route.push_back(e);
        route_km_[o * M + m] += sc.edges[e].distance_km;
        at = sc.edges[e].to;
      }
    }
  }
}

}  // namespace migflow

// The world of a run: the country graph (Boost.Graph), dense indices for origins and
// Member States, and the route tables planned once from the graph. Immutable while
// agents move, and shared read-only by every replicate of a scenario.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "model/scenario.hpp"

namespace migflow {

inline constexpr EdgeId kNoEdge = 0xFFFF;

class World {
 public:
  // Builds the graph and plans routes. Throws InputError when a Member State cannot be
  // reached from an origin at all.
  explicit World(std::shared_ptr<const Scenario> scenario);

  const Scenario& scenario() const { return *scenario_; }
  int node_count() const { return static_cast<int>(scenario_->nodes.size()); }
  int edge_count() const { return static_cast<int>(scenario_->edges.size()); }
  int origin_count() const { return static_cast<int>(origins_.size()); }
  int member_state_count() const { return static_cast<int>(member_states_.size()); }

  NodeId origin_node(int o) const { return origins_[o]; }
  NodeId member_state_node(int m) const { return member_states_[m]; }
  int origin_index(NodeId n) const { return origin_index_[n]; }    // -1 if not an origin
  int member_state_index(NodeId n) const { return ms_index_[n]; }  // -1 if not a Member State
  const EdgeSpec& edge(EdgeId e) const { return scenario_->edges[e]; }

  // Legal travel: the cheapest route over all edges, done within one step.
  const std::vector<EdgeId>& legal_route(int o, int m) const { return legal_routes_[o * member_state_count() + m]; }
  double route_km(int o, int m) const { return route_km_[o * member_state_count() + m]; }
  // Irregular travel: one hop per step along the cheapest route that avoids air edges
  // across the external border (boarding checks stop irregular air travel).
  EdgeId irregular_next_hop(NodeId at, int m) const { return irregular_next_[at * member_state_count() + m]; }
  bool irregular_reachable(int o, int m) const {
    return origins_[o] == member_states_[m] || irregular_next_hop(origins_[o], m) != kNoEdge;
  }

 private:
  void plan_routes();
  std::shared_ptr<const Scenario> scenario_;
  std::vector<NodeId> origins_, member_states_;
  std::vector<int> origin_index_, ms_index_;
  std::vector<std::vector<EdgeId>> legal_routes_;
  std::vector<double> route_km_;
  std::vector<EdgeId> irregular_next_;
};

}  // namespace migflow

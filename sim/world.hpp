// The world of a run: the country graph (Boost.Graph), dense indices for origins and
// destinations, who may move where, and the route tables planned once from the graph.
// Immutable while agents move, and shared read-only by every replicate of a scenario.
//
// Destinations are indexed densely: the Member States first (indices 0..M-1, where the
// EU's policies act; policies index them as "member states"), then the destinations
// outside the EU (M..D-1), each in node order.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "model/scenario.hpp"

namespace migflow {

inline constexpr EdgeId kNoEdge = 0xFFFF;

class World {
 public:
  // Builds the graph and plans routes. Throws InputError when a destination open to an
  // origin cannot be reached from it at all.
  explicit World(std::shared_ptr<const Scenario> scenario);

  const Scenario& scenario() const { return *scenario_; }
  int node_count() const { return static_cast<int>(scenario_->nodes.size()); }
  int edge_count() const { return static_cast<int>(scenario_->edges.size()); }
  int origin_count() const { return static_cast<int>(origins_.size()); }
  int destination_count() const { return static_cast<int>(destinations_.size()); }
  int member_state_count() const { return member_states_; }

  NodeId origin_node(int o) const { return origins_[o]; }
  NodeId destination_node(int d) const { return destinations_[d]; }
  NodeId member_state_node(int m) const { return destinations_[m]; }
  int origin_index(NodeId n) const { return origin_index_[n]; }            // -1 if not an origin
  int destination_index(NodeId n) const { return destination_index_[n]; }  // -1 if not a destination
  int member_state_index(NodeId n) const {                                 // -1 if not a Member State
    const int d = destination_index_[n];
    return d < member_states_ ? d : -1;
  }
  bool governed_by_eu(int d) const { return d < member_states_; }
  const EdgeSpec& edge(EdgeId e) const { return scenario_->edges[e]; }

  // Whether origin o's migrants may choose destination d (Member States: always; others:
  // by their entry rules), and the legal access an entry rule grants (NaN: the origin's own).
  bool open(int o, int d) const { return open_[od(o, d)] != 0; }
  double entry_legal_access(int o, int d) const { return entry_access_[od(o, d)]; }

  // What else enters origin o's choice of destination d: its ties (a common official
  // language, a colonial link) and its pair effect (the calibration's).
  bool common_language(int o, int d) const { return (ties_[od(o, d)] & kLanguage) != 0; }
  bool colonial_link(int o, int d) const { return (ties_[od(o, d)] & kColony) != 0; }
  double destination_effect(int o, int d) const { return effects_[od(o, d)]; }
  // Origin o's visits to destination d on short stays, or null when none are recorded.
  const ShortStays* short_stays(int o, int d) const { return short_stays_[od(o, d)]; }

  // Legal travel: the cheapest route over all edges, done within one step (empty when d
  // is not open to o).
  const std::vector<EdgeId>& legal_route(int o, int d) const { return legal_routes_[od(o, d)]; }
  double route_km(int o, int d) const { return route_km_[od(o, d)]; }
  // Irregular travel: one hop per step along the cheapest route without air edges
  // (boarding checks stop irregular air travel).
  EdgeId irregular_next_hop(NodeId at, int d) const {
    return irregular_next_[static_cast<std::size_t>(at) * destinations_.size() + d];
  }
  bool irregular_reachable(int o, int d) const { return irregular_next_hop(origins_[o], d) != kNoEdge; }

 private:
  void plan_routes();
  std::size_t od(int o, int d) const { return static_cast<std::size_t>(o) * destinations_.size() + d; }

  std::shared_ptr<const Scenario> scenario_;
  std::vector<NodeId> origins_, destinations_;
  int member_states_ = 0;
  std::vector<int> origin_index_, destination_index_;
  static constexpr std::uint8_t kLanguage = 1, kColony = 2;
  std::vector<std::uint8_t> open_, ties_;
  std::vector<double> effects_;
  std::vector<const ShortStays*> short_stays_;
  std::vector<double> entry_access_;
  std::vector<std::vector<EdgeId>> legal_routes_;
  std::vector<double> route_km_;
  std::vector<EdgeId> irregular_next_;
};

}  // namespace migflow

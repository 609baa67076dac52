// The count tables of one step: what the agents did, summed exactly (integers) over
// agents, threads and ranks. Policies read them (the previous step's in update, this
// step's in record), the engine turns them into the core output series
// (sim/core_series.hpp), and checkpoints and the MPI all-reduce carry them whole.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/types.hpp"

namespace migflow {

// Every table is indexed by origin first, so that output can turn agents into persons
// with each origin's persons_per_agent.
struct StepCounts {
  int origins = 0, destinations = 0, nodes = 0, edges = 0, quotas = 0;
  std::vector<std::int64_t> stocks;               // (origin, node, status), end of step
  std::vector<std::int64_t> transit_wait;         // (origin, node): steps waited so far, summed
  std::vector<std::int64_t> arrivals;             // (origin, destination, channel)
  std::vector<std::int64_t> flows;                // (origin, edge, channel): crossings made
  std::vector<std::int64_t> edge_attempts;        // (origin, edge): attempts let through
  std::vector<std::int64_t> edge_blocked;         // (origin, edge): turned away by capacity
  std::vector<std::int64_t> edge_intercepted;     // (origin, edge)
  std::vector<std::int64_t> return_orders;        // (origin, destination)
  std::vector<std::int64_t> returns_executed;     // (origin, destination)
  std::vector<std::int64_t> returns;              // (origin, destination, cause): went home
  std::vector<std::int64_t> asylum_applications;  // (origin, destination): first applications
  std::vector<std::int64_t> asylum_decisions;     // (origin, destination, decision)
  std::vector<std::int64_t> victims_identified;   // (origin, destination): exploited identified
  std::vector<std::int64_t> victims_protected;    // (origin, destination): of them, granted a permit
  std::vector<std::int64_t> entries;              // (origin): entered the working-age population at home
  std::vector<std::int64_t> exits;                // (origin): left it (aged out, died)
  std::vector<std::int64_t> quota_requests;       // per quota
  std::vector<std::int64_t> quota_granted;        // per quota: applicants who won a permit
  std::vector<std::int64_t> quota_recruited;      // per quota: recruited at home for the places left
  std::vector<std::int64_t> quota_unfilled;       // per quota: places left after the lottery, persons
  // Remittances received by origin households this step, PPP $ (origin, destination);
  // derived exactly from the stocks at the start of the step, so no summation order.
  std::vector<double> remittances;

  void resize(int origins, int destinations, int nodes, int edges, int quotas);
  void clear_flows();  // everything but the stocks
  void add(const StepCounts& other);

  std::size_t stock(int o, int n, Status s) const {
    return (static_cast<std::size_t>(o) * nodes + n) * kStatusCount + static_cast<std::size_t>(s);
  }
  std::size_t on(int o, int n) const { return static_cast<std::size_t>(o) * nodes + n; }
  std::size_t od(int o, int d) const { return static_cast<std::size_t>(o) * destinations + d; }
  std::size_t oe(int o, int e) const { return static_cast<std::size_t>(o) * edges + e; }
};

// The flow tables, as a list, so clearing and adding cannot forget one.
template <class Counts, class F>
void for_each_flow_table(Counts& c, F f) {
  f(c.arrivals);
  f(c.flows);
  f(c.edge_attempts);
  f(c.edge_blocked);
  f(c.edge_intercepted);
  f(c.return_orders);
  f(c.returns_executed);
  f(c.returns);
  f(c.asylum_applications);
  f(c.asylum_decisions);
  f(c.victims_identified);
  f(c.victims_protected);
  f(c.entries);
  f(c.exits);
  f(c.quota_requests);
  f(c.quota_granted);
  f(c.quota_recruited);
  f(c.quota_unfilled);
}

// The count tables, stocks first, so that save, restore and share cannot forget one.
template <class Counts, class F>
void for_each_count_table(Counts& c, F f) {
  f(c.stocks);
  f(c.transit_wait);
  for_each_flow_table(c, f);
}

}  // namespace migflow

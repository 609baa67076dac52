// What one agent does in one step (docs/model.md, "Transitions"), as the engine's
// decide and apply phases run it. Reads only the agent's own fields and the step's
// frozen tables; writes the agent, the counts it is given and, for moves that need a
// limited resource, a request that resolve decides. Header-only: it is the hot loop.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/agents.hpp"
#include "sim/rng.hpp"
#include "sim/step_counts.hpp"
#include "sim/step_tables.hpp"
#include "sim/world.hpp"

namespace migflow {

// A capacity-limited move waiting for resolve: a work permit (resource < quotas) or a
// crossing of an edge in a capacity group (resource = quotas + group).
struct Request {
  std::uint64_t key;    // Philox(seed, agent, step, Resolve): the lottery ticket
  std::uint64_t agent;  // global id, so that the order is the same whatever the ranks
  std::int32_t resource;
  std::int32_t origin;
  bool operator<(const Request& r) const {
    if (resource != r.resource) return resource < r.resource;
    if (key != r.key) return key < r.key;
    return agent < r.agent;
  }
};

// The per-agent transition rules, used by decide (in parallel, writing to a thread's
// counts and requests) and by apply (serially, for the winners and losers of resolve). Both paths
// call the same functions with the same draws, so they cannot drift apart.
//
// Random numbers: every agent gets a "gate" uniform each step, one 32-bit word of a
// Philox block shared by four consecutive agent ids (Purpose::Gate). It decides whether
// anything happens at all; only then are the agent's own four uniforms drawn
// (Purpose::Step). Most agents do nothing in a month, so most cost a quarter of a
// Philox call and one byte read. Both draws are pure functions of (seed, agent, step).
struct AgentRules {
  AgentStore& a;
  const World& world;
  const StepTables& t;
  StepCounts& c;
  std::vector<Request>* requests;  // null in apply: nothing is contested twice
  std::uint64_t seed;
  int step;
  int quotas;

  // The agent's own uniforms, drawn on first use.
  struct Uniforms {
    const AgentRules& k;
    std::size_t i;
    bool drawn = false;
    Draws d{};
    double operator()(int j) {
      if (!drawn) {
        d = k.draws(i);
        drawn = true;
      }
      return d.uniform(j);
    }
  };

  NodeId home(int o) const { return world.origin_node(o); }
  Draws draws(std::size_t i) const {
    return draw(seed, a.first_id + i, static_cast<std::uint32_t>(step), Purpose::Step);
  }

  void go_home(std::size_t i, int o) {
    a.location[i] = home(o);
    a.status[i] = static_cast<std::uint8_t>(Status::Returned);
    a.via[i] = kNoNode;
  }

  void request(std::size_t i, int o, std::int32_t resource) {
    requests->push_back({draw(seed, a.first_id + i, static_cast<std::uint32_t>(step), Purpose::Resolve).key(),
                         a.first_id + i, resource, o});
  }

  void travel_legal(std::size_t i, int o, int m) {
    const int k = a.skill[i];
    a.location[i] = world.member_state_node(m);
    a.status[i] = static_cast<std::uint8_t>(Status::Regular);
    a.destination[i] = static_cast<std::uint8_t>(m);
    a.timer[i] = static_cast<std::uint16_t>(step + t.permit_steps[t.omk(o, m, k)]);
    a.via[i] = kNoNode;
    ++c.arrivals[(c.om(o, m)) * kChannelCount + static_cast<int>(Channel::Legal)];
    for (EdgeId e : world.legal_route(o, m)) ++c.flows[c.oe(o, e) * kChannelCount + static_cast<int>(Channel::Legal)];
  }

  // No legal channel (or the quota lottery lost): some set off irregularly.
  void maybe_irregular(std::size_t i, int o, int m, Uniforms& u) {
    if (!world.irregular_reachable(o, m) || u(3) >= t.irregular_propensity[o]) return;
    a.status[i] = static_cast<std::uint8_t>(Status::InTransit);
    a.destination[i] = static_cast<std::uint8_t>(m);
    a.timer[i] = static_cast<std::uint16_t>(step);
    a.via[i] = kNoNode;
  }

  // Returns true when the agent made a request (its outcome is known after resolve).
  // act() has already passed over the agents for whom no event is possible.
  bool at_home(std::size_t i, int o, double gate, bool returned) {
    const int k = a.skill[i];
    const double resources = a.resources[i] * t.savings_scale[o] + t.remittance_income[o];
    const double capability = resources / (resources + t.migration_cost[o]);
    const double hazard = t.leave_hazard[t.ok(o, k)] * capability * (returned ? t.reemigration_factor[o] : 1.0);
    if (gate >= -std::expm1(-hazard)) return false;
    Uniforms u{*this, i};
    const double* cdf = t.destination_cdf(o, k);
    const int m = static_cast<int>(std::upper_bound(cdf, cdf + t.member_states - 1, u(1)) - cdf);
    if (u(2) < t.legal_access[t.om(o, m)]) {
      travel_legal(i, o, m);
      return false;
    }
    if (const std::int32_t q = t.quota_of[t.omk(o, m, k)]; q >= 0) {
      request(i, o, q);
      return true;
    }
    maybe_irregular(i, o, m, u);
    return false;
  }

  void cross(std::size_t i, int o, EdgeId e, Uniforms& u) {
    ++c.edge_attempts[c.oe(o, e)];
    if (u(1) < t.edge_hazard[e]) return;  // failed attempt: try again next step
    const EdgeSpec& edge = world.edge(e);
    if (u(2) < t.edge_interception[e]) {
      ++c.edge_intercepted[c.oe(o, e)];
      if (u(3) < t.interception_return[o]) go_home(i, o);
      return;  // otherwise turned back: still waiting where they were
    }
    a.location[i] = edge.to;
    ++c.flows[c.oe(o, e) * kChannelCount + static_cast<int>(Channel::Irregular)];
    if (edge.external_border) a.via[i] = edge.from;
    const int m = a.destination[i];
    if (edge.to == world.member_state_node(m)) {
      a.status[i] = static_cast<std::uint8_t>(Status::Irregular);
      ++c.arrivals[c.om(o, m) * kChannelCount + static_cast<int>(Channel::Irregular)];
    }
  }

  bool in_transit(std::size_t i, int o, double gate) {
    if (gate < t.give_up_prob[o]) {
      go_home(i, o);
      return false;
    }
    const EdgeId e = world.irregular_next_hop(a.location[i], a.destination[i]);
    if (e == kNoEdge) return false;  // no irregular route onwards: stranded
    if (const int g = t.crossing_group[e]; g >= 0 && requests) {
      request(i, o, quotas + g);
      return true;
    }
    Uniforms u{*this, i};
    cross(i, o, e, u);
    return false;
  }

  void regular(std::size_t i, int o, double gate) {
    if (step >= a.timer[i]) {  // permit expires: renew, go home, or overstay
      const int m = world.member_state_index(a.location[i]);
      const std::size_t r = t.omk(o, m, a.skill[i]);
      if (gate < t.permit_renewal[r])
        a.timer[i] = static_cast<std::uint16_t>(step + t.permit_steps[r]);
      else if (gate < t.permit_renewal[r] + t.permit_return[r])
        go_home(i, o);
      else
        a.status[i] = static_cast<std::uint8_t>(Status::Irregular);
      return;
    }
    if (gate < t.return_prob[o]) go_home(i, o);
  }

  void irregular(std::size_t i, int o, double gate) {
    if (gate < t.return_prob[o]) return go_home(i, o);
    if (gate >= t.return_prob[o] + t.detect_bound) return;  // detected nowhere: skip reading the location
    const int m = world.member_state_index(a.location[i]);
    if (gate >= t.return_prob[o] + t.detect_prob[m]) return;
    // Detected: a return order, executed as far as readmission allows.
    ++c.return_orders[c.om(o, m)];
    const double own = t.return_execution[o];
    Uniforms u{*this, i};
    const double x = u(1);
    if (x < own) {
      ++c.returns_executed[c.om(o, m)];
      return go_home(i, o);
    }
    const NodeId via = a.via[i];
    if (via != kNoNode && via != home(o) && x < own + (1.0 - own) * t.transit_readmission[via]) {
      // Readmitted to the transit partner: stranded there, may try again or give up.
      ++c.returns_executed[c.om(o, m)];
      a.location[i] = via;
      a.status[i] = static_cast<std::uint8_t>(Status::InTransit);
      a.timer[i] = static_cast<std::uint16_t>(step);
    }
  }

  // One step of agent i; true when it waits for resolve.
  bool act(std::size_t i, int o, double gate) {
    switch (static_cast<Status>(a.status[i])) {
      // Most agents are at home and stay: the bound over skills and resources settles
      // them here, inline, without a call or another field read.
      case Status::AtHome: return gate < t.leave_bound[2 * o] && at_home(i, o, gate, false);
      case Status::Returned: return gate < t.leave_bound[2 * o + 1] && at_home(i, o, gate, true);
      case Status::InTransit: return in_transit(i, o, gate);
      case Status::Regular: regular(i, o, gate); return false;
      case Status::Irregular: irregular(i, o, gate); return false;
    }
    return false;
  }

  // Adds agent i's current state to the stocks (the observe phase, fused into decide).
  // Agents at home or returned are at their origin, so their location is not read.
  void count(std::size_t i, int o, NodeId origin_node) {
    const std::uint8_t s = a.status[i];
    if (s == static_cast<std::uint8_t>(Status::AtHome) || s == static_cast<std::uint8_t>(Status::Returned)) {
      ++c.stocks[c.stock(o, origin_node, static_cast<Status>(s))];
      return;
    }
    const NodeId at = a.location[i];
    ++c.stocks[c.stock(o, at, static_cast<Status>(s))];
    if (s == static_cast<std::uint8_t>(Status::InTransit)) c.transit_wait[c.on(o, at)] += step - a.timer[i];
  }
};

// The gate uniforms of four consecutive agent ids come from one Philox block.
class GateStream {
 public:
  GateStream(std::uint64_t seed, int step) : seed_(seed), step_(static_cast<std::uint32_t>(step)) {}
  double operator()(std::uint64_t id) {
    if ((id >> 2) != block_) {
      block_ = id >> 2;
      words_ = draw(seed_, block_, step_, Purpose::Gate);
    }
    return words_.uniform(static_cast<int>(id & 3));
  }

 private:
  std::uint64_t seed_;
  std::uint32_t step_;
  std::uint64_t block_ = ~std::uint64_t{0};
  Draws words_{};
};

}  // namespace migflow

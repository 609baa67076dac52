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
  std::int16_t origin;
  std::int16_t skill;  // a quota's loser applies to the next scheme open to its skill
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
  void set_status(std::size_t i, Status s) { a.status[i] = static_cast<std::uint8_t>(s); }

  // Back at the origin, counted by cause: a migrant returned, or a visitor home.
  void go_home(std::size_t i, int o, ReturnCause cause) {
    ++c.returns[c.od(o, a.destination[i]) * kReturnCauseCount + static_cast<int>(cause)];
    a.location[i] = home(o);
    set_status(i, cause == ReturnCause::VisitEnded ? Status::AtHome : Status::Returned);
    a.via[i] = kNoNode;
  }

  void request(std::size_t i, int o, std::int32_t resource) {
    requests->push_back({draw(seed, a.first_id + i, static_cast<std::uint32_t>(step), Purpose::Resolve).key(),
                         a.first_id + i, resource, static_cast<std::int16_t>(o),
                         static_cast<std::int16_t>(a.skill[i])});
  }

  // A legal journey, done within the step along the cheapest route: with a residence
  // permit (legal) or on a short stay (a visitor), until `until`.
  void travel(std::size_t i, int o, int d, Status status, int until, Channel channel) {
    a.location[i] = world.destination_node(d);
    set_status(i, status);
    a.destination[i] = static_cast<std::uint8_t>(d);
    a.timer[i] = static_cast<std::uint16_t>(until);
    a.via[i] = kNoNode;
    ++c.arrivals[c.od(o, d) * kChannelCount + static_cast<int>(channel)];
    for (EdgeId e : world.legal_route(o, d)) ++c.flows[c.oe(o, e) * kChannelCount + static_cast<int>(channel)];
  }

  void travel_legal(std::size_t i, int o, int d) {
    travel(i, o, d, Status::Regular, step + t.permit_steps[t.odk(o, d, a.skill[i])], Channel::Legal);
  }

  // No residence permit (none offered, or the quota lottery lost): some set off irregularly.
  void without_permit(std::size_t i, int o, int d, Uniforms& u) {
    if (!world.irregular_reachable(o, d) || u(3) >= t.irregular_propensity[o]) return;
    set_status(i, Status::InTransit);
    a.destination[i] = static_cast<std::uint8_t>(d);
    a.timer[i] = static_cast<std::uint16_t>(step);
    a.via[i] = kNoNode;
  }

  // In destination d without a right to stay: some apply for asylum (in a Member State),
  // the rest stay irregularly. `x` is a uniform of the agent's own for this choice.
  void stay_on(std::size_t i, int o, int d, double x) {
    if (x < t.asylum_application[t.od(o, d)]) {
      set_status(i, Status::AsylumSeeker);
      a.timer[i] = static_cast<std::uint16_t>(step + t.asylum_decision_steps);
      ++c.asylum_applications[c.od(o, d)];
    } else {
      set_status(i, Status::Irregular);
    }
  }

  // Returns true when the agent made a request (its outcome is known after resolve).
  // act() has already passed over the agents for whom no event is possible; a gate
  // past the bound on leaving is one of the events that do not depend on the agent.
  bool at_home(std::size_t i, int o, double gate, bool returned) {
    const double bound = t.leave_bound[2 * o + returned];
    if (gate >= bound) {
      home_event(i, o, gate - bound);
      return false;
    }
    const int k = a.skill[i];
    const double resources = a.resources[i] * t.savings_scale[o] + t.remittance_income[o];
    const double capability = resources / (resources + t.migration_cost[o]);
    const double hazard = t.leave_hazard[t.ok(o, k)] * capability * (returned ? t.reemigration_factor[o] : 1.0);
    if (gate >= -std::expm1(-hazard)) return false;
    Uniforms u{*this, i};
    const double* cdf = t.destination_cdf(o, k);
    const int d = static_cast<int>(std::upper_bound(cdf, cdf + t.destinations - 1, u(1)) - cdf);
    if (u(2) < t.legal_access[t.od(o, d)]) {
      travel_legal(i, o, d);
      return false;
    }
    if (const std::int32_t q = t.quota_of[t.odk(o, d, k)]; q >= 0) {
      request(i, o, q);
      return true;
    }
    without_permit(i, o, d, u);
    return false;
  }

  // x uniform below home_other[o]: a visit (the destination by the cumulative chances of
  // visits, which x itself picks), joining family, leaving to study, or recruited by a
  // Member State's scheme for places its applicants left.
  void home_event(std::size_t i, int o, double x) {
    const double* visits = &t.visit_cum[t.od(o, 0)];
    const double visit_total = visits[t.destinations - 1];
    if (x < visit_total) {
      const int d = static_cast<int>(std::upper_bound(visits, visits + t.destinations - 1, x) - visits);
      travel(i, o, d, Status::Visitor, step + t.short_stay_steps, Channel::ShortStay);
      return;
    }
    x -= visit_total;
    const double* family = &t.family_cum[t.od(o, 0)];
    const double family_total = family[t.destinations - 1];
    if (x < family_total) {
      const int d = static_cast<int>(std::upper_bound(family, family + t.destinations - 1, x) - family);
      travel(i, o, d, Status::Regular, kPermanent, Channel::Family);  // settled with their family
      return;
    }
    x -= family_total;
    if (x < t.study_prob[o]) {
      Uniforms u{*this, i};
      const double* cdf = t.destination_cdf(o, a.skill[i]);
      const int d = static_cast<int>(std::upper_bound(cdf, cdf + t.destinations - 1, u(1)) - cdf);
      travel(i, o, d, Status::Regular, step + t.study_steps, Channel::Education);
      return;
    }
    x -= t.study_prob[o];
    if (t.recruit_quotas == 0) return;
    const double* recruit = t.recruitment(o, a.skill[i]);
    if (x >= recruit[t.recruit_quotas - 1]) return;
    const int q = static_cast<int>(std::upper_bound(recruit, recruit + t.recruit_quotas - 1, x) - recruit);
    ++c.quota_recruited[static_cast<size_t>(q)];
    travel_legal(i, o, t.quota_destination[static_cast<size_t>(q)]);
  }

  void cross(std::size_t i, int o, EdgeId e, Uniforms& u) {
    ++c.edge_attempts[c.oe(o, e)];
    if (u(1) < t.edge_hazard[e]) return;  // failed attempt: try again next step
    const EdgeSpec& edge = world.edge(e);
    if (u(2) < t.edge_interception[e]) {
      ++c.edge_intercepted[c.oe(o, e)];
      if (u(3) < t.interception_return[o]) go_home(i, o, ReturnCause::Intercepted);
      return;  // otherwise turned back: still waiting where they were
    }
    a.location[i] = edge.to;
    ++c.flows[c.oe(o, e) * kChannelCount + static_cast<int>(Channel::Irregular)];
    if (edge.external_border) a.via[i] = edge.from;
    const int d = a.destination[i];
    if (edge.to == world.destination_node(d)) {
      ++c.arrivals[c.od(o, d) * kChannelCount + static_cast<int>(Channel::Irregular)];
      // u(0) and u(3) were not used on this path (the crossing was not intercepted); with
      // no exploitation the draws, and so the run, are those of a model without it.
      if (u(0) < t.exploitation[t.od(o, d)])
        set_status(i, Status::Exploited);
      else
        stay_on(i, o, d, u(3));
    }
  }

  bool in_transit(std::size_t i, int o, double gate) {
    if (gate < t.give_up_prob[o]) {
      go_home(i, o, ReturnCause::GaveUp);
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
    if (step >= a.timer[i]) {  // permit expires: renew, go home, or stay on without one
      const int d = a.destination[i];
      const std::size_t r = t.odk(o, d, a.skill[i]);
      if (gate < t.permit_renewal[r])
        a.timer[i] = static_cast<std::uint16_t>(step + t.permit_steps[r]);
      else if (gate < t.permit_renewal[r] + t.permit_home[r])
        go_home(i, o, ReturnCause::PermitEnded);
      else
        stay_on(i, o, d, draws(i).uniform(1));
      return;
    }
    if (gate < t.return_prob[o]) go_home(i, o, ReturnCause::Voluntary);
  }

  // A short stay ends: most go home; `visit_overstay` stay on without a right to.
  void visitor(std::size_t i, int o, double gate) {
    if (step < a.timer[i]) return;
    if (gate < t.visit_overstay[o])
      stay_on(i, o, a.destination[i], draws(i).uniform(1));
    else
      go_home(i, o, ReturnCause::VisitEnded);
  }

  // A return order, executed as far as readmission allows; true when it was.
  bool order_return(std::size_t i, int o, int d, double x) {
    ++c.return_orders[c.od(o, d)];
    const double own = t.return_execution[t.od(o, d)];
    if (x < own) {
      ++c.returns_executed[c.od(o, d)];
      go_home(i, o, ReturnCause::Ordered);
      return true;
    }
    const NodeId via = a.via[i];
    if (via != kNoNode && via != home(o) && x < own + (1.0 - own) * t.transit_readmission[via]) {
      // Readmitted to the transit partner: stranded there, may try again or give up.
      ++c.returns_executed[c.od(o, d)];
      a.location[i] = via;
      set_status(i, Status::InTransit);
      a.timer[i] = static_cast<std::uint16_t>(step);
      return true;
    }
    return false;
  }

  // A residence permit on protection grounds (a recognised asylum seeker, an identified
  // victim of trafficking), in the destination they are in.
  void grant_protection(std::size_t i, std::uint16_t permit_steps) {
    set_status(i, Status::Regular);
    a.timer[i] = static_cast<std::uint16_t>(step + permit_steps);
  }

  // The decision on an application: protection (a permit), or a return order; those not
  // returned stay irregularly.
  void asylum_seeker(std::size_t i, int o, double gate) {
    if (step < a.timer[i]) {
      if (gate < t.return_prob[o]) go_home(i, o, ReturnCause::Voluntary);  // withdrawn
      return;
    }
    const int d = a.destination[i];
    if (gate < t.asylum_recognition[o]) {
      ++c.asylum_decisions[c.od(o, d) * kDecisionCount + static_cast<int>(Decision::Recognised)];
      grant_protection(i, t.protection_permit_steps);
      return;
    }
    ++c.asylum_decisions[c.od(o, d) * kDecisionCount + static_cast<int>(Decision::Rejected)];
    if (!order_return(i, o, d, draws(i).uniform(1))) set_status(i, Status::Irregular);
  }

  void irregular(std::size_t i, int o, double gate) {
    if (gate < t.return_prob[o]) return go_home(i, o, ReturnCause::Voluntary);
    if (gate >= t.return_prob[o] + t.detect_bound[o]) return;  // detected nowhere: skip reading more
    const int d = a.destination[i];
    if (gate >= t.return_prob[o] + t.detect_prob[t.od(o, d)]) return;
    order_return(i, o, d, draws(i).uniform(1));  // detected
  }

  // Held by traffickers: some get away home, as any migrant returns; the rest may be
  // identified as victims, and then get a permit or are assisted home. Unidentified,
  // they are not detected as irregular migrants (no return order).
  void exploited(std::size_t i, int o, double gate) {
    if (gate < t.return_prob[o]) return go_home(i, o, ReturnCause::Voluntary);
    const int d = a.destination[i];
    const std::size_t od = t.od(o, d);
    if (gate >= t.return_prob[o] + t.identify_prob[od]) return;
    ++c.victims_identified[c.od(o, d)];
    if (draws(i).uniform(1) < t.victim_protection[od]) {
      ++c.victims_protected[c.od(o, d)];
      grant_protection(i, t.victim_permit_steps[od]);
    } else {
      go_home(i, o, ReturnCause::Assisted);
    }
  }

  // One step of agent i; true when it waits for resolve.
  bool act(std::size_t i, int o, double gate) {
    switch (static_cast<Status>(a.status[i])) {
      // Most agents are at home and stay: the bound over skills and resources settles
      // them here, inline, without a call or another field read.
      case Status::AtHome: return gate < t.home_bound[2 * o] && at_home(i, o, gate, false);
      case Status::Returned: return gate < t.home_bound[2 * o + 1] && at_home(i, o, gate, true);
      case Status::InTransit: return in_transit(i, o, gate);
      case Status::Regular: regular(i, o, gate); return false;
      case Status::Irregular: irregular(i, o, gate); return false;
      case Status::Visitor: visitor(i, o, gate); return false;
      case Status::AsylumSeeker: asylum_seeker(i, o, gate); return false;
      case Status::Exploited: exploited(i, o, gate); return false;
    }
    return false;
  }

  // The step at which agent i's timer makes act() look past the gate bound (a permit
  // expires, a short stay ends, an asylum decision is due), or kPermanent for none.
  static std::uint16_t timer_event_of(const AgentStore& a, std::size_t i) {
    switch (static_cast<Status>(a.status[i])) {
      case Status::Regular:  // a permanent residence's timer is kPermanent already
      case Status::Visitor:
      case Status::AsylumSeeker: return a.timer[i];
      default: return kPermanent;
    }
  }

  // Where agent i is counted: agents at home or returned are at their origin, so their
  // location is not read.
  NodeId counted_at(std::size_t i, NodeId origin_node) const { return counted_at_of(a, i, origin_node); }
  static NodeId counted_at_of(const AgentStore& a, std::size_t i, NodeId origin_node) {
    const auto s = static_cast<Status>(a.status[i]);
    return s == Status::AtHome || s == Status::Returned ? origin_node : a.location[i];
  }

  // Adds agent i's current state to the stocks (the observe phase, fused into decide).
  void count(std::size_t i, int o, NodeId origin_node) {
    const NodeId at = counted_at(i, origin_node);
    const auto s = static_cast<Status>(a.status[i]);
    ++c.stocks[c.stock(o, at, s)];
    if (s == Status::InTransit) c.transit_wait[c.on(o, at)] += step - a.timer[i];
  }
};

// The gate bound of (origin o, status s) in a step with tables t: when no timer of the
// agent is due, act() changes nothing for a gate at or above it. So an agent whose
// gate is drawn only below the bound, as U * bound, on steps that come up with
// probability `bound`, moves exactly as one drawn every step (thinning; the
// event-driven engine, sim/event_schedule.hpp). Keep it next to act(): each case
// mirrors the early exit of the rule above.
inline double gate_bound(const StepTables& t, int o, Status s) {
  switch (s) {
    case Status::AtHome: return t.home_bound[2 * o];
    case Status::Returned: return t.home_bound[2 * o + 1];
    case Status::InTransit: return 1.0;  // gives up or tries a crossing every step
    case Status::Regular:
    case Status::AsylumSeeker: return t.return_prob[o];  // before expiry or decision
    case Status::Irregular: return std::min(1.0, t.return_prob[o] + t.detect_bound[o]);
    case Status::Visitor: return 0.0;  // only the end of the stay
    case Status::Exploited: {
      double identify = 0;
      for (int d = 0; d < t.destinations; ++d) identify = std::max(identify, t.identify_prob[t.od(o, d)]);
      return std::min(1.0, t.return_prob[o] + identify);
    }
  }
  return 1.0;
}

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

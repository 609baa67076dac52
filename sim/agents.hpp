// Agents in structure-of-arrays form: 13 bytes per agent. An agent's id is its index
// plus `first_id`; agents of one origin are contiguous, so the origin is not stored.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "model/model_params.hpp"
#include "model/scenario.hpp"
#include "model/types.hpp"

namespace migflow {

class Comm;
class World;

// Agents per parallel task: big enough to amortise a task's cost.
inline constexpr std::size_t kAgentGrain = 16384;

// The status byte of an agent outside the working-age population: a renewing
// population's reserve not yet entered, or an agent that left it (aged out, died).
// Not a Status: such agents are counted nowhere and never act or have an event.
inline constexpr std::uint8_t kAbsent = 0xFF;

// Timer value of a permanent residence: never expires (runs are shorter than 65000 steps).
inline constexpr std::uint16_t kPermanent = 0xFFFF;

struct AgentStore {
  std::vector<std::uint8_t> status;       // Status
  std::vector<std::uint8_t> skill;        // 0..kSkillCount-1
  std::vector<NodeId> location;           // node index
  std::vector<std::uint8_t> destination;  // destination index (sim/world.hpp) of the intended or current destination
  std::vector<NodeId> via;                // last country before the EU's border, or kNoNode
  // regular: permit expiry step; visitor: end of the stay; asylum seeker: decision
  // step; in transit: step entered
  std::vector<std::uint16_t> timer;
  std::vector<float> resources;  // household resources, multiple of the mean

  std::vector<std::uint64_t> origin_begin;  // agents of origin o: [origin_begin[o], origin_begin[o+1])
  std::uint64_t first_id = 0;               // global id of agent 0 (partitions of a larger run)

  static constexpr std::size_t kBytesPerAgent = 1 + 1 + sizeof(NodeId) + 1 + sizeof(NodeId) + 2 + sizeof(float);

  std::size_t size() const { return status.size(); }
  // Asks the cache for agent i's fields that every transition reads.
  void prefetch(std::size_t i) const {
    __builtin_prefetch(&status[i]);
    __builtin_prefetch(&skill[i]);
    __builtin_prefetch(&resources[i]);
    __builtin_prefetch(&timer[i]);
    __builtin_prefetch(&location[i]);
  }
  void resize(std::size_t n) {
    status.resize(n);
    skill.resize(n);
    location.resize(n);
    destination.resize(n);
    via.resize(n);
    timer.resize(n);
    resources.resize(n);
  }
};

// Calls f(origin, begin, end) for the parts of [begin, end) in each origin's block.
template <class F>
void by_origin(const AgentStore& a, std::uint64_t begin, std::uint64_t end, F f) {
  int o =
      static_cast<int>(std::upper_bound(a.origin_begin.begin(), a.origin_begin.end(), begin) - a.origin_begin.begin()) -
      1;
  while (begin < end) {
    const std::uint64_t stop = std::min(end, a.origin_begin[o + 1]);
    f(o, begin, stop);
    begin = stop;
    ++o;
  }
}

// Agent i's skill (from the origin's shares) and household resources (log-normal, mean 1),
// drawn from (seed, agent id, step): step 0 at the start, the step of entry for a person
// who takes the place of one who left a renewing population.
void draw_traits(AgentStore& agents, std::size_t i, const OriginSpec& spec, double savings_dispersion,
                 std::uint64_t seed, int step);

// This rank's block of a replicate's agents at the start: each origin's people at home,
// then its diaspora (permanent residents), then its reserve of entrants (absent), with skills and resources drawn from
// (seed, agent id) alone, so any rank draws the same for the same agent.
// `params`: the origins' parameter sets of this replicate.
void populate_agents(AgentStore& agents, const World& world, std::span<const ModelParams> params, std::uint64_t seed,
                     const Comm& comm);
// The start-of-run diaspora's legal status: in the Member States a share
// initial_irregular_share live irregularly, drawn from (seed, agent id); the rest are
// permanent residents. populate_agents calls it; an engine started from agents made
// for other parameters calls it again (the traits do not depend on the share).
void assign_initial_status(AgentStore& agents, const World& world, std::span<const ModelParams> params,
                           std::uint64_t seed);

}  // namespace migflow

#include "sim/agents.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>

#include "sim/comm.hpp"
#include "sim/rng.hpp"
#include "sim/world.hpp"

namespace migflow {

void draw_traits(AgentStore& agents, std::size_t i, const OriginSpec& spec, double savings_dispersion,
                 std::uint64_t seed, int step) {
  const Draws d = draw(seed, agents.first_id + i, static_cast<std::uint32_t>(step), Purpose::Init);
  int k = 0;
  for (double acc = spec.skill_shares[0]; k + 1 < kSkillCount && d.uniform(0) >= acc;) acc += spec.skill_shares[++k];
  // Log-normal resources with mean 1 (Box-Muller from two uniforms).
  const double sigma = savings_dispersion;
  const double z = std::sqrt(-2.0 * std::log1p(-d.uniform(1))) * std::cos(6.283185307179586 * d.uniform(2));
  agents.skill[i] = static_cast<std::uint8_t>(k);
  agents.resources[i] = static_cast<float>(std::exp(sigma * z - 0.5 * sigma * sigma));
}

void populate_agents(AgentStore& agents, const World& world, std::span<const ModelParams> params, std::uint64_t seed,
                     const Comm& comm) {
  const Scenario& sc = world.scenario();
  // Agent ids run over all origins' blocks; this rank holds the ids [first, last).
  std::vector<std::uint64_t> global_begin{0};
  for (const OriginSpec& o : sc.origins) global_begin.push_back(global_begin.back() + o.total_agents());
  const auto [first, last] = comm.block(global_begin.back());
  agents.first_id = first;
  agents.origin_begin.clear();
  for (std::uint64_t b : global_begin) agents.origin_begin.push_back(std::clamp(b, first, last) - first);
  agents.resize(last - first);
  for (int o = 0; o < world.origin_count(); ++o) {
    const OriginSpec& spec = sc.origins[o];
    const double sigma = params[o].savings_dispersion;
    // Each origin's block: its agents at home, then its diaspora, destination by destination.
    struct Part {
      std::uint64_t begin, end;
      NodeId at;
      std::uint8_t status;  // a Status, or kAbsent
      std::uint8_t destination;
      std::uint16_t timer;
    };
    std::vector<Part> parts{{global_begin[o], global_begin[o] + spec.agents, world.origin_node(o),
                             static_cast<std::uint8_t>(Status::AtHome), 0, 0}};
    for (const auto& [node, count] : spec.abroad)
      parts.push_back({parts.back().end, parts.back().end + count, node, static_cast<std::uint8_t>(Status::Regular),
                       static_cast<std::uint8_t>(world.destination_index(node)), kPermanent});
    parts.push_back({parts.back().end, parts.back().end + spec.reserve, world.origin_node(o), kAbsent, 0, 0});
    for (const Part& part : parts) {
      const std::uint64_t begin = std::clamp(part.begin, first, last) - first,
                          end = std::clamp(part.end, first, last) - first;
      tbb::parallel_for(tbb::blocked_range<std::uint64_t>(begin, end, kAgentGrain), [&](const auto& r) {
        for (std::uint64_t i = r.begin(); i != r.end(); ++i) {
          draw_traits(agents, i, spec, sigma, seed, 0);
          agents.status[i] = part.status;
          agents.location[i] = part.at;
          agents.destination[i] = part.destination;
          agents.via[i] = kNoNode;
          agents.timer[i] = part.timer;
        }
      });
    }
  }
  assign_initial_status(agents, world, params, seed);
}

void assign_initial_status(AgentStore& agents, const World& world, std::span<const ModelParams> params,
                           std::uint64_t seed) {
  for (int o = 0; o < world.origin_count(); ++o) {
    const double share = params[o].initial_irregular_share;
    const std::uint64_t begin = agents.origin_begin[o], end = agents.origin_begin[o + 1];
    tbb::parallel_for(tbb::blocked_range<std::uint64_t>(begin, end, kAgentGrain), [&](const auto& r) {
      for (std::uint64_t i = r.begin(); i != r.end(); ++i) {
        const auto status = static_cast<Status>(agents.status[i]);
        if ((status != Status::Regular && status != Status::Irregular) || !world.governed_by_eu(agents.destination[i]))
          continue;
        // The fourth uniform of the agent's trait draw, which populate_agents leaves unused.
        const bool irregular = draw(seed, agents.first_id + i, 0, Purpose::Init).uniform(3) < share;
        agents.status[i] = static_cast<std::uint8_t>(irregular ? Status::Irregular : Status::Regular);
        agents.timer[i] = irregular ? 0 : kPermanent;
      }
    });
  }
}

}  // namespace migflow

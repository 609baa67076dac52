#include "ensemble/memory_estimate.hpp"

#include <algorithm>
#include <fstream>
#include <string>

#include "sim/agents.hpp"

namespace migflow {

std::uint64_t estimated_run_bytes(const World& world, int concurrent_replicates, int ranks_per_replicate) {
  const Scenario& sc = world.scenario();
  const std::uint64_t O = static_cast<std::uint64_t>(world.origin_count()), N = static_cast<std::uint64_t>(world.node_count()),
                      M = static_cast<std::uint64_t>(world.member_state_count()), E = static_cast<std::uint64_t>(world.edge_count());
  // Cells per step of the core series (stocks, stocks_by_origin, arrivals, flows, ...), at
  // 12 bytes each if none were zero (a cell index and a double; zeros are not stored).
  const std::uint64_t cells = N * kStatusCount * (O + 1) + O * M * (kChannelCount + 3) + E * (kChannelCount + 3) + N;
  const std::uint64_t series = cells * 12 * static_cast<std::uint64_t>(sc.calendar.steps()) * static_cast<std::uint64_t>(sc.replicates);
  const std::uint64_t agents = (sc.total_agents() / static_cast<std::uint64_t>(ranks_per_replicate) + 1) * AgentStore::kBytesPerAgent *
                               static_cast<std::uint64_t>(std::min(concurrent_replicates, sc.replicates));
  return agents + series;
}

std::uint64_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return 0;
}

}  // namespace migflow

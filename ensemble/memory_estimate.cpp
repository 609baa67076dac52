#include "ensemble/memory_estimate.hpp"

#include <algorithm>
#include <fstream>
#include <string>

#include "sim/agents.hpp"
#include "sim/core_series.hpp"

namespace migflow {

std::uint64_t estimated_run_bytes(const World& world, int concurrent_replicates, int ranks_per_replicate) {
  const Scenario& sc = world.scenario();
  // The core series at 12 bytes a cell if none were zero (a cell index and a double;
  // zeros are not stored). Policies' series are small beside them.
  const std::uint64_t cells = core_cells_per_step(world);
  const std::uint64_t series =
      cells * 12 * static_cast<std::uint64_t>(sc.calendar.steps()) * static_cast<std::uint64_t>(sc.replicates);
  const std::uint64_t agents = (sc.total_agents() / static_cast<std::uint64_t>(ranks_per_replicate) + 1) *
                               AgentStore::kBytesPerAgent *
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

// Whether a run fits in memory, asked before it starts, so that a run too large is
// refused with the estimate instead of failing mid-way.
#pragma once
#include <cstdint>

#include "sim/world.hpp"

namespace migflow {

// Memory a run needs, in bytes: agent state of the replicates that run at once, plus
// the recorded series of every replicate (they are kept until the file is written).
// With several ranks per replicate, the agent state per rank (each holds 1/ranks of the agents).
std::uint64_t estimated_run_bytes(const World& world, int concurrent_replicates, int ranks_per_replicate = 1);
// Memory this machine has available now (MemAvailable), in bytes; 0 if unknown.
std::uint64_t available_memory_bytes();

}  // namespace migflow

// Whether a run fits in memory, asked before it starts, so that a run too large is
// refused with the estimate instead of failing mid-way.
#pragma once
#include <cstdint>
#include <string>

#include "sim/world.hpp"

namespace migflow {

// Memory a run needs, in bytes: agent state of the replicates that run at once, plus
// the recorded series of every replicate (they are kept until the file is written).
// With several ranks per replicate, the agent state per rank (each holds 1/ranks of the agents).
std::uint64_t estimated_run_bytes(const World& world, int concurrent_replicates, int ranks_per_replicate = 1);
// Memory this process can still have, in bytes: the least of MemAvailable, its cgroup's
// limit less usage, and `ulimit -v`/`-d` less what it maps; 0 if unknown.
std::uint64_t available_memory_bytes();
// The least room (limit less usage) along the memory cgroup of this process, from the
// group `self_cgroup` names (/proc/self/cgroup: v2 "0::/path", or v1 with the memory
// controller) up to the hierarchy's root under `root` (/sys/fs/cgroup); every level's
// limit binds. All ones (no limit) when none is set; 0 when a limit is already reached.
std::uint64_t cgroup_memory_room(const std::string& self_cgroup, const std::string& root);
// Why a run of `concurrent` replicates at once, each on `ranks_per_replicate` ranks (as
// many on this machine as mpirun says), cannot fit, naming the scenario's `population`
// field and the estimate; empty when it fits or nothing is known.
std::string memory_refusal(const World& world, int concurrent, int ranks_per_replicate);

}  // namespace migflow

// How the processes of a run share its replicates: `--replicate-groups G` splits the
// ranks into G groups of consecutive ranks; group g runs replicates g, g+G, g+2G, ...
// and splits each one's agents across its own ranks (docs/cluster.md).
#pragma once
#include <algorithm>
#include <memory>

#include "sim/comm.hpp"

namespace migflow {

// How the ranks share the replicates .
class ReplicateGroups {
 public:
  // Collective over `world`. `count` is clamped to [1, min(ranks, replicates)].
  ReplicateGroups(const Comm& world, int count, int replicates);
  // The group count a run asking for `count` gets.
  static int effective_count(int count, int ranks, int replicates) {
    return std::clamp(count, 1, std::max(1, std::min(ranks, replicates)));
  }
  ~ReplicateGroups();
  const Comm& world() const { return world_; }
  // This rank's group: its index, its communicator, and whether it speaks for it.
  int count() const { return count_; }
  int index() const { return index_; }
  const Comm& comm() const { return own_ ? *own_ : world_; }
  bool leader() const { return comm().rank() == 0; }
  int first_replicate() const { return index_; }
  int stride() const { return count_; }
  // Every rank's group index, in rank order.
  int group_of(int rank) const { return static_cast<int>(static_cast<long long>(rank) * count_ / world_.size()); }

 private:
  const Comm& world_;
  int count_ = 1, index_ = 0;
  std::unique_ptr<Comm> own_;
};

}  // namespace migflow

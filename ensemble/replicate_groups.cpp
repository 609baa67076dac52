#include "ensemble/replicate_groups.hpp"

namespace migflow {

ReplicateGroups::ReplicateGroups(const Comm& world, int count, int replicates)
    : world_(world), count_(effective_count(count, world.size(), replicates)) {
  index_ = group_of(world.rank());
  if (count_ > 1) own_ = world.split(index_);
}

ReplicateGroups::~ReplicateGroups() = default;

}  // namespace migflow

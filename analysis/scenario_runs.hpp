// Variants of a scenario run in memory and read through the headline indicators:
// the machinery `sensitivity` (one replicate per design point) and `attribute` (every
// replicate of each subset of policy blocks) share.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/compare.hpp"
#include "model/scenario.hpp"
#include "output/series.hpp"
#include "sim/world.hpp"

namespace migflow {

// The world of a copy of `sc`, scaled to about `agents` agents (0: as given).
std::shared_ptr<const World> scaled_world(const Scenario& sc, std::uint64_t agents);

// Replicates' series as the run file `migflow run` would write, in memory.
RunFile run_of(const World& world, std::vector<ReplicateSeries> series);

// The indicators of `all` named `names`, in that order; throws std::invalid_argument
// naming an unknown one and listing the known ones.
std::vector<Indicator> indicators_named(const std::vector<Indicator>& all, const std::vector<std::string>& names);

}  // namespace migflow

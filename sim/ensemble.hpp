// Runs every replicate of a scenario (in parallel, each on its own engine) and gathers
// what the output file needs.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "output/recorder.hpp"
#include "sim/world.hpp"

namespace migflow {

struct EnsembleOptions {
  int replicates = 1;
  // Called from worker threads with (steps done over all replicates, total steps).
  std::function<void(long long, long long)> progress;
};

std::vector<ReplicateSeries> run_ensemble(std::shared_ptr<const World> world, const EnsembleOptions& options);

// File metadata for a scenario: dates, provenance.
RunMetadata run_metadata(const Scenario& scenario);

}  // namespace migflow

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
  // Checked between steps: when it turns true, every replicate stops after its step.
  const std::atomic<bool>* stop = nullptr;
};

struct EnsembleResult {
  std::vector<ReplicateSeries> replicates;
  int steps_completed = 0;  // by every replicate (all steps unless stopped)
  bool interrupted = false;
};

EnsembleResult run_ensemble(std::shared_ptr<const World> world, const EnsembleOptions& options);

// Memory a run needs, in bytes: agent state of the replicates that run at once, plus
// the recorded series of every replicate (they are kept until the file is written).
std::uint64_t estimated_run_bytes(const World& world, int concurrent_replicates);
// Memory this machine has available now (MemAvailable), in bytes; 0 if unknown.
std::uint64_t available_memory_bytes();

// File metadata for a scenario: dates, provenance.
RunMetadata run_metadata(const Scenario& scenario);

}  // namespace migflow

// Runs every replicate of a scenario, each on its own engine, and gathers what the
// output file needs; saves and resumes checkpoints through a CheckpointStore.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "output/recorder.hpp"
#include "sim/comm.hpp"
#include "sim/world.hpp"

namespace migflow {

class CheckpointStore;
class Engine;

struct EnsembleOptions {
  int replicates = 1;
  // Called with (steps done over all replicates, total steps).
  std::function<void(long long, long long)> progress;
  // Checked at the end of each step: when it turns true (on any rank), every
  // replicate stops after its step.
  const std::atomic<bool>* stop = nullptr;
  // The processes of this run: each replicate's agents are split across them.
  const Comm* comm = &serial_comm();
  // Saves the state every `checkpoint_every` steps of a replicate, when a replicate
  // finishes, and when stopped; null: never.
  CheckpointStore* checkpoints = nullptr;
  int checkpoint_every = 0;
  // Carry on from the checkpoint in `checkpoints` instead of starting afresh.
  bool resume = false;
};

// An ensemble between two steps: what a checkpoint holds.
struct EnsembleState {
  int next_replicate = 0;                      // replicates [0, next) have started
  int finished_count = 0;                      // replicates [0, finished_count) ran to the end
  std::vector<ReplicateSeries> finished;       // their series (rank 0 only)
  std::vector<std::unique_ptr<Engine>> active;  // started, not finished, in replicate order
  EnsembleState();
  EnsembleState(EnsembleState&&) noexcept;
  EnsembleState& operator=(EnsembleState&&) noexcept;
  ~EnsembleState();
};

struct EnsembleResult {
  std::vector<ReplicateSeries> replicates;  // every replicate, complete (rank 0; empty elsewhere)
  // When stopped early: the replicates that finished, then those in progress,
  // all cut to the steps every one of them completed (0 when some never started).
  int steps_completed = 0;
  int replicates_finished = 0;
  bool interrupted = false;
};

// Runs every replicate. Replicates run side by side on one process (as many as there
// are threads), one after another on several ranks (all ranks share each replicate).
// Results do not depend on threads, ranks or checkpoints.
EnsembleResult run_ensemble(std::shared_ptr<const World> world, const EnsembleOptions& options);

// Memory a run needs, in bytes: agent state of the replicates that run at once, plus
// the recorded series of every replicate (they are kept until the file is written).
// With several ranks, the agent state per rank (each holds 1/ranks of the agents).
std::uint64_t estimated_run_bytes(const World& world, int concurrent_replicates, int ranks = 1);
// Memory this machine has available now (MemAvailable), in bytes; 0 if unknown.
std::uint64_t available_memory_bytes();

// File metadata for a scenario: dates, provenance.
RunMetadata run_metadata(const Scenario& scenario);

}  // namespace migflow

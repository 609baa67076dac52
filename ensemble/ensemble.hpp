// Runs every replicate of a scenario, each on its own engine, and gathers what the
// output file needs; saves and resumes checkpoints through a CheckpointStore.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "ensemble/replicate_groups.hpp"
#include "output/series.hpp"
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
  // The processes of this run. They form `replicate_groups` groups of consecutive
  // ranks; group g runs replicates g, g+G, g+2G, ... and splits each one's agents
  // across its ranks. 1: every rank shares every replicate.
  const Comm* comm = &serial_comm();
  int replicate_groups = 1;
  // Saves the state every `checkpoint_every` steps of a replicate, when a replicate
  // finishes, and when stopped; null: never.
  CheckpointStore* checkpoints = nullptr;
  int checkpoint_every = 0;
  // Carry on from the checkpoint in `checkpoints` instead of starting afresh.
  bool resume = false;
};

// An ensemble between two steps, as this rank's group sees it: what a checkpoint holds.
struct EnsembleState {
  int next_replicate = 0;                       // the next replicate this group starts
  std::vector<int> finished_ids;                // the group's replicates that ran to the end, in order
  std::vector<ReplicateSeries> finished;        // their series (group leader only)
  std::vector<std::unique_ptr<Engine>> active;  // started, not finished, in replicate order
  EnsembleState();
  EnsembleState(EnsembleState&&) noexcept;
  EnsembleState& operator=(EnsembleState&&) noexcept;
  ~EnsembleState();
};

// The same on every rank, except `replicates` (rank 0 only).
struct EnsembleResult {
  std::vector<ReplicateSeries> replicates;  // every replicate, complete
  // When stopped early: replicates 0..K-1 if they all finished (K > 0); otherwise, if
  // every replicate started, all of them cut to the steps every one completed;
  // otherwise none (steps_completed 0).
  int steps_completed = 0;
  int replicates_finished = 0;  // K
  bool interrupted = false;
};

// Runs every replicate. Within a group of one process, replicates run side by side
// (as many as there are threads); a group of several ranks runs one at a time, shared
// by all its ranks. Results do not depend on threads, ranks, groups or checkpoints.
EnsembleResult run_ensemble(std::shared_ptr<const World> world, const EnsembleOptions& options);

}  // namespace migflow

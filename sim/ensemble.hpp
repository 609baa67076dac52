// Runs every replicate of a scenario, each on its own engine, and gathers what the
// output file needs; saves and resumes checkpoints through a CheckpointStore.
#pragma once
#include <algorithm>
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

// How the ranks share the replicates (see EnsembleOptions::replicate_groups).
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

// An ensemble between two steps, as this rank's group sees it: what a checkpoint holds.
struct EnsembleState {
  int next_replicate = 0;                      // the next replicate this group starts
  std::vector<int> finished_ids;               // the group's replicates that ran to the end, in order
  std::vector<ReplicateSeries> finished;       // their series (group leader only)
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

// Memory a run needs, in bytes: agent state of the replicates that run at once, plus
// the recorded series of every replicate (they are kept until the file is written).
// With several ranks per replicate, the agent state per rank (each holds 1/ranks of the agents).
std::uint64_t estimated_run_bytes(const World& world, int concurrent_replicates, int ranks_per_replicate = 1);
// Memory this machine has available now (MemAvailable), in bytes; 0 if unknown.
std::uint64_t available_memory_bytes();

// File metadata for a scenario: dates, provenance.
RunMetadata run_metadata(const Scenario& scenario);

}  // namespace migflow

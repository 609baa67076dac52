// Checkpoints of a running ensemble, so that a long run killed for any reason can
// carry on where it was and end with the same output as an uninterrupted run.
//
// A checkpoint is a directory:
//   manifest.yaml         what the checkpoint holds and how the run was started;
//                         replaced atomically, so it always names a complete set
//   rank<R>.gen<G>.bin    each rank's state at generation G: its agents, the counts,
//                         the series so far, and (a replicate group's first rank)
//                         the group's finished replicates
//   lock                  the pid of the run using it, under rank 0's advisory lock
// A new generation's rank files are written (each atomically) before the manifest
// points at them, and the old generation is removed only after: a kill at any moment
// leaves the previous checkpoint or the new one, never a mixture.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ensemble/ensemble.hpp"
#include "sim/comm.hpp"

namespace migflow {

// A checkpoint that cannot be used: missing, corrupt, or from another scenario or
// rank count. The message names the file; under MPI, only the rank that reports it
// has a message (the others' is empty).
struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The run's identity: the resolved scenario text, the contents of its data files, seed,
// replicates and migflow version.
// A checkpoint only resumes the run it was saved from.
std::uint64_t run_fingerprint(const Scenario& scenario);
// A fingerprint `h` carried on over more bytes (FNV-1a), for identities built on it.
std::uint64_t fingerprint_of(std::uint64_t h, const void* data, std::size_t size);

// What every checkpoint directory's manifest.yaml shares, the run's here and the long
// commands' (session/task_checkpoint.hpp): a last line "checksum: <CRC-32 of the text
// before it>", added by with_checksum and verified whole by read_checked_manifest
// (CheckpointError naming the file on a missing manifest, an edit or a flipped bit).
std::string with_checksum(const std::string& text);
std::string read_checked_manifest(const std::string& dir);
// A checkpoint file's bytes; CheckpointError naming it when missing or not a regular file.
std::string read_checkpoint_file(const std::string& path);

class CheckpointStore {
 public:
  // `settings`: how the run was started (scenario path, output path, overrides), kept
  // in the manifest for `migflow run --resume`.
  CheckpointStore(std::string dir, const Comm& comm, std::uint64_t fingerprint,
                  std::vector<std::pair<std::string, std::string>> settings);

  // Creates the directory if needed and checks it is writable (throws OutputError).
  void prepare() const;
  // Claims the directory for this run (rank 0 holds an advisory lock on its `lock`
  // file, which the kernel releases however the process ends): a second run given the
  // same directory while this one lives is refused (OutputError naming the holder's
  // pid), instead of both saving generations over each other. Call after prepare(), or
  // before load() on a resume.
  void claim();
  // Saves a new generation (collective: every rank calls it). Throws OutputError on any
  // rank's failure, on every rank; the previous generation stays usable.
  void save(const EnsembleState& state, const ReplicateGroups& groups);
  // The state of the newest generation (collective). Throws CheckpointError.
  EnsembleState load(std::shared_ptr<const World> world, const ReplicateGroups& groups);

  // How the run was started, from `dir`'s manifest (throws CheckpointError).
  static std::vector<std::pair<std::string, std::string>> read_settings(const std::string& dir);
  // Removes the checkpoint's files (and the directory, if nothing else is in it),
  // once the run's output is written. Collective.
  void remove();

  // The claim moves with the store; it is not shared.
  CheckpointStore(CheckpointStore&& other) noexcept;
  CheckpointStore(const CheckpointStore&) = delete;
  CheckpointStore& operator=(const CheckpointStore&) = delete;
  ~CheckpointStore();

  const std::string& dir() const { return dir_; }
  // Wall time and bytes spent saving, for the overhead figures.
  double seconds_saving() const { return seconds_; }
  std::uint64_t bytes_saved() const { return bytes_; }

 private:
  std::string rank_file(int generation) const;

  std::string dir_;
  const Comm& comm_;
  std::uint64_t fingerprint_;
  std::vector<std::pair<std::string, std::string>> settings_;
  int generation_ = 0;
  int lock_fd_ = -1;  // rank 0's claim, or -1
  double seconds_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace migflow

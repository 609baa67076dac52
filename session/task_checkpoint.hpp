// The saved progress of a long command (calibrate, sensitivity, attribute, backtest), so
// that Ctrl-C or a kill loses at most the unit of work in hand (an SMC stage, a design
// point, a subset of blocks, a forecast) and `--resume DIR` carries on to the result an
// uninterrupted command gives, bit for bit. The analyses hand over their units through
// callbacks and know nothing of files; this keeps them.
//
// DIR holds manifest.yaml (the command, what is done, a fingerprint of the inputs, the
// request's fields; checksummed like a run's, ensemble/checkpoint.hpp) and
// state.gen<G>.bin (the units' results, sealed), each written atomically, the state
// first: a kill at any moment leaves the previous checkpoint or the new one.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace migflow {

class TaskCheckpoint {
 public:
  // `command` ("calibrate") is written into the manifest; another command's is refused.
  TaskCheckpoint(std::string dir, std::string command);

  const std::string& dir() const { return dir_; }
  // How the command was started, from DIR's manifest (throws CheckpointError).
  std::vector<std::pair<std::string, std::string>> read_settings() const;
  // A fresh start: creates DIR; refuses (OutputError) one that holds a checkpoint or
  // cannot be written.
  void prepare() const;
  // The saved state, once the manifest is this command's with this `fingerprint` of its
  // inputs (throws CheckpointError naming the file otherwise).
  std::string load(std::uint64_t fingerprint);
  // A new generation: `state` (the units done), then the manifest (`done` says what they
  // are, for the reader; `settings` the request's fields). Throws OutputError.
  void save(std::uint64_t fingerprint, const std::vector<std::pair<std::string, std::string>>& settings,
            const std::string& done, const std::vector<char>& state);
  // Once the command's outputs are written.
  void remove() const;
  // The manifest's path, for messages.
  std::string manifest() const;
  // What the checkpoint holds, as its manifest says (after load or save; empty before).
  const std::string& done() const { return done_; }

 private:
  std::string state_file(int generation) const;
  std::string dir_, command_, done_;
  int generation_ = 0;
};

}  // namespace migflow

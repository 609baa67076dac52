// The session layer: everything a `migflow` command does between its request and its
// result, shared by the command line (app/, which parses and prints) and the Python
// package (python/, which binds it). Each command prepares (loads the scenario with the
// user's overrides, builds the world, checks the output layout, memory and that its
// outputs can be written, all before simulating anything), executes (with progress and
// cancellation through its Context), and writes (atomically). Failures leave as
// SessionError (session/errors.hpp).
#pragma once
#include <tbb/global_control.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/observations.hpp"
#include "loader/policy_catalog.hpp"
#include "model/scenario.hpp"
#include "session/requests.hpp"
#include "sim/comm.hpp"
#include "sim/world.hpp"

namespace migflow {

// Where a command runs and how it tells the user what it does.
struct Context {
  explicit Context(const PolicyCatalog& policies, const Comm& comm = serial_comm()) : policies(policies), comm(comm) {}
  const PolicyCatalog& policies;
  const Comm& comm;
  // (done, in all) as the command goes, from any thread; may be empty.
  std::function<void(long long, long long)> progress;
  // Set by the caller (a signal, a notebook's interrupt): the command stops at its next
  // unit of work (a step, a stage, a design point, a subset, a forecast), keeps what its
  // checkpoint can, and fails with Failure::Stopped.
  const std::atomic<bool>* stop = nullptr;
  // A line for the user (the command line prints "migflow: <line>" on stderr), and a
  // warning; either may be empty.
  std::function<void(const std::string&)> say, warn;
  void tell(const std::string& line) const {
    if (say) say(line);
  }
};

// The worker threads a command may use while it lives: `threads` (0: all cores).
class ThreadLimit {
 public:
  explicit ThreadLimit(int threads);
  static int current();  // the threads allowed now

 private:
  std::optional<tbb::global_control> limit_;
};

// A scenario argument as a path: the file, when it exists; else a bundled scenario of
// that name; else the argument itself (which the loader then refuses as not found).
std::string resolve_scenario(const std::string& name);

// The request's scenario: loaded from its file or YAML text, with the bundled scenarios
// for `extends:` by name and the user's overrides (`set`) on top (loader/overrides.hpp).
// Throws SessionError (bad input).
std::shared_ptr<Scenario> load_requested(const ScenarioRequest& request, const PolicyCatalog& policies);
// Another scenario a command names (a reference, a baseline): a file or bundled name.
Scenario load_named(const std::string& name, const PolicyCatalog& policies);

// Refuses up front (bad input, with the estimate) a run of `concurrent` replicates at once
// of `world`, each on `ranks` processes, that cannot fit in memory.
void refuse_unless_fits(const World& world, int concurrent, int ranks = 1);
// The files of scenario arguments (files or bundled names; empty ones skipped): inputs
// a command's outputs must not replace.
std::vector<std::string> scenario_files(const std::vector<std::string>& names);
// Refuses up front (output failure) output files that could not be written, that name
// one of the command's `inputs`, or that name the same file twice; empty paths are
// skipped.
void refuse_unwritable(const std::vector<std::string>& paths, const std::vector<std::string>& inputs = {});

// Files of text a command writes: (path, text), empty paths skipped.
using TextOutputs = std::vector<std::pair<std::string, std::string>>;
// The write step of such commands: each file atomically; an output failure names it.
void write_text_outputs(const TextOutputs& outputs);

// The observations a calibration or backtest of `sc` fits or scores (data_dir: the
// bundled scenarios/data when empty; revision "2020" or "2024").
ObservationFiles observation_files(std::string data_dir, const std::string& revision);
Observations observations_for(const Scenario& sc, const std::string& data_dir, const std::string& revision);

}  // namespace migflow

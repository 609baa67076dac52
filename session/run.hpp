// `migflow run` and Python's migflow.run: a scenario's replicates, in three steps.
// Collective under MPI: every rank calls each step; a failure on any rank fails every
// rank, its message on one of them (empty on the others).
#pragma once
#include <optional>
#include <string>

#include "ensemble/checkpoint.hpp"
#include "ensemble/ensemble.hpp"
#include "output/run_file_writer.hpp"
#include "session/session.hpp"

namespace migflow {

struct PreparedRun {
  RunRequest request;  // as given, or as the checkpoint resumed holds it
  std::shared_ptr<const World> world;
  std::optional<CheckpointStore> checkpoints;
};

// Loads (from the checkpoint with `resume`), applies the overrides, checks what the
// output file will hold, that every rank runs the same, that it fits in memory, and that
// the output file and checkpoint can be written; nothing is simulated before.
PreparedRun prepare_run(RunRequest request, const Context& ctx);

struct RunResult {
  EnsembleResult ensemble;  // rank 0 holds the replicates
  RunMetadata meta;
  double seconds = 0;
};
// Runs the replicates, saving checkpoints as asked; stops at the end of a step when
// ctx.stop is set (then `ensemble.interrupted`).
RunResult execute_run(PreparedRun& run, const Context& ctx);

// Rank 0 writes the output file (none without `out`), or, for a stopped run, what is
// finished to "<out>.partial.h5", marked partial; then fails with Failure::Stopped. A
// complete run's checkpoint is removed once its file is written.
void write_run_result(PreparedRun& run, RunResult& result, const Context& ctx);

// The three steps with the request's thread limit: the whole command. The result keeps
// the replicates (rank 0), which the Python package hands to xarray.
RunResult run_command(const RunRequest& request, const Context& ctx);

// "out/run.h5" -> "out/run.partial.h5": never the name a finished run would have.
std::string partial_name(const std::string& out);

}  // namespace migflow

#include "session/run.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "ensemble/memory_estimate.hpp"
#include "ensemble/run_metadata.hpp"
#include "output/atomic_file.hpp"
#include "sim/engine.hpp"

namespace migflow {

namespace {

RunRequest resumed(const RunRequest& given) {
  RunRequest r = given;
  r.checkpoint = given.resume;
  const std::string manifest = (std::filesystem::path(given.resume) / "manifest.yaml").string();
  apply_settings(r, run_fields(), CheckpointStore::read_settings(given.resume), manifest, "run");
  return r;
}

// The request as the manifest keeps it: paths absolute (a resume may start elsewhere),
// the scenario's seed, replicates and parameters as they were run.
RunRequest settled(RunRequest r, const Scenario& sc) {
  settle_scenario(r);
  if (!r.out.empty()) r.out = std::filesystem::absolute(r.out).string();
  r.seed = sc.seed;
  r.replicates = sc.replicates;
  r.parameters = std::string(kParameterModeNames[static_cast<int>(sc.parameters)]);
  return r;
}

// Everything that makes two processes' runs the same run: the fingerprint (scenario,
// data, seed, replicates, version) and the options that set the collectives' pattern.
std::uint64_t run_identity(const RunRequest& r, const Scenario& sc) {
  const std::string options = std::to_string(r.checkpoint_every) + "," + std::to_string(r.replicate_groups) + "," +
                              (r.checkpoint.empty() ? "-" : "c") + (r.resume.empty() ? "-" : "r");
  return fingerprint_of(run_fingerprint(sc), options.data(), options.size());
}

// What the output file will hold (names, labels), checked before the first step rather
// than at the final write: an error here is in the scenario.
std::string output_layout_error(const World& world) {
  try {
    RunMetadata meta = run_metadata(world);
    meta.dates.clear();
    std::vector<ReplicateSeries> one;
    one.push_back(declared_series(world));
    check_run_layout(meta, one);
    return "";
  } catch (const std::exception& e) {
    return world.scenario().file + ": the output file cannot hold this scenario: " + e.what();
  }
}

// Refuses up front what cannot fit, with the estimate, rather than fail mid-run.
std::string memory_error(const World& world, const Comm& comm, int replicate_groups) {
  // The smallest group holds the most agents per rank; a group of one runs `threads` at once.
  const int groups = ReplicateGroups::effective_count(replicate_groups, comm.size(), world.scenario().replicates);
  const int ranks_per_replicate = comm.size() / groups;
  const int concurrent = ranks_per_replicate > 1 ? 1 : ThreadLimit::current();
  return memory_refusal(world, concurrent, ranks_per_replicate);
}

void announce(const Scenario& sc, const Context& ctx, int replicate_groups) {
  const Comm& comm = ctx.comm;
  if (comm.rank() != 0) return;
  const int groups = ReplicateGroups::effective_count(replicate_groups, comm.size(), sc.replicates);
  std::string where;
  if (comm.size() > 1) where = ", " + std::to_string(comm.size()) + " processes";
  if (groups > 1) where += " in " + std::to_string(groups) + " replicate groups";
  ctx.tell(sc.title + ": " + std::to_string(sc.total_agents()) + " agents, " + std::to_string(sc.calendar.steps()) +
           " steps, " + std::to_string(sc.replicates) + " replicates" + where);
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string format(const char* pattern, auto... values) {
  char line[512];
  std::snprintf(line, sizeof line, pattern, values...);
  return line;
}

}  // namespace

std::string partial_name(const std::string& out) {
  const std::filesystem::path p(out);
  return (p.parent_path() / (p.stem().string() + ".partial" + p.extension().string())).string();
}

PreparedRun prepare_run(RunRequest request, const Context& ctx) {
  const Comm& comm = ctx.comm;
  if (request.resume.empty() && request.scenario.empty() && request.scenario_yaml.empty())
    throw SessionError(Failure::Usage, "run: a scenario is required (or a checkpoint to resume)");
  PreparedRun run;
  std::optional<SessionError> failure;
  try {
    if (!request.resume.empty()) request = resumed(request);
    auto sc = load_requested(request, ctx.policies);
    if (request.seed) sc->seed = *request.seed;
    if (request.replicates) sc->replicates = *request.replicates;
    if (request.parameters) sc->parameters = parameter_mode_named(*request.parameters).value();  // checked
    run.world = std::make_shared<const World>(sc);
    if (const std::string layout = output_layout_error(*run.world); !layout.empty())
      failure.emplace(Failure::BadInput, layout);
  } catch (...) {  // InputError, CheckpointError, a bad manifest value
    failure = failure_of(std::current_exception(), Failure::BadInput);
  }
  // Loading ends together: every rank goes on, or every rank stops with the error said once.
  fail_together(comm, failure);
  const Scenario& sc = run.world->scenario();
  if (!comm.agree(run_identity(request, sc)))
    throw SessionError(Failure::BadInput,
                       comm.rank() == 0 ? "the processes were given different runs (scenario, data files, seed, "
                                          "replicates or checkpoint options); every process of a job must run the same"
                                        : "");
  // The refusing rank says why (the first one, if several do); the others exit quietly.
  const std::string refusal = memory_error(*run.world, comm, request.replicate_groups);
  fail_together(comm, refusal.empty() ? std::nullopt : std::optional(SessionError(Failure::BadInput, refusal)));
  run.request = settled(request, sc);
  // The output file (and the checkpoint directory) can be written; said on every rank's behalf.
  std::string error;
  int os_error = 0;
  try {
    if (comm.rank() == 0 && !run.request.out.empty())
      check_writable(run.request.out, scenario_files({run.request.scenario}));
    if (!run.request.checkpoint.empty()) {
      run.checkpoints.emplace(run.request.checkpoint, comm, run_fingerprint(sc),
                              manifest_settings(run.request, run_fields()));
      if (run.request.resume.empty()) run.checkpoints->prepare();
      run.checkpoints->claim();
    }
  } catch (const OutputError& e) {
    error = e.what();
    os_error = e.error_number;
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (comm.any(!error.empty()))
    throw SessionError(Failure::Output, error.empty() ? "another process could not write" : error, os_error);
  announce(sc, ctx, run.request.replicate_groups);
  return run;
}

RunResult execute_run(PreparedRun& run, const Context& ctx) {
  const Comm& comm = ctx.comm;
  const auto start = Clock::now();
  EnsembleOptions options;
  options.replicates = run.world->scenario().replicates;
  options.progress = ctx.progress;
  options.stop = ctx.stop;
  options.comm = &comm;
  options.replicate_groups = run.request.replicate_groups;
  options.checkpoints = run.checkpoints ? &*run.checkpoints : nullptr;
  options.checkpoint_every = run.request.checkpoint_every;
  options.resume = !run.request.resume.empty();
  RunResult result;
  try {
    result.ensemble = run_ensemble(run.world, options);
  } catch (const CheckpointError& e) {  // its message is on the rank that found the fault
    throw SessionError(Failure::BadInput, e.what());
  } catch (const OutputError& e) {  // a checkpoint could not be saved: said once
    throw SessionError(Failure::Output, comm.rank() == 0 ? e.what() : "");
  }
  result.seconds = seconds_since(start);
  result.meta = run_metadata(*run.world);  // its scenario_file as first given (load_requested)
  return result;
}

void write_run_result(PreparedRun& run, RunResult& result, const Context& ctx) {
  const Comm& comm = ctx.comm;
  const Scenario& sc = run.world->scenario();
  const RunRequest& request = run.request;
  const EnsembleResult& ensemble = result.ensemble;
  std::string out = request.out;
  if (ensemble.interrupted) {
    if (comm.rank() == 0 && !request.checkpoint.empty())
      ctx.tell("checkpoint saved; carry on with: migflow run --resume " + request.checkpoint);
    if (ensemble.steps_completed == 0 || out.empty())
      throw SessionError(Failure::Stopped, comm.rank() == 0 && !out.empty()
                                               ? "interrupted before any replicate finished; no output written"
                                               : "");
    result.meta.dates.resize(static_cast<std::size_t>(ensemble.steps_completed));
    result.meta.run_status = ensemble.replicates_finished > 0
                                 ? "partial: interrupted; " + std::to_string(ensemble.replicates_finished) + " of " +
                                       std::to_string(sc.replicates) + " replicates finished"
                                 : "partial: interrupted after " + std::to_string(ensemble.steps_completed) + " of " +
                                       std::to_string(sc.calendar.steps()) + " steps";
    out = partial_name(out);
    if (comm.rank() == 0) ctx.tell(result.meta.run_status);
  }
  // Rank 0 writes; every rank then ends with its outcome.
  std::string error;
  const auto write_start = Clock::now();
  if (comm.rank() == 0 && !out.empty()) try {
      write_run(out, result.meta, ensemble.replicates);
    } catch (const std::exception& e) {
      error = e.what();
    }
  if (comm.any(!error.empty())) throw SessionError(Failure::Output, error);
  if (ensemble.interrupted)
    throw SessionError(Failure::Stopped, comm.rank() == 0 ? "wrote the partial result to " + out : "");
  if (comm.rank() == 0 && !out.empty()) {
    const double seconds = result.seconds, write_seconds = seconds_since(write_start);
    const double agent_steps = static_cast<double>(sc.total_agents()) * sc.calendar.steps() * sc.replicates;
    ctx.tell(format("wrote %s (%.2f s simulating, %.3g agent-steps/s; %.2f s writing, %.1f%% of the run)", out.c_str(),
                    seconds, agent_steps / seconds, write_seconds, 100.0 * write_seconds / (seconds + write_seconds)));
    if (const CheckpointStore* c = run.checkpoints ? &*run.checkpoints : nullptr)
      ctx.tell(format("checkpoints took %.2f s (%.1f%% of the run), %.1f MB written", c->seconds_saving(),
                      100.0 * c->seconds_saving() / seconds, static_cast<double>(c->bytes_saved()) / 1e6));
  }
  if (run.checkpoints) run.checkpoints->remove();  // the output is written: the checkpoint has done its job
}

}  // namespace migflow

namespace migflow {

RunResult run_command(const RunRequest& request, const Context& ctx) {
  const ThreadLimit limit(request.threads);
  PreparedRun run = prepare_run(request, ctx);
  RunResult result = execute_run(run, ctx);
  write_run_result(run, result, ctx);
  return result;
}

}  // namespace migflow

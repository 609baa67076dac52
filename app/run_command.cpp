// `migflow run`: load, check what can be checked up front, run the replicates (with
// checkpoints), write one file; or, when stopped by a signal, what is finished.
#include <signal.h>
#include <tbb/global_control.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "app/commands.hpp"
#include "app/progress.hpp"
#include "ensemble/checkpoint.hpp"
#include "ensemble/ensemble.hpp"
#include "ensemble/memory_estimate.hpp"
#include "ensemble/run_metadata.hpp"
#include "loader/scenario_loader.hpp"
#include "output/run_file_writer.hpp"
#include "sim/agents.hpp"
#include "sim/engine.hpp"

namespace migflow {

namespace {

// Set by SIGINT/SIGTERM; the run stops at the end of the current step.
std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;

void on_signal(int sig) {
  g_signal = sig;
  g_stop = true;
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// "out/run.h5" -> "out/run.partial.h5": never the name a finished run would have.
std::string partial_name(const std::string& out) {
  const std::filesystem::path p(out);
  return (p.parent_path() / (p.stem().string() + ".partial" + p.extension().string())).string();
}

std::shared_ptr<const World> load_world(const RunArgs& args, const PolicyCatalog& policies) {
  auto sc = std::make_shared<Scenario>(load_scenario(args.scenario, policies));
  if (args.seed) sc->seed = *args.seed;
  if (args.replicates) sc->replicates = *args.replicates;
  if (args.parameters) sc->parameters = parameter_mode_named(*args.parameters).value();  // checked by the CLI
  return std::make_shared<const World>(sc);
}

// How a run was started, as a checkpoint's manifest keeps it, and back.
std::vector<std::pair<std::string, std::string>> run_settings(const RunArgs& args, const Scenario& sc) {
  return {{"scenario", std::filesystem::absolute(args.scenario).string()},
          {"scenario_named", args.scenario_named.empty() ? args.scenario : args.scenario_named},
          {"out", std::filesystem::absolute(args.out).string()},
          {"seed", std::to_string(sc.seed)},
          {"replicates", std::to_string(sc.replicates)},
          {"parameters", std::string(kParameterModeNames[static_cast<int>(sc.parameters)])},
          {"checkpoint_every", std::to_string(args.checkpoint_every)},
          {"replicate_groups", std::to_string(args.replicate_groups)}};
}

RunArgs resumed_args(const RunArgs& given) {
  RunArgs args = given;
  args.checkpoint = given.resume;
  const std::string manifest = (std::filesystem::path(given.resume) / "manifest.yaml").string();
  for (const auto& [key, value] : CheckpointStore::read_settings(given.resume)) {
    // The manifest's checksum holds; a value that still does not parse is refused by name.
    auto number = [&, &key = key, &value = value](std::uint64_t lo, std::uint64_t hi) {
      const bool digits = !value.empty() && value.size() <= 19 && value.find_first_not_of("0123456789") == value.npos;
      if (!digits || std::stoull(value) < lo || std::stoull(value) > hi)
        throw CheckpointError(manifest + ": field 'run." + key + "': '" + value + "' out of range");
      return std::stoull(value);
    };
    if (key == "scenario") args.scenario = value;
    if (key == "scenario_named") args.scenario_named = value;
    if (key == "out") args.out = value;
    if (key == "seed") args.seed = number(0, 9'000'000'000'000'000'000ULL);
    if (key == "replicates") args.replicates = static_cast<int>(number(1, 100000));
    if (key == "parameters") {
      if (!parameter_mode_named(value))
        throw CheckpointError(manifest + ": field 'run.parameters': '" + value + "' is not posterior or point");
      args.parameters = value;
    }
    if (key == "checkpoint_every") args.checkpoint_every = static_cast<int>(number(0, 65000));
    if (key == "replicate_groups") args.replicate_groups = static_cast<int>(number(1, 100000));
  }
  return args;
}

// Collective: true on every rank when any rank has an `error`; the lowest such rank
// prints it, so a failure on any one rank is said once and ends every rank.
bool failed_somewhere(const Comm& comm, const std::string& error) {
  const int first = comm.first_rank_with(!error.empty());
  if (first == comm.rank()) std::fprintf(stderr, "migflow: error: %s\n", error.c_str());
  return first >= 0;
}

// Everything that makes two processes' runs the same run: the fingerprint (scenario,
// data, seed, replicates, version) and the options that set the collectives' pattern.
std::uint64_t run_identity(const RunArgs& args, const Scenario& sc) {
  const std::string options = std::to_string(args.checkpoint_every) + "," + std::to_string(args.replicate_groups) +
                              "," + (args.checkpoint.empty() ? "-" : "c") + (args.resume.empty() ? "-" : "r");
  std::uint64_t h = run_fingerprint(sc);
  for (const unsigned char c : options) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// What the output file will hold (names, labels), checked before the first step rather
// than at the final write: an error here is in the scenario.
std::string check_output_layout(const World& world) {
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

// Messages come from rank 0 only; every rank meets the same input errors.
void say(const Comm& comm, const char* format, const std::string& text) {
  if (comm.rank() == 0) std::fprintf(stderr, format, text.c_str());
}

// Refuses up front what cannot fit, with the estimate, rather than fail mid-run.
bool fits_in_memory(const World& world, const Comm& comm, int replicate_groups) {
  const int threads = static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  // The smallest group holds the most agents per rank; a group of one runs `threads` at once.
  const int groups = ReplicateGroups::effective_count(replicate_groups, comm.size(), world.scenario().replicates);
  const int ranks_per_replicate = comm.size() / groups;
  const int concurrent = ranks_per_replicate > 1 ? 1 : threads;
  const std::string refusal = memory_refusal(world, concurrent, ranks_per_replicate);
  if (!refusal.empty()) say(comm, "migflow: error: %s\n", refusal);
  return refusal.empty();
}

// The output file (and, with --checkpoint, the checkpoint directory) can be written;
// says why not on every rank's behalf.
bool prepare_outputs(const RunArgs& args, const Comm& comm, const Scenario& sc, std::optional<CheckpointStore>& store) {
  std::string error;
  try {
    if (comm.rank() == 0) check_writable(args.out);
    if (!args.checkpoint.empty()) {
      store.emplace(args.checkpoint, comm, run_fingerprint(sc), run_settings(args, sc));
      if (args.resume.empty()) store->prepare();
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!comm.any(!error.empty())) return true;
  std::fprintf(stderr, "migflow: error: %s\n", error.empty() ? "another process could not write" : error.c_str());
  return false;
}

void announce(const Scenario& sc, const Comm& comm, int replicate_groups) {
  if (comm.rank() != 0) return;
  const int groups = ReplicateGroups::effective_count(replicate_groups, comm.size(), sc.replicates);
  std::string where;
  if (comm.size() > 1) where = ", " + std::to_string(comm.size()) + " processes";
  if (groups > 1) where += " in " + std::to_string(groups) + " replicate groups";
  std::fprintf(stderr, "migflow: %s: %llu agents, %d steps, %d replicates%s\n", sc.title.c_str(),
               static_cast<unsigned long long>(sc.total_agents()), sc.calendar.steps(), sc.replicates, where.c_str());
}

// What a stopped run keeps: the file's name and status say it is partial. Returns false
// when nothing is finished enough to write.
bool mark_partial(const EnsembleResult& result, const Scenario& sc, const RunArgs& args, const Comm& comm,
                  RunMetadata& meta, std::string& out) {
  if (comm.rank() == 0 && !args.checkpoint.empty())
    std::fprintf(stderr, "migflow: checkpoint saved; carry on with: migflow run --resume %s\n",
                 args.checkpoint.c_str());
  if (result.steps_completed == 0) {
    if (comm.rank() == 0)
      std::fprintf(stderr, "migflow: interrupted before any replicate finished; no output written\n");
    return false;
  }
  meta.dates.resize(static_cast<size_t>(result.steps_completed));
  meta.run_status = result.replicates_finished > 0
                        ? "partial: interrupted; " + std::to_string(result.replicates_finished) + " of " +
                              std::to_string(sc.replicates) + " replicates finished"
                        : "partial: interrupted after " + std::to_string(result.steps_completed) + " of " +
                              std::to_string(sc.calendar.steps()) + " steps";
  out = partial_name(args.out);
  say(comm, "migflow: %s\n", meta.run_status);
  return true;
}

void report_costs(const Scenario& sc, const std::string& out, double seconds, double write_seconds,
                  const CheckpointStore* checkpoints) {
  const double agent_steps = static_cast<double>(sc.total_agents()) * sc.calendar.steps() * sc.replicates;
  std::fprintf(stderr, "migflow: wrote %s (%.2f s simulating, %.3g agent-steps/s; %.2f s writing, %.1f%% of the run)\n",
               out.c_str(), seconds, agent_steps / seconds, write_seconds,
               100.0 * write_seconds / (seconds + write_seconds));
  if (checkpoints)
    std::fprintf(stderr, "migflow: checkpoints took %.2f s (%.1f%% of the run), %.1f MB written\n",
                 checkpoints->seconds_saving(), 100.0 * checkpoints->seconds_saving() / seconds,
                 static_cast<double>(checkpoints->bytes_saved()) / 1e6);
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

int run_command(RunArgs args, const Comm& comm, const PolicyCatalog& policies) {
  std::optional<tbb::global_control> threads;
  if (args.threads > 0)
    threads.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(args.threads));
  std::shared_ptr<const World> world;
  std::string error;
  try {
    if (!args.resume.empty()) args = resumed_args(args);
    world = load_world(args, policies);
    error = check_output_layout(*world);
  } catch (const std::exception& e) {  // InputError, CheckpointError
    error = e.what();
  }
  // Loading ends together: every rank goes on, or every rank stops with the error said once.
  if (failed_somewhere(comm, error)) return kBadInput;
  if (!comm.agree(run_identity(args, world->scenario()))) {
    say(comm, "migflow: error: %s\n",
        "the processes were given different runs (scenario, data files, seed, replicates or checkpoint options); "
        "every process of a job must run the same");
    return kBadInput;
  }
  if (comm.any(!fits_in_memory(*world, comm, args.replicate_groups))) return kBadInput;
  const Scenario& sc = world->scenario();
  std::optional<CheckpointStore> checkpoints;
  if (!prepare_outputs(args, comm, sc, checkpoints)) return kOutputFailure;
  announce(sc, comm, args.replicate_groups);

  ProgressBar bar("running", comm.rank() == 0);
  const auto start = Clock::now();
  EnsembleOptions options;
  options.replicates = sc.replicates;
  options.progress = [&](long long done, long long total) { bar.update(done, total); };
  options.stop = &g_stop;
  options.comm = &comm;
  options.replicate_groups = args.replicate_groups;
  options.checkpoints = checkpoints ? &*checkpoints : nullptr;
  options.checkpoint_every = args.checkpoint_every;
  options.resume = !args.resume.empty();
  install_stop_handlers();
  EnsembleResult result;
  try {
    result = run_ensemble(world, options);
  } catch (const CheckpointError& e) {
    bar.finish();
    if (*e.what() != '\0') std::fprintf(stderr, "migflow: error: %s\n", e.what());  // said by one rank
    return kBadInput;
  } catch (const std::runtime_error& e) {  // a checkpoint could not be saved
    bar.finish();
    say(comm, "migflow: error: %s\n", e.what());
    return kOutputFailure;
  }
  bar.finish();
  const double seconds = seconds_since(start);

  RunMetadata meta = run_metadata(*world);
  // The scenario as the run was started with it, also when resumed from elsewhere.
  if (!args.scenario_named.empty()) meta.scenario_file = args.scenario_named;
  std::string out = args.out;
  const int stopped_code = 128 + static_cast<int>(g_signal ? g_signal : SIGTERM);
  if (result.interrupted && !mark_partial(result, sc, args, comm, meta, out)) return stopped_code;
  // Rank 0 writes; every rank then exits with its outcome.
  std::int64_t code = 0;
  const auto write_start = Clock::now();
  if (comm.rank() == 0) {
    try {
      write_run(out, meta, result.replicates);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "migflow: error: %s\n", e.what());
      code = kOutputFailure;
    }
  }
  comm.sum({&code, 1});
  if (code != 0) return static_cast<int>(code);
  if (result.interrupted) {
    say(comm, "migflow: wrote the partial result to %s\n", out);
    return stopped_code;
  }
  if (comm.rank() == 0)
    report_costs(sc, args.out, seconds, seconds_since(write_start), checkpoints ? &*checkpoints : nullptr);
  if (checkpoints) checkpoints->remove();  // the output is written: the checkpoint has done its job
  return 0;
}

}  // namespace migflow

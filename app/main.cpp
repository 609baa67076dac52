// The migflow command line: run, validate, compare, bench, calibrate.
#include <tbb/global_control.h>

#include <CLI/CLI.hpp>
#include <signal.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include "analysis/calibrate.hpp"
#include "analysis/compare.hpp"
#include "app/bench.hpp"
#include "app/progress.hpp"
#include "output/atomic_file.hpp"
#include "output/run_file_writer.hpp"
#include "loader/scenario_loader.hpp"
#include "policies/registry.hpp"
#include "sim/agents.hpp"
#include "ensemble/checkpoint.hpp"
#include "sim/comm.hpp"
#include "ensemble/ensemble.hpp"
#include "ensemble/memory_estimate.hpp"
#include "ensemble/run_metadata.hpp"

using namespace migflow;

namespace {

// Exit codes: 0 success, 1 usage, 2 bad input (scenario, data or checkpoint), 3 output
// failure (output file or checkpoint), 4 unexpected error,
// 128 + signal number when interrupted (130 for Ctrl-C, 143 for SIGTERM).
constexpr int kBadInput = 2, kOutputFailure = 3;

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

struct RunArgs {
  std::string scenario, out;
  std::optional<std::uint64_t> seed;
  std::optional<int> replicates;
  int threads = 0;  // 0: all cores
  std::string checkpoint, resume;
  int checkpoint_every = 0;
  int replicate_groups = 1;
};

std::shared_ptr<const World> load_world(const std::string& path, const RunArgs* overrides) {
  auto sc = std::make_shared<Scenario>(load_scenario(path, builtin_policies()));
  if (overrides && overrides->seed) sc->seed = *overrides->seed;
  if (overrides && overrides->replicates) sc->replicates = *overrides->replicates;
  return std::make_shared<const World>(sc);
}

// How a run was started, as a checkpoint's manifest keeps it, and back.
std::vector<std::pair<std::string, std::string>> run_settings(const RunArgs& args, const Scenario& sc) {
  return {{"scenario", std::filesystem::absolute(args.scenario).string()},
          {"out", std::filesystem::absolute(args.out).string()},
          {"seed", std::to_string(sc.seed)},
          {"replicates", std::to_string(sc.replicates)},
          {"checkpoint_every", std::to_string(args.checkpoint_every)},
          {"replicate_groups", std::to_string(args.replicate_groups)}};
}

RunArgs resumed_args(const RunArgs& given) {
  RunArgs args = given;
  args.checkpoint = given.resume;
  for (const auto& [key, value] : CheckpointStore::read_settings(given.resume)) {
    if (key == "scenario") args.scenario = value;
    if (key == "out") args.out = value;
    if (key == "seed") args.seed = std::stoull(value);
    if (key == "replicates") args.replicates = std::stoi(value);
    if (key == "checkpoint_every") args.checkpoint_every = std::stoi(value);
    if (key == "replicate_groups") args.replicate_groups = std::stoi(value);
  }
  return args;
}

// Messages come from rank 0 only; every rank meets the same input errors.
void say(const Comm& comm, const char* format, const std::string& text) {
  if (comm.rank() == 0) std::fprintf(stderr, format, text.c_str());
}

// Refuses up front what cannot fit, with the estimate, rather than fail mid-run.
bool fits_in_memory(const World& world, const Comm& comm, int replicate_groups) {
  const int threads = static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");  // ranks sharing this machine
  const std::uint64_t ranks_here = local ? std::max(1, std::atoi(local)) : 1;
  // The smallest group holds the most agents per rank; a group of one runs `threads` at once.
  const int groups = ReplicateGroups::effective_count(replicate_groups, comm.size(), world.scenario().replicates);
  const int ranks_per_replicate = comm.size() / groups;
  const int concurrent = ranks_per_replicate > 1 ? 1 : threads;
  const std::uint64_t need = estimated_run_bytes(world, concurrent, ranks_per_replicate) * ranks_here;
  const std::uint64_t have = available_memory_bytes();
  if (have == 0 || need <= have * 9 / 10) return true;
  const Scenario& sc = world.scenario();
  char text[512];
  std::snprintf(text, sizeof text,
                "%s: field 'population': %llu agents x %d replicates at once, each on %d process(es), need about %.1f GB "
                "(%zu bytes per agent, plus the recorded series), but %.1f GB are available; "
                "raise persons_per_agent, run fewer replicates or use more machines",
                sc.file.c_str(), static_cast<unsigned long long>(sc.total_agents()),
                std::min(concurrent, sc.replicates), ranks_per_replicate,
                static_cast<double>(need) / 1e9, AgentStore::kBytesPerAgent, static_cast<double>(have) / 1e9);
  say(comm, "migflow: error: %s\n", text);
  return false;
}

int run(RunArgs args, const Comm& comm) {
  std::optional<tbb::global_control> threads;
  if (args.threads > 0) threads.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(args.threads));
  std::shared_ptr<const World> world;
  try {
    if (!args.resume.empty()) args = resumed_args(args);
    world = load_world(args.scenario, &args);
  } catch (const std::exception& e) {  // InputError, CheckpointError
    say(comm, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  if (comm.any(!fits_in_memory(*world, comm, args.replicate_groups))) return kBadInput;
  const Scenario& sc = world->scenario();
  std::optional<CheckpointStore> checkpoints;
  std::string setup_error;
  try {
    if (comm.rank() == 0) check_writable(args.out);
    if (!args.checkpoint.empty()) {
      checkpoints.emplace(args.checkpoint, comm, run_fingerprint(sc), run_settings(args, sc));
      if (args.resume.empty()) checkpoints->prepare();
    }
  } catch (const std::exception& e) {
    setup_error = e.what();
  }
  if (comm.any(!setup_error.empty())) {
    std::fprintf(stderr, "migflow: error: %s\n", setup_error.empty() ? "another process could not write" : setup_error.c_str());
    return kOutputFailure;
  }
  if (comm.rank() == 0) {
    const int groups = ReplicateGroups::effective_count(args.replicate_groups, comm.size(), sc.replicates);
    std::string where;
    if (comm.size() > 1) where = ", " + std::to_string(comm.size()) + " processes";
    if (groups > 1) where += " in " + std::to_string(groups) + " replicate groups";
    std::fprintf(stderr, "migflow: %s: %llu agents, %d steps, %d replicates%s\n", sc.title.c_str(),
                 static_cast<unsigned long long>(sc.total_agents()), sc.calendar.steps(), sc.replicates, where.c_str());
  }
  ProgressBar bar("running", comm.rank() == 0);
  const auto start = std::chrono::steady_clock::now();
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
    say(comm, "migflow: error: %s\n", e.what());
    return kBadInput;
  } catch (const std::runtime_error& e) {  // a checkpoint could not be saved
    bar.finish();
    say(comm, "migflow: error: %s\n", e.what());
    return kOutputFailure;
  }
  bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RunMetadata meta = run_metadata(sc);
  std::string out = args.out;
  const int stopped_code = 128 + static_cast<int>(g_signal ? g_signal : SIGTERM);
  if (result.interrupted) {
    // Keep what is finished, under a name and a status that say so.
    const int steps = sc.calendar.steps();
    if (comm.rank() == 0 && checkpoints)
      std::fprintf(stderr, "migflow: checkpoint saved; carry on with: migflow run --resume %s\n", args.checkpoint.c_str());
    if (result.steps_completed == 0) {
      if (comm.rank() == 0) std::fprintf(stderr, "migflow: interrupted before any replicate finished; no output written\n");
      return stopped_code;
    }
    meta.dates.resize(static_cast<size_t>(result.steps_completed));
    meta.run_status = result.replicates_finished > 0
                          ? "partial: interrupted; " + std::to_string(result.replicates_finished) + " of " +
                                std::to_string(sc.replicates) + " replicates finished"
                          : "partial: interrupted after " + std::to_string(result.steps_completed) + " of " +
                                std::to_string(steps) + " steps";
    out = partial_name(args.out);
    say(comm, "migflow: %s\n", meta.run_status);
  }
  // Rank 0 writes; every rank then exits with its outcome.
  std::int64_t code = 0;
  const auto write_start = std::chrono::steady_clock::now();
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
  if (comm.rank() == 0) {
    const double agent_steps = static_cast<double>(sc.total_agents()) * sc.calendar.steps() * sc.replicates;
    const double write_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - write_start).count();
    std::fprintf(stderr, "migflow: wrote %s (%.2f s simulating, %.3g agent-steps/s; %.2f s writing, %.1f%% of the run)\n",
                 args.out.c_str(), seconds, agent_steps / seconds, write_seconds,
                 100.0 * write_seconds / (seconds + write_seconds));
    if (checkpoints)
      std::fprintf(stderr, "migflow: checkpoints took %.2f s (%.1f%% of the run), %.1f MB written\n",
                   checkpoints->seconds_saving(), 100.0 * checkpoints->seconds_saving() / seconds,
                   static_cast<double>(checkpoints->bytes_saved()) / 1e6);
  }
  if (checkpoints) checkpoints->remove();  // the output is written: the checkpoint has done its job
  return 0;
}

int validate(const std::string& path) {
  try {
    auto world = load_world(path, nullptr);
    const Scenario& sc = world->scenario();
    std::uint64_t at_home = 0;
    for (const OriginSpec& o : sc.origins) at_home += o.agents;
    std::printf("%s: valid\n  %s\n  %zu nodes (%d origins, %d Member States), %zu edges, %d policies\n"
                "  %llu agents (%llu at home, the rest abroad at the start; %.1f MB of agent state)\n"
                "  %d steps from %s, %d replicates, seed %llu\n",
                path.c_str(), sc.title.c_str(), sc.nodes.size(), world->origin_count(), world->member_state_count(),
                sc.edges.size(), static_cast<int>(sc.policies.size()),
                static_cast<unsigned long long>(sc.total_agents()), static_cast<unsigned long long>(at_home),
                sc.total_agents() * AgentStore::kBytesPerAgent / 1e6, sc.calendar.steps(),
                sc.calendar.start.str().c_str(), sc.replicates, static_cast<unsigned long long>(sc.seed));
    return 0;
  } catch (const InputError& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
}

// Writes `text` to `path` atomically (no half file on failure); says why when it fails.
bool write_text_file(const std::string& path, const std::string& text) {
  try {
    write_file_atomically(path, text.data(), text.size());
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());  // "writing '<path>': <reason>"
    return false;
  }
}

struct CompareArgs {
  std::vector<std::string> runs;
  std::string csv, markdown;
  bool by_member_state = false;
};

int compare(const CompareArgs& args) {
  Comparison c;
  try {
    std::vector<RunFile> runs;
    for (const auto& path : args.runs) runs.push_back(read_run_file(path));
    c = compare_runs(runs, args.by_member_state);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  const std::string table = comparison_markdown(c);
  std::fputs(table.c_str(), stdout);
  for (const auto& [path, text] : {std::pair{args.csv, comparison_csv(c)}, std::pair{args.markdown, table}})
    if (!path.empty() && !write_text_file(path, text)) return kOutputFailure;
  return 0;
}

struct CalibrateArgs {
  std::string scenario, observed, detections, write;
  bool no_detections = false;
  CalibrationOptions options;
};

int calibrate_command(CalibrateArgs args) {
  Scenario sc;
  std::vector<StockTarget> targets;
  std::vector<DetectionTarget> detections;
  try {
    sc = load_scenario(args.scenario, builtin_policies());
    if (args.observed.empty()) args.observed = std::string(MIGFLOW_SOURCE_DIR) + "/scenarios/data/diaspora.csv";
    targets = read_stock_targets(args.observed, sc);
    if (args.detections.empty()) args.detections = std::string(MIGFLOW_SOURCE_DIR) + "/scenarios/data/frontex_detections.csv";
    if (!args.no_detections)
      detections = read_detection_targets(args.detections, sc,
                                          {args.options.detection_fit_years, args.options.detection_test_years});
  } catch (const InputError& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  CalibrationResult r;
  try {
    r = calibrate(sc, targets, args.options, detections);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  std::printf("| origin | Member State | year | observed | model | kind |\n|---|---|---|---|---|---|\n");
  for (const auto* set : {&r.fit, &r.backtest})
    for (const TargetFit& f : *set)
      std::printf("| %s | %s | %d | %.0f | %.0f | %s |\n", f.target.origin.c_str(), f.target.destination.c_str(),
                  f.target.year, f.target.persons, f.model, set == &r.fit ? "fit" : "backtest");
  std::printf("\n");
  if (!r.detection_fit.empty()) {
    std::printf("| origin | detections | observed | model | kind |\n|---|---|---|---|---|\n");
    for (const auto* set : {&r.detection_fit, &r.detection_backtest})
      for (const DetectionFit& f : *set)
        std::printf("| %s | %d-%d | %.0f%s | %.0f | %s |\n", f.target.origin.c_str(), f.target.first_year,
                    f.target.last_year, f.target.detections, f.upper_bound ? " (below resolution)" : "", f.model,
                    set == &r.detection_fit ? "fit" : "backtest");
    std::printf("\n");
  }
  for (const FittedParameter& p : r.parameters) std::printf("%s: %.6g (was %.6g)\n", p.name.c_str(), p.value, p.start);
  std::printf("fit_rmse_ln: %.4f (before: %.4f, %d evaluations)\nbacktest_rmse_ln: %.4f (year %d)\n", r.fit_rmse,
              r.start_rmse, r.evaluations, r.backtest_rmse, args.options.test_year);
  std::printf("targets: %zu fitted, %zu backtested, %d below resolution left out\n", r.fit.size(), r.backtest.size(),
              r.below_resolution);
  if (!r.detection_fit.empty())
    std::printf("detection_error_ln: %.4f (before: %.4f)\ndetection_backtest_error_ln: %.4f\n"
                "detection_resolution: %.0f persons\n",
                r.detection_error, r.start_detection_error, r.detection_backtest_error, r.detection_resolution);
  if (!args.write.empty() && !write_text_file(args.write, calibration_yaml(sc, r, args.options))) return kOutputFailure;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const MpiSession mpi(argc, argv);  // MPI only when started by mpirun or srun
  CLI::App app{"migflow: agent-based simulation of migration flows between the EU and its partner countries"};
  app.set_version_flag("--version", std::string("migflow ") + MIGFLOW_VERSION);
  app.require_subcommand(1);

  RunArgs run_args;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a scenario's replicates and write one HDF5/netCDF-4 file");
  auto* scenario_opt = run_cmd->add_option("scenario", run_args.scenario, "Scenario YAML file")->check(CLI::ExistingFile);
  auto* out_opt = run_cmd->add_option("--out,-o", run_args.out, "Output file (.h5); written atomically");
  auto* seed_opt = run_cmd->add_option("--seed", run_args.seed, "Override the scenario's seed");
  auto* replicates_opt = run_cmd->add_option("--replicates,-r", run_args.replicates, "Override the number of replicates")
      ->check(CLI::Range(1, 100000));
  auto* checkpoint_opt = run_cmd->add_option(
      "--checkpoint", run_args.checkpoint, "Checkpoint directory: the state is saved there (atomically) as the run goes");
  run_cmd->add_option("--checkpoint-every", run_args.checkpoint_every, "Save a checkpoint every K steps of a replicate")
      ->check(CLI::Range(1, 65000))
      ->needs(checkpoint_opt);
  auto* groups_opt =
      run_cmd
          ->add_option("--replicate-groups", run_args.replicate_groups,
                       "Under mpirun: split the processes into G groups, each running every G-th replicate "
                       "(default 1: all processes share every replicate)")
          ->check(CLI::Range(1, 100000));
  run_cmd->add_option("--resume", run_args.resume,
                      "Carry on from a checkpoint directory (scenario, output and options come from it)")
      ->check(CLI::ExistingDirectory)
      ->excludes(scenario_opt, out_opt, seed_opt, replicates_opt, checkpoint_opt, groups_opt);
  run_cmd->add_option("--threads,-t", run_args.threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));

  std::string validate_path;
  CLI::App* validate_cmd = app.add_subcommand("validate", "Check a scenario file and print what it describes");
  validate_cmd->add_option("scenario", validate_path, "Scenario YAML file")->required();

  CompareArgs compare_args;
  CLI::App* compare_cmd = app.add_subcommand(
      "compare", "Headline indicators of two or more runs, with 95% intervals and differences from the first");
  compare_cmd->add_option("runs", compare_args.runs, "Output files of `migflow run` (the first is the reference)")
      ->required()
      ->expected(2, 1000)
      ->check(CLI::ExistingFile);
  compare_cmd->add_option("--csv", compare_args.csv, "Also write the table as CSV (long format)");
  compare_cmd->add_option("--markdown", compare_args.markdown, "Also write the table as Markdown");
  compare_cmd->add_flag("--by-member-state", compare_args.by_member_state, "Add arrivals and returns per Member State");

  BenchArgs bench_args;
  CLI::App* bench_cmd = app.add_subcommand(
      "bench", "Throughput on this machine: agent-steps per second, memory, output share, scenarios per hour");
  bench_cmd->add_option("scenario", bench_args.scenario, "Scenario (default: the bundled default scenario)")
      ->check(CLI::ExistingFile);
  bench_cmd->add_option("--agents,-n", bench_args.agents, "Scale the scenario to about this many agents (same persons)");
  bench_cmd->add_option("--steps", bench_args.steps, "Run only the first steps")->check(CLI::Range(1, 65000));
  bench_cmd->add_option("--threads,-t", bench_args.threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  bench_cmd->add_flag("--no-comparison", bench_args.skip_comparison, "Skip timing the default comparison");

  CalibrateArgs cal;
  CLI::App* calibrate_cmd = app.add_subcommand(
      "calibrate", "Fit the baseline's free parameters to observed migrant stocks and border detections; report fit and backtest errors");
  calibrate_cmd->add_option("scenario", cal.scenario, "Scenario YAML file")->required()->check(CLI::ExistingFile);
  calibrate_cmd->add_option("--observed", cal.observed,
                            "Observed stocks: CSV origin,destination,persons,year (default: scenarios/data/diaspora.csv)")
      ->check(CLI::ExistingFile);
  calibrate_cmd->add_option("--detections", cal.detections,
                            "Observed border detections: CSV origin,year,...,detections "
                            "(default: scenarios/data/frontex_detections.csv)")
      ->check(CLI::ExistingFile);
  calibrate_cmd->add_flag("--no-detections", cal.no_detections,
                          "Fit the stocks only (irregular_propensity keeps its value)");
  calibrate_cmd->add_option("--detection-fit-years", cal.options.detection_fit_years,
                            "First and last year of detections fitted (default 2009 2015)");
  calibrate_cmd->add_option("--detection-test-years", cal.options.detection_test_years,
                            "First and last year of detections held out (default 2016 2020)");
  calibrate_cmd->add_option("--write", cal.write, "Write the fitted values as a YAML fragment to extend");
  calibrate_cmd->add_option("--fit-years", cal.options.fit_years, "Years fitted (default 2010 2015)");
  calibrate_cmd->add_option("--test-year", cal.options.test_year, "Year held out for the backtest (default 2020)");
  calibrate_cmd->add_option("--agents", cal.options.agents, "Agents while fitting (default 40000)");
  calibrate_cmd->add_option("--replicates", cal.options.replicates, "Replicates per evaluation (default 2)")
      ->check(CLI::Range(1, 1000));
  calibrate_cmd->add_option("--evaluations", cal.options.max_evaluations, "Most simulations (default 200)")
      ->check(CLI::Range(5, 100000));

  CLI11_PARSE(app, argc, argv);
  if (*run_cmd && run_args.resume.empty() && (run_args.scenario.empty() || run_args.out.empty())) {
    std::fprintf(stderr, "migflow run: a scenario and --out are required (or --resume CHECKPOINT)\n");
    return 1;
  }
  if (*calibrate_cmd) return calibrate_command(cal);
  if (*bench_cmd) return bench(bench_args, mpi.world());
  if (*compare_cmd) return compare(compare_args);
  if (*run_cmd) {
    try {
      return run(run_args, mpi.world());
    } catch (const std::exception& e) {
      // Unexpected here: end every process of the job, so none waits for this one.
      std::fprintf(stderr, "migflow: error (process %d): %s\n", mpi.world().rank(), e.what());
      if (mpi.world().size() > 1) mpi.world().abort(4);
      return 4;
    }
  }
  if (*validate_cmd) return validate(validate_path);
  return 1;
}

// The migflow command line: run, validate.
#include <tbb/global_control.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include "app/progress.hpp"
#include "output/recorder.hpp"
#include "scenarios/loader.hpp"
#include "sim/agents.hpp"
#include "sim/ensemble.hpp"

using namespace migflow;

namespace {

// Exit codes: 0 success, 1 usage, 2 bad input (scenario or data), 3 output failure.
constexpr int kBadInput = 2, kOutputFailure = 3;

struct RunArgs {
  std::string scenario, out;
  std::optional<std::uint64_t> seed;
  std::optional<int> replicates;
  int threads = 0;  // 0: all cores
};

std::shared_ptr<const World> load_world(const std::string& path, const RunArgs* overrides) {
  auto sc = std::make_shared<Scenario>(load_scenario(path));
  if (overrides && overrides->seed) sc->seed = *overrides->seed;
  if (overrides && overrides->replicates) sc->replicates = *overrides->replicates;
  return std::make_shared<const World>(sc);
}

int run(const RunArgs& args) {
  std::optional<tbb::global_control> threads;
  if (args.threads > 0) threads.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(args.threads));
  std::shared_ptr<const World> world;
  try {
    world = load_world(args.scenario, &args);
  } catch (const InputError& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  try {
    check_writable(args.out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kOutputFailure;
  }
  const Scenario& sc = world->scenario();
  std::fprintf(stderr, "migflow: %s: %llu agents, %d steps, %d replicates\n", sc.title.c_str(),
               static_cast<unsigned long long>(sc.total_agents()), sc.calendar.steps(), sc.replicates);
  ProgressBar bar("running");
  const auto start = std::chrono::steady_clock::now();
  EnsembleOptions options;
  options.replicates = sc.replicates;
  options.progress = [&](long long done, long long total) { bar.update(done, total); };
  auto replicates = run_ensemble(world, options);
  bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  try {
    write_run(args.out, run_metadata(sc), replicates);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kOutputFailure;
  }
  const double agent_steps = static_cast<double>(sc.total_agents()) * sc.calendar.steps() * sc.replicates;
  std::fprintf(stderr, "migflow: wrote %s (%.2f s, %.3g agent-steps/s)\n", args.out.c_str(), seconds,
               agent_steps / seconds);
  return 0;
}

int validate(const std::string& path) {
  try {
    auto world = load_world(path, nullptr);
    const Scenario& sc = world->scenario();
    std::printf("%s: valid\n  %s\n  %zu nodes (%d origins, %d Member States), %zu edges, %d policies\n"
                "  %llu agents (%.1f MB of agent state), %d steps from %s, %d replicates, seed %llu\n",
                path.c_str(), sc.title.c_str(), sc.nodes.size(), world->origin_count(), world->member_state_count(),
                sc.edges.size(), static_cast<int>(sc.policies.size()),
                static_cast<unsigned long long>(sc.total_agents()),
                sc.total_agents() * AgentStore::kBytesPerAgent / 1e6, sc.calendar.steps(),
                sc.calendar.start.str().c_str(), sc.replicates, static_cast<unsigned long long>(sc.seed));
    return 0;
  } catch (const InputError& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"migflow: agent-based simulation of migration flows between the EU and its partner countries"};
  app.set_version_flag("--version", std::string("migflow ") + MIGFLOW_VERSION);
  app.require_subcommand(1);

  RunArgs run_args;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a scenario's replicates and write one HDF5/netCDF-4 file");
  run_cmd->add_option("scenario", run_args.scenario, "Scenario YAML file")->required()->check(CLI::ExistingFile);
  run_cmd->add_option("--out,-o", run_args.out, "Output file (.h5); written atomically")->required();
  run_cmd->add_option("--seed", run_args.seed, "Override the scenario's seed");
  run_cmd->add_option("--replicates,-r", run_args.replicates, "Override the number of replicates")
      ->check(CLI::Range(1, 100000));
  run_cmd->add_option("--threads,-t", run_args.threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));

  std::string validate_path;
  CLI::App* validate_cmd = app.add_subcommand("validate", "Check a scenario file and print what it describes");
  validate_cmd->add_option("scenario", validate_path, "Scenario YAML file")->required();

  CLI11_PARSE(app, argc, argv);
  if (*run_cmd) return run(run_args);
  if (*validate_cmd) return validate(validate_path);
  return 1;
}

#include "app/bench.hpp"

#include <sys/resource.h>
#include <tbb/global_control.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "loader/scenario_loader.hpp"
#include "policies/registry.hpp"
#include "sim/engine.hpp"
#include "ensemble/ensemble.hpp"
#include "ensemble/run_metadata.hpp"

namespace migflow {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

std::string default_scenario() { return std::string(MIGFLOW_SOURCE_DIR) + "/scenarios/default.yaml"; }

}  // namespace

int bench(const BenchArgs& args, const Comm& comm) {
  std::optional<tbb::global_control> limit;
  if (args.threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(args.threads));
  const std::string path = args.scenario.empty() ? default_scenario() : args.scenario;
  std::shared_ptr<Scenario> sc;
  try {
    sc = std::make_shared<Scenario>(load_scenario(path, builtin_policies()));
  } catch (const InputError& e) {
    if (comm.rank() == 0) std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return 2;
  }
  if (args.agents > 0) sc->scale_to(args.agents);
  if (args.steps > 0) sc->truncate_steps(args.steps);
  auto world = std::make_shared<const World>(sc);

  // One replicate, phase by phase: the simulation, and what output costs (recording
  // the step's aggregates, and writing the file at the end).
  const auto start = Clock::now();
  Engine engine(world, 0, comm);
  const double init_s = seconds_since(start);
  double simulate_s = 0, record_s = 0;
  while (!engine.done()) {
    auto t0 = Clock::now();
    engine.update();
    engine.decide();
    engine.resolve_and_apply();
    simulate_s += seconds_since(t0);
    t0 = Clock::now();
    engine.record();
    record_s += seconds_since(t0);
    engine.finish_step();
  }
  const std::string out = (std::filesystem::temp_directory_path() / ("migflow-bench-" + std::to_string(getpid()) + ".h5")).string();
  const Comm::Traffic traffic = comm.traffic();
  auto t0 = Clock::now();
  if (comm.rank() == 0) {
    std::vector<ReplicateSeries> one;
    one.push_back(std::move(engine.series()));
    write_run(out, run_metadata(*sc), one);
    std::filesystem::remove(out);
  }
  const double write_s = seconds_since(t0);
  const double total_s = seconds_since(start);
  const double agent_steps = static_cast<double>(sc->total_agents()) * sc->calendar.steps();
  if (comm.rank() != 0) {
    if (!args.skip_comparison) {  // take part in the comparison's collectives
      auto defaults = std::make_shared<Scenario>(load_scenario(default_scenario(), builtin_policies()));
      EnsembleOptions options;
      options.replicates = defaults->replicates;
      options.comm = &comm;
      options.replicate_groups = comm.size();
      run_ensemble(std::make_shared<const World>(defaults), options);
    }
    return 0;
  }

  std::printf("scenario: %s\n", path.c_str());
  std::printf("agents: %llu\n", static_cast<unsigned long long>(sc->total_agents()));
  std::printf("steps: %d\n", sc->calendar.steps());
  std::printf("ranks: %d\n", comm.size());
  std::printf("threads: %d\n", args.threads > 0 ? args.threads
                                                 : static_cast<int>(tbb::global_control::active_value(
                                                       tbb::global_control::max_allowed_parallelism)));
  std::printf("agent_steps_per_s: %.4g\n", agent_steps / (simulate_s + record_s));
  std::printf("bytes_per_agent: %zu\n", AgentStore::kBytesPerAgent);
  std::printf("init_s: %.3f\n", init_s);
  std::printf("run_s: %.3f\n", total_s);
  std::printf("record_s: %.3f\n", record_s);
  std::printf("write_s: %.3f\n", write_s);
  std::printf("output_share: %.4f\n", (record_s + write_s) / total_s);
  std::printf("peak_rss_mb: %.1f\n", peak_rss_mb());
  if (comm.size() > 1) {
    // Rank 0's share of the collectives: all-reduce of the counts, all-gather of requests.
    std::printf("comm_s_per_step: %.6f\n", traffic.seconds / sc->calendar.steps());
    std::printf("comm_bytes_per_step: %.0f\n", static_cast<double>(traffic.bytes) / sc->calendar.steps());
    std::printf("comm_share: %.4f\n", traffic.seconds / total_s);
  }

  if (!args.skip_comparison) {
    // The default comparison: each scenario of it is the default's size with its replicates.
    auto defaults = std::make_shared<Scenario>(load_scenario(default_scenario(), builtin_policies()));
    auto default_world = std::make_shared<const World>(defaults);
    EnsembleOptions options;
    options.replicates = defaults->replicates;
    options.comm = &comm;
    options.replicate_groups = comm.size();  // small replicates: each rank runs whole ones
    const auto s0 = Clock::now();
    auto runs = run_ensemble(default_world, options).replicates;
    const auto w0 = Clock::now();
    write_run(out, run_metadata(*defaults), runs);
    const double default_write_s = seconds_since(w0);
    const double scenario_s = seconds_since(s0);
    std::filesystem::remove(out);
    std::printf("default_scenario_s: %.3f\n", scenario_s);
    // Small replicates, many of them: where writing weighs most.
    std::printf("default_output_share: %.4f\n", default_write_s / scenario_s);
    std::printf("default_replicates: %d\n", defaults->replicates);
    std::printf("scenarios_per_hour: %.0f\n", 3600.0 / scenario_s);
  }
  return 0;
}

}  // namespace migflow

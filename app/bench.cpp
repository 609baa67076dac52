// `migflow bench`: throughput of a scenario on this machine, one figure a line.
#include <sys/resource.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "app/bundled_data.hpp"
#include "app/commands.hpp"
#include "ensemble/ensemble.hpp"
#include "ensemble/memory_estimate.hpp"
#include "ensemble/run_metadata.hpp"
#include "loader/scenario_loader.hpp"
#include "output/run_file_writer.hpp"
#include "sim/engine.hpp"
#include "sim/event_schedule.hpp"

namespace migflow {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

std::string temp_output() {
  return (std::filesystem::temp_directory_path() / ("migflow-bench-" + std::to_string(getpid()) + ".h5")).string();
}

// One replicate, phase by phase: the simulation, and what output costs (recording the
// step's aggregates, and writing the file at the end).
struct ReplicateTimes {
  double init_s = 0, simulate_s = 0, record_s = 0, write_s = 0, total_s = 0;
  Comm::Traffic traffic;
  std::uint64_t looks = 0, class_redraws = 0, agents_redrawn = 0;  // event-driven engine, all ranks
};

ReplicateTimes time_one_replicate(const std::shared_ptr<const World>& world, const Comm& comm) {
  ReplicateTimes times;
  const auto start = Clock::now();
  Engine engine(world, 0, comm);
  times.init_s = seconds_since(start);
  while (!engine.done()) {
    auto t0 = Clock::now();
    engine.update();
    engine.decide();
    engine.resolve_and_apply();
    times.simulate_s += seconds_since(t0);
    t0 = Clock::now();
    engine.record();
    times.record_s += seconds_since(t0);
    engine.finish_step();
  }
  times.traffic = comm.traffic();
  if (const EventSchedule* schedule = engine.schedule()) {
    // Every rank's looks and redrawn agents; class redraws are the same on every rank.
    std::vector<std::int64_t> work{static_cast<std::int64_t>(schedule->looks()),
                                   static_cast<std::int64_t>(schedule->agents_redrawn())};
    comm.sum(work);
    times.looks = static_cast<std::uint64_t>(work[0]);
    times.agents_redrawn = static_cast<std::uint64_t>(work[1]);
    times.class_redraws = schedule->class_redraws();
  }
  const auto t0 = Clock::now();
  if (comm.rank() == 0) {
    const std::string out = temp_output();
    std::vector<ReplicateSeries> one;
    one.push_back(std::move(engine.series()));
    write_run(out, run_metadata(*world), one);
    std::filesystem::remove(out);
  }
  times.write_s = seconds_since(t0);
  times.total_s = seconds_since(start);
  return times;
}

void print_replicate(const std::string& path, const Scenario& sc, const ReplicateTimes& t, const BenchArgs& args,
                     const Comm& comm) {
  const double agent_steps = static_cast<double>(sc.total_agents()) * sc.calendar.steps();
  std::printf("scenario: %s\n", path.c_str());
  std::printf("agents: %llu\n", static_cast<unsigned long long>(sc.total_agents()));
  std::printf("steps: %d\n", sc.calendar.steps());
  std::printf("ranks: %d\n", comm.size());
  std::printf("threads: %d\n",
              args.threads > 0
                  ? args.threads
                  : static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism)));
  std::printf("agent_steps_per_s: %.4g\n", agent_steps / (t.simulate_s + t.record_s));
  std::printf("engine: %s\n", std::string(kEngineModeNames[static_cast<int>(sc.engine)]).c_str());
  std::printf("bytes_per_agent: %zu\n", bytes_per_agent(sc.engine));
  if (sc.engine == EngineMode::Event) {
    // The event-driven engine's work: agents looked at on their step (per agent-step),
    // and bound changes that drew a class's agents again (agents per agent-step).
    std::printf("looks_per_agent_step: %.5f\n", static_cast<double>(t.looks) / agent_steps);
    std::printf("class_redraws: %llu\n", static_cast<unsigned long long>(t.class_redraws));
    std::printf("redraws_per_agent_step: %.5f\n", static_cast<double>(t.agents_redrawn) / agent_steps);
  }
  std::printf("init_s: %.3f\n", t.init_s);
  std::printf("run_s: %.3f\n", t.total_s);
  std::printf("record_s: %.3f\n", t.record_s);
  std::printf("write_s: %.3f\n", t.write_s);
  std::printf("output_share: %.4f\n", (t.record_s + t.write_s) / t.total_s);
  std::printf("peak_rss_mb: %.1f\n", peak_rss_mb());
  if (comm.size() > 1) {
    // Rank 0's share of the collectives: all-reduce of the counts, all-gather of requests.
    std::printf("comm_s_per_step: %.6f\n", t.traffic.seconds / sc.calendar.steps());
    std::printf("comm_bytes_per_step: %.0f\n", static_cast<double>(t.traffic.bytes) / sc.calendar.steps());
    std::printf("comm_share: %.4f\n", t.traffic.seconds / t.total_s);
  }
}

// The default comparison: each scenario of it is the default's size with its replicates.
// Small replicates, many of them: where writing weighs most. Every rank takes part;
// rank 0 writes and prints.
void time_default_comparison(const std::string& path, const Comm& comm, const PolicyCatalog& policies) {
  auto defaults = std::make_shared<Scenario>(load_scenario(path, policies));
  EnsembleOptions options;
  options.replicates = defaults->replicates;
  options.comm = &comm;
  options.replicate_groups = comm.size();  // small replicates: each rank runs whole ones
  const auto s0 = Clock::now();
  const auto default_world = std::make_shared<const World>(defaults);
  auto runs = run_ensemble(default_world, options).replicates;
  if (comm.rank() != 0) return;
  const auto w0 = Clock::now();
  const std::string out = temp_output();
  write_run(out, run_metadata(*default_world), runs);
  const double write_s = seconds_since(w0);
  const double scenario_s = seconds_since(s0);
  std::filesystem::remove(out);
  std::printf("default_scenario_s: %.3f\n", scenario_s);
  std::printf("default_output_share: %.4f\n", write_s / scenario_s);
  std::printf("default_replicates: %d\n", defaults->replicates);
  std::printf("scenarios_per_hour: %.0f\n", 3600.0 / scenario_s);
}

}  // namespace

int bench_command(const BenchArgs& args, const Comm& comm, const PolicyCatalog& policies) {
  std::optional<tbb::global_control> limit;
  if (args.threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(args.threads));
  std::string path = args.scenario, default_path;
  std::shared_ptr<Scenario> sc;
  try {
    if (path.empty() || !args.skip_comparison) default_path = bundled_data_dir() + "/scenarios/default.yaml";
    if (path.empty()) path = default_path;
    sc = std::make_shared<Scenario>(load_scenario(path, policies));
  } catch (const std::runtime_error& e) {  // InputError, or no bundled data
    if (comm.rank() == 0) std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  if (args.agents > 0) sc->scale_to(args.agents);
  if (args.steps > 0) sc->truncate_steps(args.steps);
  if (args.engine) sc->engine = engine_mode_named(*args.engine).value();  // checked by the CLI
  const auto world = std::make_shared<const World>(sc);
  const std::string refusal = memory_refusal(*world, 1, comm.size());
  if (comm.any(!refusal.empty())) {
    if (comm.rank() == 0) std::fprintf(stderr, "migflow: error: %s\n", refusal.c_str());
    return kBadInput;
  }
  const ReplicateTimes times = time_one_replicate(world, comm);
  if (comm.rank() == 0) print_replicate(path, *sc, times, args, comm);
  if (!args.skip_comparison) time_default_comparison(default_path, comm, policies);
  return 0;
}

}  // namespace migflow

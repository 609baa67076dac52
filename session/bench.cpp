// `migflow bench`: throughput of a scenario on this machine, one figure a line.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "ensemble/ensemble.hpp"
#include "ensemble/memory_estimate.hpp"
#include "ensemble/run_metadata.hpp"
#include "output/run_file_writer.hpp"
#include "session/bundled_data.hpp"
#include "session/commands.hpp"
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

using Figures = std::vector<std::pair<std::string, std::string>>;

std::string printed(const char* format, auto value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

void add_replicate(Figures& out, const std::string& path, const Scenario& sc, const ReplicateTimes& t,
                   const BenchRequest& request, const Comm& comm) {
  const double agent_steps = static_cast<double>(sc.total_agents()) * sc.calendar.steps();
  out.emplace_back("scenario", path);
  out.emplace_back("agents", std::to_string(sc.total_agents()));
  out.emplace_back("steps", std::to_string(sc.calendar.steps()));
  out.emplace_back("ranks", std::to_string(comm.size()));
  out.emplace_back("threads", std::to_string(request.threads > 0 ? request.threads : ThreadLimit::current()));
  out.emplace_back("agent_steps_per_s", printed("%.4g", agent_steps / (t.simulate_s + t.record_s)));
  out.emplace_back("engine", std::string(kEngineModeNames[static_cast<int>(sc.engine)]));
  out.emplace_back("bytes_per_agent", std::to_string(bytes_per_agent(sc.engine)));
  if (sc.engine == EngineMode::Event) {
    // The event-driven engine's work: agents looked at on their step (per agent-step),
    // and bound changes that drew a class's agents again (agents per agent-step).
    out.emplace_back("looks_per_agent_step", printed("%.5f", static_cast<double>(t.looks) / agent_steps));
    out.emplace_back("class_redraws", std::to_string(t.class_redraws));
    out.emplace_back("redraws_per_agent_step", printed("%.5f", static_cast<double>(t.agents_redrawn) / agent_steps));
  }
  out.emplace_back("init_s", printed("%.3f", t.init_s));
  out.emplace_back("run_s", printed("%.3f", t.total_s));
  out.emplace_back("record_s", printed("%.3f", t.record_s));
  out.emplace_back("write_s", printed("%.3f", t.write_s));
  out.emplace_back("output_share", printed("%.4f", (t.record_s + t.write_s) / t.total_s));
  out.emplace_back("peak_rss_mb", printed("%.1f", peak_rss_mb()));
  if (comm.size() > 1) {
    // Rank 0's share of the collectives: all-reduce of the counts, all-gather of requests.
    out.emplace_back("comm_s_per_step", printed("%.6f", t.traffic.seconds / sc.calendar.steps()));
    out.emplace_back("comm_bytes_per_step",
                     printed("%.0f", static_cast<double>(t.traffic.bytes) / sc.calendar.steps()));
    out.emplace_back("comm_share", printed("%.4f", t.traffic.seconds / t.total_s));
  }
}

// The default comparison: each scenario of it is the default's size with its replicates.
// Small replicates, many of them: where writing weighs most. Every rank takes part;
// rank 0 writes.
void add_default_comparison(Figures& out, const std::string& path, const Comm& comm, const PolicyCatalog& policies) {
  auto defaults = std::make_shared<Scenario>(load_named(path, policies));
  EnsembleOptions options;
  options.replicates = defaults->replicates;
  options.comm = &comm;
  options.replicate_groups = comm.size();  // small replicates: each rank runs whole ones
  const auto s0 = Clock::now();
  const auto default_world = std::make_shared<const World>(defaults);
  auto runs = run_ensemble(default_world, options).replicates;
  if (comm.rank() != 0) return;
  const auto w0 = Clock::now();
  const std::string file = temp_output();
  write_run(file, run_metadata(*default_world), runs);
  const double write_s = seconds_since(w0);
  const double scenario_s = seconds_since(s0);
  std::filesystem::remove(file);
  out.emplace_back("default_scenario_s", printed("%.3f", scenario_s));
  out.emplace_back("default_output_share", printed("%.4f", write_s / scenario_s));
  out.emplace_back("default_replicates", std::to_string(defaults->replicates));
  out.emplace_back("scenarios_per_hour", printed("%.0f", 3600.0 / scenario_s));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> bench_command(const BenchRequest& request, const Context& ctx) {
  const ThreadLimit limit(request.threads);
  const Comm& comm = ctx.comm;
  std::string path, default_path;
  std::shared_ptr<Scenario> sc;
  std::string error;
  try {  // InputError, or no bundled data
    if (request.scenario.empty() || !request.no_comparison)
      default_path = bundled_data_dir() + "/scenarios/default.yaml";
    ScenarioRequest named = request;
    if (named.scenario.empty() && named.scenario_yaml.empty()) named.scenario = default_path;
    path = named.scenario_yaml.empty() ? resolve_scenario(named.scenario) : named.scenario_yaml_name;
    sc = load_requested(named, ctx.policies);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (comm.any(!error.empty())) throw SessionError(Failure::BadInput, comm.rank() == 0 ? error : "");
  if (request.agents > 0) sc->scale_to(request.agents);
  if (request.steps > 0) sc->truncate_steps(request.steps);
  if (request.engine) sc->engine = engine_mode_named(*request.engine).value();  // checked by its field
  const auto world = std::make_shared<const World>(sc);
  const std::string refusal = memory_refusal(*world, 1, comm.size());
  fail_together(comm, refusal.empty() ? std::nullopt : std::optional(SessionError(Failure::BadInput, refusal)));
  const ReplicateTimes times = time_one_replicate(world, comm);
  Figures figures;
  if (comm.rank() == 0) add_replicate(figures, path, *sc, times, request, comm);
  if (!request.no_comparison) add_default_comparison(figures, default_path, comm, ctx.policies);
  return figures;
}

}  // namespace migflow

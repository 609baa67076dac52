#include "sim/ensemble.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "sim/engine.hpp"

namespace migflow {

EnsembleResult run_ensemble(std::shared_ptr<const World> world, const EnsembleOptions& options) {
  EnsembleResult result;
  result.replicates.resize(static_cast<size_t>(options.replicates));
  const int steps = world->scenario().calendar.steps();
  const long long total = static_cast<long long>(options.replicates) * steps;
  std::atomic<long long> done{0};
  std::atomic<int> fewest_steps{steps};
  auto stopped = [&] { return options.stop && options.stop->load(); };
  // Replicates are independent; each engine also runs its agents in parallel and TBB
  // shares the threads between the two levels. Results do not depend on the schedule.
  tbb::parallel_for(0, options.replicates, [&](int r) {
    if (stopped()) {
      fewest_steps = 0;
      return;
    }
    Engine engine(world, r);
    while (!engine.done() && !stopped()) {
      engine.step();
      const long long now = ++done;
      if (options.progress) options.progress(now, total);
    }
    for (int seen = fewest_steps; engine.steps_done() < seen && !fewest_steps.compare_exchange_weak(seen, engine.steps_done());) {
    }
    result.replicates[static_cast<size_t>(r)] = std::move(engine.series());
  });
  result.steps_completed = fewest_steps;
  result.interrupted = result.steps_completed < steps;
  if (result.interrupted)
    for (ReplicateSeries& rep : result.replicates) {
      rep.core.truncate_steps(static_cast<size_t>(result.steps_completed));
      for (SeriesGroup& g : rep.policies) g.truncate_steps(static_cast<size_t>(result.steps_completed));
    }
  return result;
}

std::uint64_t estimated_run_bytes(const World& world, int concurrent_replicates) {
  const Scenario& sc = world.scenario();
  const std::uint64_t O = static_cast<std::uint64_t>(world.origin_count()), N = static_cast<std::uint64_t>(world.node_count()),
                      M = static_cast<std::uint64_t>(world.member_state_count()), E = static_cast<std::uint64_t>(world.edge_count());
  // Doubles per step of the core series (stocks, stocks_by_origin, arrivals, flows, ...).
  const std::uint64_t cells = N * kStatusCount * (O + 1) + O * M * (kChannelCount + 3) + E * (kChannelCount + 3) + N;
  const std::uint64_t series = cells * 8 * static_cast<std::uint64_t>(sc.calendar.steps()) * static_cast<std::uint64_t>(sc.replicates);
  const std::uint64_t agents = sc.total_agents() * AgentStore::kBytesPerAgent *
                               static_cast<std::uint64_t>(std::min(concurrent_replicates, sc.replicates));
  return agents + series;
}

std::uint64_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return 0;
}

RunMetadata run_metadata(const Scenario& sc) {
  RunMetadata meta;
  meta.title = sc.title;
  meta.scenario_file = sc.file;
  meta.scenario_text = sc.text;
  meta.version = MIGFLOW_VERSION;
  meta.seed = sc.seed;
  meta.step_months = sc.calendar.step_months;
  meta.start_date = sc.calendar.start.str();
  for (int s = 0; s < sc.calendar.steps(); ++s) {
    meta.dates.push_back(sc.calendar.date(s).str());
  }
  return meta;
}

}  // namespace migflow

#include "sim/ensemble.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "sim/checkpoint.hpp"
#include "sim/engine.hpp"

namespace migflow {

EnsembleState::EnsembleState() = default;
EnsembleState::EnsembleState(EnsembleState&&) noexcept = default;
EnsembleState& EnsembleState::operator=(EnsembleState&&) noexcept = default;
EnsembleState::~EnsembleState() = default;

EnsembleResult run_ensemble(std::shared_ptr<const World> world, const EnsembleOptions& options) {
  const Comm& comm = *options.comm;
  const int steps = world->scenario().calendar.steps(), every = options.checkpoint_every;
  const long long total = static_cast<long long>(options.replicates) * steps;
  // Side by side on one process; on several ranks, one replicate at a time, so that
  // only one engine at a time calls the communicator.
  const size_t side_by_side =
      comm.size() > 1 ? 1
                      : static_cast<size_t>(std::clamp<std::size_t>(
                            tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism), 1,
                            static_cast<std::size_t>(options.replicates)));

  EnsembleState state;
  if (options.resume) state = options.checkpoints->load(world);
  for (const auto& e : state.active) e->watch_stop(options.stop);
  std::atomic<long long> done{static_cast<long long>(state.finished_count) * steps};
  for (const auto& e : state.active) done += e->steps_done();
  auto stop_requested = [&] { return comm.any(options.stop && options.stop->load()); };

  bool stopped = false;
  while (!stopped) {
    while (state.active.size() < side_by_side && state.next_replicate < options.replicates && !stop_requested()) {
      state.active.push_back(std::make_unique<Engine>(world, state.next_replicate++, comm));
      state.active.back()->watch_stop(options.stop);
    }
    if (state.active.empty()) break;
    // Each engine runs to its next checkpoint step (a multiple of `every`), its end, or a stop.
    auto advance = [&](Engine& e) {
      while (!e.done() && !e.stopped()) {
        e.step();
        const long long now = ++done;
        if (options.progress) options.progress(now, total);
        if (every > 0 && e.steps_done() % every == 0) break;
      }
    };
    if (state.active.size() == 1)
      advance(*state.active.front());
    else
      tbb::parallel_for(size_t{0}, state.active.size(), [&](size_t i) { advance(*state.active[i]); });
    for (const auto& e : state.active) stopped = stopped || e->stopped();
    // Finished replicates leave the active set in order; only rank 0 keeps their series.
    while (!state.active.empty() && state.active.front()->done()) {
      if (comm.rank() == 0) state.finished.push_back(std::move(state.active.front()->series()));
      ++state.finished_count;
      state.active.erase(state.active.begin());
    }
    if (options.checkpoints) options.checkpoints->save(state);
  }

  EnsembleResult result;
  result.replicates_finished = state.finished_count;
  result.interrupted = result.replicates_finished < options.replicates;
  result.steps_completed = result.interrupted ? 0 : steps;
  result.replicates = std::move(state.finished);
  if (result.interrupted && result.replicates_finished == 0 && state.next_replicate == options.replicates) {
    // Every replicate started and none finished: keep the steps all of them completed.
    int fewest = steps;
    for (const auto& e : state.active) fewest = std::min(fewest, e->steps_done());
    result.steps_completed = fewest;
    for (const auto& e : state.active) {
      ReplicateSeries rep = std::move(e->series());
      rep.core.truncate_steps(static_cast<size_t>(fewest));
      for (SeriesGroup& g : rep.policies) g.truncate_steps(static_cast<size_t>(fewest));
      if (comm.rank() == 0) result.replicates.push_back(std::move(rep));
    }
  } else if (result.interrupted && result.replicates_finished > 0) {
    result.steps_completed = steps;
  }
  return result;
}

std::uint64_t estimated_run_bytes(const World& world, int concurrent_replicates, int ranks) {
  const Scenario& sc = world.scenario();
  const std::uint64_t O = static_cast<std::uint64_t>(world.origin_count()), N = static_cast<std::uint64_t>(world.node_count()),
                      M = static_cast<std::uint64_t>(world.member_state_count()), E = static_cast<std::uint64_t>(world.edge_count());
  // Doubles per step of the core series (stocks, stocks_by_origin, arrivals, flows, ...).
  const std::uint64_t cells = N * kStatusCount * (O + 1) + O * M * (kChannelCount + 3) + E * (kChannelCount + 3) + N;
  const std::uint64_t series = cells * 8 * static_cast<std::uint64_t>(sc.calendar.steps()) * static_cast<std::uint64_t>(sc.replicates);
  const std::uint64_t agents = (sc.total_agents() / static_cast<std::uint64_t>(ranks) + 1) * AgentStore::kBytesPerAgent *
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

#include "ensemble/ensemble.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

#include "ensemble/checkpoint.hpp"
#include "output/binary.hpp"
#include "sim/engine.hpp"

namespace migflow {

EnsembleState::EnsembleState() = default;
EnsembleState::EnsembleState(EnsembleState&&) noexcept = default;
EnsembleState& EnsembleState::operator=(EnsembleState&&) noexcept = default;
EnsembleState::~EnsembleState() = default;

namespace {

// One replicate's series as it reaches rank 0: finished, or cut short by a stop.
struct Collected {
  int steps_done = 0;
  ReplicateSeries series;
};

// Brings every group's replicates (finished and, when stopped, in progress) to rank 0,
// indexed by replicate; other ranks get an empty table. Collective.
std::vector<std::optional<Collected>> collect_on_rank0(EnsembleState& state, const ReplicateGroups& groups,
                                                       int replicates, int steps) {
  std::vector<Collected> mine;
  std::vector<int> ids;
  if (groups.leader()) {
    for (size_t i = 0; i < state.finished.size(); ++i) {
      mine.push_back({steps, std::move(state.finished[i])});
      ids.push_back(state.finished_ids[i]);
    }
    for (const auto& e : state.active) {
      mine.push_back({e->steps_done(), std::move(e->series())});
      ids.push_back(e->replicate());
    }
  }
  // Rank 0's own replicates stay where they are; the other leaders send theirs.
  BinaryWriter out;
  if (groups.world().rank() != 0) {
    std::size_t bytes = 8;
    for (const Collected& c : mine) bytes += 8 + c.series.saved_bytes_estimate();
    out.reserve(bytes);
    out.put<std::uint64_t>(mine.size());
    for (size_t i = 0; i < mine.size(); ++i) {
      out.put<std::int32_t>(ids[i]);
      out.put<std::int32_t>(mine[i].steps_done);
      mine[i].series.save(out);
    }
  }
  const auto received = groups.world().gather(std::as_bytes(std::span(out.bytes())));
  std::vector<std::optional<Collected>> table;
  if (groups.world().rank() != 0) return table;
  table.resize(static_cast<size_t>(replicates));
  for (size_t i = 0; i < mine.size(); ++i) table[static_cast<size_t>(ids[i])] = std::move(mine[i]);
  for (size_t r = 1; r < received.size(); ++r) {
    BinaryReader in(reinterpret_cast<const char*>(received[r].data()), received[r].size());
    for (auto n = in.get<std::uint64_t>(); n > 0; --n) {
      const int id = in.get<std::int32_t>();
      Collected c;
      c.steps_done = in.get<std::int32_t>();
      c.series = ReplicateSeries::load(in);
      std::optional<Collected>& slot = table.at(static_cast<size_t>(id));
      if (slot) throw std::logic_error("replicate " + std::to_string(id) + " ran in two replicate groups");
      slot = std::move(c);
    }
  }
  return table;
}

// Side by side in a group of one process, as many as there are threads; in a group of
// several ranks, one replicate at a time, so that only one engine at a time calls the
// communicator.
std::size_t replicates_at_once(const Comm& group, int replicates) {
  if (group.size() > 1) return 1;
  return std::clamp<std::size_t>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism), 1,
                                 static_cast<std::size_t>(replicates));
}

// Rank 0 decides what the result holds (`table` is its collection); the other ranks
// learn its shape. Collective.
EnsembleResult result_on_every_rank(std::vector<std::optional<Collected>> table, int replicates, int steps,
                                    const Comm& everyone) {
  std::int64_t shape[2] = {0, 0};  // replicates finished in a row from 0, steps completed
  EnsembleResult result;
  if (everyone.rank() == 0) {
    int finished = 0, fewest = steps;
    bool all_started = true;
    while (finished < replicates && table[static_cast<size_t>(finished)] &&
           table[static_cast<size_t>(finished)]->steps_done == steps)
      ++finished;
    for (const auto& c : table) {
      all_started = all_started && c.has_value();
      if (c) fewest = std::min(fewest, c->steps_done);
    }
    // Whole replicates 0..K-1 when there are any; else, if every replicate started,
    // all of them cut to the steps they all completed.
    const int keep = finished > 0 ? finished : all_started ? replicates : 0;
    const int keep_steps = finished > 0 ? steps : all_started ? fewest : 0;
    for (int r = 0; r < keep && keep_steps > 0; ++r) {
      ReplicateSeries rep = std::move(table[static_cast<size_t>(r)]->series);
      rep.core.truncate_steps(static_cast<size_t>(keep_steps));
      for (SeriesGroup& g : rep.policies) g.truncate_steps(static_cast<size_t>(keep_steps));
      result.replicates.push_back(std::move(rep));
    }
    shape[0] = finished;
    shape[1] = keep_steps;
  }
  everyone.sum(shape);
  result.replicates_finished = static_cast<int>(shape[0]);
  result.steps_completed = static_cast<int>(shape[1]);
  result.interrupted = result.replicates_finished < replicates;
  return result;
}

}  // namespace

EnsembleResult run_ensemble(std::shared_ptr<const World> world, const EnsembleOptions& options) {
  const ReplicateGroups groups(*options.comm, options.replicate_groups, options.replicates);
  const Comm& everyone = groups.world();
  const Comm& comm = groups.comm();  // the ranks that share this group's replicates
  const int steps = world->scenario().calendar.steps(), every = options.checkpoint_every;
  const long long total = static_cast<long long>(options.replicates) * steps;
  const size_t side_by_side = replicates_at_once(comm, options.replicates);
  // Progress is rank 0's: its group's replicates stand for every group's, which run at
  // the same pace.
  const int my_replicates = (options.replicates - groups.first_replicate() + groups.stride() - 1) / groups.stride();
  const double progress_scale = static_cast<double>(options.replicates) / std::max(1, my_replicates);

  EnsembleState state;
  state.next_replicate = groups.first_replicate();
  if (options.resume) state = options.checkpoints->load(world, groups);
  for (const auto& e : state.active) e->watch_stop(options.stop);
  std::atomic<long long> done{static_cast<long long>(state.finished_ids.size()) * steps};
  for (const auto& e : state.active) done += e->steps_done();

  // Every rank goes round this loop the same number of times (its collectives are over
  // all ranks); a group with nothing left to run just takes part.
  while (true) {
    const bool stop_now = everyone.any(options.stop && options.stop->load());
    while (!stop_now && state.active.size() < side_by_side && state.next_replicate < options.replicates) {
      state.active.push_back(std::make_unique<Engine>(world, state.next_replicate, comm));
      state.active.back()->watch_stop(options.stop);
      state.next_replicate += groups.stride();
    }
    if (!everyone.any(!state.active.empty())) break;
    // Each engine runs to its next checkpoint step (a multiple of `every`), its end, or a stop.
    auto advance = [&](Engine& e) {
      while (!e.done() && !e.stopped()) {
        e.step();
        const long long now = ++done;
        if (options.progress)
          options.progress(std::min(total, static_cast<long long>(static_cast<double>(now) * progress_scale)), total);
        if (every > 0 && e.steps_done() % every == 0) break;
      }
    };
    if (state.active.size() == 1)
      advance(*state.active.front());
    else if (!state.active.empty())
      tbb::parallel_for(size_t{0}, state.active.size(), [&](size_t i) { advance(*state.active[i]); });
    bool stopped = false;
    for (const auto& e : state.active) stopped = stopped || e->stopped();
    // Finished replicates leave the active set in order; only the leader keeps their series.
    while (!state.active.empty() && state.active.front()->done()) {
      if (groups.leader()) state.finished.push_back(std::move(state.active.front()->series()));
      state.finished_ids.push_back(state.active.front()->replicate());
      state.active.erase(state.active.begin());
    }
    if (options.checkpoints) options.checkpoints->save(state, groups);
    if (everyone.any(stopped)) break;
  }

  return result_on_every_rank(collect_on_rank0(state, groups, options.replicates, steps), options.replicates, steps,
                              everyone);
}

}  // namespace migflow

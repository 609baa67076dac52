#include "sim/ensemble.hpp"

#include <tbb/parallel_for.h>

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

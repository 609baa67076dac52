#include "sim/ensemble.hpp"

#include <tbb/parallel_for.h>

#include "sim/engine.hpp"

namespace migflow {

std::vector<ReplicateSeries> run_ensemble(std::shared_ptr<const World> world, const EnsembleOptions& options) {
  std::vector<ReplicateSeries> out(static_cast<size_t>(options.replicates));
  const long long total = static_cast<long long>(options.replicates) * world->scenario().calendar.steps();
  std::atomic<long long> done{0};
  // Replicates are independent; each engine also runs its agents in parallel and TBB
  // shares the threads between the two levels. Results do not depend on the schedule.
  tbb::parallel_for(0, options.replicates, [&](int r) {
    Engine engine(world, r);
    engine.run([&](int) {
      const long long now = ++done;
      if (options.progress) options.progress(now, total);
    });
    out[static_cast<size_t>(r)] = std::move(engine.series());
  });
  return out;
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

#include "analysis/forecast_window.hpp"

#include <tbb/parallel_for.h>

#include <cmath>
#include <stdexcept>

#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace migflow {

ForecastWindow::ForecastWindow(const Scenario& base, const Observations& observed, int start_year, int last_year,
                               std::uint64_t agents)
    : start_year_(start_year) {
  auto sc = std::make_shared<Scenario>(base);
  sc->calendar.start = {start_year, 7};
  sc->calendar.end = {last_year, 12};
  if (last_year < start_year) throw std::invalid_argument("forecast window: ends before it starts");
  // A world of the base scenario, to place the observed stocks at its destinations.
  const World places(std::make_shared<const Scenario>(base));
  for (int o = 0; o < places.origin_count(); ++o) {
    OriginSpec& origin = sc->origins[o];
    const NodeSpec& home = sc->nodes[origin.node];
    if (home.population.empty())
      throw std::invalid_argument("forecast window: origin '" + home.id + "' has no population to start from");
    origin.agents =
        static_cast<std::uint64_t>(std::llround(home.population.at(start_year + 0.5) / origin.persons_per_agent));
    origin.abroad.clear();
    for (int d = 0; d < places.destination_count(); ++d) {
      const double persons = observed.stock(o, d, start_year);
      if (persons <= 0) continue;
      const auto n = static_cast<std::uint64_t>(std::llround(persons / origin.persons_per_agent));
      if (n > 0) origin.abroad.emplace_back(places.destination_node(d), n);
    }
  }
  if (agents > 0) sc->scale_to(agents);
  world_ = std::make_shared<const World>(sc);
  for (EdgeId e = 0; e < static_cast<EdgeId>(world_->edge_count()); ++e)
    if (world_->edge(e).external_border && world_->member_state_index(world_->edge(e).to) >= 0) into_eu_.push_back(e);
}

std::vector<ModelObservations> ForecastWindow::simulate(std::span<const ModelParams> params, int replicates,
                                                        int first) const {
  const Scenario& sc = world_->scenario();
  std::vector<ModelObservations> out(static_cast<size_t>(replicates));
  tbb::parallel_for(0, replicates, [&](int r) {
    ModelObservations& seen = out[static_cast<size_t>(r)];
    const auto initial = params.empty() ? nullptr : initial_agents(first + r, params);
    Engine engine(world_, first + r, serial_comm(), std::vector<ModelParams>(params.begin(), params.end()),
                  initial.get());
    engine.set_recording(false);  // only the counts are read
    while (!engine.done()) {
      engine.step();
      const YearMonth date = sc.calendar.date(engine.steps_done() - 1);
      const StepCounts& c = engine.counts();
      for (int o = 0; o < world_->origin_count(); ++o) {
        const double ppa = sc.origins[o].persons_per_agent;
        std::int64_t detected = 0;
        for (EdgeId e : into_eu_)
          detected += c.flows[c.oe(o, e) * kChannelCount + static_cast<int>(Channel::Irregular)] +
                      c.edge_intercepted[c.oe(o, e)];
        seen.detections[{o, date.year}] += static_cast<double>(detected) * ppa;
        std::int64_t applied = 0;
        for (int m = 0; m < world_->member_state_count(); ++m) applied += c.asylum_applications[c.od(o, m)];
        seen.asylum[{o, date.year}] += static_cast<double>(applied) * ppa;
        if (date.month != 7) continue;
        for (int d = 0; d < world_->destination_count(); ++d) {
          const NodeId at = world_->destination_node(d);
          std::int64_t residents = 0;
          for (int s = 0; s < kStatusCount; ++s)
            if (is_resident_abroad(static_cast<Status>(s)))
              residents += c.stocks[c.stock(o, at, static_cast<Status>(s))];
          seen.stocks[{o, d, date.year}] = static_cast<double>(residents) * ppa;
        }
      }
    }
  });
  return out;
}

std::shared_ptr<const AgentStore> ForecastWindow::initial_agents(int replicate,
                                                                 std::span<const ModelParams> params) const {
  std::pair<int, std::vector<double>> key{replicate, {}};
  for (const ModelParams& p : params) {  // what the initial agents depend on
    key.second.push_back(p.savings_dispersion);
    key.second.push_back(p.initial_irregular_share);
  }
  {
    const std::lock_guard lock(initial_->mutex);
    if (auto it = initial_->by_key.find(key); it != initial_->by_key.end()) return it->second;
  }
  auto agents = std::make_shared<AgentStore>();
  populate_agents(*agents, *world_, params, replicate_seed(world_->scenario().seed, replicate), serial_comm());
  const std::lock_guard lock(initial_->mutex);
  // A few replicates are run at many parameter sets (the fit's, the noise measurement's):
  // keep a bounded number so memory stays that of a few windows' agents.
  if (initial_->by_key.size() >= kInitialKept) initial_->by_key.clear();
  return initial_->by_key.emplace(std::move(key), std::move(agents)).first->second;
}

ModelObservations mean_of(const std::vector<ModelObservations>& replicates) {
  ModelObservations mean;
  const double n = static_cast<double>(replicates.size());
  for (const ModelObservations& r : replicates) {
    for (const auto& [key, v] : r.stocks) mean.stocks[key] += v / n;
    for (const auto& [key, v] : r.detections) mean.detections[key] += v / n;
    for (const auto& [key, v] : r.asylum) mean.asylum[key] += v / n;
  }
  return mean;
}

}  // namespace migflow

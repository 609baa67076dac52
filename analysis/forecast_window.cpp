#include "analysis/forecast_window.hpp"

#include <tbb/parallel_for.h>

#include <cmath>
#include <stdexcept>

#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace migflow {

ModelObservations::ModelObservations(int origins, int destinations, int first_year, int last_year)
    : origins_(origins), destinations_(destinations), first_year_(first_year), years_(last_year - first_year + 1) {
  values_.assign(static_cast<std::size_t>(kObservedKinds) * origins * (destinations + 1) * years_, 0.0);
  chosen_.assign(static_cast<std::size_t>(origins) * destinations * years_, 0.0);
}

std::size_t ModelObservations::index(int kind, int origin, int destination, int year) const {
  if (year < first_year_ || year >= first_year_ + years_ || destination < -1 || destination >= destinations_)
    throw std::out_of_range("model observations: no value for year " + std::to_string(year) + ", destination " +
                            std::to_string(destination));
  return ((static_cast<std::size_t>(kind) * origins_ + origin) * (destinations_ + 1) + (destination + 1)) * years_ +
         (year - first_year_);
}

double ModelObservations::at(ObservedKind kind, int origin, int destination, int year) const {
  return values_[index(static_cast<int>(kind), origin, destination, year)];
}
double& ModelObservations::at(ObservedKind kind, int origin, int destination, int year) {
  return values_[index(static_cast<int>(kind), origin, destination, year)];
}

double ModelObservations::chosen_arrivals(int origin, int destination, int year) const {
  return chosen_[(static_cast<std::size_t>(origin) * destinations_ + destination) * years_ + (year - first_year_)];
}
double& ModelObservations::chosen_arrivals(int origin, int destination, int year) {
  return chosen_[(static_cast<std::size_t>(origin) * destinations_ + destination) * years_ + (year - first_year_)];
}

void ModelObservations::add(const ModelObservations& other, double weight) {
  if (values_.empty())
    *this = ModelObservations(other.origins_, other.destinations_, other.first_year_, other.last_year());
  for (std::size_t i = 0; i < values_.size(); ++i) values_[i] += weight * other.values_[i];
  for (std::size_t i = 0; i < chosen_.size(); ++i) chosen_[i] += weight * other.chosen_[i];
}

ForecastWindow::ForecastWindow(const Scenario& base, const Observations& observed, std::optional<int> restart_year,
                               int last_year, std::uint64_t agents)
    : last_year_(last_year) {
  auto sc = std::make_shared<Scenario>(base);
  start_year_ = restart_year ? *restart_year : base.calendar.start.year;
  if (last_year < start_year_) throw std::invalid_argument("forecast window: ends before it starts");
  if (restart_year) {
    sc->calendar.start = {*restart_year, 7};
    // A world of the base scenario, to place the observed stocks at its destinations.
    const World places(std::make_shared<const Scenario>(base));
    for (int o = 0; o < places.origin_count(); ++o) {
      OriginSpec& origin = sc->origins[o];
      const NodeSpec& home = sc->nodes[origin.node];
      if (home.population.empty())
        throw std::invalid_argument("forecast window: origin '" + home.id + "' has no population to start from");
      origin.agents =
          static_cast<std::uint64_t>(std::llround(home.population.at(*restart_year + 0.5) / origin.persons_per_agent));
      origin.abroad.clear();
      for (int d = 0; d < places.destination_count(); ++d) {
        const double persons = observed.stock(o, d, *restart_year);
        if (persons <= 0) continue;
        const auto n = static_cast<std::uint64_t>(std::llround(persons / origin.persons_per_agent));
        if (n > 0) origin.abroad.emplace_back(places.destination_node(d), n);
      }
    }
  }
  sc->calendar.end = {last_year, 12};
  if (sc->calendar.end.index() < sc->calendar.start.index())
    throw std::invalid_argument("forecast window: the scenario starts after " + std::to_string(last_year));
  if (agents > 0) sc->scale_to(agents);
  sc->size_reserves();  // the calendar and the start changed
  world_ = std::make_shared<const World>(sc);
  for (EdgeId e = 0; e < static_cast<EdgeId>(world_->edge_count()); ++e)
    if (world_->edge(e).external_border && world_->member_state_index(world_->edge(e).to) >= 0) into_eu_.push_back(e);
}

std::vector<ModelObservations> ForecastWindow::simulate(std::span<const ModelParams> params, int replicates,
                                                        int first) const {
  const Scenario& sc = world_->scenario();
  const int O = world_->origin_count(), D = world_->destination_count(), M = world_->member_state_count();
  std::vector<ModelObservations> out(static_cast<size_t>(replicates));
  tbb::parallel_for(0, replicates, [&](int r) {
    ModelObservations& seen = out[static_cast<size_t>(r)];
    seen = ModelObservations(O, D, start_year_, last_year_);
    const auto initial = params.empty() ? nullptr : initial_agents(first + r, params);
    Engine engine(world_, first + r, serial_comm(), std::vector<ModelParams>(params.begin(), params.end()),
                  initial.get());
    engine.set_recording(false);                                  // only the counts are read
    std::vector<double> chosen(static_cast<size_t>(O) * D, 0.0);  // since the start
    while (!engine.done()) {
      engine.step();
      const YearMonth date = sc.calendar.date(engine.steps_done() - 1);
      const int y = date.year;
      const StepCounts& c = engine.counts();
      for (int o = 0; o < O; ++o) {
        const double ppa = sc.origins[o].persons_per_agent;
        std::int64_t detected = 0;
        for (EdgeId e : into_eu_)
          detected += c.flows[c.oe(o, e) * kChannelCount + static_cast<int>(Channel::Irregular)] +
                      c.edge_intercepted[c.oe(o, e)];
        seen.at(ObservedKind::Detections, o, -1, y) += static_cast<double>(detected) * ppa;
        for (int d = 0; d < D; ++d) {
          const std::int64_t* arrived = &c.arrivals[c.od(o, d) * kChannelCount];
          chosen[static_cast<size_t>(o) * D + d] += static_cast<double>(arrived[static_cast<int>(Channel::Legal)] +
                                                                        arrived[static_cast<int>(Channel::Irregular)] +
                                                                        arrived[static_cast<int>(Channel::Education)]) *
                                                    ppa;
          if (d >= M) continue;
          const double orders = static_cast<double>(c.return_orders[c.od(o, d)]) * ppa;
          const double rejected =
              static_cast<double>(
                  c.asylum_decisions[c.od(o, d) * kDecisionCount + static_cast<int>(Decision::Rejected)]) *
              ppa;
          seen.at(ObservedKind::Asylum, o, -1, y) += static_cast<double>(c.asylum_applications[c.od(o, d)]) * ppa;
          seen.at(ObservedKind::Orders, o, -1, y) += orders;
          seen.at(ObservedKind::IllegallyPresent, o, -1, y) += orders - rejected;
          seen.at(ObservedKind::Returns, o, d, y) += static_cast<double>(c.returns_executed[c.od(o, d)]) * ppa;
          const double work = static_cast<double>(arrived[static_cast<int>(Channel::Legal)]) * ppa;
          seen.at(ObservedKind::EmploymentPermits, o, d, y) += work;
          seen.at(ObservedKind::Immigration, o, d, y) +=
              work + static_cast<double>(arrived[static_cast<int>(Channel::Family)] +
                                         arrived[static_cast<int>(Channel::Education)]) *
                         ppa;
        }
        if (date.month != 7) continue;
        for (int d = 0; d < D; ++d) {
          const NodeId at = world_->destination_node(d);
          std::int64_t residents = 0;
          for (int s = 0; s < kStatusCount; ++s)
            if (is_resident_abroad(static_cast<Status>(s)))
              residents += c.stocks[c.stock(o, at, static_cast<Status>(s))];
          seen.at(ObservedKind::Stock, o, d, y) = static_cast<double>(residents) * ppa;
          seen.chosen_arrivals(o, d, y) = chosen[static_cast<size_t>(o) * D + d];
        }
      }
    }
  });
  return out;
}

std::shared_ptr<const AgentStore> ForecastWindow::initial_agents(int replicate,
                                                                 std::span<const ModelParams> params) const {
  std::pair<int, std::vector<double>> key{replicate, {}};
  for (const ModelParams& p : params) key.second.push_back(p.savings_dispersion);
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
  for (const ModelObservations& r : replicates) mean.add(r, 1.0 / static_cast<double>(replicates.size()));
  return mean;
}

}  // namespace migflow

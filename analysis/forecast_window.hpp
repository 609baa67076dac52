// A stretch of a baseline, seen as the observations see it. Two kinds:
//   - as the scenario runs it: from its calendar start and its starting diaspora (the
//     bundled baselines start in 2005), until December of `last_year`. Calibration fits
//     this run, and the backtest scores it on the years after the cut-off: what every
//     comparison researchers run rests on.
//   - restarted from observed stocks: from July of `restart_year`, each origin's people
//     abroad are the stocks observed that year (residents of their destination, a share
//     irregular as at the scenario's start) and the rest are at home. The backtest
//     reports this five-year forecast from the cut-off beside the naive forecasts, which
//     start from the same observations.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "analysis/observations.hpp"
#include "sim/agents.hpp"
#include "sim/world.hpp"

namespace migflow {

// The model's counterparts of the observations (analysis/observations.hpp), in persons,
// per kind, origin, destination (-1: the total over the Member States) and year:
//   stocks: residents (regular, irregular, asylum seekers, exploited) in July;
//   detections: irregular crossings into a Member State over the external border plus
//     interceptions there (Frontex counts events: a retry counts again);
//   asylum, orders: first applications and return orders in the Member States;
//   illegally present: return orders on detection (orders less rejected applications);
//   returns: orders executed, per Member State;
//   employment permits: arrivals with a permit for work or other reasons, per Member State;
//   immigration: arrivals with a residence permit for any reason, per Member State.
class ModelObservations {
 public:
  ModelObservations() = default;
  ModelObservations(int origins, int destinations, int first_year, int last_year);
  double at(ObservedKind kind, int origin, int destination, int year) const;
  double& at(ObservedKind kind, int origin, int destination, int year);
  // Arrivals through the choice of destination (work, irregular, study) in
  // (origin, destination) from the start to July of `year`: the pair effects'
  // calibration (analysis/calibrate.cpp) moves them.
  double chosen_arrivals(int origin, int destination, int year) const;
  double& chosen_arrivals(int origin, int destination, int year);
  int first_year() const { return first_year_; }
  int last_year() const { return first_year_ + years_ - 1; }
  void add(const ModelObservations& other, double weight);

 private:
  std::size_t index(int kind, int origin, int destination, int year) const;
  int origins_ = 0, destinations_ = 0, first_year_ = 0, years_ = 0;
  std::vector<double> values_, chosen_;
};

class ForecastWindow {
 public:
  // `agents`: the window's scenario is scaled to about this many agents (0: as given).
  // `restart_year`: start from that year's observed stocks (empty: as the scenario runs).
  // Throws std::invalid_argument when the scenario cannot cover the window.
  ForecastWindow(const Scenario& base, const Observations& observed, std::optional<int> restart_year, int last_year,
                 std::uint64_t agents = 0);

  // Runs `replicates` replicates (ids first, first + 1, ...) with each origin's
  // parameter set `params` (empty: the scenario's own draws per replicate) and returns
  // one ModelObservations per replicate.
  std::vector<ModelObservations> simulate(std::span<const ModelParams> params, int replicates, int first = 0) const;

  const World& world() const { return *world_; }
  std::shared_ptr<const World> world_ptr() const { return world_; }
  int start_year() const { return start_year_; }
  int last_year() const { return last_year_; }

 private:
  // The agents at the start of a replicate, drawn once and copied into every engine
  // after: their traits depend on the replicate and the origins' savings_dispersion
  // only (the engine assigns their starting status), and a calibration runs replicate 0
  // at thousands of parameter sets.
  std::shared_ptr<const AgentStore> initial_agents(int replicate, std::span<const ModelParams> params) const;

  std::shared_ptr<const World> world_;
  std::vector<EdgeId> into_eu_;  // edges where an irregular crossing is a Frontex detection
  int start_year_, last_year_;
  static constexpr std::size_t kInitialKept = 16;
  struct InitialAgents {
    std::mutex mutex;
    std::map<std::pair<int, std::vector<double>>, std::shared_ptr<const AgentStore>> by_key;
  };
  std::shared_ptr<InitialAgents> initial_ = std::make_shared<InitialAgents>();  // shared by copies: same world
};

// The mean over replicates.
ModelObservations mean_of(const std::vector<ModelObservations>& replicates);

}  // namespace migflow

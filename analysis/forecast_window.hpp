// A stretch of a baseline restarted from observed stocks: from July of `start_year`,
// each origin's people abroad are the stocks observed that year (permanent residents
// of their destination) and the rest are at home (the working-age population that
// year), until December of `last_year`. Calibration fits the parameters to such
// windows inside the fit period (2005 to 2010, 2010 to 2015); the backtest forecasts
// from 2015 the same way, so fit and test measure the same thing: five years of
// change from a known start. Naive forecasts (persistence, trend) start from the same
// 2015 observations.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <tuple>
#include <vector>

#include "analysis/observations.hpp"
#include "sim/agents.hpp"
#include "sim/world.hpp"

namespace migflow {

// The model's counterparts of the observations (analysis/observations.hpp), in persons.
struct ModelObservations {
  // Residents abroad (regular, irregular, asylum seekers) in July: (origin, destination, year).
  std::map<std::tuple<int, int, int>, double> stocks;
  // Irregular crossings into a Member State over the external border plus interceptions
  // there (Frontex counts events: a retry counts again): (origin, year).
  std::map<std::pair<int, int>, double> detections;
  // First asylum applications in the Member States: (origin, year).
  std::map<std::pair<int, int>, double> asylum;
};

class ForecastWindow {
 public:
  // `agents`: the window's scenario is scaled to about this many agents (0: as given).
  // Throws std::invalid_argument when the scenario cannot cover the window.
  ForecastWindow(const Scenario& base, const Observations& observed, int start_year, int last_year,
                 std::uint64_t agents = 0);

  // Runs `replicates` replicates (ids first, first + 1, ...) with each origin's
  // parameter set `params` (empty: the scenario's own draws per replicate) and returns
  // one ModelObservations per replicate.
  std::vector<ModelObservations> simulate(std::span<const ModelParams> params, int replicates, int first = 0) const;

  const World& world() const { return *world_; }
  std::shared_ptr<const World> world_ptr() const { return world_; }
  int start_year() const { return start_year_; }

 private:
  // The agents at the start of a replicate, drawn once and copied into every engine
  // after: they depend on the replicate and the origins' savings_dispersion and
  // initial_irregular_share only, and a
  // calibration runs replicate 0 at thousands of parameter sets.
  std::shared_ptr<const AgentStore> initial_agents(int replicate, std::span<const ModelParams> params) const;

  std::shared_ptr<const World> world_;
  std::vector<EdgeId> into_eu_;  // edges where an irregular crossing is a Frontex detection
  int start_year_;
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

#include "analysis/scenario_runs.hpp"

#include <algorithm>
#include <stdexcept>

#include "ensemble/run_metadata.hpp"

namespace migflow {

std::shared_ptr<const World> scaled_world(const Scenario& sc, std::uint64_t agents) {
  auto copy = std::make_shared<Scenario>(sc);
  if (agents > 0) copy->scale_to(agents);
  return std::make_shared<const World>(copy);
}

RunFile run_of(const World& world, std::vector<ReplicateSeries> series) {
  return run_in_memory(run_metadata(world), series);
}

std::vector<Indicator> indicators_named(const std::vector<Indicator>& all, const std::vector<std::string>& names) {
  std::vector<Indicator> out;
  for (const std::string& name : names) {
    const auto it = std::find_if(all.begin(), all.end(),
                                 [&](const Indicator& i) { return i.name == name && i.member_state.empty(); });
    if (it == all.end()) {
      std::string known;
      for (const Indicator& i : all)
        if (i.member_state.empty()) known += (known.empty() ? "" : ", ") + i.name;
      throw std::invalid_argument("no indicator '" + name + "' (known: " + known + ")");
    }
    out.push_back(*it);
  }
  return out;
}

}  // namespace migflow

#include "ensemble/run_metadata.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace migflow {

namespace {

// A parameter as written in the scenario: a number when it reads as one, else its text.
std::variant<std::string, double> attribute_value(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size() && errno == 0 && std::isfinite(v)) return v;
  return text;
}

}  // namespace

RunMetadata run_metadata(const World& world) {
  const Scenario& sc = world.scenario();
  RunMetadata meta;
  meta.title = sc.title;
  meta.scenario_file = sc.file;
  meta.scenario_text = sc.text;
  meta.version = MIGFLOW_VERSION;
  meta.seed = sc.seed;
  meta.engine = kEngineModeNames[static_cast<int>(sc.engine)];
  meta.step_months = sc.calendar.step_months;
  meta.start_date = sc.calendar.start.str();
  for (int s = 0; s < sc.calendar.steps(); ++s) meta.dates.push_back(sc.calendar.date(s).str());
  for (const PolicySpec& p : sc.policies) {
    std::vector<Attribute>& attributes = meta.policy_attributes[p.id];
    attributes.push_back({"module", p.name});
    for (const auto& [key, text] : p.parameters) attributes.push_back({key, attribute_value(text)});
  }
  LabelledVariable eu{"destination_in_eu", "1", "1 where the EU's policies act (a Member State), 0 elsewhere",
                      {"destination"},     {},  true};
  for (int d = 0; d < world.destination_count(); ++d) eu.values.push_back(world.governed_by_eu(d) ? 1 : 0);
  meta.variables.push_back(std::move(eu));
  return meta;
}

}  // namespace migflow

#include "ensemble/run_metadata.hpp"

namespace migflow {

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

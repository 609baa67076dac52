// What the output file says about a run besides its series: title, dates, provenance.
#pragma once
#include "model/scenario.hpp"
#include "output/run_file_writer.hpp"

namespace migflow {

// File metadata for a scenario: dates, provenance.
RunMetadata run_metadata(const Scenario& scenario);

}  // namespace migflow

// `migflow report`: one self-contained HTML page about two or more runs, readable
// offline without a server: the comparison table with its intervals (as `migflow
// compare` prints it), each headline indicator over time with its band of replicates
// (inline SVG), the resolved scenario settings that differ between the runs, and each
// run's provenance (version, seed, status, the resolved scenario text).
#pragma once
#include <string>
#include <vector>

#include "analysis/compare.hpp"

namespace migflow {

// `runs[0]` is the reference. Throws what compare_runs throws.
std::string report_html(const std::vector<RunFile>& runs);

}  // namespace migflow

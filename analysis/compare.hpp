// Headline indicators of runs and their differences, with 95% confidence intervals:
// what `migflow compare` prints. Each indicator is computed per replicate; intervals
// are Student-t intervals of the mean over replicates. Runs that share replicate
// seeds (the same scenario seed) use common random numbers, so their difference is
// taken replicate by replicate (paired), which narrows its interval.
#pragma once
#include <string>
#include <vector>

#include "output/run_file_reader.hpp"

namespace migflow {

struct Indicator {
  std::string name;          // e.g. "arrivals_irregular"
  std::string member_state;  // "" for the total over Member States
  std::string unit;
  std::string description;
  std::vector<double> per_replicate;
};

struct Interval {
  double mean = 0, lo = 0, hi = 0;
};

// The headline indicators of a run; with `by_member_state`, arrivals and returns also
// per Member State.
std::vector<Indicator> headline_indicators(const RunFile& run, bool by_member_state);

Interval mean_interval(const std::vector<double>& x, double level = 0.95);
// b - a: paired when `paired` (same length required), else Welch's interval.
Interval difference_interval(const std::vector<double>& a, const std::vector<double>& b, bool paired,
                             double level = 0.95);

struct Comparison {
  std::vector<std::string> scenarios;        // labels
  std::vector<std::vector<Indicator>> runs;  // per scenario, same indicator order
  std::vector<bool> paired;                  // per scenario: paired with the first
};

Comparison compare_runs(const std::vector<RunFile>& runs, bool by_member_state);
std::string comparison_markdown(const Comparison& c);
// Long format: indicator, member_state, unit, scenario, mean, ci_low, ci_high,
// diff_vs_first, diff_ci_low, diff_ci_high, paired, replicates.
std::string comparison_csv(const Comparison& c);

}  // namespace migflow

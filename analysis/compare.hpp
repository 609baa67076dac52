// Headline indicators of runs and their differences, with 95% intervals: what
// `migflow compare` prints. Each indicator is computed per replicate. With a posterior
// (docs/calibration.md), each replicate runs with its own draw of the parameters, so
// the spread over replicates is the outcome's uncertainty: parameters and chance
// together. The interval is the 2.5% to 97.5% range of the replicates; its variance is
// split into parameters and chance by comparing replicates that share a draw
// (replicates_per_draw) with those that do not (one-way analysis of variance).
// Runs that share replicate seeds share their parameter draws and random numbers, so
// their difference is taken replicate by replicate (paired).
#pragma once
#include <string>
#include <vector>

#include "output/run_file_reader.hpp"

namespace migflow {

struct Indicator {
  std::string name;          // e.g. "arrivals_irregular"
  std::string member_state;  // "" for the total
  std::string unit;
  std::string description;
  std::vector<double> per_replicate;
  // Each step's value, replicate-major (R x T): during the step for a flow, at its end
  // for a stock (per_replicate is their sum, or the last step's value).
  std::vector<double> per_step;
  bool stock = false;
  // The kind of data that observes it (kObservedKindNames), or "" for none; when the
  // run carries its draws' model discrepancy, each replicate's value includes a draw of
  // it (with_discrepancy), so the interval is one of the observed value.
  std::string observed_as;
  bool with_discrepancy = false;
};

// What an indicator's replicates say.
struct Summary {
  double mean = 0;
  double lo = 0, hi = 0;       // 95% interval: 2.5% and 97.5% quantiles of the replicates
  double sd = 0;               // over replicates
  double parameter_share = 0;  // share of the variance from the parameters; NaN: cannot tell
  double mean_error = 0;       // standard error of the mean (Monte Carlo error)
};

// The headline indicators of a run; with `by_member_state`, arrivals and returns also
// per Member State. EU indicators count the Member States; `abroad_outside_eu_end`
// and `arrivals_outside_eu` the destinations outside the EU. Levels a kind of data
// observes include, replicate by replicate, a draw of the model discrepancy of the
// replicate's posterior draw (one origin's runs; docs/calibration.md): value x
// exp(sd x z), z standard normal from the replicate's seed and the kind, so two runs
// paired by seed share it, and their difference is scaled by the same factor.

std::vector<Indicator> headline_indicators(const RunFile& run, bool by_member_state);

// The replicates' groups of shared parameter draws: equal ids share a draw. Every
// replicate its own group (-1 each) when the run used point values.
std::vector<int> draw_groups(const RunFile& run);

// The q-quantile of v, linear between order statistics: with v sorted and n values, at
// position h = q (n - 1) it is v[floor h] + (h - floor h) (v[floor h + 1] - v[floor h])
// (Hyndman and Fan's definition 7, R's and numpy's default). The one quantile of the
// code: intervals, posterior summaries, the sensitivity's posterior ranges.
double quantile(std::vector<double> v, double q);
// The same of values already sorted (no copy).
double quantile_of_sorted(const std::vector<double>& sorted, double q);

// `groups` from draw_groups (empty: cannot split the variance).
Summary summarize(const std::vector<double>& x, const std::vector<int>& groups);
// b - a: replicate by replicate when `paired` (same length), else from the two summaries.
Summary summarize_difference(const std::vector<double>& a, const std::vector<double>& b, bool paired,
                             const std::vector<int>& groups_a, const std::vector<int>& groups_b);

struct Comparison {
  std::vector<std::string> scenarios;        // labels
  std::vector<std::vector<Indicator>> runs;  // per scenario, same indicator order
  std::vector<std::vector<int>> groups;      // per scenario: its replicates' draw groups
  std::vector<bool> paired;                  // per scenario: paired with the first
};

Comparison compare_runs(const std::vector<RunFile>& runs, bool by_member_state);
std::string comparison_markdown(const Comparison& c);
// The table of comparison_markdown as text cells, header row first: indicator, unit,
// each run's "mean [low, high] pN%", each run minus the first; and the note under it.
std::vector<std::vector<std::string>> comparison_table(const Comparison& c);
std::string comparison_note(const Comparison& c);
// Long format: indicator, member_state, unit, scenario, mean, low, high, sd,
// parameter_share, mean_error, diff_vs_first, diff_low, diff_high, diff_sd,
// diff_parameter_share, paired, replicates.
std::string comparison_csv(const Comparison& c);

}  // namespace migflow

// The `migflow` commands, one function each; app/cli.cpp turns the command line into
// their arguments. Every command loads scenarios with the policy modules it is handed,
// so a program with modules of its own (examples/policy_template) reuses all of them.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/attribution.hpp"
#include "analysis/backtest.hpp"
#include "analysis/calibrate.hpp"
#include "analysis/sensitivity.hpp"
#include "loader/policy_catalog.hpp"
#include "sim/comm.hpp"

namespace migflow {

// Exit codes: 0 success, 1 usage, 2 bad input (scenario, data or checkpoint), 3 output
// failure (output file or checkpoint), 4 unexpected error,
// 128 + signal number when interrupted (130 for Ctrl-C, 143 for SIGTERM).
inline constexpr int kBadInput = 2, kOutputFailure = 3, kUnexpected = 4;

struct RunArgs {
  std::string scenario, out;
  std::string scenario_named;  // as first given (a resumed run's file says the same); default: scenario
  std::optional<std::uint64_t> seed;
  std::optional<int> replicates;
  // "posterior" or "point": overrides the scenario's `parameters:` (docs/calibration.md).
  std::optional<std::string> parameters;
  int threads = 0;  // 0: all cores
  std::string checkpoint, resume;
  int checkpoint_every = 0;
  int replicate_groups = 1;
};
int run_command(RunArgs args, const Comm& comm, const PolicyCatalog& policies);

int validate_command(const std::string& scenario, const PolicyCatalog& policies);

struct CompareArgs {
  std::vector<std::string> runs;
  std::string csv, markdown;
  bool by_member_state = false;
  bool allow_partial = false;  // compare files marked partial (with a warning) instead of refusing them
};
int compare_command(const CompareArgs& args);

// `migflow report`: the comparison, figures, differing settings and provenance of runs
// as one self-contained HTML file.
int report_command(const std::vector<std::string>& runs, const std::string& out);

// `migflow schema`: the JSON Schema of scenario files, for editors, on stdout.
int schema_command(const PolicyCatalog& policies);

struct CalibrateArgs {
  std::string scenario, data_dir, write;  // data_dir: the bundled scenarios/data when empty
  std::string revision = "2020";          // UN DESA revision of the stocks fitted
  std::optional<std::uint64_t> seed;      // default: the scenario's
  int threads = 0;
  CalibrationOptions options;
};
int calibrate_command(CalibrateArgs args, const PolicyCatalog& policies);

struct BacktestArgs {
  std::vector<std::string> scenarios;  // default: the nine partners' bundled baselines
  std::string data_dir, markdown, csv;
  std::string revision = "2020";             // UN DESA revision the baselines were fitted to and are scored on
  bool restart = true, revision2024 = true;  // also the forecasts restarted from the cut-off year's stocks
  int threads = 0;
  BacktestOptions options;
};
// `migflow backtest`: the baselines run past the fit cut-off, scored on held-out data
// beside naive forecasts.
int backtest_command(BacktestArgs args, const PolicyCatalog& policies);
// Its forecasts, for `backtest_command` and the Python module; `progress` gets (partners
// done, partners). Throws InputError or std::exception.
BacktestReport run_backtest(BacktestArgs args, const PolicyCatalog& policies,
                            const std::function<void(long long, long long)>& progress);
// The observations a calibration of `sc` fits (data_dir: the bundled scenarios/data
// when empty; revision "2020" or "2024").
Observations observations_for(const Scenario& sc, std::string data_dir, const std::string& revision);

struct SensitivityArgs {
  std::string scenario, reference;  // reference: indicators of scenario minus reference
  std::vector<std::string> indicators;
  std::string markdown, csv;
  int threads = 0;
  std::optional<std::uint64_t> seed;  // of the design; default: the scenario's
  SensitivityOptions options;
};
// `migflow sensitivity`: Sobol indices of indicators (or of a difference) to the parameters.
int sensitivity_command(SensitivityArgs args, const PolicyCatalog& policies);

struct AttributeArgs {
  std::string scenario;
  // Which blocks to attribute: `blocks` when given; else those whose id is not a block of
  // `baseline`; else every block of the scenario (analysis/attribution.hpp).
  std::vector<std::string> blocks;
  std::string baseline;
  std::string markdown, csv;
  // Override the scenario's, as `migflow run` does; every subset runs with the same ones.
  std::optional<std::uint64_t> seed;
  std::optional<int> replicates;
  std::optional<std::string> parameters;  // "posterior" or "point"
  int threads = 0;
  AttributionOptions options;
};
// `migflow attribute`: Shapley values of a package's policy blocks for every headline
// indicator, from runs of the subsets of blocks with common random numbers.
int attribute_command(AttributeArgs args, const PolicyCatalog& policies);

struct BenchArgs {
  std::string scenario;               // default: the bundled default scenario
  std::uint64_t agents = 0;           // 0: the scenario's own count
  int steps = 0;                      // 0: the whole calendar
  int threads = 0;                    // 0: all cores
  bool skip_comparison = false;       // skip the scenarios_per_hour measurement
  std::optional<std::string> engine;  // stepped or event: overrides the scenario's
};
// `migflow bench`: throughput on this machine, one figure a line. Under mpirun, every
// rank takes part and rank 0 prints.
int bench_command(const BenchArgs& args, const Comm& comm, const PolicyCatalog& policies);

// Writes `text` to `path` atomically (no half file on failure); says why when it fails.
bool write_text_file(const std::string& path, const std::string& text);

}  // namespace migflow

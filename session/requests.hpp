// What each command is asked to do, one struct per command, each with its table of
// fields (session/request_fields.hpp): the `migflow` options, the Python keywords and
// the checkpoint manifest's settings come from these tables. Defaults are the members'
// initial values (those of the analyses' own options where there are any).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/attribution.hpp"
#include "analysis/backtest.hpp"
#include "analysis/calibrate.hpp"
#include "analysis/sensitivity.hpp"
#include "session/request_fields.hpp"

namespace migflow {

// Fields every command that loads a scenario shares: the scenario (a file or a bundled
// scenario's name), a scenario given as YAML text instead (Python's dicts; no option),
// and the user's overrides (`--set KEY=VALUE`; loader/overrides.hpp for their precedence).
struct ScenarioRequest {
  std::string scenario;
  std::string scenario_yaml, scenario_yaml_name;  // text and the name its errors give
  std::vector<std::string> set;
  // The scenario as first given, which output names (`scenario_file`); a checkpoint keeps
  // the file's absolute path in `scenario` so as to resume from any folder.
  std::string scenario_named;
};
// Makes `r` resumable from any folder: its scenario absolute, its name as given kept.
void settle_scenario(ScenarioRequest& r);

struct RunRequest : ScenarioRequest {
  std::string out;
  std::optional<std::uint64_t> seed;
  std::optional<int> replicates;
  std::optional<std::string> parameters;  // "posterior" or "point"
  int threads = 0;                        // 0: all cores
  std::string checkpoint;
  int checkpoint_every = 0;
  int replicate_groups = 1;
  std::string resume;
};
const std::vector<Field<RunRequest>>& run_fields();

struct ValidateRequest : ScenarioRequest {};
const std::vector<Field<ValidateRequest>>& validate_fields();

struct CompareRequest {
  std::vector<std::string> runs;
  std::string csv, markdown;
  bool by_member_state = false;
  bool allow_partial = false;  // compare files marked partial (with a warning) instead of refusing them
};
const std::vector<Field<CompareRequest>>& compare_fields();

struct ReportRequest {
  std::vector<std::string> runs;
  std::string out;
};
const std::vector<Field<ReportRequest>>& report_fields();

struct BenchRequest : ScenarioRequest {
  std::uint64_t agents = 0;           // 0: the scenario's own count
  int steps = 0;                      // 0: the whole calendar
  int threads = 0;                    // 0: all cores
  bool no_comparison = false;         // skip the scenarios_per_hour measurement
  std::optional<std::string> engine;  // stepped or event: overrides the scenario's
};
const std::vector<Field<BenchRequest>>& bench_fields();

// The four long commands keep their progress in `checkpoint` and carry on with `resume`
// (session/task_checkpoint.hpp).
struct CalibrateRequest : ScenarioRequest {
  std::string data, write;        // data: the bundled scenarios/data when empty
  std::string revision = "2020";  // UN DESA revision of the stocks fitted
  int fit_cutoff = CalibrationOptions{}.fit_cutoff;
  std::uint64_t agents = CalibrationOptions{}.agents;  // 0: the scenario's own scale
  int particles = CalibrationOptions{}.smc.particles;
  int replicates = CalibrationOptions{}.replicates;
  std::optional<std::uint64_t> seed;  // default: the scenario's
  int threads = 0;
  std::string checkpoint, resume;
};
const std::vector<Field<CalibrateRequest>>& calibrate_fields();

struct BacktestRequest {
  std::vector<std::string> scenarios;        // default: the partners' bundled baselines
  std::vector<std::string> scenarios_named;  // as given (ScenarioRequest::scenario_named)
  std::string data, markdown, csv;
  std::string revision = "2020";  // UN DESA revision the baselines were fitted to and are scored on
  int fit_cutoff = BacktestOptions{}.origin_year;
  int test_year = BacktestOptions{}.test_year;
  int replicates = BacktestOptions{}.replicates;
  std::uint64_t agents = BacktestOptions{}.agents;  // 0: the scenario's own scale
  // Beside the shipped runs: restarted from the cut-off year's stocks, of this revision
  // and of the 2024 revision.
  bool restart = true, revision2024 = true;
  int threads = 0;
  std::string checkpoint, resume;
};
const std::vector<Field<BacktestRequest>>& backtest_fields();

struct SensitivityRequest : ScenarioRequest {
  std::string minus;  // a reference scenario: indices of scenario minus reference
  std::vector<std::string> indicators;
  int samples = SensitivityOptions{}.samples;
  bool prior = false;
  std::uint64_t agents = 0;
  std::optional<std::uint64_t> seed;  // of the design; default: the scenario's
  std::string markdown, csv;
  int threads = 0;
  std::string checkpoint, resume;
};
const std::vector<Field<SensitivityRequest>>& sensitivity_fields();

struct AttributeRequest : ScenarioRequest {
  // Which blocks to attribute: `blocks` when given; else those whose id is not a block of
  // `baseline`; else every block of the scenario (analysis/attribution.hpp).
  std::vector<std::string> blocks;
  std::string baseline;
  int permutations = 0;
  // Override the scenario's, as `migflow run` does; every subset runs with the same ones.
  std::optional<std::uint64_t> seed;
  std::optional<int> replicates;
  std::optional<std::string> parameters;
  std::uint64_t agents = 0;
  std::string markdown, csv;
  int threads = 0;
  std::string checkpoint, resume;
};
const std::vector<Field<AttributeRequest>>& attribute_fields();

}  // namespace migflow

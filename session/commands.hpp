// The `migflow` commands other than run (session/run.hpp), one function each: from a
// request to an outcome that the command line prints and the Python package returns.
// Each prepares first (loading, overrides, the memory estimate, that its outputs can be
// written, refusing with SessionError before anything runs), then executes with the
// Context's progress and stop. What it leaves to write is written by write_outputs, after
// the caller has shown the outcome.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "analysis/compare.hpp"
#include "output/run_file_reader.hpp"
#include "session/session.hpp"

namespace migflow {

// The files a command writes (atomically, in order), and its checkpoint, removed once
// they are written.
struct Outputs {
  TextOutputs files;
  std::string checkpoint;
};
void write_outputs(const Outputs& outputs);

// `migflow validate`: what the scenario holds, as it prints it.
std::string validate_command(const ValidateRequest& request, const Context& ctx);

// `migflow schema`: the JSON Schema of scenario files.
std::string schema_command(const PolicyCatalog& policies);

struct CompareOutcome {
  Comparison comparison;
  std::string markdown, csv;
  Outputs outputs;
};
// `runs`: the runs compared, or empty to read `request.runs` (Python hands its Datasets).
CompareOutcome compare_command(const CompareRequest& request, std::vector<RunFile> runs, const Context& ctx);

struct ReportOutcome {
  std::string html;
  Outputs outputs;
};
ReportOutcome report_command(const ReportRequest& request, std::vector<RunFile> runs, const Context& ctx);

// `migflow bench`: throughput on this machine, as (name, value) figures. Collective under
// MPI; every rank's outcome has the figures, rank 0 prints them.
std::vector<std::pair<std::string, std::string>> bench_command(const BenchRequest& request, const Context& ctx);

struct CalibrateOutcome {
  Scenario scenario;
  CalibrationOptions options;
  CalibrationResult result;
  std::string markdown;  // the posterior and the fit, as `migflow calibrate` prints them
  std::string yaml;      // the fragment --write writes
  Outputs outputs;
};
CalibrateOutcome calibrate_command(CalibrateRequest request, const Context& ctx);

// What backtest, sensitivity and attribute give: their result, the table they print
// and the CSV they write.
template <class Result>
struct TableOutcome {
  Result result;
  std::string markdown, csv;
  Outputs outputs;
};
using BacktestOutcome = TableOutcome<BacktestReport>;
using SensitivityOutcome = TableOutcome<SensitivityResult>;
using AttributeOutcome = TableOutcome<AttributionResult>;
BacktestOutcome backtest_command(BacktestRequest request, const Context& ctx);
SensitivityOutcome sensitivity_command(SensitivityRequest request, const Context& ctx);
AttributeOutcome attribute_command(AttributeRequest request, const Context& ctx);

}  // namespace migflow

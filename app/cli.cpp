// The command line: one subcommand per command of app/commands.hpp.
#include "app/cli.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdint>
#include <cstdio>

#include "app/bundled_data.hpp"
#include "app/commands.hpp"

namespace migflow {

namespace {

// A scenario argument: a file, or the name of a bundled scenario (app/bundled_data.hpp),
// replaced by its path. Neither is left to the command, which refuses it as bad input
// (exit 2) like any unreadable scenario.
CLI::Validator scenario_file() {
  return CLI::Validator(
      [](std::string& name) -> std::string {
        if (const std::string found = find_scenario(name); !found.empty()) name = found;
        return "";
      },
      "SCENARIO");
}

// A whole number in [lo, hi], written as digits: CLI11 would wrap "-1" into an unsigned
// 2^64-1, and "1e12" into a float's rounding.
CLI::Validator whole_number(std::uint64_t lo, std::uint64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        const bool digits =
            !text.empty() && text.size() <= 19 && text.find_first_not_of("0123456789") == std::string::npos;
        const std::uint64_t v = digits ? std::stoull(text) : 0;
        if (digits && v >= lo && v <= hi) return "";
        return "'" + text + "' is not a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
      },
      "INT in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}
// The YAML `seed:`'s range.
const CLI::Validator kSeed = whole_number(0, 9'000'000'000'000'000'000ULL);
// Agents a command may scale a scenario to (the loader's bound per origin).
const CLI::Validator kAgents = whole_number(100, 4'000'000'000ULL);
struct ReportArgs {
  std::vector<std::string> runs;
  std::string out;
};

constexpr const char* kScenarioHelp =
    "Scenario YAML file, or a bundled scenario by name (default, moldova/security_heavy, ...)";

CLI::App* add_run(CLI::App& app, RunArgs& args) {
  CLI::App* cmd = app.add_subcommand("run", "Run a scenario's replicates and write one HDF5/netCDF-4 file");
  auto* scenario = cmd->add_option("scenario", args.scenario, kScenarioHelp)->transform(scenario_file());
  auto* out = cmd->add_option("--out,-o", args.out, "Output file (.h5); written atomically");
  auto* seed = cmd->add_option("--seed", args.seed, "Override the scenario's seed")->check(kSeed);
  auto* replicates = cmd->add_option("--replicates,-r", args.replicates, "Override the number of replicates")
                         ->check(CLI::Range(1, 100000));
  auto* parameters =
      cmd->add_option("--parameters", args.parameters,
                      "posterior: each replicate draws its parameters from the calibration's posterior (the "
                      "default); point: every replicate uses the posterior medians (intervals are chance alone)")
          ->check(CLI::IsMember(std::vector<std::string>(kParameterModeNames.begin(), kParameterModeNames.end())));
  auto* checkpoint = cmd->add_option("--checkpoint", args.checkpoint,
                                     "Checkpoint directory: the state is saved there (atomically) as the run goes");
  cmd->add_option("--checkpoint-every", args.checkpoint_every, "Save a checkpoint every K steps of a replicate")
      ->check(CLI::Range(1, 65000))
      ->needs(checkpoint);
  auto* groups = cmd->add_option("--replicate-groups", args.replicate_groups,
                                 "Under mpirun: split the processes into G groups, each running every G-th replicate "
                                 "(default 1: all processes share every replicate)")
                     ->check(CLI::Range(1, 100000));
  cmd->add_option("--resume", args.resume,
                  "Carry on from a checkpoint directory (scenario, output and options come from it)")
      ->check(CLI::ExistingDirectory)
      ->excludes(scenario, out, seed, replicates, parameters, checkpoint, groups);
  cmd->add_option("--threads,-t", args.threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  return cmd;
}

// Two or more run files, the first the reference (compare, report).
void add_runs(CLI::App* cmd, std::vector<std::string>& runs) {
  cmd->add_option("runs", runs, "Output files of `migflow run` (the first is the reference)")
      ->required()
      ->expected(2, 1000)
      ->check(CLI::ExistingFile);
}

CLI::App* add_compare(CLI::App& app, CompareArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "compare", "Headline indicators of two or more runs, with 95% intervals and differences from the first");
  add_runs(cmd, args.runs);
  cmd->add_option("--csv", args.csv, "Also write the table as CSV (long format)");
  cmd->add_option("--markdown", args.markdown, "Also write the table as Markdown");
  cmd->add_flag("--by-member-state", args.by_member_state, "Add arrivals and returns per Member State");
  cmd->add_flag("--allow-partial", args.allow_partial,
                "Compare files of interrupted runs (run_status partial) too, with a warning");
  return cmd;
}

CLI::App* add_report(CLI::App& app, ReportArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "report", "One self-contained HTML page comparing runs: table with intervals, figures, settings, provenance");
  add_runs(cmd, args.runs);
  cmd->add_option("--out,-o", args.out, "The HTML file to write")->required();
  return cmd;
}

CLI::App* add_bench(CLI::App& app, BenchArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "bench", "Throughput on this machine: agent-steps per second, memory, output share, scenarios per hour");
  cmd->add_option("scenario", args.scenario, "Scenario (default: the bundled default scenario)")
      ->transform(scenario_file());
  cmd->add_option("--agents,-n", args.agents, "Scale the scenario to about this many agents (same persons)")
      ->check(kAgents);
  cmd->add_option("--steps", args.steps, "Run only the first steps")->check(CLI::Range(1, 65000));
  cmd->add_option("--threads,-t", args.threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  cmd->add_flag("--no-comparison", args.skip_comparison, "Skip timing the default comparison");
  cmd->add_option("--engine", args.engine, "stepped or event: override the scenario's engine")
      ->check(CLI::IsMember(std::vector<std::string>(kEngineModeNames.begin(), kEngineModeNames.end())));
  return cmd;
}

CLI::App* add_calibrate(CLI::App& app, CalibrateArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "calibrate",
      "Sample the posterior of a partner's parameters by running the simulator against UN DESA stocks, Frontex "
      "detections and Eurostat asylum applications up to the fit cut-off (docs/calibration.md)");
  cmd->add_option("scenario", args.scenario, kScenarioHelp)->required()->transform(scenario_file());
  cmd->add_option("--data", args.data_dir, "Folder of the observation tables (default: the bundled scenarios/data)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--revision", args.revision, "UN DESA revision of the stocks fitted: 2020 (default) or 2024")
      ->check(CLI::IsMember({"2020", "2024"}));
  CalibrationOptions& o = args.options;
  cmd->add_option("--fit-cutoff", o.fit_cutoff, "Last year of data fitted (default 2015: the published backtest's)")
      ->check(CLI::Range(1951, 2100));
  cmd->add_option("--agents", o.agents, "Scale the run to about this many agents (default: the scenario's scale)")
      ->check(whole_number(100, 100'000'000));
  cmd->add_option("--particles", o.smc.particles, "SMC particles: the posterior sample's size (default 256)")
      ->check(whole_number(16, 100000));
  cmd->add_option("--replicates", o.replicates, "Replicates per likelihood evaluation (default 1)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--seed", args.seed, "Seed of the sampler (default: the scenario's)")->check(kSeed);
  cmd->add_option("--threads,-t", args.threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  cmd->add_option("--write", args.write,
                  "Write the posterior as a YAML fragment for the partner's scenarios to extend");
  return cmd;
}

CLI::App* add_backtest(CLI::App& app, BacktestArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "backtest",
      "Forecast each partner's baseline from its 2015 stocks with the posterior, and score the forecasts "
      "on held-out data beside persistence and trend (writes docs/validation.md's content)");
  cmd->add_option("scenarios", args.scenarios, "Baselines of one partner each (default: the nine bundled ones)")
      ->transform(scenario_file());
  cmd->add_option("--data", args.data_dir, "Folder of the observation tables (default: the bundled scenarios/data)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--replicates,-r", args.options.replicates, "Replicates per forecast (default 40)")
      ->check(CLI::Range(2, 100000));
  cmd->add_option("--agents", args.options.agents,
                  "Scale each run to about this many agents (default: the scenario's scale)")
      ->check(whole_number(100, 100'000'000));
  cmd->add_option("--fit-cutoff", args.options.origin_year,
                  "The baselines' fit cut-off: data after it are held out (default 2015)")
      ->check(CLI::Range(1951, 2100));
  cmd->add_option("--test-year", args.options.test_year,
                  "Year of the held-out stocks; flows are held out from the year after the cut-off (default 2020)")
      ->check(CLI::Range(1951, 2100));
  cmd->add_option("--revision", args.revision, "UN DESA revision fitted and scored: 2020 (default) or 2024")
      ->check(CLI::IsMember({"2020", "2024"}));
  cmd->add_option("--markdown", args.markdown, "Also write the report to this file (docs/validation.md)");
  cmd->add_option("--csv", args.csv, "Write every forecast as CSV");
  cmd->add_flag("!--no-restart", args.restart, "Skip the forecasts restarted from the cut-off year's stocks");
  cmd->add_flag("!--no-2024", args.revision2024, "Skip the restart from the UN DESA 2024 revision");
  cmd->add_option("--threads,-t", args.threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  return cmd;
}

CLI::App* add_sensitivity(CLI::App& app, SensitivityArgs& args) {
  CLI::App* cmd =
      app.add_subcommand("sensitivity",
                         "First- and total-order Sobol indices of indicators (or of their difference from a reference "
                         "scenario) to the calibrated parameters, over their posterior or prior ranges");
  cmd->add_option("scenario", args.scenario, kScenarioHelp)->required()->transform(scenario_file());
  cmd->add_option("--minus", args.reference, "Reference scenario: indices of the difference scenario minus reference")
      ->transform(scenario_file());
  cmd->add_option("--indicator,-i", args.indicators, "Indicator (as `migflow compare` names them), repeatable")
      ->required();
  cmd->add_option("--samples,-n", args.options.samples,
                  "Saltelli base samples N: N (k + 2) runs per scenario, twice that with --minus (default 64)")
      ->check(whole_number(4, 100000));
  cmd->add_flag("--prior", args.options.from_prior, "Vary the parameters over their priors (default: the posterior)");
  cmd->add_option("--agents", args.options.agents, "Scale the scenarios to about this many agents")
      ->check(whole_number(100, 100'000'000));
  cmd->add_option("--seed", args.seed, "Seed of the design (default: the scenario's)")->check(kSeed);
  cmd->add_option("--markdown", args.markdown, "Also write the table to this file");
  cmd->add_option("--csv", args.csv, "Write the indices as CSV (tools/plot_sensitivity.py draws them)");
  cmd->add_option("--threads,-t", args.threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  return cmd;
}

CLI::App* add_attribute(CLI::App& app, AttributeArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "attribute",
      "Shapley values of a package's policy blocks: how much of its effect on each headline indicator each block "
      "buys, from runs of every subset of blocks with common random numbers (docs/attribution.md)");
  cmd->add_option("scenario", args.scenario, kScenarioHelp)->required()->transform(scenario_file());
  auto* blocks = cmd->add_option("--blocks,-b", args.blocks,
                                 "Policy block ids to attribute, comma-separated, or groups switched together as "
                                 "name=id1+id2 (default: those not in --baseline, else every block); the other "
                                 "blocks stay on in every run")
                     ->delimiter(',');
  cmd->add_option("--baseline", args.baseline,
                  "Attribute the scenario's blocks whose ids this scenario does not have (e.g. moldova/baseline)")
      ->transform(scenario_file())
      ->excludes(blocks);
  cmd->add_option("--permutations", args.options.permutations,
                  "Sampled estimate from N random orders of the blocks instead of every subset; needed above " +
                      std::to_string(kMaxExactBlocks) + " blocks (default 0: exact)")
      ->check(whole_number(1, 100000));
  cmd->add_option("--seed", args.seed, "Override the scenario's seed (the same in every subset)")->check(kSeed);
  cmd->add_option("--replicates,-r", args.replicates, "Override the number of replicates (the same in every subset)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--parameters", args.parameters, "posterior (default) or point, as for `migflow run`")
      ->check(CLI::IsMember(std::vector<std::string>(kParameterModeNames.begin(), kParameterModeNames.end())));
  cmd->add_option("--agents", args.options.agents, "Scale every run to about this many agents")
      ->check(whole_number(100, 100'000'000));
  cmd->add_option("--markdown", args.markdown, "Also write the table to this file");
  cmd->add_option("--csv", args.csv, "Write the values as CSV (tools/plot_attribution.py draws them)");
  cmd->add_option("--threads,-t", args.threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  return cmd;
}

// A run's unexpected error ends every process of the job, so none waits for this one.
int run_or_abort(const RunArgs& args, const Comm& comm, const PolicyCatalog& policies) {
  try {
    return run_command(args, comm, policies);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error (process %d): %s\n", comm.rank(), e.what());
    if (comm.size() > 1) comm.abort(kUnexpected);
    return kUnexpected;
  }
}

}  // namespace

int cli_main(int argc, char** argv, const PolicyCatalog& policies) {
  const MpiSession mpi(argc, argv);  // MPI only when started by mpirun or srun
  CLI::App app{"migflow: agent-based simulation of migration flows between the EU and its partner countries"};
  app.set_version_flag("--version", std::string("migflow ") + MIGFLOW_VERSION);
  app.require_subcommand(1);
  RunArgs run_args;
  CLI::App* run = add_run(app, run_args);
  std::string validate_path;
  CLI::App* validate = app.add_subcommand("validate", "Check a scenario file and print what it describes");
  validate->add_option("scenario", validate_path, kScenarioHelp)->required()->transform(scenario_file());
  CompareArgs compare_args;
  CLI::App* compare = add_compare(app, compare_args);
  ReportArgs report_args;
  CLI::App* report = add_report(app, report_args);
  CLI::App* schema =
      app.add_subcommand("schema", "Print the JSON Schema of scenario files (for editors with a YAML language server)");
  BenchArgs bench_args;
  CLI::App* bench = add_bench(app, bench_args);
  CalibrateArgs calibrate_args;
  CLI::App* calibrate = add_calibrate(app, calibrate_args);
  BacktestArgs backtest_args;
  CLI::App* backtest = add_backtest(app, backtest_args);
  SensitivityArgs sensitivity_args;
  CLI::App* sensitivity = add_sensitivity(app, sensitivity_args);
  AttributeArgs attribute_args;
  CLI::App* attribute = add_attribute(app, attribute_args);

  // A reader that went away (`| head`, or `| tee` ended by the same Ctrl-C) must not
  // kill a run before it writes its result: writes to it fail instead, and are ignored.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // --help and --version exit 0; usage errors 1
  }
  if (*run && run_args.resume.empty() && (run_args.scenario.empty() || run_args.out.empty())) {
    std::fprintf(stderr, "migflow run: a scenario and --out are required (or --resume CHECKPOINT)\n");
    return 1;
  }
  if (*calibrate) return calibrate_command(calibrate_args, policies);
  if (*backtest) return backtest_command(backtest_args, policies);
  if (*sensitivity) return sensitivity_command(sensitivity_args, policies);
  if (*attribute) return attribute_command(attribute_args, policies);
  if (*bench) return bench_command(bench_args, mpi.world(), policies);
  if (*compare) return compare_command(compare_args);
  if (*report) return report_command(report_args.runs, report_args.out);
  if (*schema) return schema_command(policies);
  if (*run) return run_or_abort(run_args, mpi.world(), policies);
  if (*validate) return validate_command(validate_path, policies);
  return 1;
}

}  // namespace migflow

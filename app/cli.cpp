// The command line: one subcommand per command of app/commands.hpp.
#include "app/cli.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

#include "app/bundled_data.hpp"
#include "app/commands.hpp"

namespace migflow {

namespace {

// A scenario argument: a file, or the name of a bundled scenario (app/bundled_data.hpp),
// replaced by its path. With `must_exist`, neither is a usage error.
CLI::Validator scenario_file(bool must_exist) {
  return CLI::Validator(
      [must_exist](std::string& name) -> std::string {
        const std::string found = find_scenario(name);
        if (!found.empty()) name = found;
        if (found.empty() && must_exist) return "no scenario file or bundled scenario '" + name + "'";
        return "";
      },
      "SCENARIO");
}

constexpr const char* kScenarioHelp =
    "Scenario YAML file, or a bundled scenario by name (default, moldova/security_heavy, ...)";

CLI::App* add_run(CLI::App& app, RunArgs& args) {
  CLI::App* cmd = app.add_subcommand("run", "Run a scenario's replicates and write one HDF5/netCDF-4 file");
  auto* scenario = cmd->add_option("scenario", args.scenario, kScenarioHelp)->transform(scenario_file(true));
  auto* out = cmd->add_option("--out,-o", args.out, "Output file (.h5); written atomically");
  auto* seed = cmd->add_option("--seed", args.seed, "Override the scenario's seed");
  auto* replicates = cmd->add_option("--replicates,-r", args.replicates, "Override the number of replicates")
                         ->check(CLI::Range(1, 100000));
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
      ->excludes(scenario, out, seed, replicates, checkpoint, groups);
  cmd->add_option("--threads,-t", args.threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  return cmd;
}

CLI::App* add_compare(CLI::App& app, CompareArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "compare", "Headline indicators of two or more runs, with 95% intervals and differences from the first");
  cmd->add_option("runs", args.runs, "Output files of `migflow run` (the first is the reference)")
      ->required()
      ->expected(2, 1000)
      ->check(CLI::ExistingFile);
  cmd->add_option("--csv", args.csv, "Also write the table as CSV (long format)");
  cmd->add_option("--markdown", args.markdown, "Also write the table as Markdown");
  cmd->add_flag("--by-member-state", args.by_member_state, "Add arrivals and returns per Member State");
  return cmd;
}

CLI::App* add_bench(CLI::App& app, BenchArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "bench", "Throughput on this machine: agent-steps per second, memory, output share, scenarios per hour");
  cmd->add_option("scenario", args.scenario, "Scenario (default: the bundled default scenario)")
      ->transform(scenario_file(true));
  cmd->add_option("--agents,-n", args.agents, "Scale the scenario to about this many agents (same persons)");
  cmd->add_option("--steps", args.steps, "Run only the first steps")->check(CLI::Range(1, 65000));
  cmd->add_option("--threads,-t", args.threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  cmd->add_flag("--no-comparison", args.skip_comparison, "Skip timing the default comparison");
  return cmd;
}

CLI::App* add_calibrate(CLI::App& app, CalibrateArgs& args) {
  CLI::App* cmd = app.add_subcommand("calibrate",
                                     "Fit the baseline's free parameters to observed migrant stocks and border "
                                     "detections; report fit and backtest errors");
  cmd->add_option("scenario", args.scenario, kScenarioHelp)->required()->transform(scenario_file(true));
  cmd->add_option(
         "--observed", args.observed,
         "Observed stocks: CSV origin,destination,persons,year (default: the bundled scenarios/data/diaspora.csv)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--detections", args.detections,
                  "Observed border detections: CSV origin,year,...,detections "
                  "(default: the bundled scenarios/data/frontex_detections.csv)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--no-detections", args.no_detections, "Fit the stocks only (irregular_propensity keeps its value)");
  CalibrationOptions& o = args.options;
  cmd->add_option("--detection-fit-years", o.detection_fit_years,
                  "First and last year of detections fitted (default 2009 2015)");
  cmd->add_option("--detection-test-years", o.detection_test_years,
                  "First and last year of detections held out (default 2016 2020)");
  cmd->add_option("--write", args.write, "Write the fitted values as a YAML fragment to extend");
  cmd->add_option("--fit-years", o.fit_years, "Years fitted (default 2010 2015)");
  cmd->add_option("--test-year", o.test_year, "Year held out for the backtest (default 2020)");
  cmd->add_option("--agents", o.agents, "Agents while fitting (default 40000)");
  cmd->add_option("--replicates", o.replicates, "Replicates per evaluation (default 2)")->check(CLI::Range(1, 1000));
  cmd->add_option("--evaluations", o.max_evaluations, "Most simulations (default 200)")->check(CLI::Range(5, 100000));
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
  validate->add_option("scenario", validate_path, kScenarioHelp)->required()->transform(scenario_file(false));
  CompareArgs compare_args;
  CLI::App* compare = add_compare(app, compare_args);
  BenchArgs bench_args;
  CLI::App* bench = add_bench(app, bench_args);
  CalibrateArgs calibrate_args;
  CLI::App* calibrate = add_calibrate(app, calibrate_args);

  CLI11_PARSE(app, argc, argv);
  if (*run && run_args.resume.empty() && (run_args.scenario.empty() || run_args.out.empty())) {
    std::fprintf(stderr, "migflow run: a scenario and --out are required (or --resume CHECKPOINT)\n");
    return 1;
  }
  if (*calibrate) return calibrate_command(calibrate_args, policies);
  if (*bench) return bench_command(bench_args, mpi.world(), policies);
  if (*compare) return compare_command(compare_args);
  if (*run) return run_or_abort(run_args, mpi.world(), policies);
  if (*validate) return validate_command(validate_path, policies);
  return 1;
}

}  // namespace migflow

#include "session/requests.hpp"

#include <filesystem>

#include "analysis/observations.hpp"
#include "model/scenario.hpp"
#include "session/session.hpp"

namespace migflow {

namespace {

constexpr const char* kScenarioHelp =
    "Scenario YAML file, or a bundled scenario by name (default, moldova/security_heavy, ...)";
constexpr std::uint64_t kMaxSeed = 9'000'000'000'000'000'000ULL;  // the YAML `seed:`'s range
constexpr std::uint64_t kMaxScaledAgents = 100'000'000;           // what a command may scale a scenario to

std::vector<std::string> names_of(std::span<const std::string_view> names) { return {names.begin(), names.end()}; }

// Fields that several commands share, each declared once.

// A ScenarioRequest's: the scenario and --set, and what a checkpoint keeps besides.
template <class R>
std::vector<Field<R>> scenario(unsigned traits = kManifest) {
  return {
      text_field<R>("scenario", "scenario", kScenarioHelp, &R::scenario, traits),
      text_field<R>(
          "set", "--set",
          "Override a field of the scenario, KEY=VALUE (KEY a field such as model.emigration_rate, VALUE YAML); "
          "repeatable. An origin's parameter set so beats its calibrated value and posterior draws",
          &R::set, kManifest),
      text_field<R>("scenario_named", "--scenario-named", "", &R::scenario_named, kManifest | kInternal),
      text_field<R>("scenario_yaml", "--scenario-yaml", "", &R::scenario_yaml, kManifest | kInternal),
      text_field<R>("scenario_yaml_name", "--scenario-yaml-name", "", &R::scenario_yaml_name, kManifest | kInternal),
  };
}
// The fields of `first`, then `rest`.
template <class R>
std::vector<Field<R>> joined(std::vector<Field<R>> first, const std::vector<Field<R>>& rest) {
  first.insert(first.end(), rest.begin(), rest.end());
  return first;
}
template <class R>
Field<R> threads() {
  return whole_field<R>("threads", "--threads,-t", "Worker threads (default 0: all cores)", &R::threads, 0, 1024);
}
template <class R, class M>
Field<R> seed(const char* help, M member) {
  return whole_field<R>("seed", "--seed", help, member, 0, kMaxSeed, kManifest);
}
template <class R>
Field<R> agents(const char* cli, const char* help, std::uint64_t lo = 100, std::uint64_t hi = kMaxScaledAgents) {
  return whole_field<R>("agents", cli, help, &R::agents, lo, hi, kManifest);
}
template <class R>
Field<R> data() {
  return make_field<R>("data", "--data", "Folder of the observation tables (default: the bundled scenarios/data)",
                       &R::data, FieldKind::Folder, kManifest);
}
template <class R>
Field<R> parameters(const char* help) {
  return choice_field<R>("parameters", "--parameters", help, &R::parameters, names_of(kParameterModeNames), kManifest);
}
template <class R>
Field<R> runs() {
  return make_field<R>("runs", "runs", "Output files of `migflow run` (the first is the reference)", &R::runs,
                       FieldKind::File, kRequired)
      .at_least(2);
}
// --checkpoint and --resume of a long command (session/task_checkpoint.hpp).
template <class R>
std::vector<Field<R>> with_checkpoint(std::vector<Field<R>> fields) {
  fields.push_back(text_field<R>("checkpoint", "--checkpoint",
                                 "Checkpoint directory: progress is saved there as the command goes (then --resume it "
                                 "after Ctrl-C or a kill)",
                                 &R::checkpoint));
  std::vector<std::string> given{"checkpoint"};
  for (const Field<R>& f : fields)
    if ((f.traits & kManifest) && !(f.traits & kInternal)) given.push_back(f.name);
  fields.push_back(make_field<R>("resume", "--resume",
                                 "Carry on from a checkpoint directory (scenario, outputs and options come from it)",
                                 &R::resume, FieldKind::Folder, 0)
                       .excluding(given));
  return fields;
}

}  // namespace

void settle_scenario(ScenarioRequest& r) {
  if (r.scenario.empty()) return;
  const std::string path = resolve_scenario(r.scenario);
  if (r.scenario_named.empty()) r.scenario_named = path;
  r.scenario = std::filesystem::absolute(path).string();
}

const std::vector<Field<RunRequest>>& run_fields() {
  using R = RunRequest;
  static const std::vector<Field<R>> fields = joined(
      scenario<R>(),
      {
          text_field<R>("out", "--out,-o", "Output file (.h5); written atomically", &R::out, kManifest),
          seed<R>("Override the scenario's seed", &R::seed),
          whole_field<R>("replicates", "--replicates,-r", "Override the number of replicates", &R::replicates, 1,
                         100000, kManifest),
          parameters<R>("posterior: each replicate draws its parameters from the calibration's posterior (the "
                        "default); point: every replicate uses the posterior medians (intervals are chance alone)"),
          text_field<R>("checkpoint", "--checkpoint",
                        "Checkpoint directory: the state is saved there (atomically) as the run goes", &R::checkpoint),
          whole_field<R>("checkpoint_every", "--checkpoint-every", "Save a checkpoint every K steps of a replicate",
                         &R::checkpoint_every, 1, 65000, kManifest)
              .needing("checkpoint"),
          whole_field<R>(
              "replicate_groups", "--replicate-groups",
              "Under mpirun: split the processes into G groups, each running every G-th replicate (default 1: "
              "all processes share every replicate)",
              &R::replicate_groups, 1, 100000, kManifest | kCliOnly),
          make_field<R>("resume", "--resume",
                        "Carry on from a checkpoint directory (scenario, output and options come from it)", &R::resume,
                        FieldKind::Folder, 0)
              .excluding({"scenario", "set", "out", "seed", "replicates", "parameters", "checkpoint",
                          "checkpoint_every", "replicate_groups"}),
          threads<R>(),
      });
  return fields;
}

const std::vector<Field<ValidateRequest>>& validate_fields() {
  static const std::vector<Field<ValidateRequest>> fields = scenario<ValidateRequest>(kRequired);
  return fields;
}

const std::vector<Field<CompareRequest>>& compare_fields() {
  using R = CompareRequest;
  static const std::vector<Field<R>> fields{
      runs<R>(),
      text_field<R>("csv", "--csv", "Also write the table as CSV (long format)", &R::csv),
      text_field<R>("markdown", "--markdown", "Also write the table as Markdown", &R::markdown),
      flag_field<R>("by_member_state", "--by-member-state", "Add arrivals and returns per Member State",
                    &R::by_member_state),
      flag_field<R>("allow_partial", "--allow-partial",
                    "Compare files of interrupted runs (run_status partial) too, with a warning", &R::allow_partial),
  };
  return fields;
}

const std::vector<Field<ReportRequest>>& report_fields() {
  using R = ReportRequest;
  static const std::vector<Field<R>> fields{
      runs<R>(),
      text_field<R>("out", "--out,-o", "The HTML file to write", &R::out, kRequired),
  };
  return fields;
}

const std::vector<Field<BenchRequest>>& bench_fields() {
  using R = BenchRequest;
  static const std::vector<Field<R>> fields = joined(
      scenario<R>(0),
      {
          agents<R>("--agents,-n", "Scale the scenario to about this many agents (same persons)", 100,
                    4'000'000'000ULL),
          whole_field<R>("steps", "--steps", "Run only the first steps", &R::steps, 1, 65000),
          threads<R>(),
          flag_field<R>("no_comparison", "--no-comparison", "Skip timing the default comparison", &R::no_comparison),
          choice_field<R>("engine", "--engine", "stepped or event: override the scenario's engine", &R::engine,
                          names_of(kEngineModeNames)),
      });
  return fields;
}

const std::vector<Field<CalibrateRequest>>& calibrate_fields() {
  using R = CalibrateRequest;
  static const std::vector<Field<R>> fields = with_checkpoint(joined(
      scenario<R>(),
      {
          data<R>(),
          choice_field<R>("revision", "--revision", "UN DESA revision of the stocks fitted: 2020 (default) or 2024",
                          &R::revision, {"2020", "2024"}, kManifest),
          whole_field<R>("fit_cutoff", "--fit-cutoff",
                         "Last year of data fitted (default 2015: the published backtest's)", &R::fit_cutoff, 1951,
                         2100, kManifest),
          agents<R>("--agents", "Scale the run to about this many agents (default: the scenario's scale)"),
          whole_field<R>("particles", "--particles", "SMC particles: the posterior sample's size (default 256)",
                         &R::particles, 16, 100000, kManifest),
          whole_field<R>("replicates", "--replicates", "Replicates per likelihood evaluation (default 1)",
                         &R::replicates, 1, 1000, kManifest),
          seed<R>("Seed of the sampler (default: the scenario's)", &R::seed),
          threads<R>(),
          text_field<R>("write", "--write",
                        "Write the posterior as a YAML fragment for the partner's scenarios to extend", &R::write,
                        kManifest),
      }));
  return fields;
}

const std::vector<Field<BacktestRequest>>& backtest_fields() {
  using R = BacktestRequest;
  static const std::vector<Field<R>> fields = with_checkpoint<R>({
      text_field<R>("scenarios", "scenarios", "Baselines of one partner each (default: the nine bundled ones)",
                    &R::scenarios, kManifest),
      text_field<R>("scenarios_named", "--scenarios-named", "", &R::scenarios_named, kManifest | kInternal),
      data<R>(),
      whole_field<R>("replicates", "--replicates,-r", "Replicates per forecast (default 40)", &R::replicates, 2, 100000,
                     kManifest),
      agents<R>("--agents", "Scale each run to about this many agents (default: the scenario's scale)"),
      whole_field<R>("fit_cutoff", "--fit-cutoff",
                     "The baselines' fit cut-off: data after it are held out (default 2015)", &R::fit_cutoff, 1951,
                     2100, kManifest),
      whole_field<R>("test_year", "--test-year",
                     "Year of the held-out stocks; flows are held out from the year after the cut-off (default 2020)",
                     &R::test_year, 1951, 2100, kManifest),
      choice_field<R>("revision", "--revision", "UN DESA revision fitted and scored: 2020 (default) or 2024",
                      &R::revision, {"2020", "2024"}, kManifest),
      text_field<R>("markdown", "--markdown", "Also write the report to this file (docs/validation.md)", &R::markdown,
                    kManifest),
      text_field<R>("csv", "--csv", "Write every forecast as CSV", &R::csv, kManifest),
      flag_field<R>("restart", "!--no-restart", "Skip the forecasts restarted from the cut-off year's stocks",
                    &R::restart, kManifest | kNegated),
      flag_field<R>("revision2024", "!--no-2024", "Skip the restart from the UN DESA 2024 revision", &R::revision2024,
                    kManifest | kNegated),
      threads<R>(),
  });
  return fields;
}

const std::vector<Field<SensitivityRequest>>& sensitivity_fields() {
  using R = SensitivityRequest;
  static const std::vector<Field<R>> fields = with_checkpoint(joined(
      scenario<R>(),
      {
          text_field<R>("minus", "--minus", "Reference scenario: indices of the difference scenario minus reference",
                        &R::minus, kManifest),
          text_field<R>("indicators", "--indicator,-i", "Indicator (as `migflow compare` names them), repeatable",
                        &R::indicators, kManifest)
              .at_least(1),
          whole_field<R>("samples", "--samples,-n",
                         "Saltelli base samples N: N (k + 2) runs per scenario, twice that with --minus (default 64)",
                         &R::samples, 4, 100000, kManifest),
          flag_field<R>("prior", "--prior", "Vary the parameters over their priors (default: the posterior)", &R::prior,
                        kManifest),
          agents<R>("--agents", "Scale the scenarios to about this many agents"),
          seed<R>("Seed of the design (default: the scenario's)", &R::seed),
          text_field<R>("markdown", "--markdown", "Also write the table to this file", &R::markdown, kManifest),
          text_field<R>("csv", "--csv", "Write the indices as CSV (tools/plot_sensitivity.py draws them)", &R::csv,
                        kManifest),
          threads<R>(),
      }));
  return fields;
}

const std::vector<Field<AttributeRequest>>& attribute_fields() {
  using R = AttributeRequest;
  static const std::vector<Field<R>> fields = with_checkpoint(joined(
      scenario<R>(),
      {
          text_field<R>("blocks", "--blocks,-b",
                        "Policy block ids to attribute, comma-separated, or groups switched together as name=id1+id2 "
                        "(default: those not in --baseline, else every block); the other blocks stay on in every run",
                        &R::blocks, kManifest | kCommaList)
              .excluding({"baseline"}),
          text_field<R>("baseline", "--baseline",
                        "Attribute the scenario's blocks whose ids this scenario does not have (e.g. moldova/baseline)",
                        &R::baseline, kManifest),
          whole_field<R>("permutations", "--permutations",
                         "Sampled estimate from N random orders of the blocks instead of every subset; needed above " +
                             std::to_string(kMaxExactBlocks) + " blocks (default 0: exact)",
                         &R::permutations, 1, 100000, kManifest),
          seed<R>("Override the scenario's seed (the same in every subset)", &R::seed),
          whole_field<R>("replicates", "--replicates,-r",
                         "Override the number of replicates (the same in every subset)", &R::replicates, 1, 100000,
                         kManifest),
          parameters<R>("posterior (default) or point, as for `migflow run`"),
          agents<R>("--agents", "Scale every run to about this many agents"),
          text_field<R>("markdown", "--markdown", "Also write the table to this file", &R::markdown, kManifest),
          text_field<R>("csv", "--csv", "Write the values as CSV (tools/plot_attribution.py draws them)", &R::csv,
                        kManifest),
          threads<R>(),
      }));
  return fields;
}

}  // namespace migflow

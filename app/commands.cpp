// `migflow validate`, `compare`, `calibrate`, `backtest`, `sensitivity` and `attribute`.
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

#include "analysis/calibrate.hpp"
#include "analysis/compare.hpp"
#include "analysis/report.hpp"
#include "analysis/scenario_runs.hpp"
#include "app/bundled_data.hpp"
#include "app/commands.hpp"
#include "app/progress.hpp"
#include "ensemble/memory_estimate.hpp"
#include "loader/scenario_loader.hpp"
#include "loader/schema.hpp"
#include "output/atomic_file.hpp"
#include "output/run_file_reader.hpp"
#include "output/run_file_writer.hpp"
#include "sim/agents.hpp"
#include "sim/event_schedule.hpp"
#include "sim/world.hpp"

namespace migflow {

int validate_command(const std::string& path, const PolicyCatalog& policies) {
  try {
    auto world = std::make_shared<const World>(std::make_shared<Scenario>(load_scenario(path, policies)));
    const Scenario& sc = world->scenario();
    std::uint64_t at_home = 0;
    for (const OriginSpec& o : sc.origins) at_home += o.agents;
    std::printf(
        "%s: valid\n  %s\n  %zu nodes (%d origins, %d Member States), %zu edges, %d policies\n"
        "  %llu agents (%llu at home, the rest abroad at the start; %.1f MB of agent state)\n"
        "  %d steps from %s, %d replicates, seed %llu\n",
        path.c_str(), sc.title.c_str(), sc.nodes.size(), world->origin_count(), world->member_state_count(),
        sc.edges.size(), static_cast<int>(sc.policies.size()), static_cast<unsigned long long>(sc.total_agents()),
        static_cast<unsigned long long>(at_home),
        static_cast<double>(sc.total_agents() * bytes_per_agent(sc.engine)) / 1e6, sc.calendar.steps(),
        sc.calendar.start.str().c_str(), sc.replicates, static_cast<unsigned long long>(sc.seed));
    return 0;
  } catch (const InputError& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
}

bool write_text_file(const std::string& path, const std::string& text) {
  try {
    write_file_atomically(path, text.data(), text.size());
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());  // "writing '<path>': <reason>"
    return false;
  }
}

namespace {
std::vector<RunFile> read_runs(const std::vector<std::string>& paths) {
  std::vector<RunFile> runs;
  for (const auto& path : paths) runs.push_back(read_run_file(path));
  return runs;
}
}  // namespace

int compare_command(const CompareArgs& args) {
  Comparison c;
  try {
    std::vector<RunFile> runs;
    for (const auto& path : args.runs) {
      runs.push_back(read_run_file(path));
      // A file of K of R replicates (or cut steps) would pass for a complete run.
      const std::string& status = runs.back().run_status;
      if (status.rfind("partial", 0) == 0) {
        if (!args.allow_partial)
          throw std::runtime_error(path + ": attribute 'run_status': " + status +
                                   "; compare complete runs, or pass --allow-partial");
        std::fprintf(stderr, "migflow: warning: %s is %s\n", path.c_str(), status.c_str());
      }
    }
    c = compare_runs(runs, args.by_member_state);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  const std::string table = comparison_markdown(c);
  std::fputs(table.c_str(), stdout);
  for (const auto& [path, text] : {std::pair{args.csv, comparison_csv(c)}, std::pair{args.markdown, table}})
    if (!path.empty() && !write_text_file(path, text)) return kOutputFailure;
  return 0;
}

int schema_command(const PolicyCatalog& policies) {
  std::fputs(scenario_json_schema(policies).c_str(), stdout);
  return 0;
}

int report_command(const std::vector<std::string>& paths, const std::string& out) {
  std::string html;
  try {
    html = report_html(read_runs(paths));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  if (!write_text_file(out, html)) return kOutputFailure;
  std::fprintf(stderr, "migflow: wrote %s\n", out.c_str());
  return 0;
}

namespace {

// The posterior, parameter by parameter, and how the fitted data sit in their
// posterior predictive intervals. Destinations are named as in the scenario.
void print_calibration(const Scenario& sc, const CalibrationResult& r) {
  const World world(std::make_shared<const Scenario>(sc));
  std::printf("| parameter | prior median | posterior median | posterior 90%% |\n|---|---|---|---|\n");
  for (size_t j = 0; j < r.priors.size(); ++j) {
    std::vector<double> column;
    for (const auto& p : r.posterior.particles) column.push_back(p[j]);
    std::sort(column.begin(), column.end());
    const auto at = [&](double q) { return column[static_cast<size_t>(q * static_cast<double>(column.size() - 1))]; };
    std::printf("| %s | %.4g | %.4g | %.4g - %.4g |\n", r.priors[j].name.c_str(),
                r.priors[j].to_natural(r.priors[j].mean), r.medians[j], at(0.05), at(0.95));
  }
  int inside = 0;
  std::printf(
      "\n| kind | destination | year | observed | posterior predictive median [90%%] |\n|---|---|---|---|---|\n");
  for (const FitCheck& c : r.fit) {
    inside += c.observed.value >= c.lo90 && c.observed.value <= c.hi90;
    const std::string where =
        c.observed.destination < 0 ? "all" : sc.nodes[world.destination_node(c.observed.destination)].id;
    std::printf("| %s | %s | %d | %.0f | %.0f [%.0f, %.0f] |\n", c.kind.c_str(), where.c_str(), c.observed.year,
                c.observed.value, c.median, c.lo90, c.hi90);
  }
  std::printf("\nfitted:");
  for (int k = 0; k < kObservedKinds; ++k)
    std::printf(" %d %s%s", r.targets[static_cast<size_t>(k)],
                std::string(kObservedKindNames[static_cast<size_t>(k)]).c_str(), k + 1 < kObservedKinds ? "," : "\n");
  std::printf("inside_90_percent: %d of %zu\n", inside, r.fit.size());
  std::printf("smc: %zu particles, %zu stages, %lld simulations, %.0f s\n", r.posterior.particles.size(),
              r.posterior.stages.size(), r.posterior.evaluations, r.seconds);
}

}  // namespace

int calibrate_command(CalibrateArgs args, const PolicyCatalog& policies) {
  std::optional<tbb::global_control> threads;
  if (args.threads > 0)
    threads.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(args.threads));
  Scenario sc;
  Observations observed;
  try {
    sc = load_scenario(args.scenario, policies);
    observed = observations_for(sc, args.data_dir, args.revision);
    args.options.revision = args.revision;
  } catch (const std::exception& e) {  // InputError, a bad option, or no bundled data
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  args.options.smc.seed = args.seed.value_or(sc.seed);
  ProgressBar bar("calibrating");
  args.options.progress = [&](int, double temperature, long long) {
    bar.update(std::llround(temperature * 1000), 1000);
  };
  CalibrationResult r;
  try {
    r = calibrate(sc, observed, args.options);
  } catch (const std::exception& e) {
    bar.finish();
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  bar.finish();
  print_calibration(sc, r);
  if (!args.write.empty() && !write_text_file(args.write, calibration_yaml(sc, r, args.options))) return kOutputFailure;
  return 0;
}

namespace {

// The nine partners' bundled baselines, in order of signature.
std::vector<std::string> bundled_baselines() {
  std::vector<std::string> out;
  for (const char* p :
       {"cape_verde", "moldova", "georgia", "armenia", "morocco", "azerbaijan", "tunisia", "jordan", "belarus"})
    out.push_back(find_scenario(std::string(p) + "/baseline"));
  return out;
}

}  // namespace

Observations observations_for(const Scenario& sc, std::string data_dir, const std::string& revision) {
  if (data_dir.empty()) data_dir = bundled_data_dir() + "/scenarios/data";
  const World world(std::make_shared<const Scenario>(sc));
  return read_observations(bundled_observations(data_dir, revision), world);
}

BacktestReport run_backtest(BacktestArgs args, const PolicyCatalog& policies,
                            const std::function<void(long long, long long)>& progress) {
  // Flows are held out from the year after the cut-off to the test year.
  if (args.options.test_year <= args.options.origin_year)
    throw std::invalid_argument("backtest: the test year " + std::to_string(args.options.test_year) +
                                " is not after the fit cut-off " + std::to_string(args.options.origin_year));
  args.options.first_count_year = args.options.origin_year + 1;
  args.options.last_count_year = args.options.test_year;
  BacktestReport report;
  report.options = args.options;
  if (args.scenarios.empty()) args.scenarios = bundled_baselines();
  const long long total = static_cast<long long>(args.scenarios.size());
  long long done = 0;
  for (const std::string& path : args.scenarios) {
    const Scenario sc = load_scenario(path, policies);
    if (sc.origins.size() != 1)
      throw std::invalid_argument(path + ": a backtest runs one partner's baseline at a time");
    const Observations fitted = observations_for(sc, args.data_dir, args.revision);
    report.shipped.push_back(backtest_partner(sc, fitted, 0, args.options));
    if (args.restart)
      report.restart2020.push_back(backtest_partner(sc, fitted, args.options.origin_year, args.options));
    if (args.revision2024 && args.revision != "2024") {
      const Observations rev2024 = observations_for(sc, args.data_dir, "2024");
      report.restart2024.push_back(backtest_partner(sc, rev2024, args.options.origin_year, args.options));
    }
    if (progress) progress(++done, total);
  }
  return report;
}

int backtest_command(BacktestArgs args, const PolicyCatalog& policies) {
  std::optional<tbb::global_control> threads;
  if (args.threads > 0)
    threads.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(args.threads));
  BacktestReport report;
  try {
    ProgressBar bar("backtesting");
    report = run_backtest(args, policies, [&](long long done, long long total) { bar.update(done, total); });
    bar.finish();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  const std::string markdown = backtest_markdown(report);
  std::fputs(markdown.c_str(), stdout);
  if (!args.markdown.empty() && !write_text_file(args.markdown, markdown)) return kOutputFailure;
  if (!args.csv.empty() && !write_text_file(args.csv, backtest_csv(report))) return kOutputFailure;
  return 0;
}

int sensitivity_command(SensitivityArgs args, const PolicyCatalog& policies) {
  std::optional<tbb::global_control> threads;
  if (args.threads > 0)
    threads.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(args.threads));
  SensitivityResult r;
  std::string title;
  try {
    const Scenario sc = load_scenario(args.scenario, policies);
    std::optional<Scenario> reference;
    if (!args.reference.empty()) reference = load_scenario(args.reference, policies);
    title = sc.title + (reference ? " minus " + reference->title : "");
    ProgressBar bar("sensitivity");
    args.options.progress = [&](long long done, long long total) { bar.update(done, total); };
    args.options.seed = args.seed.value_or(sc.seed);
    r = sensitivity(sc, reference ? &*reference : nullptr, args.indicators, args.options);
    bar.finish();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  const std::string table = sensitivity_markdown(r, title);
  std::fputs(table.c_str(), stdout);
  if (!args.markdown.empty() && !write_text_file(args.markdown, table)) return kOutputFailure;
  if (!args.csv.empty() && !write_text_file(args.csv, sensitivity_csv(r))) return kOutputFailure;
  return 0;
}

int attribute_command(AttributeArgs args, const PolicyCatalog& policies) {
  std::optional<tbb::global_control> threads;
  if (args.threads > 0)
    threads.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(args.threads));
  Scenario sc;
  std::vector<std::string> blocks;
  std::size_t runs = 0;
  try {  // everything that can be refused is refused before the first run
    sc = load_scenario(args.scenario, policies);
    if (args.seed) sc.seed = *args.seed;
    if (args.replicates) sc.replicates = *args.replicates;
    if (args.parameters) sc.parameters = parameter_mode_named(*args.parameters).value();  // checked by the CLI
    std::optional<Scenario> baseline;
    if (!args.baseline.empty()) baseline = load_scenario(args.baseline, policies);
    blocks = attributed_blocks(sc, args.blocks, baseline ? &*baseline : nullptr);
    runs = attribution_plan(static_cast<int>(blocks.size()), args.options.permutations, sc.seed).coalitions.size();
    // Subsets run one after another, each as `migflow run` would: the same memory check.
    const int concurrent =
        static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
    const std::string refusal = memory_refusal(*scaled_world(sc, args.options.agents), concurrent, 1);
    if (!refusal.empty()) throw std::invalid_argument(refusal);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  try {
    for (const std::string& path : {args.csv, args.markdown})
      if (!path.empty()) check_writable(path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kOutputFailure;
  }
  std::fprintf(stderr, "migflow: attributing %zu blocks of %s: %zu subsets x %d replicates\n", blocks.size(),
               sc.title.c_str(), runs, sc.replicates);
  AttributionResult r;
  try {
    ProgressBar bar("attributing");
    args.options.progress = [&](long long done, long long total) { bar.update(done, total); };
    r = attribute(sc, blocks, args.options);
    bar.finish();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kUnexpected;
  }
  std::fprintf(stderr, "migflow: %zu subsets run in %.1f s\n", r.plan.coalitions.size(), r.seconds);
  const std::string table = attribution_markdown(r);
  std::fputs(table.c_str(), stdout);
  if (!args.markdown.empty() && !write_text_file(args.markdown, table)) return kOutputFailure;
  if (!args.csv.empty() && !write_text_file(args.csv, attribution_csv(r))) return kOutputFailure;
  return 0;
}

}  // namespace migflow

// `migflow validate`, `compare` and `calibrate`.
#include <cstdio>
#include <memory>

#include "analysis/calibrate.hpp"
#include "analysis/compare.hpp"
#include "app/bundled_data.hpp"
#include "app/commands.hpp"
#include "loader/scenario_loader.hpp"
#include "output/atomic_file.hpp"
#include "output/run_file_reader.hpp"
#include "sim/agents.hpp"
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
        static_cast<unsigned long long>(at_home), sc.total_agents() * AgentStore::kBytesPerAgent / 1e6,
        sc.calendar.steps(), sc.calendar.start.str().c_str(), sc.replicates, static_cast<unsigned long long>(sc.seed));
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

int compare_command(const CompareArgs& args) {
  Comparison c;
  try {
    std::vector<RunFile> runs;
    for (const auto& path : args.runs) runs.push_back(read_run_file(path));
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

namespace {

// The fit and backtest, target by target, then the fitted values and the errors.
void print_calibration(const CalibrationResult& r, const CalibrationOptions& options) {
  std::printf("| origin | Member State | year | observed | model | kind |\n|---|---|---|---|---|---|\n");
  for (const auto* set : {&r.fit, &r.backtest})
    for (const TargetFit& f : *set)
      std::printf("| %s | %s | %d | %.0f | %.0f | %s |\n", f.target.origin.c_str(), f.target.destination.c_str(),
                  f.target.year, f.target.persons, f.model, set == &r.fit ? "fit" : "backtest");
  std::printf("\n");
  if (!r.detection_fit.empty()) {
    std::printf("| origin | detections | observed | model | kind |\n|---|---|---|---|---|\n");
    for (const auto* set : {&r.detection_fit, &r.detection_backtest})
      for (const DetectionFit& f : *set)
        std::printf("| %s | %d-%d | %.0f%s | %.0f | %s |\n", f.target.origin.c_str(), f.target.first_year,
                    f.target.last_year, f.target.detections, f.upper_bound ? " (below resolution)" : "", f.model,
                    set == &r.detection_fit ? "fit" : "backtest");
    std::printf("\n");
  }
  for (const FittedParameter& p : r.parameters) std::printf("%s: %.6g (was %.6g)\n", p.name.c_str(), p.value, p.start);
  std::printf("fit_rmse_ln: %.4f (before: %.4f, %d evaluations)\nbacktest_rmse_ln: %.4f (year %d)\n", r.fit_rmse,
              r.start_rmse, r.evaluations, r.backtest_rmse, options.test_year);
  std::printf("targets: %zu fitted, %zu backtested, %d below resolution left out\n", r.fit.size(), r.backtest.size(),
              r.below_resolution);
  if (!r.detection_fit.empty())
    std::printf(
        "detection_error_ln: %.4f (before: %.4f)\ndetection_backtest_error_ln: %.4f\n"
        "detection_resolution: %.0f persons\n",
        r.detection_error, r.start_detection_error, r.detection_backtest_error, r.detection_resolution);
}

}  // namespace

int calibrate_command(CalibrateArgs args, const PolicyCatalog& policies) {
  Scenario sc;
  std::vector<StockTarget> targets;
  std::vector<DetectionTarget> detections;
  try {
    sc = load_scenario(args.scenario, policies);
    if (args.observed.empty()) args.observed = bundled_data_dir() + "/scenarios/data/diaspora.csv";
    targets = read_stock_targets(args.observed, sc);
    if (args.detections.empty() && !args.no_detections)
      args.detections = bundled_data_dir() + "/scenarios/data/frontex_detections.csv";
    if (!args.no_detections)
      detections = read_detection_targets(args.detections, sc,
                                          {args.options.detection_fit_years, args.options.detection_test_years});
  } catch (const std::runtime_error& e) {  // InputError, or no bundled data

    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  CalibrationResult r;
  try {
    r = calibrate(sc, targets, args.options, detections);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  print_calibration(r, args.options);
  if (!args.write.empty() && !write_text_file(args.write, calibration_yaml(sc, r, args.options))) return kOutputFailure;
  return 0;
}

}  // namespace migflow

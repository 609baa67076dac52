// The migflow command line: run, validate, compare, bench, calibrate.
#include <tbb/global_control.h>

#include <CLI/CLI.hpp>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <memory>
#include <optional>

#include "analysis/calibrate.hpp"
#include "analysis/compare.hpp"
#include "app/bench.hpp"
#include "app/progress.hpp"
#include "output/recorder.hpp"
#include "scenarios/loader.hpp"
#include "sim/agents.hpp"
#include "sim/ensemble.hpp"

using namespace migflow;

namespace {

// Exit codes: 0 success, 1 usage, 2 bad input (scenario or data), 3 output failure,
// 128 + signal number when interrupted (130 for Ctrl-C, 143 for SIGTERM).
constexpr int kBadInput = 2, kOutputFailure = 3;

// Set by SIGINT/SIGTERM; the run stops at the end of the current step.
std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;

void on_signal(int sig) {
  g_signal = sig;
  g_stop = true;
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// "out/run.h5" -> "out/run.partial.h5": never the name a finished run would have.
std::string partial_name(const std::string& out) {
  const std::filesystem::path p(out);
  return (p.parent_path() / (p.stem().string() + ".partial" + p.extension().string())).string();
}

struct RunArgs {
  std::string scenario, out;
  std::optional<std::uint64_t> seed;
  std::optional<int> replicates;
  int threads = 0;  // 0: all cores
};

std::shared_ptr<const World> load_world(const std::string& path, const RunArgs* overrides) {
  auto sc = std::make_shared<Scenario>(load_scenario(path));
  if (overrides && overrides->seed) sc->seed = *overrides->seed;
  if (overrides && overrides->replicates) sc->replicates = *overrides->replicates;
  return std::make_shared<const World>(sc);
}

int run(const RunArgs& args) {
  std::optional<tbb::global_control> threads;
  if (args.threads > 0) threads.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(args.threads));
  std::shared_ptr<const World> world;
  try {
    world = load_world(args.scenario, &args);
  } catch (const InputError& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  {
    // Refuse up front what cannot fit, with the estimate, rather than fail mid-run.
    const int concurrent = static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
    const std::uint64_t need = estimated_run_bytes(*world, concurrent), have = available_memory_bytes();
    if (have > 0 && need > have * 9 / 10) {
      const Scenario& sc = world->scenario();
      std::fprintf(stderr,
                   "migflow: error: %s: field 'population': %llu agents x %d replicates at once need about %.1f GB "
                   "(%zu bytes per agent, plus the recorded series), but %.1f GB are available; "
                   "raise persons_per_agent or run fewer replicates\n",
                   sc.file.c_str(), static_cast<unsigned long long>(sc.total_agents()), std::min(concurrent, sc.replicates),
                   static_cast<double>(need) / 1e9, AgentStore::kBytesPerAgent, static_cast<double>(have) / 1e9);
      return kBadInput;
    }
  }
  try {
    check_writable(args.out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kOutputFailure;
  }
  const Scenario& sc = world->scenario();
  std::fprintf(stderr, "migflow: %s: %llu agents, %d steps, %d replicates\n", sc.title.c_str(),
               static_cast<unsigned long long>(sc.total_agents()), sc.calendar.steps(), sc.replicates);
  ProgressBar bar("running");
  const auto start = std::chrono::steady_clock::now();
  EnsembleOptions options;
  options.replicates = sc.replicates;
  options.progress = [&](long long done, long long total) { bar.update(done, total); };
  options.stop = &g_stop;
  install_stop_handlers();
  auto result = run_ensemble(world, options);
  bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RunMetadata meta = run_metadata(sc);
  std::string out = args.out;
  if (result.interrupted) {
    // Keep what every replicate finished, under a name and a status that say so.
    const int steps = sc.calendar.steps();
    std::fprintf(stderr, "migflow: interrupted after %d of %d steps\n", result.steps_completed, steps);
    if (result.steps_completed == 0) return 128 + static_cast<int>(g_signal);
    meta.dates.resize(static_cast<size_t>(result.steps_completed));
    meta.run_status = "partial: interrupted after " + std::to_string(result.steps_completed) + " of " +
                      std::to_string(steps) + " steps";
    out = partial_name(args.out);
  }
  try {
    write_run(out, meta, result.replicates);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kOutputFailure;
  }
  if (result.interrupted) {
    std::fprintf(stderr, "migflow: wrote the partial result to %s\n", out.c_str());
    return 128 + static_cast<int>(g_signal);
  }
  const double agent_steps = static_cast<double>(sc.total_agents()) * sc.calendar.steps() * sc.replicates;
  std::fprintf(stderr, "migflow: wrote %s (%.2f s, %.3g agent-steps/s)\n", args.out.c_str(), seconds,
               agent_steps / seconds);
  return 0;
}

int validate(const std::string& path) {
  try {
    auto world = load_world(path, nullptr);
    const Scenario& sc = world->scenario();
    std::uint64_t at_home = 0;
    for (const OriginSpec& o : sc.origins) at_home += o.agents;
    std::printf("%s: valid\n  %s\n  %zu nodes (%d origins, %d Member States), %zu edges, %d policies\n"
                "  %llu agents (%llu at home, the rest abroad at the start; %.1f MB of agent state)\n"
                "  %d steps from %s, %d replicates, seed %llu\n",
                path.c_str(), sc.title.c_str(), sc.nodes.size(), world->origin_count(), world->member_state_count(),
                sc.edges.size(), static_cast<int>(sc.policies.size()),
                static_cast<unsigned long long>(sc.total_agents()), static_cast<unsigned long long>(at_home),
                sc.total_agents() * AgentStore::kBytesPerAgent / 1e6, sc.calendar.steps(),
                sc.calendar.start.str().c_str(), sc.replicates, static_cast<unsigned long long>(sc.seed));
    return 0;
  } catch (const InputError& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
}

// Writes `text` to `path` through a temporary file, so a failure leaves no half file.
bool write_text_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

struct CompareArgs {
  std::vector<std::string> runs;
  std::string csv, markdown;
  bool by_member_state = false;
};

int compare(const CompareArgs& args) {
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
    if (!path.empty() && !write_text_file(path, text)) {
      std::fprintf(stderr, "migflow: error: cannot write '%s': %s\n", path.c_str(), std::strerror(errno));
      return kOutputFailure;
    }
  return 0;
}

struct CalibrateArgs {
  std::string scenario, observed, write;
  CalibrationOptions options;
};

int calibrate_command(CalibrateArgs args) {
  Scenario sc;
  std::vector<StockTarget> targets;
  try {
    sc = load_scenario(args.scenario);
    if (args.observed.empty()) args.observed = std::string(MIGFLOW_SOURCE_DIR) + "/scenarios/data/diaspora.csv";
    targets = read_stock_targets(args.observed, sc);
  } catch (const InputError& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  CalibrationResult r;
  try {
    r = calibrate(sc, targets, args.options);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "migflow: error: %s\n", e.what());
    return kBadInput;
  }
  std::printf("| origin | Member State | year | observed | model | kind |\n|---|---|---|---|---|---|\n");
  for (const auto* set : {&r.fit, &r.backtest})
    for (const TargetFit& f : *set)
      std::printf("| %s | %s | %d | %.0f | %.0f | %s |\n", f.target.origin.c_str(), f.target.destination.c_str(),
                  f.target.year, f.target.persons, f.model, set == &r.fit ? "fit" : "backtest");
  std::printf("\n");
  for (const FittedParameter& p : r.parameters) std::printf("%s: %.6g (was %.6g)\n", p.name.c_str(), p.value, p.start);
  std::printf("fit_rmse_ln: %.4f (before: %.4f, %d evaluations)\nbacktest_rmse_ln: %.4f (year %d)\n", r.fit_rmse,
              r.start_rmse, r.evaluations, r.backtest_rmse, args.options.test_year);
  std::printf("targets: %zu fitted, %zu backtested, %d below resolution left out\n", r.fit.size(), r.backtest.size(),
              r.below_resolution);
  if (!args.write.empty() && !write_text_file(args.write, calibration_yaml(sc, r, args.options))) {
    std::fprintf(stderr, "migflow: error: cannot write '%s': %s\n", args.write.c_str(), std::strerror(errno));
    return kOutputFailure;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"migflow: agent-based simulation of migration flows between the EU and its partner countries"};
  app.set_version_flag("--version", std::string("migflow ") + MIGFLOW_VERSION);
  app.require_subcommand(1);

  RunArgs run_args;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a scenario's replicates and write one HDF5/netCDF-4 file");
  run_cmd->add_option("scenario", run_args.scenario, "Scenario YAML file")->required()->check(CLI::ExistingFile);
  run_cmd->add_option("--out,-o", run_args.out, "Output file (.h5); written atomically")->required();
  run_cmd->add_option("--seed", run_args.seed, "Override the scenario's seed");
  run_cmd->add_option("--replicates,-r", run_args.replicates, "Override the number of replicates")
      ->check(CLI::Range(1, 100000));
  run_cmd->add_option("--threads,-t", run_args.threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));

  std::string validate_path;
  CLI::App* validate_cmd = app.add_subcommand("validate", "Check a scenario file and print what it describes");
  validate_cmd->add_option("scenario", validate_path, "Scenario YAML file")->required();

  CompareArgs compare_args;
  CLI::App* compare_cmd = app.add_subcommand(
      "compare", "Headline indicators of two or more runs, with 95% intervals and differences from the first");
  compare_cmd->add_option("runs", compare_args.runs, "Output files of `migflow run` (the first is the reference)")
      ->required()
      ->expected(2, 1000)
      ->check(CLI::ExistingFile);
  compare_cmd->add_option("--csv", compare_args.csv, "Also write the table as CSV (long format)");
  compare_cmd->add_option("--markdown", compare_args.markdown, "Also write the table as Markdown");
  compare_cmd->add_flag("--by-member-state", compare_args.by_member_state, "Add arrivals and returns per Member State");

  BenchArgs bench_args;
  CLI::App* bench_cmd = app.add_subcommand(
      "bench", "Throughput on this machine: agent-steps per second, memory, output share, scenarios per hour");
  bench_cmd->add_option("scenario", bench_args.scenario, "Scenario (default: the bundled default scenario)")
      ->check(CLI::ExistingFile);
  bench_cmd->add_option("--agents,-n", bench_args.agents, "Scale the scenario to about this many agents (same persons)");
  bench_cmd->add_option("--steps", bench_args.steps, "Run only the first steps")->check(CLI::Range(1, 65000));
  bench_cmd->add_option("--threads,-t", bench_args.threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  bench_cmd->add_flag("--no-comparison", bench_args.skip_comparison, "Skip timing the default comparison");

  CalibrateArgs cal;
  CLI::App* calibrate_cmd = app.add_subcommand(
      "calibrate", "Fit the baseline's free parameters to observed migrant stocks; report fit and backtest errors");
  calibrate_cmd->add_option("scenario", cal.scenario, "Scenario YAML file")->required()->check(CLI::ExistingFile);
  calibrate_cmd->add_option("--observed", cal.observed,
                            "Observed stocks: CSV origin,destination,persons,year (default: scenarios/data/diaspora.csv)")
      ->check(CLI::ExistingFile);
  calibrate_cmd->add_option("--write", cal.write, "Write the fitted values as a YAML fragment to extend");
  calibrate_cmd->add_option("--fit-years", cal.options.fit_years, "Years fitted (default 2010 2015)");
  calibrate_cmd->add_option("--test-year", cal.options.test_year, "Year held out for the backtest (default 2020)");
  calibrate_cmd->add_option("--agents", cal.options.agents, "Agents while fitting (default 40000)");
  calibrate_cmd->add_option("--replicates", cal.options.replicates, "Replicates per evaluation (default 2)")
      ->check(CLI::Range(1, 1000));
  calibrate_cmd->add_option("--evaluations", cal.options.max_evaluations, "Most simulations (default 200)")
      ->check(CLI::Range(5, 100000));

  CLI11_PARSE(app, argc, argv);
  if (*calibrate_cmd) return calibrate_command(cal);
  if (*bench_cmd) return bench(bench_args);
  if (*compare_cmd) return compare(compare_args);
  if (*run_cmd) return run(run_args);
  if (*validate_cmd) return validate(validate_path);
  return 1;
}

// libFuzzer target: a scenario goes through what `migflow validate` does (load, build
// the World) and what `migflow run` checks before its first step (the output file's
// layout); a scenario that passes is then run for a few steps, in memory, on one thread.
//
// Input layout: as fuzz_scenario's -- YAML text, optionally followed by a line that is
// exactly `#--csv--` and the content of `table.csv` next to the scenario. Inputs that
// hold '/' or '\' are skipped (they could name a file outside the temporary folder;
// fuzz_scenario parses them).
//
// What may happen: the loader refuses with migflow::InputError. What must not: any
// other exception, a crash, a sanitizer report, a hang; a scenario that validates but
// that the run refuses (its output layout) or cannot step through; a replicate whose
// series miss a step or hold a value that is not finite; an engine that, saved and
// restored as a checkpoint does, is not in the same state as the one it came from.
//
// To keep an input to milliseconds, a scenario that loads is cut to its first kMaxSteps
// steps and, when it has more than kMaxAgents agents, scaled to about that many (the
// same persons, as `migflow bench --agents` does); one replicate runs.
#include <tbb/global_control.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ensemble/ensemble.hpp"
#include "ensemble/run_metadata.hpp"
#include "fuzz/fuzz_support.hpp"
#include "loader/scenario_loader.hpp"
#include "model/input_error.hpp"
#include "output/binary.hpp"
#include "output/run_file_writer.hpp"
#include "policies/registry.hpp"
#include "sim/engine.hpp"
#include "sim/world.hpp"

namespace {

using namespace migflow;
using namespace migflow::fuzz;

constexpr std::string_view kCsvMarker = "\n#--csv--\n";
constexpr int kMaxSteps = 3;
constexpr std::uint64_t kMaxAgents = 2000;

fs::path g_dir;
std::unique_ptr<tbb::global_control> g_one_thread;

std::vector<char> saved(const Engine& e) {
  BinaryWriter out;
  e.save(out);
  return out.bytes();
}

void check_series(const SeriesGroup& g, std::size_t steps) {
  for (const Series& s : g.series()) {
    if (s.rows.steps() != steps)
      finding("series " + g.name() + "/" + s.name + " holds " + std::to_string(s.rows.steps()) + " steps, not " +
                  std::to_string(steps),
              "run");
    for (const double v : s.rows.values())
      if (!std::isfinite(v)) finding("series " + g.name() + "/" + s.name + " holds a value that is not finite", "run");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_dir = make_temp_dir("fuzz-run");
  g_one_thread = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.find_first_of("/\\") != std::string_view::npos) return 0;  // see the header
  std::string_view yaml = input;
  const fs::path yaml_path = g_dir / "scenario.yaml", csv_path = g_dir / "table.csv";
  std::error_code ec;
  fs::remove(csv_path, ec);
  if (const size_t at = input.find(kCsvMarker); at != std::string_view::npos) {
    yaml = input.substr(0, at + 1);
    write_file(csv_path, input.substr(at + kCsvMarker.size()));
  }
  write_file(yaml_path, yaml);

  // `migflow validate`: load, then the World.
  auto sc = std::make_shared<Scenario>();
  if (!refuses_or_runs<InputError>("load_scenario",
                                   [&] { *sc = load_scenario(yaml_path.string(), builtin_policies()); }))
    return 0;
  must_run("World", [&] { World world(sc); });

  // Cut down to a few milliseconds of work.
  sc->truncate_steps(kMaxSteps);
  sc->replicates = 1;
  if (sc->total_agents() > kMaxAgents) {
    sc->scale_to(kMaxAgents);
    for (const OriginSpec& o : sc->origins)
      if (o.agents == 0) return 0;  // an origin scaled away: not a scenario the loader would pass
  }
  std::shared_ptr<const World> world;
  must_run("World (cut down)", [&] { world = std::make_shared<const World>(sc); });

  // `migflow run`'s checks before the first step: what validates must be runnable.
  must_run("check_run_layout", [&] {
    RunMetadata meta = run_metadata(*world);
    meta.dates.clear();
    std::vector<ReplicateSeries> one;
    one.push_back(declared_series(*world));
    check_run_layout(meta, one);
  });

  // The run, as `migflow run` makes it (without a checkpoint or output file).
  must_run("run_ensemble", [&] {
    EnsembleOptions options;
    options.replicates = 1;
    const EnsembleResult result = run_ensemble(world, options);
    const auto steps = static_cast<std::size_t>(world->scenario().calendar.steps());
    if (result.replicates.size() != 1 || result.interrupted) finding("the replicate did not finish", "run");
    check_series(result.replicates[0].core, steps);
    for (const SeriesGroup& g : result.replicates[0].policies) check_series(g, steps);
  });

  // A checkpoint's round trip after the first step: the restored engine is the same,
  // and stays the same for the next step.
  must_run("save/restore", [&] {
    Engine a(world, 0);
    a.step();
    const std::vector<char> bytes = saved(a);
    Engine b(world, 0);
    BinaryReader in(bytes.data(), bytes.size());
    b.restore(in);
    if (!in.at_end()) finding("restore left bytes unread", "save/restore");
    if (saved(b) != bytes) finding("a restored engine saves differently", "save/restore");
    if (!a.done()) {
      a.step();
      b.step();
      if (saved(a) != saved(b)) finding("a restored engine's next step differs", "save/restore");
    }
  });
  return 0;
}

// Google Benchmark: the step and its phases, reported as agent-steps per second.
// Run: build/bench/migflow_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <cmath>
#include <map>
#include <memory>

#include "scenarios/loader.hpp"
#include "sim/engine.hpp"

namespace migflow {
namespace {

// The default scenario scaled to `agents` agents, shared across benchmark runs.
std::shared_ptr<const World> world_with(std::int64_t agents) {
  static std::map<std::int64_t, std::shared_ptr<const World>> cache;
  auto& w = cache[agents];
  if (!w) {
    auto sc = std::make_shared<Scenario>(load_scenario(MIGFLOW_SOURCE_DIR "/scenarios/default.yaml"));
    // Same persons, `agents` agents: every origin's scale changes by one factor.
    const double factor = static_cast<double>(agents) / static_cast<double>(sc->total_agents());
    for (OriginSpec& o : sc->origins) {
      o.persons_per_agent /= factor;
      o.agents = static_cast<std::uint64_t>(std::llround(o.agents * factor));
      for (auto& [node, count] : o.abroad) count = static_cast<std::uint64_t>(std::llround(count * factor));
    }
    w = std::make_shared<const World>(sc);
  }
  return w;
}

enum class Phase { Step, Observe, Update, Decide, ResolveApply, Record };

void run_phase(benchmark::State& state, Phase phase) {
  const auto agents = state.range(0);
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(state.range(1)));
  auto engine = std::make_unique<Engine>(world_with(agents), 0);
  for (int warm = 0; warm < 12; ++warm) engine->step();  // past the initial transient
  for (auto _ : state) {
    if (engine->done()) {
      state.PauseTiming();
      engine = std::make_unique<Engine>(world_with(agents), 0);
      state.ResumeTiming();
    }
    switch (phase) {
      case Phase::Step: engine->step(); break;
      case Phase::Observe: engine->observe(); break;
      case Phase::Update: engine->update(); break;
      case Phase::Decide:
        state.PauseTiming();
        engine->update();
        state.ResumeTiming();
        engine->decide();
        state.PauseTiming();
        engine->resolve_and_apply();
        engine->observe();
        engine->record();
        state.ResumeTiming();
        break;
      case Phase::ResolveApply:
        state.PauseTiming();
        engine->update();
        engine->decide();
        state.ResumeTiming();
        engine->resolve_and_apply();
        state.PauseTiming();
        engine->observe();
        engine->record();
        state.ResumeTiming();
        break;
      case Phase::Record: engine->record(); break;
    }
  }
  state.counters["agent_steps_per_s"] =
      benchmark::Counter(static_cast<double>(agents) * state.iterations(), benchmark::Counter::kIsRate);
}

void args(benchmark::internal::Benchmark* b) {
  for (std::int64_t agents : {100'000, 1'000'000, 10'000'000})
    for (std::int64_t threads : {1, 2}) b->Args({agents, threads});
  b->ArgNames({"agents", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK_CAPTURE(run_phase, step, Phase::Step)->Apply(args);
BENCHMARK_CAPTURE(run_phase, observe, Phase::Observe)->Apply(args);
BENCHMARK_CAPTURE(run_phase, update, Phase::Update)->Apply(args);
BENCHMARK_CAPTURE(run_phase, decide, Phase::Decide)->Apply(args);
BENCHMARK_CAPTURE(run_phase, resolve_apply, Phase::ResolveApply)->Apply(args);
BENCHMARK_CAPTURE(run_phase, record, Phase::Record)->Apply(args);

}  // namespace
}  // namespace migflow

BENCHMARK_MAIN();

// Google Benchmark: the step and its phases (observe is fused into decide), reported
// as agent-steps per second, with all four policies on (the mobility-heavy package,
// whose readmission, quotas and remittances act, plus border capacity).
// Run: build/bench/migflow_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>

#include "loader/scenario_loader.hpp"
#include "policies/registry.hpp"
#include "sim/engine.hpp"

namespace migflow {
namespace {

// The default scenario scaled to `agents` agents, shared across benchmark runs.
std::shared_ptr<const World> world_with(std::int64_t agents) {
  static std::map<std::int64_t, std::shared_ptr<const World>> cache;
  auto& w = cache[agents];
  if (!w) {
    auto sc =
        std::make_shared<Scenario>(load_scenario(MIGFLOW_SOURCE_DIR "/bench/all_policies.yaml", builtin_policies()));
    sc->scale_to(static_cast<std::uint64_t>(agents));
    w = std::make_shared<const World>(sc);
  }
  return w;
}

enum class Phase { Step, Update, Decide, ResolveApply, Record };

// Every iteration is one real step; the benchmark's time is that of `phase` alone,
// measured around it (manual time), so phases add up to the step.
void run_phase(benchmark::State& state, Phase phase) {
  const auto agents = state.range(0);
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(state.range(1)));
  auto world = world_with(agents);
  auto engine = std::make_unique<Engine>(world, 0);
  for (int warm = 0; warm < 12; ++warm) engine->step();  // past the initial transient
  using Clock = std::chrono::steady_clock;
  for (auto _ : state) {
    if (engine->done()) engine = std::make_unique<Engine>(world, 0);
    Clock::duration timed{};
    auto timed_call = [&](Phase p, auto&& f) {
      const auto start = Clock::now();
      f();
      if (p == phase || phase == Phase::Step) timed += Clock::now() - start;
    };
    timed_call(Phase::Update, [&] { engine->update(); });
    timed_call(Phase::Decide, [&] { engine->decide(); });
    timed_call(Phase::ResolveApply, [&] { engine->resolve_and_apply(); });
    timed_call(Phase::Record, [&] { engine->record(); });
    engine->finish_step();
    state.SetIterationTime(std::chrono::duration<double>(timed).count());
  }
  state.counters["agent_steps_per_s"] = benchmark::Counter(
      static_cast<double>(world->scenario().total_agents()) * state.iterations(), benchmark::Counter::kIsRate);
}

void args(benchmark::internal::Benchmark* b) {
  for (std::int64_t agents : {100'000, 1'000'000, 10'000'000})
    for (std::int64_t threads : {1, 2}) b->Args({agents, threads});
  b->ArgNames({"agents", "threads"})->Unit(benchmark::kMillisecond)->UseManualTime();
}

// A phase benchmark runs whole steps but times one phase, so a time-based iteration
// count would run a tiny phase for hours: the phases run a fixed 60 steps.
void phase_args(benchmark::internal::Benchmark* b) { args(b->Iterations(60)); }

BENCHMARK_CAPTURE(run_phase, step, Phase::Step)->Apply(args);
BENCHMARK_CAPTURE(run_phase, update, Phase::Update)->Apply(phase_args);
BENCHMARK_CAPTURE(run_phase, decide, Phase::Decide)->Apply(phase_args);
BENCHMARK_CAPTURE(run_phase, resolve_apply, Phase::ResolveApply)->Apply(phase_args);
BENCHMARK_CAPTURE(run_phase, record, Phase::Record)->Apply(phase_args);

}  // namespace
}  // namespace migflow

BENCHMARK_MAIN();

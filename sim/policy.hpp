// The policy interface, beside the engine that calls it. A module (one folder under
// policies/) turns a scenario block into a PolicyConfig, its typed and validated
// parameters; the engine asks the config for a fresh Policy for every replicate.
//
// Hooks, in step order (sim/engine.hpp lists the phases):
//   declare()  once, when the engine is built: the policy's output series, kept as
//              handles for record().
//   update()   phase 2, serial, only between the block's `from` and `until`: may edit the
//              Environment; reads the counts the previous step left.
//   record()   phase 6, serial, every step, told whether the policy was active: fills
//              this step's rows of the series it declared.
//   save(), restore()   checkpoints (below).
// Policies never read or write agents, so they cost nothing in the parallel phases, and
// adding one never edits the engine.
#pragma once
#include <cmath>
#include <memory>

#include "output/series.hpp"
#include "sim/environment.hpp"
#include "sim/step_counts.hpp"

namespace migflow {

class BinaryReader;
class BinaryWriter;
class World;

struct StepContext {
  int step = 0;
  double year = 0;    // fractional calendar year at the middle of the step
  double months = 1;  // step length in months

  // A per-year amount spread over steps so that whole persons add up exactly over any
  // run of steps: step s gets floor((s+1) * a) - floor(s * a), a = per_year * months / 12.
  double per_step_share(double per_year) const {
    const double a = per_year * months / 12.0;
    return std::floor((step + 1) * a) - std::floor(step * a);
  }
};

class Policy {
 public:
  virtual ~Policy() = default;
  virtual void declare(SeriesGroup& out) = 0;
  virtual void update(const StepContext& ctx, const StepCounts& last, Environment& env) = 0;
  virtual void record(const StepContext& ctx, bool active, const Environment& env, const StepCounts& now,
                      SeriesGroup& out) const = 0;
  // A policy that carries state from one step to the next (anything update() reads
  // besides its config and its arguments) saves and restores it here. The built-in
  // modules recompute everything in update() but protection_resettlement, which carries
  // its hosted refugee stocks.
  virtual void save(BinaryWriter&) const {}
  virtual void restore(BinaryReader&) {}
};

// Parsed parameters of one policy block; creates a fresh Policy per replicate.
struct PolicyConfig {
  virtual ~PolicyConfig() = default;
  virtual std::unique_ptr<Policy> instantiate(const World& world) const = 0;
};

}  // namespace migflow

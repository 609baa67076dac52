// The policy module interface. A module is one folder under policies/ with a parser
// (scenario block -> typed, validated config) and a Policy (one instance per run).
//
// Hooks, in step order (DESIGN.md section 3):
//   update()  phase 2, serial, only between the policy's `from` and `until` dates:
//             may edit the Environment knobs; reads the previous step's counts.
//   record()  phase 6, serial, every step, told whether the policy was active:
//             appends this step's figures to the policy's own output series.
// Policies never read or write agents, so they cost nothing in the parallel phases.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "output/series.hpp"
#include "scenarios/tree.hpp"
#include "sim/environment.hpp"

namespace migflow {

class World;
struct Scenario;

struct StepContext {
  int step = 0;
  double year = 0;      // fractional calendar year at the middle of the step
  double months = 1;    // step length in months
};

class Policy {
 public:
  virtual ~Policy() = default;
  // Declares this policy's output series (called once, before the first step).
  virtual void declare(SeriesGroup& out) const = 0;
  virtual void update(const StepContext& ctx, const StepCounts& last, Environment& env) = 0;
  virtual void record(const StepContext& ctx, bool active, const Environment& env, const StepCounts& now,
                      SeriesGroup& out) const = 0;
  // Checkpoints: a policy that carries state from one step to the next (anything
  // update() reads besides its config and its arguments) saves and restores it here.
  // The built-in modules recompute everything in update(), so they carry none.
  virtual void save(class BinaryWriter&) const {}
  virtual void restore(class BinaryReader&) {}
};

// Parsed parameters of one policy block; creates a fresh Policy per run/replicate.
struct PolicyConfig {
  virtual ~PolicyConfig() = default;
  virtual std::unique_ptr<Policy> instantiate(const World& world) const = 0;
};

// Parses a policy block; `params` has `name`, `from`, `until` already consumed.
// Must call params.finish() so unknown fields are rejected.
using PolicyParser = std::shared_ptr<const PolicyConfig> (*)(MapReader& params, const Scenario& scenario);

struct PolicyModule {
  std::string_view name;
  std::string_view summary;
  PolicyParser parse;
  // A block that acts on tests/data/small.yaml's world (MDA; ROU, ITA, DEU); the
  // registry-wide tests run every module with it.
  std::string_view example;
};

// Every built-in module, registered explicitly in policies/registry.cpp.
const std::vector<PolicyModule>& policy_modules();
// The module called `name`; throws InputError listing the known names when absent.
const PolicyModule& find_policy_module(const std::string& name, const Tree& where, const std::string& field);

}  // namespace migflow

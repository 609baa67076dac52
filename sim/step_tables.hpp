// What the agent rules (sim/agent_rules.hpp) read in one step: per-step probabilities and capacities,
// derived from the Environment (after policies) and the last observed counts. Small
// flat arrays; the hot loop never sees the graph, a string or a policy.
#pragma once
#include <cstdint>
#include <vector>

#include "sim/environment.hpp"
#include "sim/step_counts.hpp"
#include "sim/world.hpp"

namespace migflow {

struct StepTables {
  int step = 0;
  int origins = 0, member_states = 0, nodes = 0, edges = 0;
  std::size_t ok(int o, int k) const { return static_cast<std::size_t>(o) * kSkillCount + k; }
  std::size_t om(int o, int m) const { return static_cast<std::size_t>(o) * member_states + m; }
  std::size_t omk(int o, int m, int k) const { return om(o, m) * kSkillCount + k; }

  // Leaving home: p = 1 - exp(-leave_hazard[o,k] * capability), capability from resources.
  std::vector<double> leave_hazard;  // (origin, skill): per step, before capability
  // (origin, returned?): a bound on the chance of leaving over skills and resources
  // (capability < 1), so most agents at home are passed over without reading more.
  std::vector<double> leave_bound;
  std::vector<double> savings_scale;        // per origin: $ of resources per unit multiplier
  std::vector<double> remittance_income;    // per origin: $ per person a year from remittances
  std::vector<double> migration_cost;       // per origin, PPP $
  std::vector<double> reemigration_factor;  // per origin
  std::vector<double> dest_cdf;             // (origin, skill, member state): cumulative logit
  const double* destination_cdf(int o, int k) const { return dest_cdf.data() + ok(o, k) * member_states; }
  // Channel.
  std::vector<double> legal_access;          // (origin, member state)
  std::vector<std::int32_t> quota_of;        // (origin, member state, skill): quota or -1
  std::vector<double> quota_capacity;        // persons per step
  std::vector<double> irregular_propensity;  // per origin
  // Permits.
  std::vector<std::uint16_t> permit_steps;            // (origin, member state, skill)
  std::vector<double> permit_renewal, permit_return;  // (origin, member state, skill)
  // After arrival.
  std::vector<double> return_prob;          // per origin: voluntary return per step
  std::vector<double> give_up_prob;         // per origin: a waiting migrant goes home, per step
  std::vector<double> detect_prob;          // per member state, per step
  double detect_bound = 0;                  // the largest of them
  std::vector<double> return_execution;     // per origin
  std::vector<double> interception_return;  // per origin
  std::vector<double> transit_readmission;  // per node
  // Edges.
  std::vector<double> edge_hazard, edge_interception;
  std::vector<int> crossing_group;     // per edge, -1 unlimited
  std::vector<double> group_capacity;  // persons per step

  // Remittances received by origin households this step, (origin, member state), PPP $.
  std::vector<double> remittances;

  // Derives this step's tables. `last` are the counts at the start of the step.
  void build(const World& world, const Environment& env, const StepCounts& last, int step);

 private:
  struct Destinations;
  void derive_quotas_and_permits(const Environment& env, double months);
  void derive_origin_choice(const World& world, const Environment& env, const StepCounts& last,
                            const Destinations& dest, int o, double year, double months);
  void derive_origin_rates(const Scenario& sc, double months);
  void derive_from_environment(const World& world, const Environment& env, double months);
};

// The scenario's baseline Environment (model: block), before any policy acts.
Environment baseline_environment(const World& world);

// Monthly rate -> probability of at least one event in a step of `months`.
double rate_to_prob(double rate_per_month, double months);

}  // namespace migflow

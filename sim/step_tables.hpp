// What the agent rules (sim/agent_rules.hpp) read in one step: per-step probabilities
// and capacities, derived from the Environment (after policies), each origin's parameter
// set and the last observed counts. Small flat arrays; the hot loop never sees the
// graph, a string or a policy. Tables over destinations cover all of them, Member
// States first.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "sim/environment.hpp"
#include "sim/step_counts.hpp"
#include "sim/world.hpp"

namespace migflow {

struct StepTables {
  int step = 0;
  int origins = 0, destinations = 0, nodes = 0, edges = 0;
  std::size_t ok(int o, int k) const { return static_cast<std::size_t>(o) * kSkillCount + k; }
  std::size_t od(int o, int d) const { return static_cast<std::size_t>(o) * destinations + d; }
  std::size_t odk(int o, int d, int k) const { return od(o, d) * kSkillCount + k; }

  // Leaving home: p = 1 - exp(-leave_hazard[o,k] * capability), capability from resources.
  std::vector<double> leave_hazard;  // (origin, skill): per step, before capability
  // (origin, returned?): a bound on the chance of leaving over skills and resources
  // (capability < 1), so most agents at home are passed over without reading more.
  std::vector<double> leave_bound;
  // At home, besides leaving: a visit on a short stay, joining family abroad or leaving
  // to study, each a chance per step that does not depend on the agent. A gate in
  // [leave_bound, leave_bound + home_other) picks one of them, in that order.
  std::vector<double> visit_cum;   // (origin, destination): cumulative chance of a visit there
  std::vector<double> family_cum;  // (origin, destination): cumulative chance of joining family there
  std::vector<double> study_prob;  // per origin
  // Recruitment for the quota places no applicant took last step (Member States'
  // schemes recruit in the partner): (origin, skill, quota) cumulative over quotas.
  std::vector<double> recruit_cum;
  int recruit_quotas = 0;
  const double* recruitment(int o, int k) const { return recruit_cum.data() + ok(o, k) * recruit_quotas; }
  std::vector<double> home_other;  // per origin: the chance of any of them (recruitment at its likeliest skill)
  std::vector<double> home_bound;  // (origin, returned?): leave_bound + home_other, the gate bound at home
  std::uint16_t study_steps = 36;
  std::vector<double> savings_scale;        // per origin: $ of resources per unit multiplier
  std::vector<double> remittance_income;    // per origin: $ per person a year from remittances
  std::vector<double> migration_cost;       // per origin, PPP $
  std::vector<double> reemigration_factor;  // per origin
  // (origin, skill, destination): cumulative logit; destinations closed to the origin
  // have zero weight.
  std::vector<double> dest_cdf;
  const double* destination_cdf(int o, int k) const { return dest_cdf.data() + ok(o, k) * destinations; }
  // Channel.
  std::vector<double> legal_access;  // (origin, destination)
  std::uint16_t short_stay_steps = 3;
  // (origin, destination, skill): the first quota open to it, or -1. Later quotas open
  // to the same (origin, destination, skill) add their places after it: a loser of one
  // scheme's lottery applies to the next (next_quota), so a package's quota adds to a
  // Member State's national scheme instead of taking its applicants.
  std::vector<std::int32_t> quota_of;
  std::vector<std::int32_t> next_quota;      // (quota, skill): the next quota open to the same pair, or -1
  std::vector<double> quota_capacity;        // persons per step
  std::vector<int> quota_destination;        // per quota: its Member State (a destination index)
  std::vector<double> irregular_propensity;  // per origin
  // Permits: length, and at expiry the shares renewing and going home; the rest stay
  // on irregularly (and may apply for asylum).
  std::vector<std::uint16_t> permit_steps;          // (origin, destination, skill)
  std::vector<double> permit_renewal, permit_home;  // (origin, destination, skill)
  std::vector<double> visit_overstay;               // per origin: at the end of a short stay
  // Asylum: application on irregular arrival or on overstaying (0 outside the EU).
  std::vector<double> asylum_application;  // (origin, destination)
  std::vector<double> asylum_recognition;  // per origin
  std::uint16_t asylum_decision_steps = 12, protection_permit_steps = 36;
  // After arrival.
  std::vector<double> return_prob;       // per origin: voluntary return per step
  std::vector<double> give_up_prob;      // per origin: a waiting migrant goes home, per step
  std::vector<double> detect_prob;       // (origin, destination), per step
  std::vector<double> detect_bound;      // per origin: the largest over destinations
  std::vector<double> return_execution;  // (origin, destination)
  // Trafficking: on irregular arrival the share exploited; per step, the chance an
  // exploited person is identified; of those, the share granted a permit, and its length.
  std::vector<double> exploitation, identify_prob, victim_protection;  // (origin, destination)
  std::vector<std::uint16_t> victim_permit_steps;                      // (origin, destination)
  std::vector<double> interception_return;                             // per origin
  std::vector<double> transit_readmission;                             // per node
  // Edges.
  std::vector<double> edge_hazard, edge_interception;
  std::vector<int> crossing_group;     // per edge, -1 unlimited
  std::vector<double> group_capacity;  // persons per step

  // Remittances received by origin households this step, (origin, destination), PPP $.
  std::vector<double> remittances;

  // Derives this step's tables. `params` are the origins' parameter sets for this
  // replicate (one per origin); `last` are the counts at the start of the step.
  void build(const World& world, const Environment& env, std::span<const ModelParams> params, const StepCounts& last,
             int step);

 private:
  struct Destinations;
  void derive_quotas_and_permits(const Environment& env, std::span<const ModelParams> params, double months);
  void derive_origin_choice(const World& world, const Environment& env, const ModelParams& b, const StepCounts& last,
                            const Destinations& dest, int o, double year, double months);
  void derive_origin_rates(const Environment& env, std::span<const ModelParams> params, double months);
  void derive_from_environment(const World& world, const Environment& env, std::span<const ModelParams> params,
                               double months);
  void derive_home_events(const World& world, const Environment& env, std::span<const ModelParams> params,
                          const StepCounts& last, double year, double months);
};

// The scenario's baseline Environment before any policy acts: the model: block, with
// each origin's own values (`params`, one per origin) where they are per origin, and
// the entry rules of destinations outside the EU.
Environment baseline_environment(const World& world, std::span<const ModelParams> params);

// The origins' parameter sets as the scenario gives them (each origin's `behaviour`).
std::vector<ModelParams> scenario_parameters(const Scenario& scenario);

// Monthly rate -> probability of at least one event in a step of `months`.
double rate_to_prob(double rate_per_month, double months);

// Months -> whole steps (at least one).
std::uint16_t months_to_steps(double months, double step_months);

}  // namespace migflow

// The policy-facing knobs of one step.
//
// Each step the engine resets Environment to the scenario's baseline (model: block),
// then every active policy edits it (phase 2, serial), and the engine turns it into
// the per-step tables the agent rules read (sim/agent_rules.hpp). Policies never touch agents: what they
// can change is exactly what is in this struct, so adding a policy never edits the
// engine, and the hot loop never calls a policy.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "model/model_params.hpp"
#include "model/types.hpp"

namespace migflow {

// A work-permit quota: (origin, Member State) pair, admitted skills, capacity per step.
struct Quota {
  int origin = 0;                   // dense origin index
  int member_state = 0;             // dense Member State index
  std::uint8_t skill_mask = 0b111;  // bit k set: skill k admitted
  double per_step = 0;              // persons who can be granted a permit this step
  double permit_months = 24;
  double renewal = 0.6;      // at expiry: renew
  double return_home = 0.3;  // at expiry: go home (circular migration); the rest overstay
};

// Tables over (origin, destination) cover every destination, Member States first
// (sim/world.hpp): a policy acting in Member State m writes entry od(o, m). Policies act
// only in Member States; the entries of destinations outside the EU keep the baseline.
struct Environment {
  int origins = 0, destinations = 0, member_states = 0, nodes = 0, edges = 0;
  // Index of the dense (origin, destination) tables.
  int od(int o, int d) const { return o * destinations + d; }

  // --- (origin, destination) ------------------------------------------------------------
  std::vector<double> legal_access;  // share of movers with a legal route, besides quotas
  // The visa regime for short stays in force: 0 none, 1 facilitation, 2 liberalisation
  // (the most open one any block sets). Visits are scaled from the regime they were
  // recorded under to this one by the origin's visa_*_effect (sim/step_tables.cpp).
  std::vector<std::uint8_t> visa_regime;
  std::vector<double> openness;       // 0..1, enters the destination logit
  std::vector<double> permit_months;  // permits obtained outside quotas
  std::vector<double> permit_renewal;
  std::vector<double> remittance_cost;  // share lost in transfer
  std::vector<double> detection_rate;   // per month, of irregular migrants
  // Share of return orders executed (own nationals), before readmission: the origin's
  // return_execution, or a value a block sets as an explicit assumption.
  std::vector<double> return_execution;
  // Trafficking: share of irregular arrivals exploited; monthly rate of identifying the
  // exploited as victims; of those identified, the share granted a permit (the rest are
  // assisted home), and its length.
  std::vector<double> exploitation_share, victim_identification, victim_protection, victim_permit_months;
  std::vector<Quota> quotas;
  double short_stay_months = 3;  // a short stay: 90 days in any 180 (Schengen)

  // --- per origin ---------------------------------------------------------------------
  // Each origin's parameter set of this replicate (its posterior draw, or point values):
  // the strengths of the mechanisms through which policies act (docs/policies.md).
  std::span<const ModelParams> params;
  // The replicate's key for the mechanisms' strengths that modules draw from their
  // priors (policies/mechanism.hpp); 0: every strength at its prior median.
  std::uint64_t mechanism_key = 0;
  // 1 while an EU readmission agreement with the origin is in force: return_execution
  // is then multiplied by exp(readmission_effect), the evidence's effect.
  std::vector<std::uint8_t> readmission;
  std::vector<double> interception_return;  // share of intercepted who are returned home
  std::vector<double> asylum_recognition;   // share of first decisions granting protection
  double protection_permit_months = 36;     // the permit protection brings
  // Multipliers of the origin's own parameters; 1 (no effect) in the baseline. Policies
  // multiply them as they stand, so that blocks acting on one origin compound.
  std::vector<double> irregular_factor;  // times irregular_propensity (information campaigns)
  std::vector<double> home_wage_factor;  // times the home wage: aspiration and savings (aid)
  std::vector<double> savings_factor;    // times household savings, not remittances (investment)
  std::vector<double> return_factor;     // times return_rate (return programmes)

  // --- per node (as a transit partner) --------------------------------------------------
  std::vector<double> transit_readmission;  // share of orders executed to this transit node

  // --- per edge -----------------------------------------------------------------------
  std::vector<double> interception;  // chance a crossing attempt is intercepted
  // Capacity-limited crossings: edges in a group share one capacity per step.
  std::vector<int> crossing_group;     // per edge: group index, or -1 (unlimited)
  std::vector<double> group_capacity;  // per group: persons let through per step
};

}  // namespace migflow

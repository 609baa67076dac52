#include "sim/step_tables.hpp"

#include <algorithm>
#include <cmath>

namespace migflow {

double rate_to_prob(double rate_per_month, double months) { return -std::expm1(-rate_per_month * months); }

Environment baseline_environment(const World& world) {
  const ModelParams& p = world.scenario().model;
  Environment env;
  env.origins = world.origin_count();
  env.member_states = world.member_state_count();
  env.nodes = world.node_count();
  env.edges = world.edge_count();
  const size_t om = static_cast<size_t>(env.origins) * env.member_states;
  env.legal_access.assign(om, p.legal_access);
  env.openness.assign(om, 0.0);
  env.permit_months.assign(om, p.permit_months);
  env.permit_renewal.assign(om, p.permit_renewal);
  env.permit_return.assign(om, p.permit_return);
  env.remittance_cost.assign(om, p.remittance_cost);
  env.detection_rate.assign(env.member_states, p.detection_rate);
  env.return_execution.assign(env.origins, p.return_execution);
  env.interception_return.assign(env.origins, 0.0);
  env.transit_readmission.assign(env.nodes, 0.0);
  env.crossing_group.assign(env.edges, -1);
  env.interception.resize(env.edges);
  for (int e = 0; e < env.edges; ++e)
    env.interception[e] = world.edge(static_cast<EdgeId>(e)).external_border ? p.crossing_interception : 0.0;
  return env;
}

// A node's monthly wage in PPP $: the scenario's wage series, or a share of GDP per capita.
static double monthly_wage(const NodeSpec& n, const ModelParams& p, double year) {
  return n.wage.empty() ? n.gdp_pc.at(year) * p.wage_share_of_gdp / 12.0 : n.wage.at(year);
}

// What the choice of a destination reads in one step: each Member State's wage and unemployment.
struct StepTables::Destinations {
  std::vector<double> wage, unemployment;
};

void StepTables::build(const World& world, const Environment& env, const StepCounts& last, int step_index) {
  const Scenario& sc = world.scenario();
  const double months = sc.calendar.step_months;
  const double year = sc.calendar.year(step_index);
  step = step_index;
  origins = world.origin_count();
  member_states = world.member_state_count();
  nodes = world.node_count();
  edges = world.edge_count();

  Destinations dest{std::vector<double>(member_states), std::vector<double>(member_states)};
  for (int m = 0; m < member_states; ++m) {
    const NodeSpec& n = sc.nodes[world.member_state_node(m)];
    dest.wage[m] = monthly_wage(n, sc.model, year);
    dest.unemployment[m] = n.unemployment.at(year);
  }
  derive_quotas_and_permits(env, months);
  const std::size_t omk_size = static_cast<std::size_t>(origins) * member_states * kSkillCount;
  leave_hazard.assign(static_cast<std::size_t>(origins) * kSkillCount, 0.0);
  savings_scale.assign(origins, 0.0);
  remittance_income.assign(origins, 0.0);
  dest_cdf.assign(omk_size, 0.0);
  remittances.assign(static_cast<std::size_t>(origins) * member_states, 0.0);
  for (int o = 0; o < origins; ++o) derive_origin_choice(world, env, last, dest, o, year, months);
  derive_origin_rates(sc, months);
  derive_from_environment(world, env, months);
}

void StepTables::derive_quotas_and_permits(const Environment& env, double months) {
  const int O = origins, M = member_states;
  // Quotas: which (origin, member state, skill) each one opens.
  quota_of.assign(static_cast<size_t>(O) * M * kSkillCount, -1);
  quota_capacity.assign(env.quotas.size(), 0);
  for (size_t q = 0; q < env.quotas.size(); ++q) {
    const Quota& quota = env.quotas[q];
    quota_capacity[q] = quota.per_step;
    for (int k = 0; k < kSkillCount; ++k)
      if (quota.skill_mask & (1u << k))
        quota_of[omk(quota.origin, quota.member_state, k)] = static_cast<std::int32_t>(q);
  }

  const size_t omk_size = static_cast<size_t>(O) * M * kSkillCount;
  permit_steps.resize(omk_size);
  permit_renewal.resize(omk_size);
  permit_return.resize(omk_size);
  for (int o = 0; o < O; ++o)
    for (int m = 0; m < M; ++m)
      for (int k = 0; k < kSkillCount; ++k) {
        const size_t i = omk(o, m, k);
        const std::int32_t q = quota_of[i];
        const double permit = q >= 0 ? env.quotas[q].permit_months : env.permit_months[om(o, m)];
        permit_steps[i] = static_cast<std::uint16_t>(std::max(1.0, std::round(permit / months)));
        permit_renewal[i] = q >= 0 ? env.quotas[q].renewal : env.permit_renewal[om(o, m)];
        permit_return[i] = q >= 0 ? env.quotas[q].return_home : env.permit_return[om(o, m)];
      }
}

// Origin o's diaspora and the remittances it sends, its people's capability, and per
// skill the destination logit and the leave hazard.
void StepTables::derive_origin_choice(const World& world, const Environment& env, const StepCounts& last,
                                      const Destinations& dest, int o, double year, double months) {
  const Scenario& sc = world.scenario();
  const ModelParams& p = sc.model;
  const int M = member_states;
  const NodeId home = world.origin_node(o);
  const NodeSpec& hn = sc.nodes[home];
  const ModelParams& b = sc.origins[o].behaviour;  // this origin's people
  const double ppa = sc.origins[o].persons_per_agent;
  const double home_wage = monthly_wage(hn, p, year);
  const double home_persons =
      (last.stocks[last.stock(o, home, Status::AtHome)] + last.stocks[last.stock(o, home, Status::Returned)]) * ppa;
  const double population = hn.population.empty() ? home_persons : hn.population.at(year);
  std::vector<double> diaspora(M);
  double diaspora_total = 0, received_total = 0;
  for (int m = 0; m < M; ++m) {
    const NodeId at = world.member_state_node(m);
    const double regular = last.stocks[last.stock(o, at, Status::Regular)] * ppa;
    const double irregular = last.stocks[last.stock(o, at, Status::Irregular)] * ppa;
    diaspora[m] = regular + irregular;  // the start-of-run diaspora is among the agents
    diaspora_total += diaspora[m];
    const double income = (regular + irregular * p.irregular_income) * dest.wage[m] * months;
    remittances[om(o, m)] = income * p.remittance_share * (1.0 - env.remittance_cost[om(o, m)]);
    received_total += remittances[om(o, m)];
  }
  // Remittances add a year's worth of transfers per person to household resources.
  remittance_income[o] = home_persons > 0 ? received_total / months * 12.0 / home_persons : 0.0;
  savings_scale[o] = b.savings_months * home_wage;

  for (int k = 0; k < kSkillCount; ++k) {
    std::vector<double> v(M);
    for (int m = 0; m < M; ++m) {
      const double km = std::max(world.route_km(o, m), 50.0);
      const double open = env.openness[om(o, m)] + (quota_of[omk(o, m, k)] >= 0 ? 1.0 : 0.0);
      v[m] = b.logit_wage * std::log(dest.wage[m]) - b.logit_unemployment * dest.unemployment[m] +
             b.logit_diaspora * std::log1p(diaspora[m] / 1000.0) - b.logit_distance * std::log(km / 1000.0) +
             b.logit_openness * open;
    }
    const double vmax = *std::max_element(v.begin(), v.end());
    double total = 0, expected_wage = 0;
    for (int m = 0; m < M; ++m) total += v[m] = std::exp(v[m] - vmax);
    double cumulative = 0;
    for (int m = 0; m < M; ++m) {
      cumulative += v[m] / total;
      expected_wage += v[m] / total * dest.wage[m];
      dest_cdf[ok(o, k) * M + m] = cumulative;
    }
    dest_cdf[ok(o, k) * M + M - 1] = 1.0;  // guard against rounding
    const double aspiration = b.aspiration_wage_gap * std::log(expected_wage / home_wage) +
                              b.aspiration_unemployment * hn.unemployment.at(year) +
                              b.aspiration_diaspora * std::log1p(100.0 * diaspora_total / std::max(population, 1.0));
    leave_hazard[ok(o, k)] = b.emigration_rate * std::exp(aspiration) * months;
  }
}

// Each origin's own behaviour as per-step figures, and the bound on leaving.
void StepTables::derive_origin_rates(const Scenario& sc, double months) {
  const int O = origins;
  migration_cost.resize(O);
  reemigration_factor.resize(O);
  irregular_propensity.resize(O);
  return_prob.resize(O);
  give_up_prob.resize(O);
  for (int o = 0; o < O; ++o) {
    const ModelParams& b = sc.origins[o].behaviour;
    migration_cost[o] = b.migration_cost;
    reemigration_factor[o] = b.reemigration_factor;
    irregular_propensity[o] = b.irregular_propensity;
    return_prob[o] = rate_to_prob(b.return_rate, months);
    give_up_prob[o] = rate_to_prob(b.transit_give_up, months);
  }
  leave_bound.assign(static_cast<size_t>(O) * 2, 0.0);
  for (int o = 0; o < O; ++o)
    for (int k = 0; k < kSkillCount; ++k)
      for (int returned = 0; returned < 2; ++returned) {
        const double hazard = leave_hazard[ok(o, k)] * (returned ? reemigration_factor[o] : 1.0);
        leave_bound[2 * o + returned] = std::max(leave_bound[2 * o + returned], -std::expm1(-hazard));
      }
}

// The policy knobs the agents read as they are, or as per-step probabilities.
void StepTables::derive_from_environment(const World& world, const Environment& env, double months) {
  const int M = member_states;
  legal_access = env.legal_access;
  detect_prob.resize(M);
  for (int m = 0; m < M; ++m) detect_prob[m] = rate_to_prob(env.detection_rate[m], months);
  detect_bound = M > 0 ? *std::max_element(detect_prob.begin(), detect_prob.end()) : 0.0;
  return_execution = env.return_execution;
  interception_return = env.interception_return;
  transit_readmission = env.transit_readmission;
  edge_hazard.resize(edges);
  for (int e = 0; e < edges; ++e) edge_hazard[e] = world.edge(static_cast<EdgeId>(e)).hazard;
  edge_interception = env.interception;
  crossing_group = env.crossing_group;
  group_capacity = env.group_capacity;
}

}  // namespace migflow

#include "sim/step_tables.hpp"

#include <algorithm>
#include <cmath>

namespace migflow {

double rate_to_prob(double rate_per_month, double months) { return -std::expm1(-rate_per_month * months); }

std::uint16_t months_to_steps(double months, double step_months) {
  return static_cast<std::uint16_t>(std::clamp(std::round(months / step_months), 1.0, 65000.0));
}

std::vector<ModelParams> scenario_parameters(const Scenario& scenario) {
  std::vector<ModelParams> out;
  for (const OriginSpec& o : scenario.origins) out.push_back(o.behaviour);
  return out;
}

Environment baseline_environment(const World& world, std::span<const ModelParams> params) {
  const ModelParams& p = world.scenario().model;
  Environment env;
  env.origins = world.origin_count();
  env.destinations = world.destination_count();
  env.member_states = world.member_state_count();
  env.nodes = world.node_count();
  env.edges = world.edge_count();
  const size_t od = static_cast<size_t>(env.origins) * env.destinations;
  env.legal_access.resize(od);
  env.detection_rate.resize(od);
  for (int o = 0; o < env.origins; ++o)
    for (int d = 0; d < env.destinations; ++d) {
      const double entry = world.entry_legal_access(o, d);
      env.legal_access[env.od(o, d)] = std::isnan(entry) ? params[o].legal_access : entry;
      const NodeSpec& n = world.scenario().nodes[world.destination_node(d)];
      env.detection_rate[env.od(o, d)] = std::min(1.0, params[o].detection_rate * n.detection_factor);
    }
  env.params = params;
  env.visa_regime.assign(od, 0);
  env.openness.assign(od, 0.0);
  env.permit_months.assign(od, p.permit_months);
  env.permit_renewal.assign(od, p.permit_renewal);
  env.remittance_cost.assign(od, p.remittance_cost);
  env.return_execution.resize(od);
  for (int o = 0; o < env.origins; ++o)
    for (int d = 0; d < env.destinations; ++d)
      env.return_execution[env.od(o, d)] = std::min(
          1.0, params[o].return_execution * world.scenario().nodes[world.destination_node(d)].execution_factor);
  env.readmission.assign(env.origins, 0);
  env.exploitation_share.resize(od);
  env.victim_identification.resize(od);
  for (int o = 0; o < env.origins; ++o)
    for (int d = 0; d < env.destinations; ++d) {
      env.exploitation_share[env.od(o, d)] = params[o].exploitation_share;
      env.victim_identification[env.od(o, d)] = params[o].victim_identification;
    }
  env.victim_protection.assign(od, p.victim_protection);
  env.victim_permit_months.assign(od, p.victim_permit_months);
  env.interception_return.assign(env.origins, 0.0);
  env.asylum_recognition.resize(env.origins);
  for (int o = 0; o < env.origins; ++o) env.asylum_recognition[o] = params[o].asylum_recognition;
  env.protection_permit_months = p.protection_permit_months;
  env.irregular_factor.assign(env.origins, 1.0);
  env.home_wage_factor.assign(env.origins, 1.0);
  env.savings_factor.assign(env.origins, 1.0);
  env.return_factor.assign(env.origins, 1.0);
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

// What the choice of a destination reads in one step: each destination's wage,
// unemployment and size (ln of its working-age population in millions; 0 when the
// scenario gives none, which the loader allows only when no origin weighs size).
struct StepTables::Destinations {
  std::vector<double> wage, unemployment, log_size;
};

void StepTables::build(const World& world, const Environment& env, std::span<const ModelParams> params,
                       const StepCounts& last, int step_index) {
  const Scenario& sc = world.scenario();
  const double months = sc.calendar.step_months;
  const double year = sc.calendar.year(step_index);
  step = step_index;
  origins = world.origin_count();
  destinations = world.destination_count();
  nodes = world.node_count();
  edges = world.edge_count();

  Destinations dest;
  for (int d = 0; d < destinations; ++d) {
    const NodeSpec& n = sc.nodes[world.destination_node(d)];
    dest.wage.push_back(monthly_wage(n, sc.model, year));
    dest.unemployment.push_back(n.unemployment.at(year));
    dest.log_size.push_back(n.population.empty() ? 0.0 : std::log(std::max(n.population.at(year), 1.0) / 1e6));
  }
  derive_quotas_and_permits(env, params, months);
  leave_hazard.assign(static_cast<std::size_t>(origins) * kSkillCount, 0.0);
  savings_scale.assign(origins, 0.0);
  remittance_income.assign(origins, 0.0);
  dest_cdf.assign(static_cast<std::size_t>(origins) * destinations * kSkillCount, 0.0);
  remittances.assign(static_cast<std::size_t>(origins) * destinations, 0.0);
  for (int o = 0; o < origins; ++o) derive_origin_choice(world, env, params[o], last, dest, o, year, months);
  derive_origin_rates(env, params, months);
  derive_from_environment(world, env, params, months);
  derive_home_events(world, env, params, last, year, months);
}

// Visits, family reunification and study: chances per step for anyone at home.
void StepTables::derive_home_events(const World& world, const Environment& env, std::span<const ModelParams> params,
                                    const StepCounts& last, double year, double months) {
  const Scenario& sc = world.scenario();
  const int O = origins, D = destinations;
  visit_cum.assign(static_cast<size_t>(O) * D, 0.0);
  family_cum.assign(static_cast<size_t>(O) * D, 0.0);
  study_prob.assign(O, 0.0);
  recruit_quotas = last.quotas == static_cast<int>(env.quotas.size()) ? last.quotas : 0;
  recruit_cum.assign(static_cast<size_t>(O) * kSkillCount * recruit_quotas, 0.0);
  home_other.assign(O, 0.0);
  home_bound.assign(static_cast<size_t>(O) * 2, 0.0);
  study_steps = months_to_steps(sc.model.study_months, months);
  for (int o = 0; o < O; ++o) {
    const ModelParams& b = params[o];
    const NodeId home = world.origin_node(o);
    const NodeSpec& hn = sc.nodes[home];
    const double ppa = sc.origins[o].persons_per_agent;
    const double at_home =
        (last.stocks[last.stock(o, home, Status::AtHome)] + last.stocks[last.stock(o, home, Status::Returned)]) * ppa;
    const double population = hn.population.empty() ? at_home : hn.population.at(year);
    // Visits: the visas issued a year per person of working age, scaled from the regime
    // they were issued under to the one in force.
    const double regime_effect[] = {0.0, b.visa_facilitation_effect, b.visa_liberalisation_effect};
    double cumulative = 0;
    for (int d = 0; d < D; ++d) {
      if (const ShortStays* stays = world.short_stays(o, d); stays && population > 0) {
        const int observed = static_cast<int>(stays->regime.held_at(year));
        const double factor = std::exp(regime_effect[env.visa_regime[env.od(o, d)]] - regime_effect[observed]);
        cumulative += rate_to_prob(stays->visits.at(year) / 12.0 / population * factor, months);
      }
      visit_cum[od(o, d)] = cumulative;
    }
    // Family reunification: each regular resident brings family_reunification relatives
    // a year, who join them where they live.
    double regular_abroad = 0;
    for (int d = 0; d < D; ++d) {
      regular_abroad += last.stocks[last.stock(o, world.destination_node(d), Status::Regular)] * ppa;
      family_cum[od(o, d)] = regular_abroad;
    }
    const double family =
        at_home > 0 ? rate_to_prob(b.family_reunification / 12.0 * regular_abroad / at_home, months) : 0.0;
    for (int d = 0; d < D; ++d)
      family_cum[od(o, d)] = regular_abroad > 0 ? family * family_cum[od(o, d)] / regular_abroad : 0.0;
    study_prob[o] = rate_to_prob(b.study_rate / 12.0, months);
    // Recruitment: last step's unfilled places of each quota for this origin, over the
    // persons at home with the skills it admits (the origin's skill shares).
    double recruit_most = 0;
    for (int k = 0; k < kSkillCount; ++k) {
      double* cum = recruit_cum.data() + ok(o, k) * recruit_quotas;
      double total = 0;
      for (int q = 0; q < recruit_quotas; ++q) {
        const Quota& quota = env.quotas[static_cast<size_t>(q)];
        if (quota.origin == o && (quota.skill_mask & (1u << k)) && last.quota_unfilled[static_cast<size_t>(q)] > 0) {
          double admitted = 0;
          for (int j = 0; j < kSkillCount; ++j)
            if (quota.skill_mask & (1u << j)) admitted += sc.origins[o].skill_shares[j];
          if (at_home * admitted > 0)
            total +=
                std::min(1.0, static_cast<double>(last.quota_unfilled[static_cast<size_t>(q)]) / (at_home * admitted));
        }
        cum[q] = total;
      }
      recruit_most = std::max(recruit_most, total);
    }
    home_other[o] = cumulative + family + study_prob[o] + recruit_most;
    for (int returned = 0; returned < 2; ++returned)
      home_bound[2 * o + returned] = std::min(1.0, leave_bound[2 * o + returned] + home_other[o]);
  }
}

void StepTables::derive_quotas_and_permits(const Environment& env, std::span<const ModelParams> params, double months) {
  const int O = origins, D = destinations;
  // Quotas: which (origin, destination, skill) each one opens.
  quota_of.assign(static_cast<size_t>(O) * D * kSkillCount, -1);
  next_quota.assign(env.quotas.size() * kSkillCount, -1);
  quota_capacity.assign(env.quotas.size(), 0);
  quota_destination.assign(env.quotas.size(), 0);
  std::vector<std::int32_t> last_of(quota_of.size(), -1);  // the latest quota in each chain
  for (size_t q = 0; q < env.quotas.size(); ++q) {
    const Quota& quota = env.quotas[q];
    quota_capacity[q] = quota.per_step;
    quota_destination[q] = quota.member_state;
    for (int k = 0; k < kSkillCount; ++k)
      if (quota.skill_mask & (1u << k)) {
        const size_t i = odk(quota.origin, quota.member_state, k);
        if (quota_of[i] < 0)
          quota_of[i] = static_cast<std::int32_t>(q);
        else
          next_quota[static_cast<size_t>(last_of[i]) * kSkillCount + k] = static_cast<std::int32_t>(q);
        last_of[i] = static_cast<std::int32_t>(q);
      }
  }

  const size_t odk_size = static_cast<size_t>(O) * D * kSkillCount;
  permit_steps.resize(odk_size);
  permit_renewal.resize(odk_size);
  permit_home.resize(odk_size);
  for (int o = 0; o < O; ++o)
    for (int d = 0; d < D; ++d)
      for (int k = 0; k < kSkillCount; ++k) {
        const size_t i = odk(o, d, k);
        const std::int32_t q = quota_of[i];
        if (q >= 0) {  // a scheme's own rules
          permit_steps[i] = months_to_steps(env.quotas[q].permit_months, months);
          permit_renewal[i] = env.quotas[q].renewal;
          permit_home[i] = env.quotas[q].return_home;
        } else {
          permit_steps[i] = months_to_steps(env.permit_months[env.od(o, d)], months);
          permit_renewal[i] = env.permit_renewal[env.od(o, d)];
          permit_home[i] = (1.0 - permit_renewal[i]) * (1.0 - params[o].overstay);
        }
      }
}

// Origin o's diaspora and the remittances it sends, its people's capability, and per
// skill the destination logit and the leave hazard.
void StepTables::derive_origin_choice(const World& world, const Environment& env, const ModelParams& b,
                                      const StepCounts& last, const Destinations& dest, int o, double year,
                                      double months) {
  const Scenario& sc = world.scenario();
  const ModelParams& p = sc.model;
  const int D = destinations;
  const NodeId home = world.origin_node(o);
  const NodeSpec& hn = sc.nodes[home];
  const double ppa = sc.origins[o].persons_per_agent;
  const double home_wage = monthly_wage(hn, p, year) * env.home_wage_factor[o];
  const double home_persons =
      (last.stocks[last.stock(o, home, Status::AtHome)] + last.stocks[last.stock(o, home, Status::Returned)]) * ppa;
  const double population = hn.population.empty() ? home_persons : hn.population.at(year);
  std::vector<double> diaspora(D);
  double diaspora_total = 0, received_total = 0;
  for (int d = 0; d < D; ++d) {
    const NodeId at = world.destination_node(d);
    const double regular = last.stocks[last.stock(o, at, Status::Regular)] * ppa;
    const double irregular = last.stocks[last.stock(o, at, Status::Irregular)] * ppa;
    // The diaspora are the residents (the start-of-run diaspora is among the agents).
    diaspora[d] =
        regular + irregular +
        (last.stocks[last.stock(o, at, Status::AsylumSeeker)] + last.stocks[last.stock(o, at, Status::Exploited)]) *
            ppa;
    diaspora_total += diaspora[d];
    const double income = (regular + irregular * p.irregular_income) * dest.wage[d] * months;
    // Cheaper transfers: more is sent (remittance_cost_semielasticity), and less is lost.
    const double cost = env.remittance_cost[env.od(o, d)];
    remittances[od(o, d)] = income * p.remittance_share *
                            std::exp(b.remittance_cost_semielasticity * (p.remittance_cost - cost)) * (1.0 - cost);
    received_total += remittances[od(o, d)];
  }
  // Remittances add a year's worth of transfers per person to household resources.
  remittance_income[o] = home_persons > 0 ? received_total / months * 12.0 / home_persons : 0.0;
  savings_scale[o] = b.savings_months * home_wage * env.savings_factor[o];

  for (int k = 0; k < kSkillCount; ++k) {
    std::vector<double> v(D, -INFINITY);
    for (int d = 0; d < D; ++d) {
      if (!world.open(o, d)) continue;
      const double km = std::max(world.route_km(o, d), 50.0);
      const double open = env.openness[env.od(o, d)] + (quota_of[odk(o, d, k)] >= 0 ? 1.0 : 0.0);
      v[d] = b.logit_wage * std::log(dest.wage[d]) - b.logit_unemployment * dest.unemployment[d] +
             b.logit_diaspora * std::log1p(diaspora[d] / 1000.0) - b.logit_distance * std::log(km / 1000.0) +
             b.logit_openness * open + b.logit_size * dest.log_size[d] +
             b.logit_language * world.common_language(o, d) + b.logit_colony * world.colonial_link(o, d) +
             world.destination_effect(o, d);
    }
    const double vmax = *std::max_element(v.begin(), v.end());
    double total = 0, expected_wage = 0;
    for (int d = 0; d < D; ++d) total += v[d] = std::exp(v[d] - vmax);  // closed: exp(-inf) = 0
    double cumulative = 0;
    for (int d = 0; d < D; ++d) {
      cumulative += v[d] / total;
      expected_wage += v[d] / total * dest.wage[d];
      dest_cdf[ok(o, k) * D + d] = cumulative;
    }
    // Guard against rounding: the last open destination closes the distribution.
    for (int d = D - 1; d >= 0; --d)
      if (v[d] > 0) {
        for (int e = d; e < D; ++e) dest_cdf[ok(o, k) * D + e] = 1.0;
        break;
      }
    const double aspiration = b.aspiration_wage_gap * std::log(expected_wage / home_wage) +
                              b.aspiration_unemployment * hn.unemployment.at(year) +
                              b.aspiration_diaspora * std::log1p(100.0 * diaspora_total / std::max(population, 1.0));
    leave_hazard[ok(o, k)] = b.emigration_rate * std::exp(aspiration) * months;
  }
}

// Each origin's own behaviour as per-step figures, and the bound on leaving.
void StepTables::derive_origin_rates(const Environment& env, std::span<const ModelParams> params, double months) {
  const int O = origins;
  migration_cost.resize(O);
  reemigration_factor.resize(O);
  irregular_propensity.resize(O);
  return_prob.resize(O);
  give_up_prob.resize(O);
  visit_overstay.resize(O);
  for (int o = 0; o < O; ++o) {
    const ModelParams& b = params[o];
    migration_cost[o] = b.migration_cost;
    reemigration_factor[o] = b.reemigration_factor;
    irregular_propensity[o] = std::min(1.0, b.irregular_propensity * env.irregular_factor[o]);
    return_prob[o] = rate_to_prob(b.return_rate * env.return_factor[o], months);
    give_up_prob[o] = rate_to_prob(b.transit_give_up, months);
    visit_overstay[o] = b.visit_overstay;
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
void StepTables::derive_from_environment(const World& world, const Environment& env,
                                         std::span<const ModelParams> params, double months) {
  const int O = origins, D = destinations;
  const ModelParams& p = world.scenario().model;
  legal_access = env.legal_access;
  short_stay_steps = months_to_steps(env.short_stay_months, months);
  asylum_decision_steps = months_to_steps(p.asylum_decision_months, months);
  protection_permit_steps = months_to_steps(env.protection_permit_months, months);
  asylum_recognition = env.asylum_recognition;
  detect_prob.resize(static_cast<size_t>(O) * D);
  detect_bound.assign(O, 0.0);
  asylum_application.assign(static_cast<size_t>(O) * D, 0.0);
  for (int o = 0; o < O; ++o)
    for (int d = 0; d < D; ++d) {
      detect_prob[od(o, d)] = rate_to_prob(env.detection_rate[env.od(o, d)], months);
      detect_bound[o] = std::max(detect_bound[o], detect_prob[od(o, d)]);
      if (world.governed_by_eu(d)) asylum_application[od(o, d)] = params[o].asylum_application;
    }
  // An EU readmission agreement multiplies the share executed in the Member States by
  // the evidence's factor (model_params.hpp, readmission_effect).
  return_execution = env.return_execution;
  for (int o = 0; o < O; ++o)
    if (env.readmission[o])
      for (int m = 0; m < world.member_state_count(); ++m)
        return_execution[od(o, m)] = std::min(1.0, return_execution[od(o, m)] * std::exp(params[o].readmission_effect));
  exploitation = env.exploitation_share;
  victim_protection = env.victim_protection;
  identify_prob.resize(static_cast<size_t>(O) * D);
  victim_permit_steps.resize(static_cast<size_t>(O) * D);
  for (size_t i = 0; i < identify_prob.size(); ++i) {
    identify_prob[i] = rate_to_prob(env.victim_identification[i], months);
    victim_permit_steps[i] = months_to_steps(env.victim_permit_months[i], months);
  }
  interception_return = env.interception_return;
  transit_readmission = env.transit_readmission;
  edge_hazard.resize(edges);
  for (int e = 0; e < edges; ++e) edge_hazard[e] = world.edge(static_cast<EdgeId>(e)).hazard;
  edge_interception = env.interception;
  crossing_group = env.crossing_group;
  group_capacity = env.group_capacity;
}

}  // namespace migflow

#include "sim/expectation.hpp"

#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <cmath>
#include <map>
#include <stdexcept>
#include <tuple>

#include <memory>

#include "sim/parameter_draw.hpp"
#include "sim/policy.hpp"
#include "sim/step_tables.hpp"

namespace migflow {

void normal_quadrature(int n, std::vector<double>& nodes, std::vector<double>& weights) {
  // Jacobi matrix of the probabilists' Hermite polynomials: off-diagonal sqrt(k).
  Eigen::MatrixXd jacobi = Eigen::MatrixXd::Zero(n, n);
  for (int k = 1; k < n; ++k) jacobi(k, k - 1) = jacobi(k - 1, k) = std::sqrt(static_cast<double>(k));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(jacobi);
  nodes.assign(n, 0.0);
  weights.assign(n, 0.0);
  for (int i = 0; i < n; ++i) {
    nodes[i] = solver.eigenvalues()(i);
    weights[i] = solver.eigenvectors()(0, i) * solver.eigenvectors()(0, i);
  }
}

namespace {

constexpr int kPermanentLeft = 1 << 30;  // a permanent residence: no expiry

// One agent's state, as far as its future depends on it.
struct State {
  Status status;
  NodeId location;
  int destination;  // destination index (0 when irrelevant)
  NodeId via;       // last country before the external border, kNoNode if none
  int permit_left;  // regular: steps until expiry at the start of a step
  auto tie() const { return std::tie(status, location, destination, via, permit_left); }
  bool operator<(const State& s) const { return tie() < s.tie(); }
};

// The chain of one (origin, skill, resource level) class.
class Chain {
 public:
  // Starts from the origin's split between home and its diaspora (permanent residents).
  // A share initial_irregular of the diaspora in the Member States starts irregular.
  Chain(const World& w, int o, int k, double resources, double initial_irregular)
      : w_(w), o_(o), k_(k), resources_(resources) {
    const OriginSpec& spec = w.scenario().origins[o];
    const double total = static_cast<double>(spec.total_agents());
    std::vector<double> start{static_cast<double>(spec.agents) / total};
    index({Status::AtHome, w.origin_node(o), 0, kNoNode, 0});
    for (const auto& [node, count] : spec.abroad) {
      const int d = w.destination_index(node);
      const double irregular = w.governed_by_eu(d) ? initial_irregular : 0.0;
      index({Status::Regular, node, d, kNoNode, kPermanentLeft});
      start.push_back(static_cast<double>(count) / total * (1 - irregular));
      index({Status::Irregular, node, d, kNoNode, 0});
      start.push_back(static_cast<double>(count) / total * irregular);
    }
    x_ = Eigen::Map<Eigen::VectorXd>(start.data(), static_cast<Eigen::Index>(start.size()));
  }

  // Pushes the distribution through this step's operator.
  void advance(const StepTables& t) {
    std::vector<Eigen::Triplet<double>> triplets;
    const size_t known = states_.size();
    for (size_t s = 0; s < known; ++s)
      for (const auto& [next, p] : transitions(t, states_[s]))
        if (p > 0) triplets.emplace_back(index(next), static_cast<int>(s), p);
    const int n = static_cast<int>(states_.size());
    Eigen::SparseMatrix<double> op(n, n);  // op(to, from)
    op.setFromTriplets(triplets.begin(), triplets.end());
    Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
    x.head(x_.size()) = x_;
    x_ = op * x;
  }

  // Adds weight * P(cell) into `share` (origin, node, status).
  void accumulate(std::vector<double>& share, int nodes, double weight) const {
    for (size_t s = 0; s < states_.size(); ++s) {
      const State& st = states_[s];
      share[(static_cast<size_t>(o_) * nodes + st.location) * kStatusCount + static_cast<size_t>(st.status)] +=
          weight * x_(static_cast<int>(s));
    }
  }

 private:
  using Outcomes = std::vector<std::pair<State, double>>;

  int index(const State& s) {
    auto [it, inserted] = ids_.emplace(s, static_cast<int>(states_.size()));
    if (inserted) states_.push_back(s);
    return it->second;
  }

  State home(Status status) const { return {status, w_.origin_node(o_), 0, kNoNode, 0}; }

  Outcomes transitions(const StepTables& t, const State& s) const {
    switch (s.status) {
      case Status::AtHome: return leave(t, s, false);
      case Status::Returned: return leave(t, s, true);
      case Status::InTransit: return travel(t, s);
      case Status::Regular: return permit(t, s);
      case Status::Irregular: return irregular(t, s);
      case Status::Visitor: return short_stay(t, s);
      case Status::AsylumSeeker: return asylum(t, s);
      case Status::Exploited: return exploited(t, s);
    }
    return {};
  }

  // Outcomes of a stay that ends without a right to stay on, with probability p: apply
  // for asylum, or stay irregularly.
  void stay_on(const StepTables& t, const State& s, double p, Outcomes& out) const {
    const double apply = t.asylum_application[t.od(o_, s.destination)];
    out.push_back({{Status::AsylumSeeker, s.location, s.destination, s.via, t.asylum_decision_steps - 1}, p * apply});
    out.push_back({{Status::Irregular, s.location, s.destination, s.via, 0}, p * (1 - apply)});
  }

  // A return order with probability p: executed home, to the transit partner, or not.
  void order_return(const StepTables& t, const State& s, double p, const State& not_executed, Outcomes& out) const {
    const double own = t.return_execution[t.od(o_, s.destination)];
    const bool to_transit = s.via != kNoNode && s.via != w_.origin_node(o_);
    const double transit = to_transit ? (1 - own) * t.transit_readmission[s.via] : 0.0;
    out.push_back({home(Status::Returned), p * own});
    if (to_transit) out.push_back({{Status::InTransit, s.via, s.destination, s.via, 0}, p * transit});
    out.push_back({not_executed, p * (1 - own - transit)});
  }

  // Leaving (the gate below the chance of leaving), or else one of the events at home
  // that do not depend on the agent: a visit, joining family, leaving to study.
  Outcomes leave(const StepTables& t, const State& s, bool returned) const {
    const double r = resources_ * t.savings_scale[o_] + t.remittance_income[o_];
    const double hazard =
        t.leave_hazard[t.ok(o_, k_)] * r / (r + t.migration_cost[o_]) * (returned ? t.reemigration_factor[o_] : 1);
    const double p_leave = -std::expm1(-hazard);
    const double* cdf = t.destination_cdf(o_, k_);
    const double study = t.study_prob[o_];
    double stays = 1 - p_leave - study;
    Outcomes out;
    for (int d = 0; d < t.destinations; ++d) {
      const double share = cdf[d] - (d > 0 ? cdf[d - 1] : 0.0);
      const NodeId at = w_.destination_node(d);
      const double visit = t.visit_cum[t.od(o_, d)] - (d > 0 ? t.visit_cum[t.od(o_, d - 1)] : 0.0);
      const double family = t.family_cum[t.od(o_, d)] - (d > 0 ? t.family_cum[t.od(o_, d - 1)] : 0.0);
      stays -= visit + family;
      out.push_back({{Status::Visitor, at, d, kNoNode, t.short_stay_steps - 1}, visit});
      out.push_back({{Status::Regular, at, d, kNoNode, kPermanentLeft}, family});
      out.push_back({{Status::Regular, at, d, kNoNode, t.study_steps - 1}, study * share});
      const double p_d = p_leave * share;
      if (p_d <= 0) continue;
      const double legal = t.legal_access[t.od(o_, d)];
      out.push_back({{Status::Regular, at, d, kNoNode, t.permit_steps[t.odk(o_, d, k_)] - 1}, p_d * legal});
      const double rest = p_d * (1 - legal);
      const double irregular = w_.irregular_reachable(o_, d) ? t.irregular_propensity[o_] : 0.0;
      out.push_back({{Status::InTransit, s.location, d, kNoNode, 0}, rest * irregular});
      stays += rest * (1 - irregular);
    }
    out.push_back({s, stays});
    return out;
  }

  Outcomes travel(const StepTables& t, const State& s) const {
    const double give_up = t.give_up_prob[o_];
    Outcomes out{{home(Status::Returned), give_up}};
    const EdgeId e = w_.irregular_next_hop(s.location, s.destination);
    if (e == kNoEdge) {
      out.push_back({s, 1 - give_up});
      return out;
    }
    const EdgeSpec& edge = w_.edge(e);
    const double go = 1 - give_up, hazard = t.edge_hazard[e], caught = t.edge_interception[e];
    const double sent_home = t.interception_return[o_];
    out.push_back({s, go * (hazard + (1 - hazard) * caught * (1 - sent_home))});
    out.push_back({home(Status::Returned), go * (1 - hazard) * caught * sent_home});
    State next = s;
    next.location = edge.to;
    if (edge.external_border) next.via = edge.from;
    const double crossed = go * (1 - hazard) * (1 - caught);
    if (edge.to == w_.destination_node(s.destination)) {
      const double ex = t.exploitation[t.od(o_, s.destination)];
      out.push_back({{Status::Exploited, next.location, next.destination, next.via, 0}, crossed * ex});
      stay_on(t, next, crossed * (1 - ex), out);
    } else
      out.push_back({next, crossed});
    return out;
  }

  Outcomes permit(const StepTables& t, const State& s) const {
    if (s.permit_left == kPermanentLeft)
      return {{home(Status::Returned), t.return_prob[o_]}, {s, 1 - t.return_prob[o_]}};
    if (s.permit_left > 0) {
      State stay = s;
      --stay.permit_left;
      return {{home(Status::Returned), t.return_prob[o_]}, {stay, 1 - t.return_prob[o_]}};
    }
    const size_t r = t.odk(o_, s.destination, k_);
    const double renew = t.permit_renewal[r], go_home = t.permit_home[r];
    State renewed = s;
    renewed.permit_left = t.permit_steps[r] - 1;
    Outcomes out{{renewed, renew}, {home(Status::Returned), go_home}};
    stay_on(t, s, 1 - renew - go_home, out);
    return out;
  }

  Outcomes short_stay(const StepTables& t, const State& s) const {
    if (s.permit_left > 0) {
      State stay = s;
      --stay.permit_left;
      return {{stay, 1.0}};
    }
    Outcomes out{{home(Status::AtHome), 1 - t.visit_overstay[o_]}};
    stay_on(t, s, t.visit_overstay[o_], out);
    return out;
  }

  Outcomes asylum(const StepTables& t, const State& s) const {
    if (s.permit_left > 0) {
      State wait = s;
      --wait.permit_left;
      return {{home(Status::Returned), t.return_prob[o_]}, {wait, 1 - t.return_prob[o_]}};
    }
    const double recognised = t.asylum_recognition[o_];
    Outcomes out{{{Status::Regular, s.location, s.destination, s.via, t.protection_permit_steps - 1}, recognised}};
    State irregular = s;
    irregular.status = Status::Irregular;
    irregular.permit_left = 0;
    order_return(t, s, 1 - recognised, irregular, out);
    return out;
  }

  Outcomes exploited(const StepTables& t, const State& s) const {
    const double leave = t.return_prob[o_];
    const size_t od = t.od(o_, s.destination);
    const double identified = std::min(1.0, leave + t.identify_prob[od]) - leave;
    const double protection = t.victim_protection[od];
    return {
        {home(Status::Returned), leave + identified * (1 - protection)},
        {{Status::Regular, s.location, s.destination, s.via, t.victim_permit_steps[od] - 1}, identified * protection},
        {s, 1 - leave - identified}};
  }

  Outcomes irregular(const StepTables& t, const State& s) const {
    const double leave = t.return_prob[o_];
    const double detected = std::min(1.0, leave + t.detect_prob[t.od(o_, s.destination)]) - leave;
    Outcomes out{{home(Status::Returned), leave}};
    order_return(t, s, detected, s, out);
    out.push_back({s, 1 - leave - detected});
    return out;
  }

  const World& w_;
  int o_, k_;
  double resources_;
  std::map<State, int> ids_;
  std::vector<State> states_;
  Eigen::VectorXd x_;
};

}  // namespace

ExpectedStocks expected_stocks(const World& world, int steps, int quadrature_nodes) {
  const Scenario& sc = world.scenario();
  if (sc.model.remittance_share != 0)
    throw std::invalid_argument("expected_stocks: agents interact through remittances");
  if (sc.demography.mode == DemographyMode::Renewing)
    throw std::invalid_argument("expected_stocks: a renewing population's entrants follow the residents' count");
  const std::vector<ModelParams> params = scenario_parameters(sc);
  for (size_t o = 0; o < sc.origins.size(); ++o) {
    if (params[o].logit_diaspora != 0 || params[o].aspiration_diaspora != 0 || params[o].family_reunification != 0)
      throw std::invalid_argument("expected_stocks: agents interact through the diaspora");
    if (sc.parameters == ParameterMode::Posterior && !sc.origins[o].posterior.empty())
      throw std::invalid_argument(
          "expected_stocks: replicates draw their parameters from a posterior (use point values)");
  }

  struct Class {
    Chain chain;
    double weight;
  };
  std::vector<Class> classes;
  for (int o = 0; o < world.origin_count(); ++o) {
    const double sigma = params[o].savings_dispersion;
    std::vector<double> z{0.0}, wz{1.0};
    if (sigma > 0) normal_quadrature(quadrature_nodes, z, wz);
    for (int k = 0; k < kSkillCount; ++k)
      for (size_t j = 0; j < z.size(); ++j) {
        const double share = sc.origins[o].skill_shares[k] * wz[j];
        if (share <= 0) continue;
        const double resources = std::exp(sigma * z[j] - 0.5 * sigma * sigma);
        classes.push_back({Chain(world, o, k, resources, params[o].initial_irregular_share), share});
      }
  }

  // Policies act on the environment step by step as in a run; one that reads the counts
  // or sets a capacity would make agents interact, which the checks below refuse.
  std::vector<std::unique_ptr<Policy>> policies;
  for (const PolicySpec& spec : sc.policies) policies.push_back(spec.config->instantiate(world));
  StepCounts none;
  none.resize(world.origin_count(), world.destination_count(), world.node_count(), world.edge_count(), 0);

  ExpectedStocks out;
  out.origins = world.origin_count();
  out.nodes = world.node_count();
  StepTables tables;
  for (int step = 0; step < steps; ++step) {
    Environment env = baseline_environment(world, params);
    env.mechanism_key = mechanism_key(sc, 0);  // replicate 0's strengths, as its engine draws them
    const StepContext ctx{step, sc.calendar.year(step), static_cast<double>(sc.calendar.step_months)};
    const YearMonth now = sc.calendar.date(step);
    for (size_t p = 0; p < policies.size(); ++p)
      if (now.index() >= sc.policies[p].from.index() && now.index() <= sc.policies[p].until.index())
        policies[p]->update(ctx, none, env);
    if (!env.quotas.empty() || !env.group_capacity.empty())
      throw std::invalid_argument("expected_stocks: capacity limits (quotas, border capacity) make agents interact");
    tables.build(world, env, params, none, step);
    std::vector<double> share(static_cast<size_t>(out.origins) * out.nodes * kStatusCount, 0.0);
    for (Class& c : classes) {
      c.chain.advance(tables);
      c.chain.accumulate(share, out.nodes, c.weight);
    }
    std::vector<double> persons(share.size());
    for (size_t i = 0; i < share.size(); ++i) {
      const auto& origin = sc.origins[i / (static_cast<size_t>(out.nodes) * kStatusCount)];
      persons[i] = share[i] * static_cast<double>(origin.agents) * origin.persons_per_agent;
    }
    out.share.push_back(std::move(share));
    out.persons.push_back(std::move(persons));
  }
  return out;
}

}  // namespace migflow

// Exact expected stocks, computed with Eigen, for scenarios whose agents do not
// interact: no capacity limits (quotas, capped edges) and no feedback from aggregate
// stocks (logit_diaspora = aspiration_diaspora = remittance_share = 0). Then every
// agent is an independent Markov chain over (status, location, destination, via,
// permit time left), and the expected stocks after T steps are the start distribution
// pushed through the T step operators, mixed over skills and (by Gauss-Hermite
// quadrature) household resources. The policies' mechanisms have the strengths replicate
// 0 draws (sim/parameter_draw.hpp, mechanism_key). Tests hold the simulated ensemble to it.
#pragma once
#include <vector>

#include "sim/world.hpp"

namespace migflow {

struct ExpectedStocks {
  int origins = 0, nodes = 0;
  // persons[step][(origin * nodes + node) * kStatusCount + status], at the end of each step.
  std::vector<std::vector<double>> persons;
  // Probability of each cell for one agent of the origin (persons / (agents * scale)).
  std::vector<std::vector<double>> share;
};

// Throws std::invalid_argument naming the interaction when the scenario has one (family
// reunification, which follows the residents abroad, counts as one).
ExpectedStocks expected_stocks(const World& world, int steps, int quadrature_nodes = 24);

// Gauss-Hermite nodes and weights for a standard normal (Golub-Welsch with Eigen).
void normal_quadrature(int n, std::vector<double>& nodes, std::vector<double>& weights);

}  // namespace migflow

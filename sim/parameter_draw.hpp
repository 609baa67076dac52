// Which parameter set each replicate runs with. With posteriors (docs/calibration.md),
// replicate r of a run uses, for origin o, draw number floor(u * N) of o's posterior,
// u = Philox(scenario seed, r / replicates_per_draw, o): a pure function of (seed, r),
// so two scenarios run with the same seed share their parameter draws as they share
// their random numbers, and their differences stay paired.
#pragma once
#include <vector>

#include "model/scenario.hpp"

namespace migflow {

// Origin o's posterior draw in replicate r, or -1 when it runs with its point values.
int parameter_draw_index(const Scenario& sc, int origin, int replicate);

// Every origin's parameter set in replicate r: its point values (`behaviour`) with the
// drawn row's values over them.
std::vector<ModelParams> replicate_parameters(const Scenario& sc, int replicate);

// The key from which replicate r draws the strengths of the policy mechanisms whose
// priors the modules hold (sim/policy.hpp, Environment::mechanism_key): shared by the
// replicates that share a parameter draw, and by runs with the same seed; 0 (every
// strength at its prior median) with `parameters: point`.
std::uint64_t mechanism_key(const Scenario& sc, int replicate);

// Sets the values of a sample's row that are model parameters.
void apply_draw(const ParameterSample& sample, int row, ModelParams& params);

}  // namespace migflow

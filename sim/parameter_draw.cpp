#include "sim/parameter_draw.hpp"

#include <algorithm>

#include "sim/rng.hpp"

namespace migflow {

int parameter_draw_index(const Scenario& sc, int origin, int replicate) {
  const ParameterSample& sample = sc.origins[origin].posterior;
  if (sc.parameters == ParameterMode::Point || sample.empty()) return -1;
  const auto draw_number = static_cast<std::uint64_t>(replicate / std::max(1, sc.replicates_per_draw));
  const double u = draw(sc.seed, draw_number, static_cast<std::uint32_t>(origin), Purpose::ParameterDraw).uniform(0);
  const int n = static_cast<int>(sample.draws.size());
  return std::min(n - 1, static_cast<int>(u * n));
}

std::uint64_t mechanism_key(const Scenario& sc, int replicate) {
  if (sc.parameters == ParameterMode::Point) return 0;
  const auto draw_number = static_cast<std::uint64_t>(replicate / std::max(1, sc.replicates_per_draw));
  return draw(sc.seed, draw_number, 0xFFFFFFFFu, Purpose::ParameterDraw).key() | 1;  // never 0
}

void apply_draw(const ParameterSample& sample, int row, ModelParams& params) {
  for (size_t j = 0; j < sample.names.size(); ++j)
    if (const ParamSpec* spec = find_model_param(sample.names[j])) params.*(spec->member) = sample.draws[row][j];
}

std::vector<ModelParams> replicate_parameters(const Scenario& sc, int replicate) {
  std::vector<ModelParams> out;
  for (int o = 0; o < static_cast<int>(sc.origins.size()); ++o) {
    out.push_back(sc.origins[o].behaviour);
    if (const int row = parameter_draw_index(sc, o, replicate); row >= 0)
      apply_draw(sc.origins[o].posterior, row, out.back());
  }
  return out;
}

}  // namespace migflow

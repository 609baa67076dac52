#include "model/scenario.hpp"

#include <algorithm>
#include <cmath>

namespace migflow {

double YearSeries::at(double year) const {
  if (years.empty()) return std::nan("");
  if (year <= years.front()) return values.front();
  if (year >= years.back()) return values.back();
  size_t i = 1;
  while (years[i] < year) ++i;
  const double w = (year - years[i - 1]) / (years[i] - years[i - 1]);
  return values[i - 1] + w * (values[i] - values[i - 1]);
}

double YearSeries::held_at(double year) const {
  if (years.empty()) return std::nan("");
  double v = values.front();
  for (size_t i = 0; i < years.size() && years[i] <= year; ++i) v = values[i];
  return v;
}

int ParameterSample::column(const std::string& name) const {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

std::uint64_t Scenario::total_agents() const {
  std::uint64_t n = 0;
  for (const auto& o : origins) n += o.total_agents();
  return n;
}

void Scenario::scale_to(std::uint64_t agents) {
  const double factor = static_cast<double>(agents) / static_cast<double>(total_agents());
  for (OriginSpec& o : origins) {
    o.persons_per_agent /= factor;
    o.agents = static_cast<std::uint64_t>(std::llround(static_cast<double>(o.agents) * factor));
    for (auto& [node, count] : o.abroad)
      count = static_cast<std::uint64_t>(std::llround(static_cast<double>(count) * factor));
  }
  size_reserves();
}

double Scenario::resident_target(int o, int step) const {
  const OriginSpec& origin = origins[static_cast<std::size_t>(o)];
  return nodes[origin.node].population.at(calendar.year(step)) / origin.persons_per_agent;
}

void Scenario::size_reserves() {
  for (int o = 0; o < static_cast<int>(origins.size()); ++o) {
    OriginSpec& origin = origins[static_cast<std::size_t>(o)];
    origin.reserve = 0;
    if (demography.mode == DemographyMode::Closed || nodes[origin.node].population.empty()) continue;
    double need = 0, before = static_cast<double>(origin.agents);
    for (int step = 1; step < calendar.steps(); ++step) {
      if (!opens_year(step)) continue;
      const double target = resident_target(o, step);
      need += std::max(0.0, target - before) + Demography::kEmigrationAllowance * std::max(target, before);
      before = target;
    }
    origin.reserve = static_cast<std::uint64_t>(std::ceil(need)) + 16;
  }
}

void Scenario::truncate_steps(int steps) {
  if (steps < calendar.steps()) calendar.end = calendar.date(steps - 1);
  size_reserves();
}

int Scenario::node_index(const std::string& id) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].id == id) return static_cast<int>(i);
  return -1;
}

std::string Scenario::edge_label(EdgeId e) const { return nodes[edges[e].from].id + "->" + nodes[edges[e].to].id; }

}  // namespace migflow

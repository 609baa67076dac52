#include "sim/step_counts.hpp"

#include <algorithm>

namespace migflow {

void StepCounts::resize(int o, int d, int n, int e, int q) {
  origins = o;
  destinations = d;
  nodes = n;
  edges = e;
  quotas = q;
  stocks.assign(static_cast<size_t>(o) * n * kStatusCount, 0);
  transit_wait.assign(static_cast<size_t>(o) * n, 0);
  arrivals.assign(static_cast<size_t>(o) * d * kChannelCount, 0);
  flows.assign(static_cast<size_t>(o) * e * kChannelCount, 0);
  edge_attempts.assign(static_cast<size_t>(o) * e, 0);
  edge_blocked.assign(static_cast<size_t>(o) * e, 0);
  edge_intercepted.assign(static_cast<size_t>(o) * e, 0);
  return_orders.assign(static_cast<size_t>(o) * d, 0);
  returns_executed.assign(static_cast<size_t>(o) * d, 0);
  returns.assign(static_cast<size_t>(o) * d * kReturnCauseCount, 0);
  asylum_applications.assign(static_cast<size_t>(o) * d, 0);
  asylum_decisions.assign(static_cast<size_t>(o) * d * kDecisionCount, 0);
  victims_identified.assign(static_cast<size_t>(o) * d, 0);
  victims_protected.assign(static_cast<size_t>(o) * d, 0);
  entries.assign(static_cast<size_t>(o), 0);
  exits.assign(static_cast<size_t>(o), 0);
  quota_requests.assign(q, 0);
  quota_granted.assign(q, 0);
  quota_recruited.assign(q, 0);
  quota_unfilled.assign(q, 0);
}

void StepCounts::clear_flows() {
  for_each_flow_table(*this, [](auto& v) { std::fill(v.begin(), v.end(), 0); });
}

void StepCounts::add(const StepCounts& other) {
  const std::vector<std::int64_t>* src[24];
  int n = 0;
  for_each_flow_table(other, [&](const auto& v) { src[n++] = &v; });
  n = 0;
  for_each_flow_table(*this, [&](auto& v) {
    const auto& s = *src[n++];
    for (size_t i = 0; i < v.size(); ++i) v[i] += s[i];
  });
}

}  // namespace migflow

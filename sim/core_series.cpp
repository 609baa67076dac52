#include "sim/core_series.hpp"

#include <string>

namespace migflow {

namespace {

using D = CoreDim;

// An origin-major count table summed over origins, in persons.
void sum_over_origins(const CoreStep& s, const std::vector<std::int64_t>& table, double* row) {
  const std::size_t origins = s.persons_per_agent.size(), cells = table.size() / origins;
  for (std::size_t o = 0; o < origins; ++o)
    for (std::size_t c = 0; c < cells; ++c) row[c] += table[o * cells + c] * s.persons_per_agent[o];
}

// An origin-major count table with its origin axis kept, in persons.
void per_origin(const CoreStep& s, const std::vector<std::int64_t>& table, double* row) {
  const std::size_t cells = table.size() / s.persons_per_agent.size();
  for (std::size_t i = 0; i < table.size(); ++i) row[i] = table[i] * s.persons_per_agent[i / cells];
}

// Mean months waited so far by the persons in transit at each node.
void mean_transit_wait(const CoreStep& s, double* row) {
  const StepCounts& c = s.counts;
  for (int n = 0; n < c.nodes; ++n) {
    double waited = 0, waiting = 0;
    for (int o = 0; o < c.origins; ++o) {
      waited += c.transit_wait[c.on(o, n)] * s.persons_per_agent[o];
      waiting += c.stocks[c.stock(o, n, Status::InTransit)] * s.persons_per_agent[o];
    }
    row[n] = waiting > 0 ? waited / waiting * s.step_months : 0.0;
  }
}

constexpr CoreSeriesSpec kSpecs[] = {
    {CoreSeries::stocks,
     "stocks",
     {D::node, D::status},
     2,
     "persons",
     "persons by location and legal status at the end of the step",
     [](const CoreStep& s, double* row) { sum_over_origins(s, s.counts.stocks, row); }},
    {CoreSeries::stocks_by_origin,
     "stocks_by_origin",
     {D::origin, D::node, D::status},
     3,
     "persons",
     "stocks by country of origin",
     [](const CoreStep& s, double* row) { per_origin(s, s.counts.stocks, row); }},
    {CoreSeries::arrivals,
     "arrivals",
     {D::origin, D::destination, D::channel},
     3,
     "persons",
     "arrivals in a destination during the step, by channel (legal: with a residence permit)",
     [](const CoreStep& s, double* row) { per_origin(s, s.counts.arrivals, row); }},
    {CoreSeries::flows,
     "flows",
     {D::edge, D::channel},
     2,
     "persons",
     "route crossings during the step",
     [](const CoreStep& s, double* row) { sum_over_origins(s, s.counts.flows, row); }},
    {CoreSeries::border_attempts,
     "border_attempts",
     {D::edge},
     1,
     "persons",
     "crossing attempts let through during the step",
     [](const CoreStep& s, double* row) { sum_over_origins(s, s.counts.edge_attempts, row); }},
    {CoreSeries::border_blocked,
     "border_blocked",
     {D::edge},
     1,
     "persons",
     "crossing attempts turned away by border capacity",
     [](const CoreStep& s, double* row) { sum_over_origins(s, s.counts.edge_blocked, row); }},
    {CoreSeries::border_interceptions,
     "border_interceptions",
     {D::edge},
     1,
     "persons",
     "crossing attempts intercepted during the step",
     [](const CoreStep& s, double* row) { sum_over_origins(s, s.counts.edge_intercepted, row); }},
    {CoreSeries::return_orders,
     "return_orders",
     {D::origin, D::destination},
     2,
     "persons",
     "irregular migrants detected, and rejected asylum seekers, ordered to leave",
     [](const CoreStep& s, double* row) { per_origin(s, s.counts.return_orders, row); }},
    {CoreSeries::returns_executed,
     "returns_executed",
     {D::origin, D::destination},
     2,
     "persons",
     "return orders executed (home, or to the transit partner a readmission agreement covers)",
     [](const CoreStep& s, double* row) { per_origin(s, s.counts.returns_executed, row); }},
    {CoreSeries::returns,
     "returns",
     {D::origin, D::destination, D::cause},
     3,
     "persons",
     "persons back home at the origin during the step, from the destination they were in or bound for, by cause",
     [](const CoreStep& s, double* row) { per_origin(s, s.counts.returns, row); }},
    {CoreSeries::transit_wait,
     "transit_wait",
     {D::node},
     1,
     "months",
     "mean time waited so far by migrants in transit at the node",
     &mean_transit_wait},
    {CoreSeries::remittances,
     "remittances",
     {D::origin, D::destination},
     2,
     "PPP dollars",
     "remittances received by origin households during the step, after transfer costs",
     [](const CoreStep& s, double* row) { std::copy(s.counts.remittances.begin(), s.counts.remittances.end(), row); }},
    {CoreSeries::asylum_applications,
     "asylum_applications",
     {D::origin, D::destination},
     2,
     "persons",
     "first asylum applications in a Member State during the step",
     [](const CoreStep& s, double* row) { per_origin(s, s.counts.asylum_applications, row); }},
    {CoreSeries::asylum_decisions,
     "asylum_decisions",
     {D::origin, D::destination, D::decision},
     3,
     "persons",
     "first asylum decisions during the step, by outcome",
     [](const CoreStep& s, double* row) { per_origin(s, s.counts.asylum_decisions, row); }},
    {CoreSeries::population_entries,
     "population_entries",
     {D::origin},
     1,
     "persons",
     "persons entering the working-age population at home (a renewing demography; 0 when closed)",
     [](const CoreStep& s, double* row) { per_origin(s, s.counts.entries, row); }},
    {CoreSeries::population_exits,
     "population_exits",
     {D::origin},
     1,
     "persons",
     "persons leaving the working-age population at home by ageing out or death (0 when closed)",
     [](const CoreStep& s, double* row) { per_origin(s, s.counts.exits, row); }},
};

constexpr bool specs_in_id_order() {
  for (std::size_t i = 0; i < std::size(kSpecs); ++i)
    if (static_cast<std::size_t>(kSpecs[i].id) != i) return false;
  return std::size(kSpecs) == kCoreSeriesCount;
}
static_assert(specs_in_id_order(), "kSpecs lists every CoreSeries once, in enum order");

}  // namespace

std::span<const CoreSeriesSpec> core_series_specs() { return kSpecs; }

const CoreSeriesSpec& core_series(CoreSeries id) { return kSpecs[static_cast<std::size_t>(id)]; }

std::vector<Dimension> core_dimensions(const World& world) {
  const Scenario& sc = world.scenario();
  std::vector<Dimension> dims(kCoreDimNames.size());
  for (std::size_t d = 0; d < dims.size(); ++d) dims[d].name = kCoreDimNames[d];
  auto labels = [&](CoreDim d) -> std::vector<std::string>& { return dims[static_cast<std::size_t>(d)].labels; };
  for (const NodeSpec& n : sc.nodes) labels(D::node).push_back(n.id);
  labels(D::status).assign(kStatusNames.begin(), kStatusNames.end());
  for (int o = 0; o < world.origin_count(); ++o) labels(D::origin).push_back(sc.nodes[world.origin_node(o)].id);
  for (int d = 0; d < world.destination_count(); ++d)
    labels(D::destination).push_back(sc.nodes[world.destination_node(d)].id);
  labels(D::channel).assign(kChannelNames.begin(), kChannelNames.end());
  for (int e = 0; e < world.edge_count(); ++e) labels(D::edge).push_back(sc.edge_label(static_cast<EdgeId>(e)));
  labels(D::decision).assign(kDecisionNames.begin(), kDecisionNames.end());
  labels(D::cause).assign(kReturnCauseNames.begin(), kReturnCauseNames.end());
  labels(D::kind).assign(std::begin(kObservedKindNames), std::end(kObservedKindNames));
  return dims;
}

std::uint64_t core_cells_per_step(const World& world) {
  const std::vector<Dimension> dims = core_dimensions(world);
  std::uint64_t cells = 0;
  for (const CoreSeriesSpec& spec : kSpecs) {
    std::uint64_t product = 1;
    for (CoreDim d : spec.dims()) product *= dims[static_cast<std::size_t>(d)].labels.size();
    cells += product;
  }
  return cells;
}

CoreSeriesHandles declare_core_series(const World& world, SeriesGroup& group) {
  for (const Dimension& d : core_dimensions(world)) group.dimension(d.name, d.labels);
  CoreSeriesHandles handles;
  for (const CoreSeriesSpec& spec : kSpecs) {
    std::vector<std::string> dims;
    for (CoreDim d : spec.dims()) dims.emplace_back(kCoreDimNames[static_cast<std::size_t>(d)]);
    handles[static_cast<std::size_t>(spec.id)] =
        group.declare(std::string(spec.name), dims, std::string(spec.units), std::string(spec.long_name));
  }
  return handles;
}

void record_core_series(const CoreSeriesHandles& handles, const CoreStep& step, SeriesGroup& group) {
  for (const CoreSeriesSpec& spec : kSpecs)
    spec.record(step, group.append_row(handles[static_cast<std::size_t>(spec.id)]));
}

}  // namespace migflow

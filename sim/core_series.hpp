// The engine's own output: the series at the root of every output file, declared once
// here (name, dimensions, units, description, and how a step's row comes from the
// step's counts). The engine declares and records them from this table; the memory
// estimate counts their cells; `migflow compare` names them through it; docs/design.md
// lists them (tests/sim/test_core_series.cpp keeps that list true). Policies add their
// own series in their own groups (sim/policy.hpp).
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "output/series.hpp"
#include "sim/step_counts.hpp"
#include "sim/world.hpp"

namespace migflow {

// The labelled axes of the core series (besides replicate and time), in file order.
// `kind` labels the kinds of data of the file's model_discrepancy (no series uses it).
enum class CoreDim : std::uint8_t { node, status, origin, destination, channel, edge, decision, cause, kind };
inline constexpr std::array<std::string_view, 9> kCoreDimNames{"node", "status",   "origin", "destination", "channel",
                                                               "edge", "decision", "cause",  "kind"};

enum class CoreSeries : std::uint8_t {
  stocks,
  stocks_by_origin,
  arrivals,
  flows,
  border_attempts,
  border_blocked,
  border_interceptions,
  return_orders,
  returns_executed,
  returns,
  transit_wait,
  remittances,
  asylum_applications,
  asylum_decisions,
  population_entries,
  population_exits,
};
inline constexpr std::size_t kCoreSeriesCount = 16;

// What a step's rows are made of.
struct CoreStep {
  const StepCounts& counts;
  std::span<const double> persons_per_agent;  // per origin
  double step_months;
};

struct CoreSeriesSpec {
  CoreSeries id;
  std::string_view name;
  std::array<CoreDim, 3> dim_storage;
  int rank;  // the first `rank` of dim_storage are the dimensions
  std::string_view units;
  std::string_view long_name;
  // Fills the step's row (zero-filled, sized like the series).
  void (*record)(const CoreStep& step, double* row);

  std::span<const CoreDim> dims() const { return {dim_storage.data(), static_cast<std::size_t>(rank)}; }
};

// Every core series, in file order.
std::span<const CoreSeriesSpec> core_series_specs();
const CoreSeriesSpec& core_series(CoreSeries id);

// The labels of each core dimension in `world`, in CoreDim order.
std::vector<Dimension> core_dimensions(const World& world);
// Values the core series record per step, over all of them (zeros included).
std::uint64_t core_cells_per_step(const World& world);

using CoreSeriesHandles = std::array<SeriesHandle, kCoreSeriesCount>;
// Declares the core dimensions and series in `group`.
CoreSeriesHandles declare_core_series(const World& world, SeriesGroup& group);
// Appends the step's row of every core series.
void record_core_series(const CoreSeriesHandles& handles, const CoreStep& step, SeriesGroup& group);

}  // namespace migflow

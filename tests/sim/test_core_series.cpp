// The core series' one declaration: what the engine records, what the memory estimate
// counts and what the reader finds in a file all follow it.
#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "output/run_file_reader.hpp"
#include "sim/core_series.hpp"
#include "sim/engine.hpp"

namespace migflow {
namespace {

TEST(CoreSeries, EngineRecordsEveryDeclaredSeriesInOrderWithItsLayout) {
  auto world = testing::world_of(testing::small_scenario());
  Engine engine(world, 0);
  engine.run();
  const SeriesGroup& core = engine.series().core;
  const auto specs = core_series_specs();
  ASSERT_EQ(core.series().size(), specs.size());
  std::uint64_t cells = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const Series& s = core.series()[i];
    EXPECT_EQ(s.name, specs[i].name);
    EXPECT_EQ(s.units, specs[i].units);
    EXPECT_EQ(s.long_name, specs[i].long_name);
    ASSERT_EQ(s.dims.size(), specs[i].dims().size()) << s.name;
    for (std::size_t d = 0; d < s.dims.size(); ++d)
      EXPECT_EQ(core.dims()[static_cast<std::size_t>(s.dims[d])].name,
                kCoreDimNames[static_cast<std::size_t>(specs[i].dims()[d])])
          << s.name;
    EXPECT_EQ(s.rows.steps(), static_cast<std::size_t>(world->scenario().calendar.steps())) << s.name;
    cells += s.cells;
  }
  EXPECT_EQ(core_cells_per_step(*world), cells);  // what the memory estimate counts
}

TEST(CoreSeries, ReaderFindsEveryDeclaredSeriesWithItsDimensionsFromTheFile) {
  const auto run = testing::run_and_write("", 2);
  const RunFile file = read_run_file(run.path);
  EXPECT_EQ(file.series.size(), core_series_specs().size());
  for (const CoreSeriesSpec& spec : core_series_specs()) {
    const StoredSeries& s = file.series_named(std::string(spec.name));
    ASSERT_EQ(s.dims.size(), spec.dims().size() + 2) << spec.name;
    for (std::size_t d = 0; d < spec.dims().size(); ++d) {
      const std::string dim(kCoreDimNames[static_cast<std::size_t>(spec.dims()[d])]);
      EXPECT_EQ(s.dims[d + 2], dim) << spec.name;
      EXPECT_EQ(file.labels_of(dim).size(), s.shape[d + 2]) << spec.name << " " << dim;
    }
  }
  EXPECT_THROW(file.series_named("no_such_series"), std::runtime_error);
}

}  // namespace
}  // namespace migflow

namespace migflow {
namespace {

// docs/design.md's table of the core series is the declaration, row for row.
TEST(CoreSeries, DesignPageListsEverySeriesAsDeclared) {
  const std::string page = testing::read_text(testing::data_path("../../docs/design.md"));
  ASSERT_FALSE(page.empty());
  for (const CoreSeriesSpec& spec : core_series_specs()) {
    std::string dims = "replicate, time";
    for (CoreDim d : spec.dims()) dims += ", " + std::string(kCoreDimNames[static_cast<std::size_t>(d)]);
    const std::string row = "| `" + std::string(spec.name) + "` | " + dims + " | " + std::string(spec.units) + " | " +
                            std::string(spec.long_name) + " |";
    EXPECT_NE(page.find(row), std::string::npos) << "docs/design.md lacks the row\n" << row;
  }
}

}  // namespace
}  // namespace migflow

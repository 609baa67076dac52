// The HDF5 file: values round-trip, labelled dimensions, atomic writes.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include <filesystem>
#include <thread>

#include "../test_support.hpp"
#include "ensemble/ensemble.hpp"
#include "ensemble/run_metadata.hpp"

namespace migflow {
namespace {

namespace fs = std::filesystem;

std::vector<double> read_dataset(hid_t file, const std::string& name, std::vector<hsize_t>& shape) {
  const hid_t d = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  EXPECT_GE(d, 0) << name;
  const hid_t space = H5Dget_space(d);
  shape.resize(static_cast<size_t>(H5Sget_simple_extent_ndims(space)));
  H5Sget_simple_extent_dims(space, shape.data(), nullptr);
  hsize_t n = 1;
  for (auto s : shape) n *= s;
  std::vector<double> values(n);
  H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Sclose(space);
  H5Dclose(d);
  return values;
}

TEST(Output, WritesEveryReplicateSeriesAndPolicyGroupWithDimensionScales) {
  const auto run = testing::run_and_write("", 3);
  const auto& replicates = run.replicates;
  const auto& world = run.world;
  const std::string& path = run.path;
  ASSERT_TRUE(fs::exists(path));
  for (const auto& entry : fs::directory_iterator(fs::path(path).parent_path()))
    EXPECT_EQ(entry.path().filename(), "run.h5") << "leftover file " << entry.path();

  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  for (const Series& s : replicates[0].core.series()) {
    std::vector<hsize_t> shape;
    const auto values = read_dataset(file, s.name, shape);
    ASSERT_EQ(shape[0], 3u) << s.name;
    ASSERT_EQ(shape[1], static_cast<hsize_t>(world->scenario().calendar.steps())) << s.name;
    for (size_t r = 0; r < 3; ++r) {
      const auto mine = replicates[r].core.series()[static_cast<size_t>(replicates[r].core.find(s.name))].dense();
      const std::vector<double> stored(values.begin() + static_cast<long>(r * mine.size()),
                                       values.begin() + static_cast<long>((r + 1) * mine.size()));
      EXPECT_EQ(stored, mine) << s.name << " replicate " << r;
    }
    // Every axis carries a dimension scale (netCDF's named dimensions).
    const hid_t d = H5Dopen2(file, s.name.c_str(), H5P_DEFAULT);
    for (unsigned axis = 0; axis < shape.size(); ++axis)
      EXPECT_EQ(H5DSget_num_scales(d, axis), 1) << s.name << " " << axis;
    H5Dclose(d);
  }
  EXPECT_GT(H5Aexists(file, "scenario"), 0);
  EXPECT_GT(H5Aexists(file, "seed"), 0);
  EXPECT_GT(H5Aexists(file, "migflow_version"), 0);
  H5Fclose(file);
}

std::string text_attribute(hid_t object, const char* name) {
  const hid_t a = H5Aopen(object, name, H5P_DEFAULT);
  EXPECT_GE(a, 0) << name;
  const hid_t type = H5Aget_type(a);
  std::string s(H5Tget_size(type), '\0');
  H5Aread(a, type, s.data());
  H5Tclose(type);
  H5Aclose(a);
  return s.substr(0, s.find('\0'));
}

TEST(Output, PolicyGroupsNameTheirModuleAndCarryTheBlocksParameters) {
  const auto run = testing::run_and_write(
      "policies:\n  - {name: readmission, id: deal, from: 2011-01, detection: 0.03, "
      "agreements: [{partner: MDA, execution: 0.8, assumption: a test}]}\n",
      1);
  const hid_t file = H5Fopen(run.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t group = H5Gopen2(file, "/policies/deal", H5P_DEFAULT);
  ASSERT_GE(group, 0);
  EXPECT_EQ(text_attribute(group, "policy"), "deal");
  EXPECT_EQ(text_attribute(group, "module"), "readmission");
  EXPECT_EQ(text_attribute(group, "from"), "2011-01");
  EXPECT_EQ(text_attribute(group, "agreements"), "[{partner: MDA, execution: 0.8, assumption: a test}]");
  double detection = 0;
  const hid_t a = H5Aopen(group, "detection", H5P_DEFAULT);
  ASSERT_GE(a, 0);
  H5Aread(a, H5T_NATIVE_DOUBLE, &detection);
  H5Aclose(a);
  EXPECT_EQ(detection, 0.03);  // numbers as numbers
  H5Gclose(group);
  EXPECT_EQ(text_attribute(file, "engine"), "event");  // the default engine, named
  H5Fclose(file);
}

TEST(Output, UnwritablePathThrowsAndLeavesNothing) {
  auto world = testing::world_of(testing::small_scenario());
  const std::string dir = testing::temp_dir();
  const std::string path = dir + "/missing-dir/run.h5";
  EXPECT_THROW(check_writable(path), std::runtime_error);
  EnsembleOptions options;
  const auto replicates = run_ensemble(world, options).replicates;
  try {
    write_run(path, run_metadata(*world), replicates);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing-dir/run.h5"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_empty(dir));
}

// In-memory run files built at the same time (a Python thread pool over scenarios) do
// not collide: HDF5 refuses to create a file it holds open under the same name.
TEST(Output, InMemoryImagesBuiltAtOnceAreEachTheWholeRun) {
  const auto run = testing::run_and_write("", 2);
  const RunMetadata meta = run_metadata(*run.world);
  const std::string alone = run_file_image(meta, run.replicates);
  std::vector<std::string> images(8);
  std::vector<std::string> errors(8);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < images.size(); ++t)
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < 5; ++i) images[t] = run_file_image(meta, run.replicates);
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  for (std::thread& t : threads) t.join();
  for (std::size_t t = 0; t < images.size(); ++t) {
    EXPECT_EQ(errors[t], "");
    EXPECT_TRUE(images[t] == alone) << "thread " << t << "'s image differs from the run built alone";
  }
}

}  // namespace
}  // namespace migflow

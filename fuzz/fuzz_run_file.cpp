// libFuzzer target: a run file that is not what migflow wrote goes through what
// `migflow compare` and `migflow report` do with it (read_run_file, compare_runs
// beside the untouched run, the comparison's markdown and CSV, report_html).
//
// The input is a list of structural edits, made with the HDF5 library on a copy of a
// real run file (the fixed scenario fuzz/checkpoint/scenario.yaml, 2 replicates, 6
// months), so the file stays valid HDF5 and the fuzzer searches migflow's reader, not
// HDF5's parser. Each edit is 4 bytes: operation, object (an index into the file's
// datasets, in name order), and two parameters:
//   0  delete the dataset (a dimension scale detached first: detach_everywhere)
//   1  write it again as 1-D with another length (parameter: 0-255 elements; values
//      the old ones, then the parameter bytes repeated): a coordinate shorter or longer
//      than the series that use it, or a series that lost its dimensions
//   2  overwrite one value (position: parameter) with NaN, infinity, -1e300 or a huge
//      count (which: second parameter)
//   3  set a root attribute (index: parameter) to text made of the following bytes
//   4  swap the dataset with another (second parameter) by renaming both
//
// What may happen: std::runtime_error (the reader's and compare's refusals, naming the
// file) or std::invalid_argument. What must not: any other exception, a crash, a
// sanitizer report, a hang or a huge allocation (-rss_limit_mb).
#include <hdf5.h>
#include <hdf5_hl.h>
#include <tbb/global_control.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "analysis/compare.hpp"
#include "analysis/report.hpp"
#include "ensemble/ensemble.hpp"
#include "ensemble/run_metadata.hpp"
#include "fuzz/fuzz_support.hpp"
#include "loader/scenario_loader.hpp"
#include "output/run_file_reader.hpp"
#include "output/run_file_writer.hpp"
#include "policies/registry.hpp"
#include "sim/world.hpp"

namespace {

using namespace migflow;
using namespace migflow::fuzz;

fs::path g_dir;
std::string g_reference;                   // the untouched run file
std::vector<std::string> g_datasets;       // its datasets, in name order
std::vector<std::string> g_attributes;     // its root attributes, in name order
std::unique_ptr<RunFile> g_reference_run;  // read once
std::unique_ptr<tbb::global_control> g_one_thread;

herr_t add_dataset(hid_t, const char* name, const H5O_info_t* info, void*) {
  if (info->type == H5O_TYPE_DATASET) g_datasets.emplace_back(name);
  return 0;
}

herr_t add_attribute(hid_t, const char* name, const H5A_info_t*, void*) {
  g_attributes.emplace_back(name);
  return 0;
}

// A dataset's values as doubles (every numeric dataset migflow writes converts).
std::vector<double> read_doubles(hid_t dset) {
  const hid_t space = H5Dget_space(dset);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  H5Sclose(space);
  std::vector<double> v(static_cast<std::size_t>(std::max<hssize_t>(n, 0)));
  if (!v.empty() && H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0) v.clear();
  return v;
}

bool numeric(hid_t dset) {
  const hid_t type = H5Dget_type(dset);
  const H5T_class_t c = H5Tget_class(type);
  H5Tclose(type);
  return c == H5T_INTEGER || c == H5T_FLOAT;
}

// Where the dataset `name` is attached as a dimension scale: (dataset, axis) pairs,
// detached. A scale deleted while attached leaves dangling references, which HDF5 1.10
// itself leaks memory on when they are followed (not migflow's to mend); migflow's own
// files never hold them, so the edits detach a scale first (a dimension without its
// scale is then what the reader meets) and attach its replacement again.
std::vector<std::pair<std::string, unsigned>> detach_everywhere(hid_t file, const std::string& name) {
  std::vector<std::pair<std::string, unsigned>> where;
  const hid_t scale = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  if (scale < 0) return where;
  if (H5DSis_scale(scale) > 0)
    for (const std::string& other : g_datasets) {
      if (other == name || H5Lexists(file, other.c_str(), H5P_DEFAULT) <= 0) continue;
      const hid_t dset = H5Dopen2(file, other.c_str(), H5P_DEFAULT);
      if (dset < 0) continue;
      const hid_t space = H5Dget_space(dset);
      const int rank = H5Sget_simple_extent_ndims(space);
      H5Sclose(space);
      for (int axis = 0; axis < rank; ++axis)
        if (H5DSis_attached(dset, scale, static_cast<unsigned>(axis)) > 0 &&
            H5DSdetach_scale(dset, scale, static_cast<unsigned>(axis)) >= 0)
          where.emplace_back(other, static_cast<unsigned>(axis));
      H5Dclose(dset);
    }
  H5Dclose(scale);
  return where;
}

void attach_everywhere(hid_t file, const std::string& name,
                       const std::vector<std::pair<std::string, unsigned>>& where) {
  const hid_t scale = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  if (scale < 0) return;
  if (!where.empty()) H5DSset_scale(scale, name.c_str());
  for (const auto& [other, axis] : where) {
    const hid_t dset = H5Dopen2(file, other.c_str(), H5P_DEFAULT);
    if (dset < 0) continue;
    H5DSattach_scale(dset, scale, axis);
    H5Dclose(dset);
  }
  H5Dclose(scale);
}

void edit(hid_t file, const std::uint8_t* op, const std::uint8_t* rest, std::size_t rest_size) {
  if (g_datasets.empty()) return;
  const std::string& name = g_datasets[op[1] % g_datasets.size()];
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) return;
  switch (op[0] % 5) {
    case 0:
      detach_everywhere(file, name);
      H5Ldelete(file, name.c_str(), H5P_DEFAULT);
      break;
    case 1: {
      const hid_t dset = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
      if (dset < 0) return;
      if (!numeric(dset)) {
        H5Dclose(dset);
        return;
      }
      std::vector<double> v = read_doubles(dset);
      H5Dclose(dset);
      const std::size_t n = op[2];
      for (std::size_t i = v.size(); i < n; ++i) v.push_back(op[3]);
      v.resize(n);
      const auto attached = detach_everywhere(file, name);
      H5Ldelete(file, name.c_str(), H5P_DEFAULT);
      const hsize_t dims[1] = {n};
      const hid_t space = H5Screate_simple(1, dims, nullptr);
      const hid_t created =
          H5Dcreate2(file, name.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      if (created >= 0) {
        if (n > 0) H5Dwrite(created, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
        H5Dclose(created);
      }
      H5Sclose(space);
      attach_everywhere(file, name, attached);
      break;
    }
    case 2: {
      const hid_t dset = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
      if (dset < 0) return;
      std::vector<double> v = numeric(dset) ? read_doubles(dset) : std::vector<double>{};
      if (!v.empty()) {
        const double odd[] = {std::nan(""), std::numeric_limits<double>::infinity(), -1e300, 4e18};
        v[op[2] % v.size()] = odd[op[3] % 4];
        H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
      }
      H5Dclose(dset);
      break;
    }
    case 3: {
      if (g_attributes.empty()) return;
      const std::string attr = g_attributes[op[2] % g_attributes.size()];
      const std::string text(reinterpret_cast<const char*>(rest), std::min<std::size_t>(rest_size, op[3]));
      H5Adelete(file, attr.c_str());
      const hid_t type = H5Tcopy(H5T_C_S1);
      H5Tset_size(type, std::max<std::size_t>(text.size(), 1));
      const hid_t space = H5Screate(H5S_SCALAR);
      const hid_t a = H5Acreate2(file, attr.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
      if (a >= 0) {
        std::string padded = text;
        padded.resize(std::max<std::size_t>(text.size(), 1), '\0');
        H5Awrite(a, type, padded.data());
        H5Aclose(a);
      }
      H5Sclose(space);
      H5Tclose(type);
      break;
    }
    case 4: {
      const std::string& other = g_datasets[op[2] % g_datasets.size()];
      if (other == name || H5Lexists(file, other.c_str(), H5P_DEFAULT) <= 0) return;
      H5Lmove(file, name.c_str(), file, "fuzz_swap", H5P_DEFAULT, H5P_DEFAULT);
      H5Lmove(file, other.c_str(), file, name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
      H5Lmove(file, "fuzz_swap", file, other.c_str(), H5P_DEFAULT, H5P_DEFAULT);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_one_thread = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, 1);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // the edits' own failures are not findings
  g_dir = make_temp_dir("run_file");
  auto sc = std::make_shared<Scenario>(load_scenario(MIGFLOW_FUZZ_CHECKPOINT_SCENARIO, builtin_policies()));
  auto world = std::make_shared<const World>(sc);
  EnsembleOptions options;
  options.replicates = sc->replicates;
  const std::vector<ReplicateSeries> replicates = run_ensemble(world, options).replicates;
  g_reference = (g_dir / "reference.h5").string();
  write_run(g_reference, run_metadata(*world), replicates);
  g_reference_run = std::make_unique<RunFile>(read_run_file(g_reference));
  const hid_t file = H5Fopen(g_reference.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, add_dataset, nullptr, H5O_INFO_BASIC);  // HDF5 1.10
  hsize_t at = 0;
  H5Aiterate2(file, H5_INDEX_NAME, H5_ITER_INC, &at, add_attribute, nullptr);
  H5Fclose(file);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = (g_dir / "mutated.h5").string();
  fs::copy_file(g_reference, path, fs::copy_options::overwrite_existing);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) finding("the copy of the reference run does not open", "setup");
  for (std::size_t at = 0; at + 4 <= size && at < 64; at += 4) edit(file, data + at, data + at + 4, size - at - 4);
  H5Fclose(file);

  auto refused = [](const char* stage, auto&& f) {
    try {
      f();
      return false;
    } catch (const std::runtime_error&) {
      return true;
    } catch (const std::invalid_argument&) {
      return true;
    } catch (const std::exception& e) {
      finding(std::string(typeid(e).name()) + " escaped: " + e.what(), stage);
    } catch (...) {
      finding("a non-std exception escaped", stage);
    }
  };
  std::unique_ptr<RunFile> run;
  if (refused("read_run_file", [&] { run = std::make_unique<RunFile>(read_run_file(path)); })) return 0;
  if (refused("compare", [&] {
        const Comparison c = compare_runs({*g_reference_run, *run}, true);
        (void)comparison_markdown(c);
        (void)comparison_csv(c);
      }))
    return 0;
  refused("report", [&] { (void)report_html({*g_reference_run, *run}); });
  return 0;
}

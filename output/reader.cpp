#include "output/reader.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <stdexcept>

namespace migflow {

namespace {

struct Closer {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Closer() {
    if (id >= 0) close(id);
  }
};

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw std::runtime_error("cannot read '" + path + "': " + what);
}

std::vector<std::string> read_strings(hid_t file, const std::string& path, const char* name) {
  Closer d{H5Dopen2(file, name, H5P_DEFAULT), H5Dclose};
  if (d.id < 0) bad(path, std::string("no dataset '") + name + "'");
  Closer space{H5Dget_space(d.id), H5Sclose};
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space.id, &n, nullptr);
  Closer stored{H5Dget_type(d.id), H5Tclose};
  Closer type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.id, H5T_VARIABLE);
  H5Tset_cset(type.id, H5Tget_cset(stored.id));  // HDF5 does not convert between character sets
  std::vector<char*> raw(n, nullptr);
  if (n > 0 && H5Dread(d.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0)
    bad(path, std::string("cannot read strings of '") + name + "'");
  std::vector<std::string> out(raw.begin(), raw.end());
  if (n > 0) H5Dvlen_reclaim(type.id, space.id, H5P_DEFAULT, raw.data());
  return out;
}

std::string text_attribute(hid_t file, const char* name) {
  if (H5Aexists(file, name) <= 0) return "";
  Closer a{H5Aopen(file, name, H5P_DEFAULT), H5Aclose};
  Closer type{H5Aget_type(a.id), H5Tclose};
  if (H5Tis_variable_str(type.id) > 0) return "";
  std::string s(H5Tget_size(type.id), '\0');
  H5Aread(a.id, type.id, s.data());
  return s.substr(0, s.find('\0'));
}

// The dimension names of a dataset, from its attached dimension scales.
std::vector<std::string> dimension_names(hid_t dataset, int rank) {
  std::vector<std::string> names;
  for (int axis = 0; axis < rank; ++axis) {
    std::string name;
    H5DSiterate_scales(dataset, static_cast<unsigned>(axis), nullptr,
                       [](hid_t, unsigned, hid_t scale, void* out) -> herr_t {
                         char buf[256] = {0};
                         H5DSget_scale_name(scale, buf, sizeof buf);
                         *static_cast<std::string*>(out) = buf;
                         return 1;
                       },
                       &name);
    names.push_back(name);
  }
  return names;
}

}  // namespace

RunFile read_run_file(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Closer file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (file.id < 0) bad(path, "not an HDF5 file, or missing");
  RunFile run;
  run.path = path;
  run.title = text_attribute(file.id, "title");
  run.scenario_file = text_attribute(file.id, "scenario_file");
  if (H5Aexists(file.id, "migflow_version") <= 0) bad(path, "not a migflow output file (no migflow_version)");
  run.dates = read_strings(file.id, path, "date");
  {
    Closer d{H5Dopen2(file.id, "replicate_seed", H5P_DEFAULT), H5Dclose};
    if (d.id < 0) bad(path, "no dataset 'replicate_seed'");
    Closer space{H5Dget_space(d.id), H5Sclose};
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space.id, &n, nullptr);
    run.replicate_seeds.resize(n);
    H5Dread(d.id, H5T_NATIVE_ULLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, run.replicate_seeds.data());
  }
  for (const char* dim : {"node", "status", "origin", "destination", "channel", "edge"})
    run.labels[dim] = read_strings(file.id, path, dim);
  for (const char* name : {"stocks", "arrivals", "flows", "border_attempts", "border_blocked", "border_interceptions",
                           "return_orders", "returns_executed", "transit_wait", "remittances"}) {
    Closer d{H5Dopen2(file.id, name, H5P_DEFAULT), H5Dclose};
    if (d.id < 0) bad(path, std::string("no dataset '") + name + "'");
    Closer space{H5Dget_space(d.id), H5Sclose};
    const int rank = H5Sget_simple_extent_ndims(space.id);
    std::vector<hsize_t> dims(static_cast<size_t>(rank));
    H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
    StoredSeries s;
    s.dims = dimension_names(d.id, rank);
    size_t n = 1;
    for (hsize_t v : dims) {
      s.shape.push_back(static_cast<size_t>(v));
      n *= static_cast<size_t>(v);
    }
    s.values.resize(n);
    if (n > 0 && H5Dread(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, s.values.data()) < 0)
      bad(path, std::string("cannot read '") + name + "'");
    if (rank < 2 || s.dims[0] != "replicate" || s.dims[1] != "time")
      bad(path, std::string("'") + name + "' is not laid out as (replicate, time, ...)");
    run.series[name] = std::move(s);
  }
  return run;
}

}  // namespace migflow

#include "output/run_file_reader.hpp"

#include <type_traits>

#include <hdf5.h>
#include <hdf5_hl.h>

#include <stdexcept>

#include "output/hdf5.hpp"

namespace migflow {

namespace {

using hdf5::Handle;

struct ReadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw ReadError("cannot read '" + path + "': " + what);
}

std::vector<hsize_t> extent(hid_t dataset) {
  Handle space(H5Dget_space(dataset), H5Sclose, "reading a dataset's shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(0, H5Sget_simple_extent_ndims(space))));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

// The longest coordinate migflow writes is far shorter (replicates up to 100,000, steps
// up to 3,612, edges of a world's graph): a longer one is a file that lies about its
// size, refused before anything is allocated for it.
constexpr hsize_t kMaxCoordinate = 10'000'000;

hsize_t coordinate_length(hid_t dataset, const std::string& path, const std::string& name) {
  const std::vector<hsize_t> dims = extent(dataset);
  if (dims.size() != 1) throw std::out_of_range(name);
  if (dims[0] > kMaxCoordinate)
    bad(path, "coordinate '" + name + "' declares " + std::to_string(dims[0]) + " values, more than migflow writes");
  return dims[0];
}

std::vector<std::string> read_strings(hid_t file, const std::string& path, const std::string& name) {
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) bad(path, "no dataset '" + name + "'");
  Handle d(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "opening '" + name + "'");
  const hsize_t n = coordinate_length(d, path, name);
  Handle stored(H5Dget_type(d), H5Tclose, "reading the type of '" + name + "'");
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "creating a string type");
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5Tget_cset(stored));  // HDF5 does not convert between character sets
  std::vector<char*> raw(n, nullptr);
  if (n > 0 && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0)
    bad(path, "cannot read strings of '" + name + "'");
  std::vector<std::string> out(raw.begin(), raw.end());
  if (n > 0) {
    Handle space(H5Dget_space(d), H5Sclose, "reading a dataset's shape");
    H5Dvlen_reclaim(type, space, H5P_DEFAULT, raw.data());
  }
  return out;
}

std::string text_attribute(hid_t file, const char* name) {
  if (H5Aexists(file, name) <= 0) return "";
  Handle a(H5Aopen(file, name, H5P_DEFAULT), H5Aclose, std::string("opening attribute '") + name + "'");
  Handle type(H5Aget_type(a), H5Tclose, std::string("reading attribute '") + name + "'");
  if (H5Tis_variable_str(type) > 0) return "";
  std::string s(H5Tget_size(type), '\0');
  H5Aread(a, type, s.data());
  return s.substr(0, s.find('\0'));
}

// Every attribute of the root as text: strings as they are, numbers printed.
std::map<std::string, std::string> root_attributes(hid_t file) {
  std::map<std::string, std::string> out;
  auto collect = [](hid_t loc, const char* name, const H5A_info_t*, void* data) -> herr_t {
    auto& attributes = *static_cast<std::map<std::string, std::string>*>(data);
    Handle a(H5Aopen(loc, name, H5P_DEFAULT), H5Aclose, std::string("opening attribute '") + name + "'");
    Handle type(H5Aget_type(a), H5Tclose, std::string("reading attribute '") + name + "'");
    if (H5Tget_class(type) == H5T_STRING) {
      attributes[name] = text_attribute(loc, name);
    } else if (H5Tget_class(type) == H5T_INTEGER) {
      if (H5Tget_sign(type) == H5T_SGN_NONE) {
        unsigned long long v = 0;
        if (H5Aread(a, H5T_NATIVE_ULLONG, &v) >= 0) attributes[name] = std::to_string(v);
      } else {
        long long v = 0;
        if (H5Aread(a, H5T_NATIVE_LLONG, &v) >= 0) attributes[name] = std::to_string(v);
      }
    } else if (H5Tget_class(type) == H5T_FLOAT) {
      double v = 0;
      if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0) attributes[name] = std::to_string(v);
    }
    return 0;
  };
  H5Aiterate2(file, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &out);
  return out;
}

// The dimension names of a dataset, from its attached dimension scales.
std::vector<std::string> dimension_names(hid_t dataset, std::size_t rank) {
  std::vector<std::string> names;
  for (std::size_t axis = 0; axis < rank; ++axis) {
    std::string name;
    H5DSiterate_scales(
        dataset, static_cast<unsigned>(axis), nullptr,
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

// The names of the root group's datasets.
std::vector<std::string> root_datasets(hid_t file) {
  std::vector<std::string> names;
  auto collect = [](hid_t group, const char* name, const H5L_info_t*, void* out) -> herr_t {
    const hid_t object = H5Oopen(group, name, H5P_DEFAULT);
    if (object < 0) return 0;
    if (H5Iget_type(object) == H5I_DATASET) static_cast<std::vector<std::string>*>(out)->push_back(name);
    H5Oclose(object);
    return 0;
  };
  H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names);
  return names;
}

// A variable's values (int or double), flattened; empty when the file has none of that
// name. Refused unless it holds a whole multiple of `unit` values, at most `most`.
template <class T>
std::vector<T> read_values(hid_t file, const std::string& path, const std::string& name, std::size_t unit,
                           std::size_t most) {
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) return {};
  Handle d(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "opening '" + name + "'");
  std::size_t n = 1;
  for (hsize_t e : extent(d)) {
    if (e > most) bad(path, "'" + name + "' declares more values than its coordinates allow");
    n *= static_cast<std::size_t>(e);
    if (n > most) bad(path, "'" + name + "' declares more values than its coordinates allow");
  }
  if (unit == 0 || n % unit != 0) bad(path, "'" + name + "' does not fit its coordinates");
  std::vector<T> values(n);
  const hid_t type = std::is_same_v<T, int> ? H5T_NATIVE_INT : H5T_NATIVE_DOUBLE;
  if (n > 0 && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    throw std::runtime_error("cannot read '" + name + "'");
  return values;
}

// Reads `name` when it is a series (replicate, time, ...); false otherwise. Its extent
// must agree with the run's coordinates (replicate seeds, dates, and each further
// dimension's labels, read here if not yet) before anything is allocated: a file that
// declares an absurd extent is refused, not believed.
bool read_series(hid_t file, RunFile& run, const std::string& name, StoredSeries& s) {
  Handle d(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "opening '" + name + "'");
  const std::vector<hsize_t> dims = extent(d);
  if (dims.size() < 2) return false;
  s.dims = dimension_names(d, dims.size());
  if (s.dims[0] != "replicate" || s.dims[1] != "time") return false;
  std::size_t n = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i >= 2 && !run.labels.count(s.dims[i])) run.labels[s.dims[i]] = read_strings(file, run.path, s.dims[i]);
    const std::size_t expected = i == 0   ? run.replicate_seeds.size()
                                 : i == 1 ? run.dates.size()
                                          : run.labels.at(s.dims[i]).size();
    if (dims[i] != expected)
      bad(run.path, "series '" + name + "' has " + std::to_string(dims[i]) + " cells along '" + s.dims[i] +
                        "', whose coordinate has " + std::to_string(expected));
    s.shape.push_back(static_cast<std::size_t>(dims[i]));
    n *= static_cast<std::size_t>(dims[i]);
  }
  s.values.resize(n);
  if (n > 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, s.values.data()) < 0)
    bad(run.path, "cannot read '" + name + "'");
  return true;
}

}  // namespace

const StoredSeries& RunFile::series_named(const std::string& name) const {
  const auto it = series.find(name);
  if (it == series.end()) bad(path, "no series '" + name + "'");
  return it->second;
}

const std::vector<std::string>& RunFile::labels_of(const std::string& dim) const {
  const auto it = labels.find(dim);
  if (it == labels.end()) bad(path, "no dimension '" + dim + "'");
  return it->second;
}

RunFile read_run_file(const std::string& path) {
  const hdf5::QuietHdf5Errors quiet;
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) bad(path, "not an HDF5 file, or missing");
  Handle file(id, H5Fclose, "opening '" + path + "'");
  RunFile run;
  run.path = path;
  run.title = text_attribute(file, "title");
  run.scenario_file = text_attribute(file, "scenario_file");
  run.run_status = text_attribute(file, "run_status");
  if (H5Aexists(file, "migflow_version") <= 0) bad(path, "not a migflow output file (no migflow_version)");
  try {
    run.attributes = root_attributes(file);
    run.dates = read_strings(file, path, "date");
    if (H5Lexists(file, "replicate_seed", H5P_DEFAULT) <= 0) bad(path, "no dataset 'replicate_seed'");
    Handle seeds(H5Dopen2(file, "replicate_seed", H5P_DEFAULT), H5Dclose, "opening 'replicate_seed'");
    run.replicate_seeds.resize(coordinate_length(seeds, path, "replicate_seed"));
    H5Dread(seeds, H5T_NATIVE_ULLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, run.replicate_seeds.data());
    for (const std::string& name : root_datasets(file)) {
      StoredSeries s;
      if (!read_series(file, run, name, s)) continue;
      run.series[name] = std::move(s);
    }
    const std::size_t R = std::max<std::size_t>(run.replicate_seeds.size(), 1);
    if (!run.labels.count("origin") && H5Lexists(file, "origin", H5P_DEFAULT) > 0)
      run.labels["origin"] = read_strings(file, path, "origin");
    const std::size_t origin_count =
        run.labels.count("origin") ? std::max<std::size_t>(run.labels["origin"].size(), 1) : 1;
    const std::size_t destinations = run.labels.count("destination") ? run.labels["destination"].size() : 0;
    if (destinations > 0)
      run.destination_in_eu = read_values<int>(file, path, "destination_in_eu", destinations, destinations);
    const std::vector<int> draws = read_values<int>(file, path, "parameter_draw", R * origin_count, R * origin_count);
    if (!draws.empty() && !run.replicate_seeds.empty()) {
      const std::size_t origins = draws.size() / run.replicate_seeds.size();
      for (std::size_t r = 0; r < run.replicate_seeds.size(); ++r)
        run.parameter_draws.emplace_back(draws.begin() + static_cast<std::ptrdiff_t>(r * origins),
                                         draws.begin() + static_cast<std::ptrdiff_t>((r + 1) * origins));
    }
    // Kinds of data: migflow writes eight; a file may hold fewer or more, not without bound.
    const std::vector<double> discrepancy =
        read_values<double>(file, path, "model_discrepancy", R * origin_count, R * origin_count * 64);
    if (!discrepancy.empty() && !run.replicate_seeds.empty() && discrepancy.size() % run.replicate_seeds.size() == 0) {
      const std::size_t cells = discrepancy.size() / run.replicate_seeds.size();
      for (std::size_t r = 0; r < run.replicate_seeds.size(); ++r)
        run.model_discrepancy.emplace_back(discrepancy.begin() + static_cast<std::ptrdiff_t>(r * cells),
                                           discrepancy.begin() + static_cast<std::ptrdiff_t>((r + 1) * cells));
    }
    const std::vector<double> correlation =
        read_values<double>(file, path, "model_discrepancy_correlation", R * origin_count, R * origin_count);
    if (!correlation.empty() && !run.replicate_seeds.empty() && correlation.size() % run.replicate_seeds.size() == 0) {
      const std::size_t origins = correlation.size() / run.replicate_seeds.size();
      for (std::size_t r = 0; r < run.replicate_seeds.size(); ++r)
        run.model_discrepancy_correlation.emplace_back(
            correlation.begin() + static_cast<std::ptrdiff_t>(r * origins),
            correlation.begin() + static_cast<std::ptrdiff_t>((r + 1) * origins));
    }
  } catch (const ReadError&) {
    throw;
  } catch (const std::out_of_range&) {
    bad(path, "a coordinate is not one-dimensional");
  } catch (const std::exception& e) {  // an HDF5 call failed
    bad(path, e.what());
  }
  return run;
}

RunFile run_in_memory(const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates) {
  RunFile run;
  run.path = "(in memory)";
  run.title = meta.title;
  run.scenario_file = meta.scenario_file;
  run.run_status = meta.run_status;
  run.dates = meta.dates;
  if (replicates.empty()) return run;
  const SeriesGroup& layout = replicates.front().core;
  for (const Dimension& d : layout.dims()) run.labels[d.name] = d.labels;
  for (std::size_t i = 0; i < layout.series().size(); ++i) {
    const Series& series = layout.series()[i];
    StoredSeries s;
    s.dims = {"replicate", "time"};
    s.shape = {replicates.size(), meta.dates.size()};
    for (int d : series.dims) {
      s.dims.push_back(layout.dims()[static_cast<std::size_t>(d)].name);
      s.shape.push_back(layout.dims()[static_cast<std::size_t>(d)].labels.size());
    }
    for (const ReplicateSeries& rep : replicates) {
      const std::vector<double> dense = rep.core.series()[i].dense();
      s.values.insert(s.values.end(), dense.begin(),
                      dense.begin() + static_cast<std::ptrdiff_t>(meta.dates.size() * series.cells));
    }
    run.series[series.name] = std::move(s);
  }
  for (const ReplicateSeries& rep : replicates) {
    run.replicate_seeds.push_back(rep.seed);
    run.parameter_draws.push_back(rep.parameter_draws);
    run.model_discrepancy.push_back(rep.model_discrepancy);
    run.model_discrepancy_correlation.push_back(rep.model_discrepancy_correlation);
  }
  for (const LabelledVariable& v : meta.variables)
    if (v.name == "destination_in_eu") run.destination_in_eu.assign(v.values.begin(), v.values.end());
  return run;
}

}  // namespace migflow

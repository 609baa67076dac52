// HDF5 writer for a run. The layout follows netCDF-4's conventions (creation
// order tracking, dimension scales, text attributes as fixed-length strings) so
// that netCDF-C, xarray and plain h5py all read the file with labelled axes:
//
//   /                 global attributes; coordinates replicate, time, step, date,
//                     replicate_seed; the core group's label coordinates and series
//   /policies/<name>  one group per policy: its own label coordinates and series,
//                     whose replicate and time axes are the root's dimension scales
//
// The file is built in memory, then written atomically (output/atomic_file.hpp).
#include "output/run_file_writer.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "output/atomic_file.hpp"
#include "output/file_image.hpp"
#include "output/hdf5.hpp"
#include "output/series_chunks.hpp"

namespace migflow {
namespace {

using namespace hdf5;

// Recorded with the deflate filter for readers; the chunks themselves are encoded by
// output/chunk_codec.cpp, which any inflate reads.
constexpr int kDeflateLevel = 1;

// ---------------------------------------------------------------------------
// Validation: everything that can be checked before a file is created

// The first day of a "YYYY-MM" month; throws when the text is not one.
std::chrono::sys_days first_day(const std::string& year_month) {
  auto digits = [&](std::size_t from, std::size_t to) {
    return std::all_of(year_month.begin() + from, year_month.begin() + to, [](char c) { return c >= '0' && c <= '9'; });
  };
  if (year_month.size() == 7 && year_month[4] == '-' && digits(0, 4) && digits(5, 7)) {
    const std::chrono::year_month_day day{std::chrono::year{std::stoi(year_month.substr(0, 4))},
                                          std::chrono::month{static_cast<unsigned>(std::stoi(year_month.substr(5)))},
                                          std::chrono::day{1}};
    if (day.ok()) return day;
  }
  throw std::runtime_error("'" + year_month + "' is not a YYYY-MM month");
}

bool valid_name(const std::string& name) { return !name.empty() && name != "." && name.find('/') == std::string::npos; }

// Names used at the root besides the core group's own.
const std::vector<std::string> kRootNames = {"replicate", "time", "step", "date", "replicate_seed", "policies"};

// A group's dimensions and series must be well formed and their names unique
// among themselves and the `reserved` names of the location they are written to.
void validate_group(const SeriesGroup& group, std::size_t steps, const std::vector<std::string>& reserved) {
  const std::string where = group.name().empty() ? "core series" : "group '" + group.name() + "'";
  std::vector<std::string> names = reserved;
  auto claim = [&](const std::string& name) {
    if (!valid_name(name)) throw std::runtime_error(where + ": invalid name '" + name + "'");
    if (std::find(names.begin(), names.end(), name) != names.end())
      throw std::runtime_error(where + ": name '" + name + "' is used twice");
    names.push_back(name);
  };
  for (const auto& dim : group.dims()) {
    claim(dim.name);
    // Labels are coordinate values: a repeated one makes selection by label ambiguous.
    std::set<std::string_view> labels;
    for (const auto& label : dim.labels)
      if (!labels.insert(label).second)
        throw std::runtime_error(where + ": dimension '" + dim.name + "' has the label '" + label + "' twice");
  }
  for (const auto& s : group.series()) {
    claim(s.name);
    std::size_t cells = 1;
    for (int d : s.dims) {
      if (d < 0 || static_cast<std::size_t>(d) >= group.dims().size())
        throw std::runtime_error(where + ": series '" + s.name + "' has an invalid dimension index");
      cells *= group.dims()[d].labels.size();
    }
    if (cells != s.cells) throw std::runtime_error(where + ": series '" + s.name + "' has an inconsistent cell count");
    if (s.rows.steps() != steps)
      throw std::runtime_error(where + ": series '" + s.name + "' has " + std::to_string(s.rows.steps()) +
                               " steps, expected " + std::to_string(steps));
  }
}

void validate(const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates) {
  if (replicates.empty()) throw std::runtime_error("no replicates to write");
  first_day(meta.start_date);  // the time coordinate is computed from these
  for (const auto& date : meta.dates) first_day(date);
  const std::size_t steps = meta.dates.size();
  const ReplicateSeries& first = replicates.front();
  for (std::size_t r = 0; r < replicates.size(); ++r) {
    const ReplicateSeries& rep = replicates[r];
    const std::string which = "replicate " + std::to_string(r);
    if (!same_structure(rep.core, first.core) || rep.policies.size() != first.policies.size())
      throw std::runtime_error(which + " records different series than replicate 0");
    for (std::size_t p = 0; p < rep.policies.size(); ++p)
      if (!same_structure(rep.policies[p], first.policies[p]))
        throw std::runtime_error(which + " records different series than replicate 0 for policy '" +
                                 rep.policies[p].name() + "'");
    validate_group(rep.core, steps, kRootNames);
    std::vector<std::string> policy_names;
    for (const auto& policy : rep.policies) {
      if (!valid_name(policy.name())) throw std::runtime_error("invalid policy group name '" + policy.name() + "'");
      if (std::find(policy_names.begin(), policy_names.end(), policy.name()) != policy_names.end())
        throw std::runtime_error("policy group '" + policy.name() + "' appears twice");
      policy_names.push_back(policy.name());
      // The root's replicate and time are visible in policy groups; do not shadow them.
      validate_group(policy, steps, {"replicate", "time"});
    }
  }
  for (const auto& [group, attributes] : meta.policy_attributes) {
    std::vector<std::string> names{"policy"};
    for (const Attribute& a : attributes) {
      if (a.name.empty() || std::find(names.begin(), names.end(), a.name) != names.end())
        throw std::runtime_error("policy group '" + group + "': attribute '" + a.name + "' is empty or given twice");
      names.push_back(a.name);
    }
  }
}

// ---------------------------------------------------------------------------
// Writing

// The replicate and time dimension scales, shared by every series in the file.
struct SharedAxes {
  Handle replicate;
  Handle time;
  std::size_t replicates = 0;
  std::size_t steps = 0;
};

void write_global_attributes(hid_t root, const RunMetadata& meta) {
  for (const RootAttribute& a : root_attributes(meta)) {
    if (const auto* text = std::get_if<std::string>(&a.value))
      write_text_attribute(root, a.name, *text);
    else if (const auto* big = std::get_if<std::uint64_t>(&a.value))
      write_number_attribute(root, a.name, H5T_NATIVE_UINT64, big);
    else
      write_number_attribute(root, a.name, H5T_NATIVE_INT, &std::get<int>(a.value));
  }
}

SharedAxes write_root_axes(hid_t root, const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates) {
  SharedAxes axes;
  axes.replicates = replicates.size();
  axes.steps = meta.dates.size();
  for (const AxisVariable& v : root_axes(meta, replicates)) {
    Handle dataset = std::visit(
        [&](const auto& values) {
          using T = typename std::remove_cvref_t<decltype(values)>::value_type;
          if constexpr (std::is_same_v<T, std::string>)
            return write_strings(root, v.name, values);
          else
            return write_vector(root, v.name,
                                std::is_same_v<T, int>      ? H5T_NATIVE_INT
                                : std::is_same_v<T, double> ? H5T_NATIVE_DOUBLE
                                                            : H5T_NATIVE_UINT64,
                                values.size(), values.data());
        },
        v.values);
    Handle& axis = v.dim == "replicate" ? axes.replicate : axes.time;
    if (v.name == v.dim)
      make_scale(dataset, v.dim);
    else
      attach_scale(dataset, axis, 0, v.dim);
    for (const auto& [name, value] : v.attributes) write_text_attribute(dataset, name, value);
    if (v.name == v.dim) axis = std::move(dataset);
  }
  return axes;
}

// One label coordinate variable (and dimension scale) per dimension of the group.
std::vector<Handle> write_coordinates(hid_t loc, const SeriesGroup& group) {
  std::vector<Handle> scales;
  for (const auto& dim : group.dims()) {
    Handle scale = write_strings(loc, dim.name, dim.labels);
    make_scale(scale, dim.name);
    scales.push_back(std::move(scale));
  }
  return scales;
}

Handle series_plist(const std::vector<hsize_t>& shape, std::size_t cells) {
  Handle plist = dataset_plist();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  check(H5Pset_fill_value(plist, H5T_NATIVE_DOUBLE, &nan), "setting fill value");
  const bool empty = std::find(shape.begin(), shape.end(), hsize_t{0}) != shape.end();
  if (empty) return plist;  // chunk sizes must be positive: keep the default contiguous layout

  std::vector<hsize_t> chunk = shape;
  chunk[0] = 1;
  chunk[1] = steps_per_chunk(shape[1], cells);
  check(H5Pset_chunk(plist, static_cast<int>(chunk.size()), chunk.data()), "setting chunk shape");
  check(H5Pset_shuffle(plist), "enabling shuffle filter");
  check(H5Pset_deflate(plist, kDeflateLevel), "enabling deflate filter");
  return plist;
}

// The group's coordinates and series, one (replicate, time, dims...) dataset per series,
// from its encoded chunks; the same for root and policy groups.
void write_group(hid_t loc, const GroupAcrossReplicates& per_replicate, const std::vector<EncodedChunk>& chunks,
                 const SharedAxes& axes) {
  const SeriesGroup& layout = *per_replicate.front();
  const std::vector<Handle> dim_scales = write_coordinates(loc, layout);
  auto next_chunk = chunks.begin();
  for (std::size_t i = 0; i < layout.series().size(); ++i) {
    const Series& series = layout.series()[i];
    const std::string what = "writing series '" + series.name + "'";

    std::vector<hsize_t> shape = {axes.replicates, axes.steps};
    for (int d : series.dims) shape.push_back(layout.dims()[d].labels.size());
    Handle plist = series_plist(shape, series.cells);
    Handle dataset = create_dataset(loc, series.name, H5T_NATIVE_DOUBLE, shape, plist);

    attach_scale(dataset, axes.replicate, 0, "replicate");
    attach_scale(dataset, axes.time, 1, "time");
    for (std::size_t k = 0; k < series.dims.size(); ++k)
      attach_scale(dataset, dim_scales[series.dims[k]], static_cast<unsigned>(k + 2),
                   layout.dims()[series.dims[k]].name);
    write_text_attribute(dataset, "units", series.units);
    write_text_attribute(dataset, "long_name", series.long_name);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    write_number_attribute(dataset, "_FillValue", H5T_NATIVE_DOUBLE, &nan);

    for (; next_chunk != chunks.end() && next_chunk->series == i; ++next_chunk) {
      std::vector<hsize_t> offset(shape.size(), 0);
      offset[0] = next_chunk->replicate;
      offset[1] = next_chunk->first_step;
      const std::vector<unsigned char>& bytes = bytes_of(chunks, *next_chunk);
      check(H5Dwrite_chunk(dataset, H5P_DEFAULT, 0, offset.data(), bytes.size(), bytes.data()), what);
    }
    dataset.close(what);
  }
}

// The core group, then one group per policy.
std::vector<GroupAcrossReplicates> series_groups(const std::vector<ReplicateSeries>& replicates) {
  std::vector<GroupAcrossReplicates> groups(1 + replicates.front().policies.size());
  for (const ReplicateSeries& rep : replicates) {
    groups[0].push_back(&rep.core);
    for (std::size_t p = 0; p < rep.policies.size(); ++p) groups[1 + p].push_back(&rep.policies[p]);
  }
  return groups;
}

// The root's labelled variables, over the replicate axis and the core's dimensions.
void write_labelled_variables(hid_t root, const RunMetadata& meta, const SeriesGroup& core, const SharedAxes& axes) {
  for (const LabelledVariable& v : meta.variables) {
    const std::string what = "writing variable '" + v.name + "'";
    std::vector<hsize_t> shape;
    std::vector<Handle> scales;
    for (const std::string& dim : v.dims) {
      if (dim == "replicate") {
        shape.push_back(axes.replicates);
        continue;
      }
      const auto it =
          std::find_if(core.dims().begin(), core.dims().end(), [&](const Dimension& d) { return d.name == dim; });
      if (it == core.dims().end()) throw std::runtime_error(what + ": no dimension '" + dim + "'");
      shape.push_back(it->labels.size());
    }
    std::size_t n = 1;
    for (hsize_t e : shape) n *= e;
    if (n != v.values.size())
      throw std::runtime_error(what + ": " + std::to_string(v.values.size()) + " values for " + std::to_string(n) +
                               " cells");
    std::vector<int> as_int(v.values.begin(), v.values.end());
    Handle dataset =
        create_dataset(root, v.name, v.integer ? H5T_NATIVE_INT : H5T_NATIVE_DOUBLE, shape, dataset_plist());
    check(H5Dwrite(dataset, v.integer ? H5T_NATIVE_INT : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                   v.integer ? static_cast<const void*>(as_int.data()) : static_cast<const void*>(v.values.data())),
          what);
    for (std::size_t k = 0; k < v.dims.size(); ++k) {
      if (v.dims[k] == "replicate") {
        attach_scale(dataset, axes.replicate, static_cast<unsigned>(k), "replicate");
        continue;
      }
      Handle scale(H5Dopen2(root, v.dims[k].c_str(), H5P_DEFAULT), H5Dclose, what);
      attach_scale(dataset, scale, static_cast<unsigned>(k), v.dims[k]);
    }
    if (!v.units.empty()) write_text_attribute(dataset, "units", v.units);
    write_text_attribute(dataset, "long_name", v.long_name);
    dataset.close(what);
  }
}

// Which posterior draw each replicate ran with, per origin (-1: point values).
void write_parameter_draws(hid_t root, const std::vector<ReplicateSeries>& replicates, const SharedAxes& axes) {
  const std::size_t origins = replicates.front().parameter_draws.size();
  if (origins == 0) return;
  std::vector<int> values;
  for (const ReplicateSeries& rep : replicates) {
    if (rep.parameter_draws.size() != origins) throw std::runtime_error("replicates differ in their parameter draws");
    values.insert(values.end(), rep.parameter_draws.begin(), rep.parameter_draws.end());
  }
  Handle dataset = create_dataset(root, "parameter_draw", H5T_NATIVE_INT, {axes.replicates, origins}, dataset_plist());
  check(H5Dwrite(dataset, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "writing 'parameter_draw'");
  attach_scale(dataset, axes.replicate, 0, "replicate");
  Handle origin(H5Dopen2(root, "origin", H5P_DEFAULT), H5Dclose, "opening 'origin'");
  attach_scale(dataset, origin, 1, "origin");
  write_text_attribute(dataset, "long_name", kParameterDrawLongName);
}

// The model discrepancy each replicate's draw carries, per origin and kind of data.
void write_model_discrepancy(hid_t root, const std::vector<ReplicateSeries>& replicates, const SharedAxes& axes) {
  const std::size_t origins = replicates.front().parameter_draws.size();
  const std::size_t cells = replicates.front().model_discrepancy.size();
  if (origins == 0 || cells == 0 || cells % origins != 0) return;
  std::vector<double> values;
  for (const ReplicateSeries& rep : replicates) {
    if (rep.model_discrepancy.size() != cells) throw std::runtime_error("replicates differ in their discrepancies");
    values.insert(values.end(), rep.model_discrepancy.begin(), rep.model_discrepancy.end());
  }
  Handle dataset = create_dataset(root, "model_discrepancy", H5T_NATIVE_DOUBLE,
                                  {axes.replicates, origins, cells / origins}, dataset_plist());
  check(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
        "writing 'model_discrepancy'");
  attach_scale(dataset, axes.replicate, 0, "replicate");
  Handle origin(H5Dopen2(root, "origin", H5P_DEFAULT), H5Dclose, "opening 'origin'");
  attach_scale(dataset, origin, 1, "origin");
  Handle kind(H5Dopen2(root, "kind", H5P_DEFAULT), H5Dclose, "opening 'kind'");
  attach_scale(dataset, kind, 2, "kind");
  write_text_attribute(dataset, "units", "1");
  write_text_attribute(dataset, "long_name", kModelDiscrepancyLongName);
  dataset.close("writing 'model_discrepancy'");

  std::vector<double> correlations;
  for (const ReplicateSeries& rep : replicates) {
    if (rep.model_discrepancy_correlation.size() != origins)
      throw std::runtime_error("replicates differ in their discrepancies");
    correlations.insert(correlations.end(), rep.model_discrepancy_correlation.begin(),
                        rep.model_discrepancy_correlation.end());
  }
  Handle correlation = create_dataset(root, "model_discrepancy_correlation", H5T_NATIVE_DOUBLE,
                                      {axes.replicates, origins}, dataset_plist());
  check(H5Dwrite(correlation, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, correlations.data()),
        "writing 'model_discrepancy_correlation'");
  attach_scale(correlation, axes.replicate, 0, "replicate");
  attach_scale(correlation, origin, 1, "origin");
  write_text_attribute(correlation, "units", "1");
  write_text_attribute(correlation, "long_name", kModelDiscrepancyCorrelationLongName);
}

void write_contents(hid_t root, const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates,
                    const std::vector<GroupAcrossReplicates>& groups,
                    const std::vector<std::vector<EncodedChunk>>& chunks) {
  write_global_attributes(root, meta);
  const SharedAxes axes = write_root_axes(root, meta, replicates);
  write_group(root, groups[0], chunks[0], axes);
  write_labelled_variables(root, meta, replicates.front().core, axes);
  write_parameter_draws(root, replicates, axes);
  write_model_discrepancy(root, replicates, axes);

  Handle policies = create_group(root, "policies");
  for (std::size_t p = 1; p < groups.size(); ++p) {
    const std::string& name = groups[p].front()->name();
    Handle group = create_group(policies, name);
    write_text_attribute(group, "policy", name);
    if (const auto it = meta.policy_attributes.find(name); it != meta.policy_attributes.end())
      for (const Attribute& a : it->second) {
        if (const auto* text = std::get_if<std::string>(&a.value))
          write_text_attribute(group, a.name, *text);
        else
          write_number_attribute(group, a.name, H5T_NATIVE_DOUBLE, &std::get<double>(a.value));
      }
    write_group(group, groups[p], chunks[p], axes);
  }
}

// Builds the whole file in memory (HDF5's core driver, no backing store) and
// returns its bytes. HDF5 1.10 cannot recover from an I/O error while closing a
// file (the half-closed file crashes the library at exit), so HDF5 never touches
// the disk; save_file does, with ordinary error handling.
// `memory` receives the finished file; returns its size.
std::size_t build_image(const std::string& name, const RunMetadata& meta,
                        const std::vector<ReplicateSeries>& replicates, ImageMemory& memory) {
  Handle create_plist(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "creating file property list");
  check(H5Pset_link_creation_order(create_plist, kCreationOrder), "setting link creation order");
  check(H5Pset_attr_creation_order(create_plist, kCreationOrder), "setting attribute creation order");
  check(H5Pset_obj_track_times(create_plist, false), "disabling root group timestamps");
  Handle access_plist(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "creating file access property list");
  // netCDF-C reads files written in the HDF5 1.8 format; newer object versions it may not.
  check(H5Pset_libver_bounds(access_plist, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18), "setting format version bounds");
  const std::vector<GroupAcrossReplicates> groups = series_groups(replicates);
  const auto chunks = encode_chunks(groups, meta.dates.size());
  // The in-memory file grows in steps that HDF5 zero-fills and copies: sized from the
  // encoded chunks, plus room for labels and attributes, it is allocated once.
  // The default scenario's metadata (labels, attributes, chunk indexes) is 130 kB;
  // should it outgrow the room left, HDF5 grows the image by another increment.
  std::size_t encoded_bytes = 0, chunk_count = 0;
  for (const auto& group : chunks)
    for (const EncodedChunk& chunk : group) encoded_bytes += bytes_of(group, chunk).size(), ++chunk_count;
  const std::size_t increment =
      encoded_bytes + (std::size_t{256} << 10) + 2 * meta.scenario_text.size() + 128 * chunk_count;
  check(H5Pset_fapl_core(access_plist, increment, false), "selecting the in-memory driver");
  H5FD_file_image_callbacks_t callbacks = memory.callbacks();
  check(H5Pset_file_image_callbacks(access_plist, &callbacks), "setting the file image callbacks");

  // H5Fcreate first tries to open an existing file of that name, and the core driver
  // then reads all of it: name the image after a path that cannot be a file.
  const std::string image_name = name + "/in-memory-image";
  Handle file(H5Fcreate(image_name.c_str(), H5F_ACC_TRUNC, create_plist, access_plist), H5Fclose,
              "creating the in-memory file");
  {
    Handle root(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose, "opening root group");
    write_contents(root, meta, replicates, groups, chunks);
  }
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flushing the in-memory file");
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size < 0) fail("sizing the file image");
  file.close("closing the in-memory file");
  if (memory.image() == nullptr) fail("taking the file image");
  return static_cast<std::size_t>(size);
}

}  // namespace

std::vector<RootAttribute> root_attributes(const RunMetadata& meta) {
  return {{"Conventions", "CF-1.8"},
          {"title", meta.title},
          {"source", "migflow " + meta.version},
          {"migflow_version", meta.version},
          {"scenario_file", meta.scenario_file},
          {"scenario", meta.scenario_text},
          {"seed", meta.seed},
          {"engine", meta.engine},
          {"step_months", meta.step_months},
          {"history", "created by migflow " + meta.version},
          {"run_status", meta.run_status}};
}

std::vector<AxisVariable> root_axes(const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates) {
  std::vector<int> indices(replicates.size());
  for (std::size_t r = 0; r < indices.size(); ++r) indices[r] = static_cast<int>(r);
  // CF decoders (xarray/cftime, pandas) reject "months since" with a real calendar,
  // so time is stored in days from the first day of the start month.
  const std::chrono::sys_days start = first_day(meta.start_date);
  std::vector<double> days;
  for (const auto& date : meta.dates) days.push_back(static_cast<double>((first_day(date) - start).count()));
  std::vector<int> step_index(meta.dates.size());
  for (std::size_t t = 0; t < step_index.size(); ++t) step_index[t] = static_cast<int>(t);
  // Each replicate's own seed, so a single replicate can be rerun.
  std::vector<std::uint64_t> seeds;
  for (const auto& rep : replicates) seeds.push_back(rep.seed);
  return {{"replicate", "replicate", indices, {{"long_name", "replicate index"}}},
          {"time",
           "time",
           days,
           {{"long_name", "time"},
            {"standard_name", "time"},
            {"units", "days since " + meta.start_date + "-01"},
            {"calendar", "standard"},
            {"axis", "T"}}},
          {"step", "time", step_index, {{"long_name", "simulation step index"}}},
          {"date", "time", meta.dates, {{"long_name", "calendar month (YYYY-MM)"}}},
          {"replicate_seed", "replicate", seeds, {{"long_name", "random seed of the replicate"}}}};
}

void check_run_layout(const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates) {
  validate(meta, replicates);
}

void write_run(const std::string& path, const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates) {
  const QuietHdf5Errors quiet;
  try {
    validate(meta, replicates);
    ImageMemory memory;
    const std::size_t size = build_image(path, meta, replicates, memory);
    write_file_atomically(path, memory.image(), size);
  } catch (const OutputError& e) {
    throw OutputError("cannot write output file '" + path + "': " + e.what(), e.error_number);
  } catch (const std::exception& e) {
    throw OutputError("cannot write output file '" + path + "': " + e.what(), 0);
  }
}

std::string run_file_image(const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates) {
  const QuietHdf5Errors quiet;
  try {
    validate(meta, replicates);
    ImageMemory memory;
    // HDF5 refuses to create a file it holds open under the same name: each image
    // built at the same time (Python threads running scenarios) gets its own.
    static std::atomic<std::uint64_t> images{0};
    const std::string name = "/nonexistent/" + std::to_string(::getpid()) + "-" + std::to_string(images++);
    const std::size_t size = build_image(name, meta, replicates, memory);
    return std::string(reinterpret_cast<const char*>(memory.image()), size);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot build the run in memory: ") + e.what());
  }
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (std::filesystem::exists(a, ec) && std::filesystem::exists(b, ec)) return std::filesystem::equivalent(a, b, ec);
  const auto ca = std::filesystem::weakly_canonical(a, ec);
  if (ec) return false;
  const auto cb = std::filesystem::weakly_canonical(b, ec);
  return !ec && ca == cb;
}

void check_writable(const std::string& path, const std::vector<std::string>& inputs) {
  auto refuse = [&](const std::string& reason, int error_number) {
    throw OutputError("cannot write output file '" + path + "': " + reason, error_number);
  };
  for (const std::string& input : inputs)
    if (!input.empty() && same_file(path, input))
      refuse("it is the command's input '" + input + "', which writing would replace", 0);
  std::error_code ec;
  // The final rename would fail on a directory; say so now rather than after the run.
  if (std::filesystem::is_directory(path, ec)) refuse(std::strerror(EISDIR), EISDIR);
  try {
    refuse_special_file(path);
  } catch (const std::runtime_error&) {
    refuse("exists and is not a regular file (a device or FIFO): it would be replaced", 0);
  }

  // Creating a file next to the target tests both that the directory exists and
  // that it is writable, as the temporary output file will need.
  const std::string probe = path + ".probe-" + std::to_string(::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) refuse(std::strerror(errno), errno);  // strerror leaves errno as it is
  ::close(fd);
  if (::unlink(probe.c_str()) != 0) refuse(std::strerror(errno), errno);
}

}  // namespace migflow

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
#include "output/recorder.hpp"

#include "output/atomic_file.hpp"
#include "output/chunk_codec.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <tbb/parallel_for.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace migflow {
namespace {

// ---------------------------------------------------------------------------
// HDF5 plumbing: errors and handles

// The most specific message on HDF5's error stack (where the error was first
// detected), then clears the stack.
std::string hdf5_error_message() {
  std::string message;
  auto innermost = [](unsigned n, const H5E_error2_t* err, void* out) -> herr_t {
    if (n == 0 && err->desc != nullptr) *static_cast<std::string*>(out) = err->desc;
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, &message);
  H5Eclear2(H5E_DEFAULT);
  return message.empty() ? "unknown HDF5 error" : message;
}


[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + hdf5_error_message()); }

void check(herr_t status, const std::string& what) {
  if (status < 0) fail(what);
}

// Owns one hid_t and closes it with the function matching its kind
// (H5Fclose, H5Gclose, H5Dclose, ...).
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  Handle() = default;
  Handle(hid_t id, Closer closer, const std::string& what) : id_(id), closer_(closer) {
    if (id_ < 0) fail(what);
  }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      release();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { release(); }

  operator hid_t() const { return id_; }  // NOLINT: lets handles go straight into H5 calls

  // Closing can flush buffered data, so on the success path the result matters;
  // the destructor (error paths) ignores it.
  void close(const std::string& what) {
    const herr_t status = closer_(std::exchange(id_, H5I_INVALID_HID));
    check(status, what);
  }

 private:
  void release() noexcept {
    if (id_ >= 0) closer_(std::exchange(id_, H5I_INVALID_HID));
  }

  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Turns off HDF5's printing of its error stack for the lifetime of the object;
// errors are reported through exceptions instead.
class QuietHdf5Errors {
 public:
  QuietHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietHdf5Errors(const QuietHdf5Errors&) = delete;
  QuietHdf5Errors& operator=(const QuietHdf5Errors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// ---------------------------------------------------------------------------
// Building blocks

constexpr unsigned kCreationOrder = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
constexpr hsize_t kTargetChunkBytes = 256 * 1024;
// Recorded with the deflate filter for readers; the chunks themselves are encoded by
// output/chunk_codec.cpp, which any inflate reads.
constexpr int kDeflateLevel = 1;
constexpr std::size_t kConversionBufferBytes = 64 * 1024;  // per write of a coordinate

// netCDF-4 needs link and attribute creation order on every group. Object
// timestamps are off so that identical runs give byte-identical files.
Handle group_plist() {
  Handle plist(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "creating group property list");
  check(H5Pset_link_creation_order(plist, kCreationOrder), "setting link creation order");
  check(H5Pset_attr_creation_order(plist, kCreationOrder), "setting attribute creation order");
  check(H5Pset_obj_track_times(plist, false), "disabling group timestamps");
  return plist;
}

Handle dataset_plist() {
  Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "creating dataset property list");
  check(H5Pset_attr_creation_order(plist, kCreationOrder), "setting attribute creation order");
  check(H5Pset_obj_track_times(plist, false), "disabling dataset timestamps");
  return plist;
}

Handle create_group(hid_t parent, const std::string& name) {
  Handle plist = group_plist();
  return Handle(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, plist, H5P_DEFAULT), H5Gclose,
                "creating group '" + name + "'");
}

// netCDF reads fixed-length string attributes as text (NC_CHAR); a zero size
// is not allowed, so an empty value is stored as one NUL byte.
void write_text_attribute(hid_t object, const std::string& name, const std::string& value) {
  const std::string what = "writing attribute '" + name + "'";
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, what);
  check(H5Tset_size(type, std::max<std::size_t>(value.size(), 1)), what);
  check(H5Tset_strpad(type, H5T_STR_NULLTERM), what);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, what);
  Handle attr(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, what);
  check(H5Awrite(attr, type, value.c_str()), what);
}

// `type` is a native HDF5 type matching *value.
void write_number_attribute(hid_t object, const std::string& name, hid_t type, const void* value) {
  const std::string what = "writing attribute '" + name + "'";
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, what);
  Handle attr(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, what);
  check(H5Awrite(attr, type, value), what);
}

Handle create_dataset(hid_t loc, const std::string& name, hid_t type, const std::vector<hsize_t>& shape,
                      hid_t plist) {
  const std::string what = "creating dataset '" + name + "'";
  Handle space(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), H5Sclose, what);
  return Handle(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, plist, H5P_DEFAULT), H5Dclose, what);
}

// A contiguous 1-D dataset holding `n` values of native `type` from `data`.
Handle write_vector(hid_t loc, const std::string& name, hid_t type, std::size_t n, const void* data) {
  Handle plist = dataset_plist();
  Handle dataset = create_dataset(loc, name, type, {static_cast<hsize_t>(n)}, plist);
  if (n == 0) return dataset;
  // Strings are converted on the way in; HDF5's default conversion buffers are 1 MiB
  // each, zero-filled on every write, which made the file's fixed cost ~0.1 s.
  // Conversion runs in pieces, so a small buffer only needs to hold one element.
  Handle transfer(H5Pcreate(H5P_DATASET_XFER), H5Pclose, "creating transfer properties");
  check(H5Pset_buffer(transfer, kConversionBufferBytes, nullptr, nullptr), "sizing the conversion buffer");
  check(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, transfer, data), "writing dataset '" + name + "'");
  return dataset;
}

// Variable-length UTF-8 strings: netCDF's NC_STRING.
Handle write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "creating string type");
  check(H5Tset_size(type, H5T_VARIABLE), "creating string type");
  check(H5Tset_cset(type, H5T_CSET_UTF8), "creating string type");
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& v : values) pointers.push_back(v.c_str());
  return write_vector(loc, name, type, pointers.size(), pointers.data());
}

void make_scale(hid_t dataset, const std::string& name) {
  check(H5DSset_scale(dataset, name.c_str()), "making '" + name + "' a dimension scale");
}

void attach_scale(hid_t dataset, hid_t scale, unsigned axis, const std::string& name) {
  check(H5DSattach_scale(dataset, scale, axis), "attaching dimension '" + name + "'");
}

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

bool valid_name(const std::string& name) {
  return !name.empty() && name != "." && name.find('/') == std::string::npos;
}

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
  for (const auto& dim : group.dims()) claim(dim.name);
  for (const auto& s : group.series()) {
    claim(s.name);
    std::size_t cells = 1;
    for (int d : s.dims) {
      if (d < 0 || static_cast<std::size_t>(d) >= group.dims().size())
        throw std::runtime_error(where + ": series '" + s.name + "' has an invalid dimension index");
      cells *= group.dims()[d].labels.size();
    }
    if (cells != s.cells)
      throw std::runtime_error(where + ": series '" + s.name + "' has an inconsistent cell count");
    if (s.rows.steps() != steps)
      throw std::runtime_error(where + ": series '" + s.name + "' has " + std::to_string(s.rows.steps()) +
                               " steps, expected " + std::to_string(steps));
  }
}

// Replicates are stacked along one axis, so every replicate must record the
// same series with the same shapes and labels.
bool same_structure(const SeriesGroup& a, const SeriesGroup& b) {
  if (a.name() != b.name() || a.series().size() != b.series().size() || a.dims().size() != b.dims().size())
    return false;
  for (std::size_t i = 0; i < a.dims().size(); ++i)
    if (a.dims()[i].name != b.dims()[i].name || a.dims()[i].labels != b.dims()[i].labels) return false;
  for (std::size_t i = 0; i < a.series().size(); ++i)
    if (a.series()[i].name != b.series()[i].name || a.series()[i].dims != b.series()[i].dims) return false;
  return true;
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
  write_text_attribute(root, "Conventions", "CF-1.8");
  write_text_attribute(root, "title", meta.title);
  write_text_attribute(root, "source", "migflow " + meta.version);
  write_text_attribute(root, "migflow_version", meta.version);
  write_text_attribute(root, "scenario_file", meta.scenario_file);
  write_text_attribute(root, "scenario", meta.scenario_text);
  write_number_attribute(root, "seed", H5T_NATIVE_UINT64, &meta.seed);
  const int step_months = meta.step_months;
  write_number_attribute(root, "step_months", H5T_NATIVE_INT, &step_months);
  write_text_attribute(root, "history", "created by migflow " + meta.version);
  write_text_attribute(root, "run_status", meta.run_status);
}

SharedAxes write_root_axes(hid_t root, const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates) {
  SharedAxes axes;
  axes.replicates = replicates.size();
  axes.steps = meta.dates.size();

  std::vector<int> indices(axes.replicates);
  for (std::size_t r = 0; r < indices.size(); ++r) indices[r] = static_cast<int>(r);
  axes.replicate = write_vector(root, "replicate", H5T_NATIVE_INT, indices.size(), indices.data());
  make_scale(axes.replicate, "replicate");
  write_text_attribute(axes.replicate, "long_name", "replicate index");

  // CF decoders (xarray/cftime, pandas) reject "months since" with a real calendar,
  // so time is stored in days from the first day of the start month.
  const std::chrono::sys_days start = first_day(meta.start_date);
  std::vector<double> days;
  for (const auto& date : meta.dates) days.push_back(static_cast<double>((first_day(date) - start).count()));
  axes.time = write_vector(root, "time", H5T_NATIVE_DOUBLE, days.size(), days.data());
  make_scale(axes.time, "time");
  write_text_attribute(axes.time, "long_name", "time");
  write_text_attribute(axes.time, "standard_name", "time");
  write_text_attribute(axes.time, "units", "days since " + meta.start_date + "-01");
  write_text_attribute(axes.time, "calendar", "standard");
  write_text_attribute(axes.time, "axis", "T");

  std::vector<int> step_index(axes.steps);
  for (std::size_t t = 0; t < step_index.size(); ++t) step_index[t] = static_cast<int>(t);
  Handle step = write_vector(root, "step", H5T_NATIVE_INT, step_index.size(), step_index.data());
  attach_scale(step, axes.time, 0, "time");
  write_text_attribute(step, "long_name", "simulation step index");

  Handle date = write_strings(root, "date", meta.dates);
  attach_scale(date, axes.time, 0, "time");
  write_text_attribute(date, "long_name", "calendar month (YYYY-MM)");

  // Each replicate's own seed, so a single replicate can be rerun.
  std::vector<std::uint64_t> seeds;
  for (const auto& rep : replicates) seeds.push_back(rep.seed);
  Handle seed = write_vector(root, "replicate_seed", H5T_NATIVE_UINT64, seeds.size(), seeds.data());
  attach_scale(seed, axes.replicate, 0, "replicate");
  write_text_attribute(seed, "long_name", "random seed of the replicate");
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

// Steps per chunk: chunks hold one replicate and as many whole time steps as fit in
// about kTargetChunkBytes, so reading one series over time touches few chunks.
hsize_t steps_per_chunk(hsize_t steps, std::size_t cells) {
  const hsize_t row_bytes = std::max<hsize_t>(1, static_cast<hsize_t>(cells) * sizeof(double));
  return std::clamp<hsize_t>(kTargetChunkBytes / row_bytes, 1, std::max<hsize_t>(steps, 1));
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

// One group's series as recorded by every replicate: `per_replicate[r]` is replicate r's.
using GroupAcrossReplicates = std::vector<const SeriesGroup*>;

struct EncodedChunk {
  static constexpr std::size_t kOwn = static_cast<std::size_t>(-1);
  std::size_t series, replicate;
  hsize_t first_step;
  std::vector<unsigned char> bytes;  // as HDF5's shuffle and deflate filters would store the chunk
  std::size_t same_as = kOwn;        // or the index of an identical chunk in the group, whose bytes serve
};

const std::vector<unsigned char>& bytes_of(const std::vector<EncodedChunk>& group, const EncodedChunk& chunk) {
  return chunk.same_as == EncodedChunk::kOwn ? chunk.bytes : group[chunk.same_as].bytes;
}

// Every chunk of every series of every group, encoded side by side: compression is most
// of the cost of writing a file, and HDF5 would run its filters one chunk at a time.
// A chunk past the last step is padded with zeros, which no reader sees.
std::vector<std::vector<EncodedChunk>> encode_chunks(const std::vector<GroupAcrossReplicates>& groups, hsize_t steps) {
  std::vector<std::vector<EncodedChunk>> encoded(groups.size());
  struct Job {
    std::size_t group, index;
  };
  std::vector<Job> jobs;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const SeriesGroup& layout = *groups[g].front();
    const std::size_t replicates = groups[g].size();
    // Where each (series, replicate)'s chunks start in encoded[g].
    std::vector<std::size_t> first_chunk(layout.series().size() * replicates, EncodedChunk::kOwn);
    for (std::size_t i = 0; i < layout.series().size(); ++i) {
      const std::size_t cells = layout.series()[i].cells;
      if (cells == 0 || steps == 0) continue;
      const hsize_t per_chunk = steps_per_chunk(steps, cells);
      for (std::size_t r = 0; r < replicates; ++r) {
        // A series equal to an earlier one of its replicate (stocks and stocks_by_origin
        // when the scenario has one origin) shares that one's encoded chunks.
        const Series& mine = groups[g][r]->series()[i];
        std::size_t same = EncodedChunk::kOwn;
        for (std::size_t j = 0; j < i && same == EncodedChunk::kOwn; ++j) {
          const Series& other = groups[g][r]->series()[j];
          if (other.cells == cells && first_chunk[j * replicates + r] != EncodedChunk::kOwn && other.rows == mine.rows)
            same = first_chunk[j * replicates + r];
        }
        first_chunk[i * replicates + r] = encoded[g].size();
        for (hsize_t t = 0, k = 0; t < steps; t += per_chunk, ++k) {
          if (same == EncodedChunk::kOwn) jobs.push_back({g, encoded[g].size()});
          encoded[g].push_back({i, r, t, {}, same == EncodedChunk::kOwn ? same : same + k});
        }
      }
    }
  }
  tbb::parallel_for(std::size_t{0}, jobs.size(), [&](std::size_t j) {
    EncodedChunk& chunk = encoded[jobs[j].group][jobs[j].index];
    const Series& series = groups[jobs[j].group][chunk.replicate]->series()[chunk.series];
    const SparseRows& rows = series.rows;
    const hsize_t chunk_steps = steps_per_chunk(steps, series.cells);
    const hsize_t last = std::min<hsize_t>(chunk.first_step + chunk_steps, steps);
    thread_local std::vector<ChunkEntry> entries;  // reused: fresh pages are dear (ImageMemory)
    entries.clear();
    for (hsize_t t = chunk.first_step; t < last; ++t)
      for (std::size_t i = rows.row_begin(t); i < rows.row_end(t); ++i)
        entries.push_back({(t - chunk.first_step) * series.cells + rows.cells()[i], rows.values()[i]});
    chunk.bytes = encode_shuffled_chunk(entries, chunk_steps * series.cells, series.cells);
  });
  return encoded;
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

void write_contents(hid_t root, const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates,
                    const std::vector<GroupAcrossReplicates>& groups, const std::vector<std::vector<EncodedChunk>>& chunks) {
  write_global_attributes(root, meta);
  const SharedAxes axes = write_root_axes(root, meta, replicates);
  write_group(root, groups[0], chunks[0], axes);

  Handle policies = create_group(root, "policies");
  for (std::size_t p = 1; p < groups.size(); ++p) {
    const std::string& name = groups[p].front()->name();
    Handle group = create_group(policies, name);
    write_text_attribute(group, "policy", name);
    write_group(group, groups[p], chunks[p], axes);
  }
}

// The in-memory file's buffer, which HDF5's core driver allocates through file image
// callbacks: the finished image is written to disk from where HDF5 built it (no copy),
// and its pages are mapped in one call (MAP_POPULATE). Page by page, first touches cost
// about 4 ms per MB on the project's virtual machine, as much as encoding the chunks.
class ImageMemory {
 public:
  ImageMemory() = default;
  ImageMemory(const ImageMemory&) = delete;
  ImageMemory& operator=(const ImageMemory&) = delete;
  ~ImageMemory() { unmap(final_, final_capacity_); }

  H5FD_file_image_callbacks_t callbacks() {
    return {&ImageMemory::on_malloc, &ImageMemory::on_memcpy, &ImageMemory::on_realloc, &ImageMemory::on_free,
            [](void* udata) { return udata; }, [](void*) -> herr_t { return 0; }, this};
  }
  // The buffer HDF5 let go of when it closed the file (null before).
  const unsigned char* image() const { return static_cast<const unsigned char*>(final_); }

 private:
  static void* map(std::size_t size) {
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
  }
  static void unmap(void* p, std::size_t size) {
    if (p != nullptr) ::munmap(p, size);
  }
  static void* on_malloc(std::size_t size, H5FD_file_image_op_t, void* udata) {
    auto* self = static_cast<ImageMemory*>(udata);
    void* p = map(size);
    if (p != nullptr) self->capacity_[p] = size;
    return p;
  }
  static void* on_memcpy(void* dest, const void* src, std::size_t size, H5FD_file_image_op_t, void*) {
    return std::memcpy(dest, src, size);
  }
  static void* on_realloc(void* ptr, std::size_t size, H5FD_file_image_op_t op, void* udata) {
    auto* self = static_cast<ImageMemory*>(udata);
    if (ptr == nullptr) return on_malloc(size, op, udata);
    const std::size_t old = self->capacity_.at(ptr);
    void* p = ::mremap(ptr, old, size, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) return nullptr;
    self->capacity_.erase(ptr);
    self->capacity_[p] = size;
    return p;
  }
  static herr_t on_free(void* ptr, H5FD_file_image_op_t op, void* udata) {
    auto* self = static_cast<ImageMemory*>(udata);
    if (ptr == nullptr) return 0;
    const std::size_t size = self->capacity_.at(ptr);
    self->capacity_.erase(ptr);
    if (op == H5FD_FILE_IMAGE_OP_FILE_CLOSE && self->final_ == nullptr) {
      self->final_ = ptr;  // the finished file: kept for writing
      self->final_capacity_ = size;
    } else {
      unmap(ptr, size);
    }
    return 0;
  }

  std::map<void*, std::size_t> capacity_;  // mapped size of every buffer handed out
  void* final_ = nullptr;
  std::size_t final_capacity_ = 0;
};

// Builds the whole file in memory (HDF5's core driver, no backing store) and
// returns its bytes. HDF5 1.10 cannot recover from an I/O error while closing a
// file (the half-closed file crashes the library at exit), so HDF5 never touches
// the disk; save_file does, with ordinary error handling.
// `memory` receives the finished file; returns its size.
std::size_t build_image(const std::string& name, const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates,
                        ImageMemory& memory) {
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
  const std::size_t increment = encoded_bytes + (std::size_t{256} << 10) + 2 * meta.scenario_text.size() + 128 * chunk_count;
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

void write_run(const std::string& path, const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates) {
  const QuietHdf5Errors quiet;
  try {
    validate(meta, replicates);
    ImageMemory memory;
    const std::size_t size = build_image(path, meta, replicates, memory);
    write_file_atomically(path, memory.image(), size);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot write output file '" + path + "': " + e.what());
  }
}

void check_writable(const std::string& path) {
  auto refuse = [&](const std::string& reason) {
    throw std::runtime_error("cannot write output file '" + path + "': " + reason);
  };
  std::error_code ec;
  // The final rename would fail on a directory; say so now rather than after the run.
  if (std::filesystem::is_directory(path, ec)) refuse(std::strerror(EISDIR));

  // Creating a file next to the target tests both that the directory exists and
  // that it is writable, as the temporary output file will need.
  const std::string probe = path + ".probe-" + std::to_string(::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) refuse(errno_message());
  ::close(fd);
  if (::unlink(probe.c_str()) != 0) refuse(errno_message());
}

}  // namespace migflow

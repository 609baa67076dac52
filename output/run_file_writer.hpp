// Writes a run (all its replicates) to one HDF5 file that is also valid netCDF-4.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "output/series.hpp"

namespace migflow {

// An attribute of a group: text, or a number.
struct Attribute {
  std::string name;
  std::variant<std::string, double> value;
};

// A variable of the root group besides the series: a fact per label, e.g. which
// destinations the EU governs, or which posterior draw each replicate ran with.
struct LabelledVariable {
  std::string name, units, long_name;
  std::vector<std::string> dims;  // root dimensions (replicate, or the core's), outermost first
  std::vector<double> values;     // row-major
  bool integer = false;           // stored as 32-bit integers
};

// Everything the file needs besides the series, gathered by the caller.
struct RunMetadata {
  std::string title;
  std::string scenario_file;
  std::string scenario_text;  // the resolved scenario YAML
  std::string version;        // migflow version
  std::uint64_t seed = 0;
  std::string engine;  // "event" or "stepped": the same process, different random numbers
  int step_months = 1;
  std::string start_date;          // "2005-01"
  std::vector<std::string> dates;  // "YYYY-MM" per step
  // "complete", or why the file holds less (e.g. "partial: interrupted after 40 of 120 steps").
  std::string run_status = "complete";
  // Each policy group's attributes besides `policy` (its name), by group name: e.g. the
  // module that made it and the parameters of its block.
  std::map<std::string, std::vector<Attribute>> policy_attributes;
  std::vector<LabelledVariable> variables;
};

// The root group's attributes and its replicate and time axes (replicate, time, step,
// date, replicate_seed) as the file holds them, in its order: the writer writes these,
// and the Python package builds its in-memory Datasets from the same (python/core.cpp).
struct RootAttribute {
  std::string name;
  std::variant<std::string, std::uint64_t, int> value;
};
std::vector<RootAttribute> root_attributes(const RunMetadata& meta);
struct AxisVariable {
  std::string name, dim;  // dim: "replicate" or "time"
  std::variant<std::vector<int>, std::vector<double>, std::vector<std::uint64_t>, std::vector<std::string>> values;
  std::vector<std::pair<std::string, std::string>> attributes;
};
std::vector<AxisVariable> root_axes(const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates);
// The long_name of `parameter_draw` (replicate, origin): the posterior draw each
// replicate's origin ran with (ReplicateSeries::parameter_draws), -1 for point values.
inline constexpr const char* kParameterDrawLongName =
    "posterior draw of the origin's parameters the replicate ran with (-1: point values)";
// The long_names of `model_discrepancy` (replicate, origin, kind) and
// `model_discrepancy_correlation` (replicate, origin): ReplicateSeries's.
inline constexpr const char* kModelDiscrepancyLongName =
    "model discrepancy of the replicate's posterior draw: sd of ln(observed / model) per kind of data (0: point "
    "values)";
inline constexpr const char* kModelDiscrepancyCorrelationLongName =
    "correlation between the years of one observed series' model discrepancies (the same kind of data and "
    "destination) in the replicate's posterior draw";

// Writes `path` atomically: to "<path>.tmp-<pid>" first, renamed when complete;
// on any error the temporary file is removed and OutputError is thrown.
void write_run(const std::string& path, const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates);

// The checks write_run makes of names, labels and shapes, without writing: a run calls
// it before its first step with its series declared and no rows. Throws std::runtime_error.
void check_run_layout(const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates);

// The bytes `write_run` would write, without a file (the Python module hands them to
// xarray, so a run in memory has the file's names, coordinates and attributes).
std::string run_file_image(const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates);

// Checks early (before a long run) that `path` can be created and names none of the
// command's `inputs` (files it reads: writing would replace them); throws OutputError
// (output/atomic_file.hpp) with the reason.
void check_writable(const std::string& path, const std::vector<std::string>& inputs = {});

// Whether two paths name the same file (the same inode when both exist, else the same
// absolute path once `.`, `..` and symbolic links are resolved).
bool same_file(const std::string& a, const std::string& b);

}  // namespace migflow

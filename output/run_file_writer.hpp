// Writes a run (all its replicates) to one HDF5 file that is also valid netCDF-4.
#pragma once
#include <cstdint>
#include <map>
#include <string>
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

// Writes `path` atomically: to "<path>.tmp-<pid>" first, renamed when complete;
// on any error the temporary file is removed and std::runtime_error is thrown.
void write_run(const std::string& path, const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates);

// The checks write_run makes of names, labels and shapes, without writing: a run calls
// it before its first step with its series declared and no rows. Throws std::runtime_error.
void check_run_layout(const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates);

// The bytes `write_run` would write, without a file (the Python module hands them to
// xarray, so a run in memory has the file's names, coordinates and attributes).
std::string run_file_image(const RunMetadata& meta, const std::vector<ReplicateSeries>& replicates);

// Checks early (before a long run) that `path` can be created; throws with the reason.
void check_writable(const std::string& path);

}  // namespace migflow

// Scenario files: YAML (with `extends:`) plus the CSV tables they reference, read into
// a validated Scenario. Every error is an InputError naming file, line and field.
#pragma once
#include <string>

#include "model/scenario.hpp"
#include "scenarios/tree.hpp"

namespace migflow {

// Reads `path`, follows `extends:` (paths relative to the file that names them),
// reads referenced CSV files, validates everything. Throws InputError.
Scenario load_scenario(const std::string& path);

// The same from an already-merged tree (tests use it with in-memory YAML).
Scenario build_scenario(const TreePtr& merged, const std::string& file);

// A month "YYYY-MM" under `key` (required, or `fallback` when absent).
YearMonth read_month(MapReader& r, const std::string& key, const YearMonth& fallback, bool required);

// Resolves `extends:` recursively; returns the merged tree.
TreePtr load_merged_tree(const std::string& path);

}  // namespace migflow

// The scenarios and data tables that come with migflow, wherever it runs from: the
// folder named by $MIGFLOW_DATA_DIR; else <prefix>/share/migflow beside an installed
// binary (`cmake --install`); else <build>/share/migflow, which CMake links to the
// source tree's scenarios/ for a binary run from its build folder.
#pragma once
#include <string>

namespace migflow {

// For a program that embeds migflow (the Python module, whose process is python3): where
// its bundled data is, tried after $MIGFLOW_DATA_DIR and before the binary's folder.
void set_embedding_data_dir(const std::string& dir);

// The folder holding scenarios/; throws std::runtime_error saying where it looked.
std::string bundled_data_dir();

// The bundled scenarios' folder (<data>/scenarios), which the loader is handed for
// `extends:` by name (loader/extends.hpp); empty when there is no bundled data.
std::string bundled_scenarios_dir();

// A scenario named on the command line or in Python: the file, when it exists; else a
// bundled one, by its path under scenarios/ with or without ".yaml" (`default`,
// `moldova/security_heavy`). Empty when there is neither.
std::string find_scenario(const std::string& name);

}  // namespace migflow

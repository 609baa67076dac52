// `extends:`: a scenario file names the files it builds on; their trees are merged
// (loader/yaml_tree.hpp, merge_trees) with the file's own fields on top.
#pragma once
#include <string>

#include "loader/yaml_tree.hpp"

namespace migflow {

// Reads `path` and, recursively, the files it extends (paths relative to the file that
// names them). Throws InputError on a missing file or a circular chain.
TreePtr load_merged_tree(const std::string& path);

// A document parsed from text (e.g. a scenario given as a Python dict), with the files
// it extends merged under it; their paths are relative to the document's `file`'s
// folder (the current folder for a name like "<dict>").
TreePtr merge_extends(const TreePtr& doc);

// A path named in a scenario file, relative to that file's folder.
std::string resolve_path(const Tree& node, const std::string& field);

}  // namespace migflow

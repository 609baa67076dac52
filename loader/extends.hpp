// `extends:`: a scenario file names the files it builds on; their trees are merged
// (loader/yaml_tree.hpp, merge_trees) with the file's own fields on top.
//
// A base is a path relative to the file that names it, or, when no such file exists, the
// name of a scenario in a library folder (`moldova/baseline` for
// <library>/moldova/baseline.yaml). The loader does not know where migflow's bundled
// scenarios are: whoever loads (session/) passes their folder as `library`; empty:
// paths only.
#pragma once
#include <string>

#include "loader/yaml_tree.hpp"

namespace migflow {

// Reads `path` and, recursively, the files it extends. Throws InputError on a missing
// file or a circular chain.
TreePtr load_merged_tree(const std::string& path, const std::string& library = "");

// A document parsed from text (e.g. a scenario given as a Python dict), with the files
// it extends merged under it; their paths are relative to the document's `file`'s
// folder (the current folder for a name like "<dict>").
TreePtr merge_extends(const TreePtr& doc, const std::string& library = "");

// The file a scenario named `name` in `library` is: <library>/<name> or
// <library>/<name>.yaml; empty when neither is a file (or `library` is empty).
std::string library_scenario(const std::string& library, const std::string& name);

// A path named in a scenario file, relative to that file's folder.
std::string resolve_path(const Tree& node, const std::string& field);

}  // namespace migflow

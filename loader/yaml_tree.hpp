// A YAML document as a tree that remembers where every value came from, so that
// any error, even after `extends:` merged several files, names file, line and field.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "model/input_error.hpp"

namespace migflow {

class Tree;
using TreePtr = std::shared_ptr<const Tree>;

class Tree {
 public:
  enum class Kind { Null, Scalar, Map, List };
  Kind kind = Kind::Null;
  std::string scalar;
  std::vector<std::pair<std::string, TreePtr>> entries;  // maps keep file order
  std::vector<TreePtr> items;
  SourceLocation where;

  const Tree* find(const std::string& key) const;
  bool is_map() const { return kind == Kind::Map; }
  bool is_list() const { return kind == Kind::List; }
  bool is_scalar() const { return kind == Kind::Scalar; }
};

// Parses one YAML file (no `extends:` processing). Throws InputError.
TreePtr parse_yaml_file(const std::string& path);
TreePtr parse_yaml_text(const std::string& text, const std::string& name);

// Overlays `over` on `base`: maps merge key by key; lists whose items are maps
// identified by `id`, `name`, `from`+`to`, `origin`+`destination` or `origin` merge item
// by item; anything else is replaced. A null value (`key: ~`) removes the inherited key.
TreePtr merge_trees(const TreePtr& base, const TreePtr& over);

// The identity of a list item for merging, or "" when the item has none.
std::string item_key(const Tree& item);

// Every leaf of the tree as (path, value on one line), in file order: maps by key
// ("model.logit_size"), lists of keyed maps by item ("policies[id=quota].per_year"),
// other lists whole. Two scenarios' settings are compared this way.
std::vector<std::pair<std::string, std::string>> flatten_tree(const Tree& tree);

// The tree as YAML text (block style), e.g. to store the resolved scenario in output.
std::string to_yaml(const Tree& tree);
// The tree on one line (flow style, e.g. "[{partner: MDA, execution: 0.6}]"); a scalar as written.
std::string to_flow_yaml(const Tree& tree);

}  // namespace migflow

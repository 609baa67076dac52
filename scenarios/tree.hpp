// A YAML document as a tree that remembers where every value came from, so that
// any error, even after `extends:` merged several files, names file, line and field.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <set>
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

// Typed, validated access to one map of the tree. Every key read is remembered;
// finish() rejects the keys nobody asked for, listing the known ones.
class MapReader {
 public:
  MapReader(const Tree& map, std::string path);
  ~MapReader() = default;

  bool has(const std::string& key) const;
  const Tree* child(const std::string& key);
  const Tree& required_child(const std::string& key);

  double number(const std::string& key, double fallback);
  double required_number(const std::string& key);
  // Number checked to lie in [lo, hi].
  double number_in(const std::string& key, double fallback, double lo, double hi);
  double probability(const std::string& key, double fallback) { return number_in(key, fallback, 0.0, 1.0); }
  long long integer(const std::string& key, long long fallback, long long lo, long long hi);
  std::string string(const std::string& key, const std::string& fallback);
  std::string required_string(const std::string& key);
  bool boolean(const std::string& key, bool fallback);
  // One of `choices`; returns its index.
  int choice(const std::string& key, int fallback, const std::vector<std::string>& choices);

  std::string field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const std::string& path() const { return path_; }
  const Tree& tree() const { return map_; }
  void finish() const;

 private:
  const Tree& map_;
  std::string path_;
  std::set<std::string> known_;
};

// Conversions of a scalar with errors that name the field.
double scalar_number(const Tree& node, const std::string& field);
long long scalar_integer(const Tree& node, const std::string& field);
std::string scalar_string(const Tree& node, const std::string& field);
[[noreturn]] void fail(const Tree& node, const std::string& field, const std::string& message);

}  // namespace migflow

namespace migflow {
// The tree as YAML text (block style), e.g. to store the resolved scenario in output.
std::string to_yaml(const Tree& tree);
}  // namespace migflow

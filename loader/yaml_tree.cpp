#include "loader/yaml_tree.hpp"

#include "loader/input_file.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace migflow {

const Tree* Tree::find(const std::string& key) const {
  for (const auto& [k, v] : entries)
    if (k == key) return v.get();
  return nullptr;
}

namespace {

// YAML aliases make a document a graph: an alias to its own anchor never ends, and
// nested aliases can expand a few hundred bytes into billions of values. The copy
// into a Tree therefore has limits. Without aliases every value takes at least one
// byte of text, so a document may expand to as many values as it has bytes (a
// posterior of 100,000 draws that `calibrate --write` writes has about 3 million),
// and to at least a million.
struct Budget {
  explicit Budget(std::size_t text_bytes) : max_values(std::max<std::size_t>(1'000'000, text_bytes)) {}
  int depth = 0;
  std::size_t values = 0;
  std::size_t max_values;
  static constexpr int kMaxDepth = 64;
};

// Text must be UTF-8: the output stores it so, and readers (xarray) refuse anything else.
void require_utf8(const std::string& text, const SourceLocation& where, const std::string& field) {
  if (const std::size_t at = invalid_utf8_at(text); at != std::string::npos)
    throw InputError(where, field, "invalid UTF-8 (byte " + std::to_string(at + 1) + " of the value)");
}

TreePtr convert(const YAML::Node& node, const std::string& file, const std::string& field, Budget& budget) {
  auto out = std::make_shared<Tree>();
  const YAML::Mark mark = node.Mark();
  out->where = {file, mark.line >= 0 ? mark.line + 1 : 0, mark.column >= 0 ? mark.column + 1 : 0};
  if (++budget.values > budget.max_values)
    throw InputError(out->where, "",
                     "the document expands to more than " + std::to_string(budget.max_values) +
                         " values, more than its bytes (nested aliases?)");
  if (budget.depth >= Budget::kMaxDepth)
    throw InputError(out->where, "", "nested more than 64 levels deep (an alias that contains itself?)");
  ++budget.depth;
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      out->kind = Tree::Kind::Scalar;
      out->scalar = node.Scalar();
      require_utf8(out->scalar, out->where, field);
      break;
    case YAML::NodeType::Sequence:
      out->kind = Tree::Kind::List;
      for (const auto& item : node)
        out->items.push_back(convert(item, file, field + "[" + std::to_string(out->items.size()) + "]", budget));
      break;
    case YAML::NodeType::Map:
      out->kind = Tree::Kind::Map;
      for (const auto& kv : node) {
        const std::string key = kv.first.Scalar();
        const YAML::Mark km = kv.first.Mark();
        const std::string at = field.empty() ? key : field + "." + key;
        require_utf8(key, {file, km.line + 1, km.column + 1}, at);
        for (const auto& [k, _] : out->entries)
          if (k == key) throw InputError({file, km.line + 1, km.column + 1}, at, "duplicate key");
        out->entries.emplace_back(key, convert(kv.second, file, at, budget));
      }
      break;
    default: out->kind = Tree::Kind::Null;
  }
  --budget.depth;
  return out;
}

TreePtr parse(const std::string& text, const std::string& name) {
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsDefined() || root.IsNull()) {
      auto empty = std::make_shared<Tree>();
      empty->kind = Tree::Kind::Map;
      empty->where = {name, 1, 1};
      return empty;
    }
    Budget budget(text.size());
    return convert(root, name, "", budget);
  } catch (const YAML::Exception& e) {
    throw InputError({name, e.mark.line + 1, e.mark.column + 1}, "", "malformed YAML: " + e.msg);
  }
}

}  // namespace

std::string item_key(const Tree& item) {
  if (!item.is_map()) return "";
  for (const char* k : {"id", "name"})
    if (const Tree* v = item.find(k); v && v->is_scalar()) return std::string(k) + "=" + v->scalar;
  // Edges by endpoints, diaspora by pair, populations by origin.
  for (const auto& [a, b] : {std::pair{"from", "to"}, std::pair{"origin", "destination"}}) {
    const Tree* x = item.find(a);
    const Tree* y = item.find(b);
    if (x && y && x->is_scalar() && y->is_scalar()) return x->scalar + "->" + y->scalar;
  }
  if (const Tree* o = item.find("origin"); o && o->is_scalar()) return "origin=" + o->scalar;
  return "";
}

namespace {

void flatten_into(const Tree& t, const std::string& path, std::vector<std::pair<std::string, std::string>>& out) {
  if (t.is_map()) {
    for (const auto& [key, value] : t.entries) flatten_into(*value, path.empty() ? key : path + "." + key, out);
    return;
  }
  // Lists of keyed maps (nodes, edges, policies, ...) item by item, by their merge key.
  const bool keyed =
      t.is_list() && !t.items.empty() &&
      std::all_of(t.items.begin(), t.items.end(), [](const TreePtr& i) { return !item_key(*i).empty(); });
  if (keyed) {
    for (const TreePtr& item : t.items) flatten_into(*item, path + "[" + item_key(*item) + "]", out);
    return;
  }
  out.emplace_back(path, to_flow_yaml(t));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> flatten_tree(const Tree& tree) {
  std::vector<std::pair<std::string, std::string>> out;
  flatten_into(tree, "", out);
  return out;
}

TreePtr parse_yaml_file(const std::string& path) { return parse(read_input_file(path, {path, 0, 0}, ""), path); }

TreePtr parse_yaml_text(const std::string& text, const std::string& name) { return parse(text, name); }

TreePtr merge_trees(const TreePtr& base, const TreePtr& over) {
  if (!base) return over;
  if (!over) return base;
  if (base->is_map() && over->is_map()) {
    auto out = std::make_shared<Tree>(*base);
    out->where = over->where;
    for (const auto& [key, value] : over->entries) {
      auto it = std::find_if(out->entries.begin(), out->entries.end(), [&](const auto& e) { return e.first == key; });
      if (value->kind == Tree::Kind::Null) {  // `key: ~` removes an inherited field
        if (it != out->entries.end()) out->entries.erase(it);
        continue;
      }
      if (it == out->entries.end())
        out->entries.emplace_back(key, value);
      else
        it->second = merge_trees(it->second, value);
    }
    return out;
  }
  if (base->is_list() && over->is_list()) {
    bool keyed = !over->items.empty();
    for (const auto& item : over->items) keyed = keyed && !item_key(*item).empty();
    for (const auto& item : base->items) keyed = keyed && !item_key(*item).empty();
    if (!keyed) return over;
    auto out = std::make_shared<Tree>(*base);
    out->where = over->where;
    for (const auto& item : over->items) {
      const std::string key = item_key(*item);
      auto it =
          std::find_if(out->items.begin(), out->items.end(), [&](const TreePtr& b) { return item_key(*b) == key; });
      if (it == out->items.end())
        out->items.push_back(item);
      else
        *it = merge_trees(*it, item);
    }
    return out;
  }
  return over;
}

static void emit(YAML::Emitter& out, const Tree& t) {
  switch (t.kind) {
    case Tree::Kind::Null: out << YAML::Null; break;
    case Tree::Kind::Scalar: out << t.scalar; break;
    case Tree::Kind::List:
      out << YAML::BeginSeq;
      for (const auto& item : t.items) emit(out, *item);
      out << YAML::EndSeq;
      break;
    case Tree::Kind::Map:
      out << YAML::BeginMap;
      for (const auto& [k, v] : t.entries) {
        out << YAML::Key << k << YAML::Value;
        emit(out, *v);
      }
      out << YAML::EndMap;
      break;
  }
}

std::string to_yaml(const Tree& tree) {
  YAML::Emitter out;
  emit(out, tree);
  return std::string(out.c_str()) + "\n";
}

std::string to_flow_yaml(const Tree& tree) {
  if (tree.is_scalar()) return tree.scalar;
  YAML::Emitter out;
  out << YAML::Flow;
  emit(out, tree);
  return out.c_str();
}

}  // namespace migflow

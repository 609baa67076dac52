#include "loader/overrides.hpp"

#include <algorithm>

#include "loader/scenario_fields.hpp"
#include "model/model_params.hpp"

namespace migflow {

namespace {

namespace f = fields;

TreePtr map_of(const std::string& key, const TreePtr& value, const SourceLocation& where) {
  auto map = std::make_shared<Tree>();
  map->kind = Tree::Kind::Map;
  map->where = where;
  map->entries.emplace_back(key, value);
  return map;
}

// `map` with `key` set to `value` (added when absent).
TreePtr with_entry(const TreePtr& map, const std::string& key, const TreePtr& value) {
  auto out = std::make_shared<Tree>(*map);
  const auto it = std::find_if(out->entries.begin(), out->entries.end(), [&](const auto& e) { return e.first == key; });
  if (it == out->entries.end())
    out->entries.emplace_back(key, value);
  else
    it->second = value;
  return out;
}

TreePtr without_entry(const TreePtr& map, const std::string& key) {
  auto out = std::make_shared<Tree>(*map);
  std::erase_if(out->entries, [&](const auto& e) { return e.first == key; });
  return out;
}

// An origin's `population:` entry with `name` no longer in its posterior sample (its
// column of every draw removed; the whole sample when nothing else is left). A sample
// not laid out as the loader reads it is left for the loader to refuse.
TreePtr unpinned(const TreePtr& origin, const std::string& name) {
  const Tree* sample = origin->find(std::string(f::population::sample.key));
  if (!sample || !sample->is_map()) return origin;
  const Tree* names = sample->find(std::string(f::posterior::parameters.key));
  const Tree* draws = sample->find(std::string(f::posterior::draws.key));
  if (!names || !names->is_list() || !draws || !draws->is_list()) return origin;
  const auto at = std::find_if(names->items.begin(), names->items.end(),
                               [&](const TreePtr& n) { return n->is_scalar() && n->scalar == name; });
  if (at == names->items.end()) return origin;
  const auto column = at - names->items.begin();
  if (names->items.size() == 1) return without_entry(origin, std::string(f::population::sample.key));
  auto kept_names = std::make_shared<Tree>(*names);
  kept_names->items.erase(kept_names->items.begin() + column);
  auto kept_draws = std::make_shared<Tree>(*draws);
  for (TreePtr& row : kept_draws->items) {
    if (!row->is_list() || row->items.size() != names->items.size()) return origin;
    auto kept = std::make_shared<Tree>(*row);
    kept->items.erase(kept->items.begin() + column);
    row = kept;
  }
  TreePtr out_sample =
      with_entry(std::make_shared<Tree>(*sample), std::string(f::posterior::parameters.key), kept_names);
  out_sample = with_entry(out_sample, std::string(f::posterior::draws.key), kept_draws);
  return with_entry(origin, std::string(f::population::sample.key), out_sample);
}

// The per-origin model parameters a `model:` map of the overrides sets (not removes).
std::vector<std::pair<std::string, TreePtr>> pinned_in(const Tree* model) {
  std::vector<std::pair<std::string, TreePtr>> out;
  if (!model || !model->is_map()) return out;
  for (const auto& [key, value] : model->entries)
    if (const ParamSpec* spec = find_model_param(key); spec && spec->per_origin && value->kind != Tree::Kind::Null)
      out.emplace_back(key, value);
  return out;
}

}  // namespace

TreePtr overrides_tree(const std::vector<std::string>& items, const std::string& source) {
  TreePtr out;
  for (const std::string& item : items) {
    const std::size_t eq = item.find('=');
    const std::string key = item.substr(0, eq);
    const SourceLocation where{source, 0, 0};
    if (eq == std::string::npos || key.empty() || key.front() == '.' || key.back() == '.' ||
        key.find("..") != std::string::npos)
      throw InputError(where, "", "'" + item + "' is not KEY=VALUE (KEY a field, e.g. model.emigration_rate)");
    // The value's own errors name the item: "--set model.x:1:1: field 'model.x': ...".
    TreePtr value = parse_yaml_text(item.substr(eq + 1), source + " " + key);
    for (std::size_t end = key.size(); end != std::string::npos;) {
      const std::size_t dot = key.rfind('.', end - 1);
      const std::size_t begin = dot == std::string::npos ? 0 : dot + 1;
      value = map_of(key.substr(begin, end - begin), value, where);
      end = dot;
    }
    out = merge_trees(out, value);
  }
  return out;
}

TreePtr apply_overrides(const TreePtr& scenario, const TreePtr& overrides) {
  if (!overrides) return scenario;
  TreePtr merged = merge_trees(scenario, overrides);
  const Tree* population = merged->is_map() ? merged->find(std::string(f::top::population.key)) : nullptr;
  if (!population || !population->is_list()) return merged;
  const std::string model_key(f::population::model.key);
  // For every origin: the top-level model's per-origin values; for one: its own entry's.
  const auto for_all = pinned_in(overrides->find(std::string(f::top::model.key)));
  const Tree* own = overrides->find(std::string(f::top::population.key));
  auto pinned = std::make_shared<Tree>(*population);
  for (TreePtr& entry : pinned->items) {
    if (!entry->is_map()) continue;
    for (const auto& [name, value] : for_all) {
      const Tree* model = entry->find(model_key);
      const TreePtr origin_model = model && model->is_map() ? with_entry(std::make_shared<Tree>(*model), name, value)
                                                            : map_of(name, value, value->where);
      entry = with_entry(entry, model_key, origin_model);
      entry = unpinned(entry, name);
    }
    if (!own || !own->is_list()) continue;
    for (const TreePtr& given : own->items)
      if (given->is_map() && !item_key(*given).empty() && item_key(*given) == item_key(*entry))
        for (const auto& [name, value] : pinned_in(given->find(model_key))) entry = unpinned(entry, name);
  }
  return with_entry(merged, std::string(f::top::population.key), pinned);
}

}  // namespace migflow

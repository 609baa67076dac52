#include "loader/extends.hpp"

#include <filesystem>

#include "loader/map_reader.hpp"

namespace migflow {

namespace fs = std::filesystem;

std::string resolve_path(const Tree& node, const std::string& field) {
  const std::string rel = scalar_string(node, field);
  fs::path p(rel);
  if (p.is_relative()) p = fs::path(node.where.file).parent_path() / p;
  return p.lexically_normal().string();
}

namespace {

TreePtr load_merged(const std::string& path, std::vector<std::string>& chain);

// `doc` with the files it extends merged under it; `extends` itself is consumed here.
TreePtr merge_extended(const TreePtr& doc, std::vector<std::string>& chain) {
  if (!doc->is_map()) fail(*doc, "", "a scenario must be a mapping of fields");
  const Tree* ext = doc->find("extends");
  TreePtr merged;
  if (ext) {
    std::vector<const Tree*> bases;
    if (ext->is_list())
      for (const auto& item : ext->items) bases.push_back(item.get());
    else
      bases.push_back(ext);
    for (const Tree* b : bases) {
      const std::string base_path = resolve_path(*b, "extends");
      std::error_code ec;
      if (!fs::is_regular_file(base_path, ec)) fail(*b, "extends", "file not found: " + base_path);
      merged = merge_trees(merged, load_merged(base_path, chain));
    }
  }
  // The file's own fields override its bases.
  auto own = std::make_shared<Tree>(*doc);
  std::erase_if(own->entries, [](const auto& e) { return e.first == "extends"; });
  return merge_trees(merged, own);
}

TreePtr load_merged(const std::string& path, std::vector<std::string>& chain) {
  // error_code forms throughout: a bad path is an input error, never an exception escaping.
  std::error_code ec;
  for (const auto& seen : chain)
    if (fs::weakly_canonical(seen, ec) == fs::weakly_canonical(path, ec))
      throw InputError({path, 0, 0}, "extends", "circular extends chain");
  chain.push_back(path);
  TreePtr merged = merge_extended(parse_yaml_file(path), chain);
  chain.pop_back();
  return merged;
}

}  // namespace

TreePtr load_merged_tree(const std::string& path) {
  std::vector<std::string> chain;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw InputError({path, 0, 0}, "", "scenario file not found");
  return load_merged(path, chain);
}

TreePtr merge_extends(const TreePtr& doc) {
  std::vector<std::string> chain;
  return merge_extended(doc, chain);
}

}  // namespace migflow

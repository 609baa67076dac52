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

std::string library_scenario(const std::string& library, const std::string& name) {
  std::error_code ec;
  if (library.empty() || name.empty() || fs::path(name).is_absolute()) return "";
  for (const fs::path& candidate : {fs::path(library) / name, fs::path(library) / (name + ".yaml")})
    if (fs::is_regular_file(candidate, ec)) return candidate.lexically_normal().string();
  return "";
}

namespace {

// Where a scenario is read, and the bases it has named on the way (for circular chains).
struct Chain {
  std::string library;
  std::vector<std::string> files;
};

TreePtr load_merged(const std::string& path, Chain& chain);

// `doc` with the files it extends merged under it; `extends` itself is consumed here.
TreePtr merge_extended(const TreePtr& doc, Chain& chain) {
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
      std::string base_path = resolve_path(*b, "extends");
      std::error_code ec;
      if (!fs::is_regular_file(base_path, ec)) {
        // Not a file beside this one: a scenario of the library, by name.
        const std::string named = library_scenario(chain.library, b->scalar);
        if (named.empty())
          fail(*b, "extends",
               "file not found: " + base_path +
                   (chain.library.empty() ? "" : " (nor a bundled scenario '" + b->scalar + "')"));
        base_path = named;
      }
      merged = merge_trees(merged, load_merged(base_path, chain));
    }
  }
  // The file's own fields override its bases.
  auto own = std::make_shared<Tree>(*doc);
  std::erase_if(own->entries, [](const auto& e) { return e.first == "extends"; });
  return merge_trees(merged, own);
}

TreePtr load_merged(const std::string& path, Chain& chain) {
  // error_code forms throughout: a bad path is an input error, never an exception escaping.
  std::error_code ec;
  for (const auto& seen : chain.files)
    if (fs::weakly_canonical(seen, ec) == fs::weakly_canonical(path, ec))
      throw InputError({path, 0, 0}, "extends", "circular extends chain");
  chain.files.push_back(path);
  TreePtr merged = merge_extended(parse_yaml_file(path), chain);
  chain.files.pop_back();
  return merged;
}

}  // namespace

TreePtr load_merged_tree(const std::string& path, const std::string& library) {
  Chain chain{library, {}};
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw InputError({path, 0, 0}, "", "scenario file not found");
  return load_merged(path, chain);
}

TreePtr merge_extends(const TreePtr& doc, const std::string& library) {
  Chain chain{library, {}};
  return merge_extended(doc, chain);
}

}  // namespace migflow

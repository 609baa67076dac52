#include "session/bundled_data.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "loader/extends.hpp"

namespace migflow {

namespace fs = std::filesystem;

namespace {
std::string& embedding_data_dir() {
  static std::string dir;
  return dir;
}
}  // namespace

void set_embedding_data_dir(const std::string& dir) { embedding_data_dir() = dir; }

std::string bundled_data_dir() {
  std::vector<fs::path> candidates;
  if (const char* dir = std::getenv("MIGFLOW_DATA_DIR"); dir && *dir) candidates.emplace_back(dir);
  if (!embedding_data_dir().empty()) candidates.emplace_back(embedding_data_dir());
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    // MIGFLOW_DATA_FROM_BIN: the data folder relative to the installed binary's folder.
    candidates.push_back(exe.parent_path() / MIGFLOW_DATA_FROM_BIN);
    candidates.push_back(exe.parent_path() / "share" / "migflow");
  }
  std::string tried;
  for (const fs::path& dir : candidates) {
    if (fs::is_regular_file(dir / "scenarios" / "default.yaml", ec)) return dir.lexically_normal().string();
    tried += (tried.empty() ? "" : ", ") + dir.lexically_normal().string();
  }
  throw std::runtime_error("the bundled scenarios are not in " + tried +
                           " (set MIGFLOW_DATA_DIR to the folder holding scenarios/)");
}

std::string bundled_scenarios_dir() {
  try {
    return (fs::path(bundled_data_dir()) / "scenarios").string();
  } catch (const std::runtime_error&) {
    return "";
  }
}

std::string find_scenario(const std::string& name) {
  std::error_code ec;
  if (fs::is_regular_file(name, ec)) return name;
  return library_scenario(bundled_scenarios_dir(), name);
}

}  // namespace migflow

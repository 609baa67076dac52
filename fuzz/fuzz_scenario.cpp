// libFuzzer target: the input is a scenario file, fed to the real loader and World.
//
// Input layout: YAML text, optionally followed by a line that is exactly
//     #--csv--
// after which everything is the content of a CSV file `table.csv` written next to the
// scenario (so the YAML can say `attributes_csv: table.csv` or `diaspora_csv: table.csv`,
// or even `extends: table.csv`). The YAML is also written as `scenario.yaml` in the same
// per-process temporary folder, so `extends: scenario.yaml` (a cycle) is reachable too.
//
// migflow::InputError is the expected outcome for bad input. Anything else -- another
// exception escaping, a crash, a sanitizer report, a hang -- is a finding.
//
// Inputs whose text holds '/' or '\' (which could name, or escape into, a path outside
// the temporary folder, e.g. `extends: /dev/zero`) are only parsed, never loaded from
// disk: the harness must not read arbitrary files of the machine.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "fuzz/fuzz_support.hpp"
#include "loader/map_reader.hpp"
#include "loader/scenario_loader.hpp"
#include "policies/registry.hpp"
#include "sim/world.hpp"

namespace {

constexpr std::string_view kCsvMarker = "\n#--csv--\n";

std::filesystem::path g_dir;

// InputError is a normal outcome (returns false); anything else is a finding.
template <class F>
bool run(const char* stage, F&& f) {
  return migflow::fuzz::refuses_or_runs<migflow::InputError>(stage, std::forward<F>(f));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_dir = migflow::fuzz::make_temp_dir("fuzz");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view yaml = input, csv;
  bool has_csv = false;
  if (const size_t at = input.find(kCsvMarker); at != std::string_view::npos) {
    yaml = input.substr(0, at + 1);
    csv = input.substr(at + kCsvMarker.size());
    has_csv = true;
  }
  const std::filesystem::path yaml_path = g_dir / "scenario.yaml";
  const std::filesystem::path csv_path = g_dir / "table.csv";

  // 1. The text alone, as tests do with in-memory YAML.
  migflow::TreePtr tree;
  if (!run("parse_yaml_text", [&] { tree = migflow::parse_yaml_text(std::string(yaml), yaml_path.string()); }))
    return 0;
  run("merge_trees/to_yaml", [&] { (void)migflow::to_yaml(*migflow::merge_trees(tree, tree)); });

  if (input.find_first_of("/\\") != std::string_view::npos) return 0;  // see the header

  // 2. From the file, with `extends:` and CSV tables, then the World (route planning).
  migflow::fuzz::write_file(yaml_path, yaml);
  if (has_csv)
    migflow::fuzz::write_file(csv_path, csv);
  else
    std::filesystem::remove(csv_path);
  if (!tree->find("extends"))
    run("build_scenario",
        [&] { (void)migflow::build_scenario(tree, yaml_path.string(), migflow::builtin_policies()); });
  std::shared_ptr<const migflow::Scenario> sc;
  if (!run("load_scenario", [&] {
        sc = std::make_shared<const migflow::Scenario>(
            migflow::load_scenario(yaml_path.string(), migflow::builtin_policies()));
      }))
    return 0;
  run("World", [&] { migflow::World world(sc); });
  return 0;
}

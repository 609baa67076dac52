// Helpers shared by the tests: scenarios from text, worlds, temporary files.
#pragma once
#include <memory>
#include <string>

#include "loader/scenario_loader.hpp"
#include "output/run_file_writer.hpp"
#include "policies/registry.hpp"
#include "sim/world.hpp"

namespace migflow::testing {

std::string data_path(const std::string& name);  // tests/data/<name>
std::string read_text(const std::string& path);
// A fresh, empty temporary directory, removed at process exit.
std::string temp_dir();
std::string write_temp(const std::string& name, const std::string& text);
// The small test world with `yaml_overrides` merged over it (as a scenario extending it).
std::shared_ptr<Scenario> small_scenario(const std::string& yaml_overrides = "");
std::shared_ptr<const World> world_of(std::shared_ptr<Scenario> sc);
// The message of the InputError that small_scenario(yaml_overrides) throws, or "no error".
std::string error_of(const std::string& yaml_overrides);
// Runs the small world with `yaml_overrides` for `replicates` replicates and writes
// the output file (path in a fresh temporary folder).
struct WrittenRun {
  std::shared_ptr<const World> world;
  std::vector<ReplicateSeries> replicates;
  std::string path;
};
WrittenRun run_and_write(const std::string& yaml_overrides, int replicates);
// Runs a command; returns the exit code and captures stderr+stdout.
int run_command(const std::string& command, std::string* output = nullptr);

}  // namespace migflow::testing

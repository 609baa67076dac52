#include "test_support.hpp"

#include "ensemble/ensemble.hpp"
#include "ensemble/run_metadata.hpp"

#include <unistd.h>

#include <sys/wait.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace migflow::testing {

namespace fs = std::filesystem;

std::string data_path(const std::string& name) { return std::string(MIGFLOW_TEST_DATA) + "/" + name; }

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {
struct TempRoot {
  fs::path path;
  TempRoot() {
    path = fs::temp_directory_path() / ("migflow-test-" + std::to_string(getpid()));
    fs::create_directories(path);
  }
  ~TempRoot() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};
TempRoot& root() {
  static TempRoot r;
  return r;
}
}  // namespace

std::string temp_dir() {
  static int counter = 0;
  std::string name = "d";  // appended, not "d" + ...: GCC 12 warns (-Wrestrict) on that falsely
  name += std::to_string(++counter);
  const fs::path p = root().path / name;
  fs::create_directories(p);
  return p.string();
}

std::string write_temp(const std::string& name, const std::string& text) {
  const fs::path p = fs::path(temp_dir()) / name;
  std::ofstream(p) << text;
  return p.string();
}

std::shared_ptr<Scenario> small_scenario(const std::string& yaml_overrides) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/scenario.yaml";
  std::ofstream(path) << "extends: " << data_path("small.yaml") << "\n" << yaml_overrides << "\n";
  return std::make_shared<Scenario>(load_scenario(path, builtin_policies()));
}

std::shared_ptr<const World> world_of(std::shared_ptr<Scenario> sc) { return std::make_shared<const World>(sc); }

std::string error_of(const std::string& yaml_overrides) {
  try {
    small_scenario(yaml_overrides);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

WrittenRun run_and_write(const std::string& yaml_overrides, int replicates) {
  WrittenRun run;
  run.world = world_of(small_scenario(yaml_overrides));
  EnsembleOptions options;
  options.replicates = replicates;
  run.replicates = run_ensemble(run.world, options).replicates;
  run.path = temp_dir() + "/run.h5";
  write_run(run.path, run_metadata(run.world->scenario()), run.replicates);
  return run;
}

int run_command(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  std::string text;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) text.append(buf, n);
  const int status = pclose(pipe);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace migflow::testing

#include "session/session.hpp"

#include <filesystem>

#include "ensemble/memory_estimate.hpp"
#include "loader/extends.hpp"
#include "loader/overrides.hpp"
#include "loader/scenario_loader.hpp"
#include "output/atomic_file.hpp"
#include "output/run_file_writer.hpp"
#include "session/bundled_data.hpp"

namespace migflow {

ThreadLimit::ThreadLimit(int threads) {
  if (threads > 0) limit_.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
}

int ThreadLimit::current() {
  return static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
}

std::string resolve_scenario(const std::string& name) {
  const std::string found = find_scenario(name);
  return found.empty() ? name : found;
}

std::shared_ptr<Scenario> load_requested(const ScenarioRequest& request, const PolicyCatalog& policies) {
  return as_failure(Failure::BadInput, [&] {
    const std::string library = bundled_scenarios_dir();
    const bool text = !request.scenario_yaml.empty();
    const std::string path = text ? "" : resolve_scenario(request.scenario);
    TreePtr tree = text ? merge_extends(parse_yaml_text(request.scenario_yaml, request.scenario_yaml_name), library)
                        : load_merged_tree(path, library);
    if (!request.set.empty()) {
      // The overrides may extend a scenario too (`extends:` in a dict's fields).
      const TreePtr given = merge_extends(overrides_tree(request.set, "--set"), library);
      tree = apply_overrides(tree, given);
    }
    auto sc = std::make_shared<Scenario>(build_scenario(tree, text ? request.scenario_yaml_name : path, policies));
    if (!request.scenario_named.empty()) sc->file = request.scenario_named;  // a resumed command's, as first given
    return sc;
  });
}

Scenario load_named(const std::string& name, const PolicyCatalog& policies) {
  return as_failure(Failure::BadInput,
                    [&] { return load_scenario(resolve_scenario(name), policies, bundled_scenarios_dir()); });
}

void refuse_unless_fits(const World& world, int concurrent, int ranks) {
  const std::string refusal = memory_refusal(world, concurrent, ranks);
  if (!refusal.empty()) throw SessionError(Failure::BadInput, refusal);
}

std::vector<std::string> scenario_files(const std::vector<std::string>& names) {
  std::vector<std::string> files;
  for (const std::string& name : names)
    if (!name.empty()) files.push_back(resolve_scenario(name));
  return files;
}

void refuse_unwritable(const std::vector<std::string>& paths, const std::vector<std::string>& inputs) {
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (paths[i].empty()) continue;
    as_failure(Failure::Output, [&] { check_writable(paths[i], inputs); });
    for (std::size_t j = 0; j < i; ++j)
      if (!paths[j].empty() && same_file(paths[i], paths[j]))
        throw SessionError(Failure::Output, "cannot write output file '" + paths[i] +
                                                "': another output of the command is the same file ('" + paths[j] +
                                                "')");
  }
}

void write_text_outputs(const TextOutputs& outputs) {
  for (const auto& [path, text] : outputs)
    if (!path.empty()) as_failure(Failure::Output, [&] { write_file_atomically(path, text.data(), text.size()); });
}

ObservationFiles observation_files(std::string data_dir, const std::string& revision) {
  if (data_dir.empty()) data_dir = bundled_data_dir() + "/scenarios/data";
  return bundled_observations(data_dir, revision);
}

Observations observations_for(const Scenario& sc, const std::string& data_dir, const std::string& revision) {
  const World world(std::make_shared<const Scenario>(sc));
  return read_observations(observation_files(data_dir, revision), world);
}

}  // namespace migflow

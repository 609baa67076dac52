#include "session/task_checkpoint.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "ensemble/checkpoint.hpp"
#include "output/atomic_file.hpp"
#include "output/binary.hpp"

namespace migflow {

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kTaskFormat = 1;
const char* const kTaskMagic = "migflow task checkpoint";

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

struct TaskManifest {
  std::string command, fingerprint, done;
  int generation = 0;
  std::vector<std::pair<std::string, std::string>> settings;
};

TaskManifest read_task_manifest(const std::string& dir, const std::string& path) {
  const std::string text = read_checked_manifest(dir);
  std::string field;
  try {
    const YAML::Node doc = YAML::Load(text);
    auto get = [&](const char* name) {
      field = name;
      if (!doc[name]) throw CheckpointError(path + ": field '" + name + "': missing");
      return doc[name];
    };
    if (get("format").as<std::uint32_t>() != kTaskFormat)
      throw CheckpointError(path + ": field 'format': written by another version of migflow");
    TaskManifest m;
    m.command = get("command").as<std::string>();
    m.generation = get("generation").as<int>();
    m.fingerprint = get("fingerprint").as<std::string>();
    m.done = get("done").as<std::string>();
    for (const auto& kv : get("request"))
      m.settings.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
    return m;
  } catch (const YAML::Exception& e) {
    throw CheckpointError(path + (field.empty() ? "" : ": field '" + field + "'") + ": " + e.msg);
  }
}

}  // namespace

TaskCheckpoint::TaskCheckpoint(std::string dir, std::string command)
    : dir_(std::move(dir)), command_(std::move(command)) {}

std::string TaskCheckpoint::manifest() const { return (fs::path(dir_) / "manifest.yaml").string(); }

std::string TaskCheckpoint::state_file(int generation) const {
  return (fs::path(dir_) / ("state.gen" + std::to_string(generation) + ".bin")).string();
}

std::vector<std::pair<std::string, std::string>> TaskCheckpoint::read_settings() const {
  const TaskManifest m = read_task_manifest(dir_, manifest());
  if (m.command != command_)
    throw CheckpointError(manifest() + ": field 'command': a checkpoint of `migflow " + m.command + "`, not of `" +
                          command_ + "`");
  return m.settings;
}

void TaskCheckpoint::prepare() const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_))
    throw OutputError("cannot create checkpoint directory '" + dir_ + "'", ec ? ec.value() : ENOTDIR);
  if (fs::exists(manifest()))
    throw OutputError(
        "checkpoint directory '" + dir_ + "' already holds a checkpoint; carry it on with --resume, or remove it",
        EEXIST);
  const std::string probe = (fs::path(dir_) / "probe").string();
  try {
    write_file_atomically(probe, "", 0);
  } catch (const OutputError& e) {
    throw OutputError("cannot write checkpoints to '" + dir_ + "': " + e.what(), e.error_number);
  }
  fs::remove(probe, ec);
}

std::string TaskCheckpoint::load(std::uint64_t fingerprint) {
  const TaskManifest m = read_task_manifest(dir_, manifest());
  if (m.command != command_) throw CheckpointError(manifest() + ": field 'command': not a checkpoint of " + command_);
  if (m.fingerprint != hex(fingerprint))
    throw CheckpointError(manifest() +
                          ": field 'fingerprint': saved from another scenario, data file or migflow version");
  const std::string path = state_file(m.generation);
  const std::string bytes = read_checkpoint_file(path);
  try {
    BinaryReader in = BinaryReader::sealed(bytes.data(), bytes.size());
    if (in.get_string() != kTaskMagic || in.get<std::uint32_t>() != kTaskFormat || in.get_string() != command_ ||
        in.get<std::uint64_t>() != fingerprint || in.get<std::int32_t>() != m.generation)
      throw CorruptData("header does not match the manifest");
    generation_ = m.generation;
    done_ = m.done;
    return in.get_string();
  } catch (const CorruptData& e) {
    throw CheckpointError(path + ": corrupt checkpoint (" + e.what() + ")");
  }
}

void TaskCheckpoint::save(std::uint64_t fingerprint, const std::vector<std::pair<std::string, std::string>>& settings,
                          const std::string& done, const std::vector<char>& state) {
  const int generation = generation_ + 1;
  BinaryWriter out;
  out.put_string(kTaskMagic);
  out.put(kTaskFormat);
  out.put_string(command_);
  out.put(fingerprint);
  out.put<std::int32_t>(generation);
  out.put_string(std::string(state.begin(), state.end()));
  out.seal();
  try {
    write_file_atomically(state_file(generation), out.bytes().data(), out.bytes().size());
    YAML::Emitter y;
    y << YAML::Comment("migflow checkpoint; carry on with: migflow " + command_ + " --resume " + dir_)
      << YAML::BeginMap;
    y << YAML::Key << "format" << YAML::Value << kTaskFormat;
    y << YAML::Key << "command" << YAML::Value << command_;
    y << YAML::Key << "generation" << YAML::Value << generation;
    y << YAML::Key << "fingerprint" << YAML::Value << hex(fingerprint);
    y << YAML::Key << "done" << YAML::Value << done;
    y << YAML::Key << "request" << YAML::Value << YAML::BeginMap;
    for (const auto& [key, value] : settings) y << YAML::Key << key << YAML::Value << value;
    y << YAML::EndMap << YAML::EndMap;
    const std::string text = with_checksum(std::string(y.c_str()) + "\n");
    write_file_atomically(manifest(), text.data(), text.size());
  } catch (const OutputError& e) {
    throw OutputError("cannot save a checkpoint in '" + dir_ + "': " + e.what(), e.error_number);
  }
  std::error_code ec;
  fs::remove(state_file(generation_), ec);  // the previous generation, no longer named by the manifest
  generation_ = generation;
  done_ = done;
}

void TaskCheckpoint::remove() const {
  std::error_code ec;
  fs::remove(manifest(), ec);
  // The state of every generation, and temporaries of a save that a kill interrupted.
  std::vector<fs::path> ours;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("state.gen", 0) == 0 || name.rfind("manifest.yaml.tmp-", 0) == 0) ours.push_back(entry.path());
  }
  for (const fs::path& p : ours) fs::remove(p, ec);
  fs::remove(dir_, ec);  // only when empty
}

}  // namespace migflow

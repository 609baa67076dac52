#include "ensemble/checkpoint.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <sstream>
#include <thread>

#include "output/atomic_file.hpp"
#include "output/binary.hpp"
#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace migflow {

namespace fs = std::filesystem;

namespace {

// 2: replicate groups; 3: sparse recorded series; 4: checksums (rank files sealed,
// the manifest's last line), the fingerprint covers the data files; 5: the exploited
// status and the trafficking counts (victims identified, granted a permit); 6: the
// event-driven engine's schedule (each agent's next event step, the class bounds)
// 9: a renewing population (entrants so far per origin, the entry and exit counts)
constexpr std::uint32_t kFormat = 9;
const char* const kMagic = "migflow checkpoint";
const char* const kManifest = "manifest.yaml";
const char* const kLock = "lock";

std::uint64_t fnv1a(std::uint64_t h, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// One replicate group's progress, as the manifest lists it.
struct InProgress {
  std::int32_t replicate = 0, steps_done = 0;
  bool operator==(const InProgress&) const = default;
};
struct GroupProgress {
  int next_replicate = 0;
  std::vector<int> finished;
  std::vector<InProgress> active;
  bool operator==(const GroupProgress&) const = default;
};

// What the manifest says; every rank reads the same one, so collective steps of a
// load (constructing engines) happen in the same order everywhere.
struct Manifest {
  int generation = 0, ranks = 1;
  std::string fingerprint;
  std::vector<GroupProgress> groups;
  std::vector<std::pair<std::string, std::string>> settings;
};

// The manifest's last line: "checksum: <CRC-32 of the text before it>".
const char* const kChecksumKey = "checksum: ";

std::string manifest_checksum_line(const std::string& text) {
  char line[32];
  std::snprintf(line, sizeof line, "%s%08x\n", kChecksumKey, checksum32(text.data(), text.size()));
  return line;
}

Manifest read_manifest(const std::string& dir) {
  const std::string path = (fs::path(dir) / kManifest).string();
  const std::string text = read_checked_manifest(dir);
  std::string field;
  try {
    const YAML::Node doc = YAML::Load(text);
    auto get = [&](const YAML::Node& node, const std::string& name) {
      field = name;
      if (!node) throw CheckpointError(path + ": field '" + name + "': missing");
      return node;
    };
    if (get(doc["format"], "format").as<std::uint32_t>() != kFormat)
      throw CheckpointError(path + ": field 'format': written by another version of migflow");
    Manifest m;
    m.generation = get(doc["generation"], "generation").as<int>();
    m.ranks = get(doc["ranks"], "ranks").as<int>();
    m.fingerprint = get(doc["fingerprint"], "fingerprint").as<std::string>();
    for (const auto& g : get(doc["replicate_groups"], "replicate_groups")) {
      GroupProgress& p = m.groups.emplace_back();
      p.next_replicate = get(g["next_replicate"], "replicate_groups.next_replicate").as<int>();
      p.finished = get(g["finished"], "replicate_groups.finished").as<std::vector<int>>();
      for (const auto& r : get(g["in_progress"], "replicate_groups.in_progress"))
        p.active.push_back({get(r["replicate"], "replicate_groups.in_progress.replicate").as<int>(),
                            get(r["steps_done"], "replicate_groups.in_progress.steps_done").as<int>()});
    }
    for (const auto& kv : get(doc["run"], "run"))
      m.settings.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
    return m;
  } catch (const YAML::Exception& e) {
    throw CheckpointError(path + (field.empty() ? "" : ": field '" + field + "'") + ": " + e.msg);
  }
}

// Collective: when any rank has an error, every rank throws; the lowest such rank's
// message is the one reported (the others' are empty: see CheckpointError).
void refuse_if_any(const Comm& comm, const std::string& error) {
  const int first = comm.first_rank_with(!error.empty());
  if (first < 0) return;
  throw CheckpointError(comm.rank() == first ? error : "");
}

// What the manifest says each group has done must be possible for this run: replicates
// of the run, each where its group would run it, steps within the calendar.
std::string check_progress(const Manifest& m, const std::string& path, const Scenario& sc,
                           const ReplicateGroups& groups) {
  const int steps = sc.calendar.steps();
  for (size_t g = 0; g < m.groups.size(); ++g) {
    const GroupProgress& p = m.groups[g];
    const std::string at = path + ": field 'replicate_groups[" + std::to_string(g) + "]': ";
    auto ours = [&](int r) { return r >= 0 && r < sc.replicates && r % groups.count() == static_cast<int>(g); };
    if (p.next_replicate < 0 || p.next_replicate > sc.replicates + groups.count() ||
        p.next_replicate % groups.count() != static_cast<int>(g))
      return at + "next_replicate out of range";
    int last = -1;
    for (int r : p.finished) {
      if (!ours(r) || r <= last || r >= p.next_replicate) return at + "finished replicate out of range or order";
      last = r;
    }
    for (const InProgress& a : p.active) {
      if (!ours(a.replicate) || a.replicate >= p.next_replicate ||
          std::find(p.finished.begin(), p.finished.end(), a.replicate) != p.finished.end())
        return at + "replicate in progress out of range";
      if (a.steps_done < 0 || a.steps_done >= steps) return at + "steps_done out of range";
    }
  }
  return "";
}

// A finished replicate as saved must be one this run records: its seed, its series
// (as declared for the scenario), every step.
void check_finished(const ReplicateSeries& rep, const World& world, int replicate) {
  if (rep.seed != replicate_seed(world.scenario().seed, replicate))
    throw CorruptData("a finished replicate's seed is not its own");
  const ReplicateSeries declared = declared_series(world);
  const auto steps = static_cast<size_t>(world.scenario().calendar.steps());
  bool same = same_structure(rep.core, declared.core) && rep.policies.size() == declared.policies.size() &&
              rep.parameter_draws.size() == static_cast<size_t>(world.origin_count());
  for (size_t p = 0; same && p < rep.policies.size(); ++p) same = same_structure(rep.policies[p], declared.policies[p]);
  auto full = [&](const SeriesGroup& g) {
    for (size_t i = 0; i < g.series().size(); ++i)
      if (g.steps(static_cast<int>(i)) != steps) return false;
    return true;
  };
  same = same && full(rep.core);
  for (size_t p = 0; same && p < rep.policies.size(); ++p) same = full(rep.policies[p]);
  if (!same) throw CorruptData("a finished replicate's series differ from the scenario's");
}

GroupProgress progress_of(const EnsembleState& state) {
  GroupProgress p{state.next_replicate, state.finished_ids, {}};
  for (const auto& e : state.active) p.active.push_back({e->replicate(), e->steps_done()});
  return p;
}

void put_progress(BinaryWriter& out, const GroupProgress& p) {
  out.put<std::int32_t>(p.next_replicate);
  out.put_vector(p.finished);
  out.put_vector(p.active);
}

GroupProgress get_progress(BinaryReader& in) {
  GroupProgress p;
  p.next_replicate = in.get<std::int32_t>();
  p.finished = in.get_vector<int>();
  p.active = in.get_vector<InProgress>();
  return p;
}

// The manifest of a generation: what it holds and how the run was started.
struct ManifestContent {
  const std::string& dir;
  int generation, ranks;
  std::uint64_t fingerprint;
  const std::vector<GroupProgress>& progress;
  const std::vector<std::pair<std::string, std::string>>& settings;
};

std::string manifest_text(const ManifestContent& m) {
  YAML::Emitter y;
  y << YAML::Comment("migflow checkpoint; carry on with: migflow run --resume " + m.dir) << YAML::BeginMap;
  y << YAML::Key << "format" << YAML::Value << kFormat;
  y << YAML::Key << "generation" << YAML::Value << m.generation;
  y << YAML::Key << "ranks" << YAML::Value << m.ranks;
  y << YAML::Key << "fingerprint" << YAML::Value << hex(m.fingerprint);
  y << YAML::Key << "replicate_groups" << YAML::Value << YAML::BeginSeq;
  for (const GroupProgress& p : m.progress) {
    y << YAML::BeginMap << YAML::Key << "next_replicate" << YAML::Value << p.next_replicate;
    y << YAML::Key << "finished" << YAML::Value << YAML::Flow << p.finished;
    y << YAML::Key << "in_progress" << YAML::Value << YAML::BeginSeq;
    for (const InProgress& a : p.active)
      y << YAML::Flow << YAML::BeginMap << YAML::Key << "replicate" << YAML::Value << a.replicate << YAML::Key
        << "steps_done" << YAML::Value << a.steps_done << YAML::EndMap;
    y << YAML::EndSeq << YAML::EndMap;
  }
  y << YAML::EndSeq;
  y << YAML::Key << "run" << YAML::Value << YAML::BeginMap;
  for (const auto& [key, value] : m.settings) y << YAML::Key << key << YAML::Value << value;
  y << YAML::EndMap << YAML::EndMap;
  return with_checksum(std::string(y.c_str()) + "\n");
}

}  // namespace

std::string read_checkpoint_file(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw CheckpointError(path + ": missing");
  if (!fs::is_regular_file(status)) throw CheckpointError(path + ": not a regular file");
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) throw CheckpointError(path + ": cannot read");
  return bytes;
}

std::string with_checksum(const std::string& text) { return text + manifest_checksum_line(text); }

std::string read_checked_manifest(const std::string& dir) {
  const std::string path = (fs::path(dir) / kManifest).string();
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw CheckpointError("checkpoint '" + dir + "': no " + kManifest + " (not a checkpoint directory)");
  const std::string text = read_checkpoint_file(path);
  // Verified whole before any of it is used: an edit or a flipped bit is refused here.
  const std::size_t at = text.rfind(kChecksumKey);
  if (at == std::string::npos || (at > 0 && text[at - 1] != '\n') ||
      text.compare(at, std::string::npos, manifest_checksum_line(text.substr(0, at))) != 0)
    throw CheckpointError(path + ": field 'checksum': does not match the contents (edited or corrupt)");
  return text;
}

std::uint64_t fingerprint_of(std::uint64_t h, const void* data, std::size_t size) { return fnv1a(h, data, size); }

std::uint64_t run_fingerprint(const Scenario& sc) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  h = fnv1a(h, sc.text.data(), sc.text.size());
  h = fnv1a(h, &sc.data_digest, sizeof sc.data_digest);
  h = fnv1a(h, &sc.seed, sizeof sc.seed);
  h = fnv1a(h, &sc.replicates, sizeof sc.replicates);
  h = fnv1a(h, &sc.parameters, sizeof sc.parameters);  // `run --parameters` may override the scenario
  const std::string version = MIGFLOW_VERSION;
  return fnv1a(h, version.data(), version.size());
}

CheckpointStore::CheckpointStore(std::string dir, const Comm& comm, std::uint64_t fingerprint,
                                 std::vector<std::pair<std::string, std::string>> settings)
    : dir_(std::move(dir)), comm_(comm), fingerprint_(fingerprint), settings_(std::move(settings)) {}

void CheckpointStore::prepare() const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_))
    throw OutputError("cannot create checkpoint directory '" + dir_ + "'", ec ? ec.value() : ENOTDIR);
  if (fs::exists(fs::path(dir_) / kManifest))
    throw OutputError(
        "checkpoint directory '" + dir_ + "' already holds a checkpoint; carry it on with --resume, or remove it",
        EEXIST);
  const std::string probe = (fs::path(dir_) / ("probe-" + std::to_string(comm_.rank()))).string();
  try {
    write_file_atomically(probe, "", 0);
  } catch (const OutputError& e) {
    throw OutputError("cannot write checkpoints to '" + dir_ + "': " + e.what(), e.error_number);
  }
  fs::remove(probe, ec);
}

void CheckpointStore::claim() {
  if (comm_.rank() != 0 || lock_fd_ >= 0) return;
  const std::string path = (fs::path(dir_) / kLock).string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw OutputError("cannot lock checkpoint directory '" + dir_ + "': " + std::strerror(errno), errno);
  // A process killed a moment ago may still hold it while the kernel tears it down:
  // wait up to two seconds before calling the directory taken.
  bool locked = false;
  for (int attempt = 0; attempt < 40 && !locked; ++attempt) {
    locked = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (!locked) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!locked) {
    char holder[32] = {};
    const ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
    ::close(fd);
    const std::string pid = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "";
    throw OutputError("checkpoint directory '" + dir_ + "' is in use by another migflow process" +
                          (pid.empty() ? "" : " (pid " + pid + ")") + "; give each run its own --checkpoint directory",
                      EBUSY);
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    // The lock holds without the pid; the message of a refused run just lacks it.
  }
  lock_fd_ = fd;
}

CheckpointStore::CheckpointStore(CheckpointStore&& other) noexcept
    : dir_(std::move(other.dir_)),
      comm_(other.comm_),
      fingerprint_(other.fingerprint_),
      settings_(std::move(other.settings_)),
      generation_(other.generation_),
      lock_fd_(std::exchange(other.lock_fd_, -1)),
      seconds_(other.seconds_),
      bytes_(other.bytes_) {}

CheckpointStore::~CheckpointStore() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string CheckpointStore::rank_file(int generation) const {
  return (fs::path(dir_) / ("rank" + std::to_string(comm_.rank()) + ".gen" + std::to_string(generation) + ".bin"))
      .string();
}

void CheckpointStore::save(const EnsembleState& state, const ReplicateGroups& groups) {
  const auto start = std::chrono::steady_clock::now();
  const int generation = generation_ + 1;
  const GroupProgress mine = progress_of(state);
  BinaryWriter out;
  out.put_string(kMagic);
  out.put(kFormat);
  out.put(fingerprint_);
  out.put<std::int32_t>(generation);
  out.put<std::int32_t>(comm_.rank());
  out.put<std::int32_t>(comm_.size());
  out.put<std::int32_t>(groups.count());
  put_progress(out, mine);
  out.put<std::uint64_t>(state.finished.size());
  for (const ReplicateSeries& rep : state.finished) rep.save(out);
  for (const auto& e : state.active) e->save(out);
  out.seal();

  std::string error;
  try {
    write_file_atomically(rank_file(generation), out.bytes().data(), out.bytes().size());
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (comm_.any(!error.empty()))
    throw OutputError("cannot save a checkpoint in '" + dir_ + "'" + (error.empty() ? "" : ": " + error), 0);

  // Rank 0 learns every group's progress, for the manifest.
  BinaryWriter summary;
  put_progress(summary, mine);
  const auto summaries = comm_.gather(std::as_bytes(std::span(summary.bytes())));
  if (comm_.rank() == 0) {
    std::vector<GroupProgress> progress(static_cast<size_t>(groups.count()));
    for (int r = 0; r < comm_.size(); ++r) {  // the ranks of a group agree on its progress
      BinaryReader in(reinterpret_cast<const char*>(summaries[static_cast<size_t>(r)].data()),
                      summaries[static_cast<size_t>(r)].size());
      progress[static_cast<size_t>(groups.group_of(r))] = get_progress(in);
    }
    // The manifest publishes the new generation, once every rank's file is on disk.
    const std::string text = manifest_text({dir_, generation, comm_.size(), fingerprint_, progress, settings_});
    try {
      write_file_atomically((fs::path(dir_) / kManifest).string(), text.data(), text.size());
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  if (comm_.any(!error.empty()))
    throw OutputError("cannot save a checkpoint in '" + dir_ + "'" + (error.empty() ? "" : ": " + error), 0);
  std::error_code ec;
  fs::remove(rank_file(generation_), ec);  // the previous generation, no longer named by the manifest
  generation_ = generation;
  bytes_ += out.bytes().size();
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

EnsembleState CheckpointStore::load(std::shared_ptr<const World> world, const ReplicateGroups& groups) {
  const Comm& comm = comm_;
  // Every rank reads the manifest (a node may see another file system): all go on, or all refuse.
  Manifest m;
  std::string error;
  const std::string manifest_path = (fs::path(dir_) / kManifest).string();
  try {
    m = read_manifest(dir_);
    if (m.fingerprint != hex(fingerprint_))
      throw CheckpointError(manifest_path +
                            ": field 'fingerprint': saved from another scenario, data file, seed, replicate count or "
                            "migflow version");
    if (m.ranks != comm.size())
      throw CheckpointError(manifest_path + ": field 'ranks': saved by " + std::to_string(m.ranks) +
                            " processes; resume with the same number (mpirun -np " + std::to_string(m.ranks) + ")");
    if (m.groups.size() != static_cast<size_t>(groups.count()))
      throw CheckpointError(manifest_path + ": field 'replicate_groups': saved with " +
                            std::to_string(m.groups.size()) + " groups, resumed with " +
                            std::to_string(groups.count()));
  } catch (const CheckpointError& e) {
    error = e.what();
  }
  if (error.empty()) error = check_progress(m, manifest_path, world->scenario(), groups);
  refuse_if_any(comm, error);
  generation_ = m.generation;
  const GroupProgress& mine = m.groups[static_cast<size_t>(groups.index())];
  const std::string path = rank_file(m.generation);
  EnsembleState state;
  state.next_replicate = mine.next_replicate;
  state.finished_ids = mine.finished;
  // The whole file is verified before any of it is used; every rank learns whether all did.
  std::string bytes;
  std::optional<BinaryReader> reader;
  try {
    bytes = read_checkpoint_file(path);
    reader = BinaryReader::sealed(bytes.data(), bytes.size());
  } catch (const CheckpointError& e) {
    error = e.what();
  } catch (const CorruptData& e) {
    error = path + ": corrupt checkpoint (" + e.what() + ")";
  }
  refuse_if_any(comm, error);
  BinaryReader& in = *reader;
  auto guarded = [&](auto&& f) {
    if (!error.empty()) return;
    try {
      f();
    } catch (const CorruptData& e) {
      error = path + ": corrupt checkpoint (" + e.what() + ")";
    }
  };
  guarded([&] {
    if (in.get_string() != kMagic || in.get<std::uint32_t>() != kFormat || in.get<std::uint64_t>() != fingerprint_ ||
        in.get<std::int32_t>() != m.generation || in.get<std::int32_t>() != comm.rank() ||
        in.get<std::int32_t>() != comm.size() || in.get<std::int32_t>() != groups.count())
      throw CorruptData("header does not match the manifest");
    if (get_progress(in) != mine) throw CorruptData("replicates do not match the manifest");
    const auto finished = in.get<std::uint64_t>();
    if (finished != (groups.leader() ? mine.finished.size() : 0))
      throw CorruptData("finished replicates do not match the manifest");
    for (std::uint64_t r = 0; r < finished; ++r) {
      state.finished.push_back(ReplicateSeries::load(in));
      check_finished(state.finished.back(), *world, mine.finished[r]);
    }
  });
  // Engines are built on every rank of the group in the manifest's order (construction
  // is collective), even after an error here, so that no rank waits for another forever.
  for (const InProgress& a : mine.active) {
    state.active.push_back(std::make_unique<Engine>(world, a.replicate, groups.comm()));
    guarded([&] {
      state.active.back()->restore(in);
      if (state.active.back()->steps_done() != a.steps_done) throw CorruptData("step does not match the manifest");
    });
  }
  guarded([&] {
    if (!in.at_end()) throw CorruptData("trailing data");
  });
  refuse_if_any(comm, error);
  return state;
}

void CheckpointStore::remove() {
  std::error_code ec;
  fs::remove(rank_file(generation_), ec);
  // Temporaries of a save that a kill interrupted (write_file_atomically's "<name>.tmp-<pid>").
  const std::string mine = "rank" + std::to_string(comm_.rank()) + ".";
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp-") != std::string::npos &&
        (name.rfind(mine, 0) == 0 || (comm_.rank() == 0 && name.rfind(kManifest, 0) == 0)))
      fs::remove(entry.path(), ec);
  }
  comm_.any(false);  // every rank's file is gone before the manifest goes
  if (comm_.rank() != 0) return;
  fs::remove(fs::path(dir_) / kManifest, ec);
  fs::remove(fs::path(dir_) / kLock, ec);
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
  fs::remove(dir_, ec);  // only if empty
}

std::vector<std::pair<std::string, std::string>> CheckpointStore::read_settings(const std::string& dir) {
  return read_manifest(dir).settings;
}

}  // namespace migflow

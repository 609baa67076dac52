// libFuzzer target: a checkpoint directory built from the input goes through the
// checkpoint reader (CheckpointStore::read_settings and ::load, as `migflow run
// --resume` calls them), for the fixed scenario fuzz/checkpoint/scenario.yaml.
//
// Input layout:
//   byte 0          mode: bit 0 set: the harness rewrites the manifest's `checksum:`
//                   line to match its text; bit 1 set: it re-seals the rank file (length
//                   and CRC-32 at its end). Without them nearly every mutation stops at
//                   the checksums; with them the fuzzer reaches the checks behind them
//                   (a forged checkpoint must be refused or be one that runs).
//   then            manifest.yaml's text,
//   "\n#--rank--\n" then the bytes of the rank file, written as rank0.gen<G>.bin with G
//                   the manifest's `generation:` (no marker: no rank file).
// Seeds (fuzz/checkpoint/corpus/) are real checkpoints saved by `migflow run` stopped
// with SIGTERM; fuzz/checkpoint/make_seeds.sh says how to make them again.
//
// What may happen: CheckpointError (a refusal). What must not: any other exception, a
// crash, a sanitizer report, a hang; a checkpoint that is accepted and whose replicates
// then cannot run to the end, or record series with a step missing or a value that is
// not finite; a checkpoint accepted without the harness's help (mode 0, so its
// checksums held) whose replicates end differently from an uninterrupted run.
//
// MIGFLOW_FUZZ_EXPECT_ACCEPT=1 (tools/fuzz.sh, on the seeds): a refusal is an error, so
// that seeds gone stale (another checkpoint format, scenario or version) are noticed.
#include <tbb/global_control.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ensemble/checkpoint.hpp"
#include "ensemble/ensemble.hpp"
#include "ensemble/replicate_groups.hpp"
#include "fuzz/fuzz_support.hpp"
#include "loader/scenario_loader.hpp"
#include "output/binary.hpp"
#include "policies/registry.hpp"
#include "sim/engine.hpp"
#include "sim/world.hpp"

namespace {

using namespace migflow;
using namespace migflow::fuzz;

constexpr std::string_view kRankMarker = "\n#--rank--\n";
constexpr std::string_view kChecksumKey = "checksum: ";

fs::path g_dir;
std::shared_ptr<const World> g_world;
std::uint64_t g_fingerprint = 0;
std::vector<std::vector<char>> g_reference;  // each replicate's series, uninterrupted, saved
bool g_expect_accept = false;
std::unique_ptr<tbb::global_control> g_one_thread;

std::vector<char> saved(const ReplicateSeries& series) {
  BinaryWriter out;
  series.save(out);
  return out.bytes();
}

// The manifest with its last `checksum:` line (and anything after it) replaced by the
// right one, as save() writes it.
std::string with_checksum(std::string_view manifest) {
  std::string text(manifest);
  size_t at = text.rfind(kChecksumKey);
  while (at != std::string::npos && at > 0 && text[at - 1] != '\n')
    at = at == 0 ? std::string::npos : text.rfind(kChecksumKey, at - 1);
  if (at != std::string::npos) text.resize(at);
  if (!text.empty() && text.back() != '\n') text += '\n';
  char line[32];
  std::snprintf(line, sizeof line, "checksum: %08x\n", checksum32(text.data(), text.size()));
  return text + line;
}

// The rank file with its seal (u64 length, u32 CRC-32) made to match what precedes it.
std::string resealed(std::string_view bytes) {
  constexpr size_t kSeal = sizeof(std::uint64_t) + sizeof(std::uint32_t);
  std::string out(bytes.substr(0, bytes.size() < kSeal ? bytes.size() : bytes.size() - kSeal));
  const std::uint64_t length = out.size() + sizeof length;
  out.append(reinterpret_cast<const char*>(&length), sizeof length);
  const std::uint32_t crc = checksum32(out.data(), out.size());
  out.append(reinterpret_cast<const char*>(&crc), sizeof crc);
  return out;
}

// The manifest's `generation:` at the start of a line, if it is a plain small number.
int generation_of(std::string_view manifest) {
  constexpr std::string_view key = "\ngeneration: ";
  const size_t at = manifest.find(key);
  if (at == std::string_view::npos) return 1;
  long long g = 0;
  size_t i = at + key.size(), digits = 0;
  for (; i < manifest.size() && manifest[i] >= '0' && manifest[i] <= '9' && digits < 7; ++i, ++digits)
    g = g * 10 + (manifest[i] - '0');
  return digits == 0 ? 1 : static_cast<int>(g);
}

void check_complete(const ReplicateSeries& rep, int replicate, bool compare) {
  const auto steps = static_cast<size_t>(g_world->scenario().calendar.steps());
  auto check = [&](const SeriesGroup& g) {
    for (const Series& s : g.series()) {
      if (s.rows.steps() != steps)
        finding("replicate " + std::to_string(replicate) + ": series " + g.name() + "/" + s.name + " holds " +
                    std::to_string(s.rows.steps()) + " steps, not " + std::to_string(steps),
                "resumed run");
      for (const double v : s.rows.values())
        if (!std::isfinite(v)) finding("a series value is not finite", "resumed run");
    }
  };
  check(rep.core);
  for (const SeriesGroup& g : rep.policies) check(g);
  if (compare && saved(rep) != g_reference.at(static_cast<size_t>(replicate)))
    finding("replicate " + std::to_string(replicate) + " differs from the uninterrupted run's (garbage accepted)",
            "resumed run");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_dir = make_temp_dir("fuzz-checkpoint");
  g_one_thread = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, 1);
  const char* expect = std::getenv("MIGFLOW_FUZZ_EXPECT_ACCEPT");
  g_expect_accept = expect && std::string_view(expect) == "1";
  must_run("loading the scenario", [] {
    auto sc = std::make_shared<Scenario>(load_scenario(MIGFLOW_FUZZ_CHECKPOINT_SCENARIO, builtin_policies()));
    g_fingerprint = run_fingerprint(*sc);
    g_world = std::make_shared<const World>(sc);
    for (int r = 0; r < sc->replicates; ++r) {
      Engine e(g_world, r);
      e.run();
      g_reference.push_back(saved(e.series()));
    }
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int mode = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string_view manifest = input, rank;
  bool has_rank = false;
  if (const size_t at = input.find(kRankMarker); at != std::string_view::npos) {
    manifest = input.substr(0, at + 1);
    rank = input.substr(at + kRankMarker.size());
    has_rank = true;
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(g_dir, ec)) fs::remove_all(entry.path(), ec);
  write_file(g_dir / "manifest.yaml", (mode & 1) ? std::string_view(with_checksum(manifest)) : manifest);
  if (has_rank) {
    const std::string file = "rank0.gen" + std::to_string(generation_of(manifest)) + ".bin";
    write_file(g_dir / file, (mode & 2) ? std::string_view(resealed(rank)) : rank);
  }

  const std::string dir = g_dir.string();
  const bool settings_read = refuses_or_runs<CheckpointError>("CheckpointStore::read_settings",
                                                              [&] { (void)CheckpointStore::read_settings(dir); });

  const Scenario& sc = g_world->scenario();
  CheckpointStore store(dir, serial_comm(), g_fingerprint, {});
  const ReplicateGroups groups(serial_comm(), 1, sc.replicates);
  EnsembleState state;
  if (!refuses_or_runs<CheckpointError>("CheckpointStore::load", [&] { state = store.load(g_world, groups); })) {
    if (g_expect_accept) finding("a seed checkpoint is refused (stale? see fuzz/checkpoint/make_seeds.sh)", "seeds");
    return 0;
  }
  if (!settings_read) finding("load accepted a manifest that read_settings refuses", "CheckpointStore::load");

  // Accepted: the replicates carry on to the end, as --resume would.
  const bool compare = (mode & 3) == 0;  // the checksums held without help: this is a real checkpoint
  if (state.finished.size() != state.finished_ids.size())
    finding("finished replicates and their ids differ in number", "CheckpointStore::load");
  for (size_t i = 0; i < state.finished.size(); ++i) check_complete(state.finished[i], state.finished_ids[i], compare);
  must_run("resumed run", [&] {
    for (const auto& e : state.active) {
      e->run();
      check_complete(e->series(), e->replicate(), compare);
    }
  });
  return 0;
}

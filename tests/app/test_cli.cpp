// The command line as a researcher uses it: exit codes, messages, no stray files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "../test_support.hpp"
#include "ensemble/memory_estimate.hpp"
#include "ensemble/run_metadata.hpp"
#include "output/run_file_reader.hpp"

namespace migflow {
namespace {

namespace fs = std::filesystem;
using testing::run_command;

const std::string kBinary = MIGFLOW_BINARY;

TEST(Cli, RunWritesOneCompleteFile) {
  const std::string dir = testing::temp_dir();
  std::string out;
  const int rc = run_command(kBinary + " run " + testing::data_path("small.yaml") + " --out " + dir +
                                 "/run.h5 --threads 2 --replicates 2 --seed 5",
                             &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(fs::exists(dir + "/run.h5"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1);
  EXPECT_EQ(out.find("\r"), std::string::npos) << "progress bar drawn on a non-terminal";
}

TEST(Cli, BadScenarioExitsNonZeroNamingFileLineFieldAndWritesNothing) {
  const std::string dir = testing::temp_dir();
  const std::string bad = testing::write_temp(
      "bad.yaml", "extends: " + testing::data_path("small.yaml") + "\npopulation: [{origin: MDA, agents: -3}]\n");
  std::string out;
  const int rc = run_command(kBinary + " run " + bad + " --out " + dir + "/run.h5", &out);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("bad.yaml:2:"), std::string::npos) << out;
  EXPECT_NE(out.find("population[0].agents"), std::string::npos) << out;
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(Cli, UnwritableOutputExitsNonZeroBeforeRunning) {
  std::string out;
  const int rc =
      run_command(kBinary + " run " + testing::data_path("small.yaml") + " --out /nonexistent-dir/x.h5", &out);
  EXPECT_EQ(rc, 3) << out;
  EXPECT_NE(out.find("/nonexistent-dir/x.h5"), std::string::npos) << out;
  EXPECT_EQ(out.find("running"), std::string::npos) << "ran before checking the output path";
}

TEST(Cli, ValidateReportsTheScenarioOrItsError) {
  std::string out;
  EXPECT_EQ(run_command(kBinary + " validate " + testing::data_path("small.yaml"), &out), 0) << out;
  EXPECT_NE(out.find("(20000 at home"), std::string::npos) << out;
  const std::string bad = testing::write_temp("bad.yaml", "calendar: {start: 2010-01, end: 2011-01}\nnodes: [}\n");
  EXPECT_EQ(run_command(kBinary + " validate " + bad, &out), 2) << out;
  EXPECT_NE(out.find("bad.yaml:2:"), std::string::npos) << out;
}

TEST(Cli, HelpForEachCommand) {
  std::string out;
  for (const char* cmd : {"", " run", " validate", " attribute"}) {
    EXPECT_EQ(run_command(kBinary + cmd + " --help", &out), 0) << cmd;
    EXPECT_NE(out.find("Usage"), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace migflow

namespace migflow {
namespace {

TEST(Cli, CompareWritesTableAndCsvAndRejectsBadFiles) {
  const std::string dir = testing::temp_dir();
  std::string out;
  for (const char* seed : {"1", "2"})
    ASSERT_EQ(run_command(kBinary + " run " + testing::data_path("small.yaml") + " --out " + dir + "/r" + seed +
                              ".h5 --replicates 3 --seed " + seed,
                          &out),
              0)
        << out;
  ASSERT_EQ(run_command(kBinary + " compare " + dir + "/r1.h5 " + dir + "/r2.h5 --csv " + dir + "/c.csv", &out), 0)
      << out;
  EXPECT_NE(out.find("| arrivals_irregular | persons |"), std::string::npos) << out;
  EXPECT_NE(out.find("else independent"), std::string::npos) << "different seeds cannot be paired: " << out;
  const std::string csv = testing::read_text(dir + "/c.csv");
  EXPECT_EQ(csv.rfind("indicator,member_state,unit,scenario,mean", 0), 0u) << csv;
  const std::string junk = testing::write_temp("junk.h5", "not hdf5");
  EXPECT_EQ(run_command(kBinary + " compare " + dir + "/r1.h5 " + junk, &out), 2) << out;
  EXPECT_NE(out.find("junk.h5"), std::string::npos) << out;
}

// An output that names one of the command's inputs, or another of its outputs, is
// refused before anything runs (exit 3), and the input is kept as it was.
TEST(Cli, AnOutputThatIsAnInputIsRefusedAndTheInputKept) {
  const std::string dir = testing::temp_dir();
  const std::string scenario = dir + "/s.yaml";
  std::ofstream(scenario) << "extends: " << testing::data_path("small.yaml") << "\nreplicates: 2\n";
  std::string out;
  for (const char* name : {"a", "b"})
    ASSERT_EQ(run_command(kBinary + " run " + scenario + " --out " + dir + "/" + name + ".h5", &out), 0) << out;
  const std::string run_b = testing::read_text(dir + "/b.h5"), text = testing::read_text(scenario);
  const std::string a = dir + "/a.h5", b = dir + "/b.h5";
  for (const std::string& args : {" report " + a + " " + b + " -o " + b, " compare " + a + " " + b + " --csv " + a,
                                  " compare " + a + " " + b + " --markdown " + dir + "/../" +
                                      std::filesystem::path(dir).filename().string() + "/b.h5",
                                  " run " + scenario + " --out " + scenario}) {
    EXPECT_EQ(run_command(kBinary + args, &out), 3) << args << ": " << out;
    EXPECT_NE(out.find("input"), std::string::npos) << args << ": " << out;
  }
  EXPECT_EQ(run_command(kBinary + " compare " + a + " " + b + " --csv " + dir + "/t --markdown " + dir + "/t", &out), 3)
      << out;
  EXPECT_NE(out.find("another output"), std::string::npos) << out;
  EXPECT_EQ(testing::read_text(dir + "/b.h5"), run_b);
  EXPECT_EQ(testing::read_text(scenario), text);
  EXPECT_FALSE(std::filesystem::exists(dir + "/t"));
}

}  // namespace
}  // namespace migflow

namespace migflow {
namespace {

// Long enough (millions of agents, ninety years: several seconds a replicate even on an
// idle machine) that a signal lands mid-run.
std::string long_scenario() {
  return testing::write_temp("big.yaml", "extends: " + testing::data_path("small.yaml") +
                                             "\ncalendar: {start: 2010-01, end: 2099-12}\nreplicates: 1\n"
                                             "population: [{origin: MDA, agents: 4000000}]\n");
}

// Two runs given one checkpoint directory at once (a job array sharing a path): the
// second is refused before it runs, exit 3, naming the first's pid; the first goes on
// until it is stopped.
TEST(Cli, ACheckpointDirectoryInUseIsRefused) {
  const std::string dir = testing::temp_dir(), big = long_scenario();
  std::string out;
  // The first run is made long (200 replicates, minutes) so that it is alive when the
  // second starts; it is stopped as soon as the second has been refused.
  const int rc = run_command("cd " + dir + " && { " + kBinary + " run " + big +
                                 " --replicates 200 --out a.h5 --checkpoint ck 2>first.log & pid=$!; "
                                 "for i in $(seq 200); do [ -s ck/lock ] && break; sleep 0.05; done; " +
                                 kBinary + " run " + big +
                                 " --out b.h5 --checkpoint ck; rc=$?; kill -TERM $pid; "
                                 "wait $pid; echo first=$?; exit $rc; }",
                             &out);
  EXPECT_EQ(rc, 3) << out;
  EXPECT_NE(out.find("is in use by another migflow process (pid"), std::string::npos) << out;
  EXPECT_NE(out.find("first=143"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir + "/b.h5"));
}

TEST(Cli, SigtermStopsAtAStepAndLeavesOnlyAMarkedPartialFile) {
  const std::string dir = testing::temp_dir();
  const std::string big = long_scenario();
  std::string out;
  const int rc = run_command(
      "timeout --preserve-status -s TERM 1.5 " + kBinary + " run " + big + " --out " + dir + "/run.h5", &out);
  EXPECT_EQ(rc, 143) << out;
  EXPECT_FALSE(fs::exists(dir + "/run.h5")) << "an interrupted run left a file that looks complete";
  ASSERT_TRUE(fs::exists(dir + "/run.partial.h5")) << out;
  std::string header;
  ASSERT_EQ(run_command("ncdump -h " + dir + "/run.partial.h5", &header), 0) << header;
  EXPECT_NE(header.find("run_status = \"partial: interrupted after"), std::string::npos) << header;
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_TRUE(entry.path().filename() == "run.partial.h5") << "stray file " << entry.path();
}

}  // namespace
}  // namespace migflow

namespace migflow {
namespace {

TEST(Cli, RefusesAPopulationThatCannotFitInMemoryWithTheEstimate) {
  const std::string dir = testing::temp_dir();
  const std::string huge = testing::write_temp(
      "huge.yaml",
      "extends: " + testing::data_path("small.yaml") +
          "\npopulation: [{origin: MDA, agents: ~, persons_per_agent: 0.001}]\n");  // 2.65e9 agents, the diaspora
                                                                                    // included
  std::string out;
  EXPECT_EQ(run_command(kBinary + " run " + huge + " --out " + dir + "/run.h5", &out), 2) << out;
  EXPECT_NE(out.find("huge.yaml: field 'population': 2650000000 agents"), std::string::npos) << out;
  EXPECT_NE(out.find("GB are available"), std::string::npos) << out;
  EXPECT_TRUE(fs::is_empty(dir));
  // `attribute` runs each subset as `run` would, and makes the same check first.
  const std::string package =
      testing::write_temp("huge_package.yaml", "extends: " + huge + "\npolicies: [{id: cheap, name: remittances}]\n");
  EXPECT_EQ(run_command(kBinary + " attribute " + package, &out), 2) << out;
  EXPECT_NE(out.find("field 'population': 2650000000 agents"), std::string::npos) << out;
  EXPECT_EQ(out.find("attributing"), std::string::npos) << "ran before checking memory: " << out;
}

}  // namespace
}  // namespace migflow

// Issue #13: the command line's hostile cases.
namespace migflow {
namespace {

// Output is renamed over its path: a FIFO (or /dev/null, as root) would be replaced.
TEST(Cli, OutputOntoAFifoIsRefusedBeforeRunningAndTheFifoKept) {
  const std::string dir = testing::temp_dir();
  const std::string fifo = dir + "/out.h5";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string out;
  EXPECT_EQ(run_command(kBinary + " run " + testing::data_path("small.yaml") + " --out " + fifo, &out), 3) << out;
  EXPECT_NE(out.find("not a regular file"), std::string::npos) << out;
  EXPECT_TRUE(fs::is_fifo(fifo));
}

// A value an option cannot take is bad input (exit 2), as docs/design.md says; an option
// the command does not have is a usage error (exit 1).
TEST(Cli, MissingScenarioAndOutOfRangeNumbersAreBadInputUnknownOptionsUsageErrors) {
  std::string out;
  EXPECT_EQ(run_command(kBinary + " run no-such-scenario.yaml --out x.h5", &out), 2) << out;
  EXPECT_NE(out.find("no-such-scenario.yaml"), std::string::npos) << out;
  const std::string small = testing::data_path("small.yaml");
  for (const std::string& args : std::vector<std::string>{
           " run " + small + " --out x.h5 --seed -1", " run " + small + " --out x.h5 --seed 99999999999999999999",
           " bench --agents -5", " bench --agents 1e12", " calibrate " + small + " --agents -1",
           " calibrate " + small + " --fit-cutoff 99999", " backtest --test-year 1900",
           " sensitivity " + small + " -i x --agents 0"}) {
    EXPECT_EQ(run_command(kBinary + args, &out), 2) << args << ": " << out;
    EXPECT_NE(out.find("Run with --help"), std::string::npos) << args << ": " << out;
  }
  for (const std::string& args : std::vector<std::string>{" run " + small + " --out x.h5 --replicatess 2",
                                                          " compare " + small, " calibrate --resume"}) {
    EXPECT_EQ(run_command(kBinary + args, &out), 1) << args << ": " << out;
    EXPECT_NE(out.find("Run with --help"), std::string::npos) << args << ": " << out;
  }
  // The sizes of the sensitivity design and of the calibration's posterior sample: whole
  // numbers in their range, refused by name before any run (not wrapped, rounded or
  // accepted as a float).
  for (const std::string& args : std::vector<std::string>{
           " sensitivity " + small + " -i x --samples 3", " sensitivity " + small + " -i x --samples 100001",
           " sensitivity " + small + " -i x --samples -4", " sensitivity " + small + " -i x --samples 1e12",
           " sensitivity " + small + " -i x --samples 4.5", " calibrate " + small + " --particles 15",
           " calibrate " + small + " --particles -1", " calibrate " + small + " --particles 1e3",
           " calibrate " + small + " --particles 99999999999999999999"}) {
    EXPECT_EQ(run_command(kBinary + args, &out), 2) << args << ": " << out;
    EXPECT_NE(out.find("is not a whole number in ["), std::string::npos) << args << ": " << out;
    EXPECT_NE(out.find(args.find("--samples") != std::string::npos ? "--samples" : "--particles"), std::string::npos)
        << args << ": " << out;
  }
}

// Replicates draw from the posterior unless `--parameters point` says otherwise; the
// file records which draw each replicate ran with (-1: the point values).
TEST(Cli, ParametersPointOverridesThePosteriorAndIsChecked) {
  const std::string dir = testing::temp_dir();
  const std::string scenario = testing::write_temp(
      "posterior.yaml", "extends: " + testing::data_path("small.yaml") +
                            "\npopulation:\n  - origin: MDA\n    posterior:\n      parameters: [emigration_rate]\n"
                            "      draws: [[0.0002], [0.0004], [0.0008], [0.0016]]\n");
  std::string out;
  for (const std::string mode : {"posterior", "point"}) {
    const std::string file = dir + "/" + mode + ".h5";
    ASSERT_EQ(
        run_command(kBinary + " run " + scenario + " --out " + file + " --replicates 8 --seed 3 --parameters " + mode,
                    &out),
        0)
        << out;
    int posterior_draws = 0;
    for (const auto& draws : read_run_file(file).parameter_draws)
      for (const int d : draws) posterior_draws += d >= 0;
    EXPECT_EQ(posterior_draws, mode == "point" ? 0 : 8) << mode;
  }
  EXPECT_EQ(run_command(kBinary + " run " + scenario + " --out " + dir + "/x.h5 --parameters median", &out), 2) << out;
  EXPECT_FALSE(fs::exists(dir + "/x.h5"));
}

// A reader gone (`| head`) must not end a run before its output and cleanup.
TEST(Cli, RunWhoseReaderIsGoneStillFinishesAndCleansUp) {
  const std::string dir = testing::temp_dir();
  // And the temporary file of a save that a kill interrupted is cleaned up with the rest.
  fs::create_directory(dir + "/ck");
  std::ofstream(dir + "/ck/rank0.gen3.bin.tmp-12345") << "half";
  std::string out;
  const int rc =
      run_command("bash -c '" + kBinary + " run " + testing::data_path("small.yaml") + " --out " + dir +
                      "/run.h5 --checkpoint " + dir + "/ck --checkpoint-every 5 2>&1 | true; exit ${PIPESTATUS[0]}'",
                  &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(fs::exists(dir + "/run.h5"));
  EXPECT_FALSE(fs::exists(dir + "/ck")) << "checkpoint left behind";
}

// Ctrl-C on `migflow run ... 2>&1 | tee log` ends tee too; the run still writes its
// partial file. (Timed like Cli.Sigterm*, so skipped under sanitizers with it.)
TEST(Cli, SigintWithTheLogReaderGoneStillWritesThePartialFile) {
  const std::string dir = testing::temp_dir();
  const std::string big = long_scenario();
  std::string out;
  const int rc = run_command("bash -c 'timeout --preserve-status -s INT 1.5 " + kBinary + " run " + big + " --out " +
                                 dir + "/run.h5 2>&1 | true; exit ${PIPESTATUS[0]}'",
                             &out);
  EXPECT_EQ(rc, 130) << out;
  EXPECT_TRUE(fs::exists(dir + "/run.partial.h5"));
}

// The memory check reads the process's own cgroup and every level above it (a batch
// job's limit sits in its own group, not at the root), v2 and v1 alike.
TEST(Memory, TheOwnCgroupAndEveryLevelAboveItBind) {
  const std::string root = testing::temp_dir();
  auto put = [&](const std::string& file, const std::string& text) {
    fs::create_directories(fs::path(root + file).parent_path());
    std::ofstream(root + file) << text << "\n";
  };
  put("/memory.max", "max");
  put("/slice/memory.max", "5000000");
  put("/slice/memory.current", "1000000");
  put("/slice/job/memory.max", "3000000");
  put("/slice/job/memory.current", "2500000");
  const std::string v2 = testing::write_temp("cgroup_v2", "0::/slice/job\n");
  EXPECT_EQ(cgroup_memory_room(v2, root), 500000u);  // the job's own limit binds
  put("/slice/job/memory.max", "max");
  EXPECT_EQ(cgroup_memory_room(v2, root), 4000000u);  // then its parent's
  put("/slice/memory.current", "6000000");
  EXPECT_EQ(cgroup_memory_room(v2, root), 0u);  // a limit already reached
  put("/memory/batch/memory.limit_in_bytes", "2000");
  put("/memory/batch/memory.usage_in_bytes", "500");
  const std::string v1 = testing::write_temp("cgroup_v1", "7:cpu,cpuacct:/batch\n5:memory:/batch\n");
  EXPECT_EQ(cgroup_memory_room(v1, root), 1500u);
  EXPECT_EQ(cgroup_memory_room(testing::write_temp("cgroup_none", "0::/\n"), root + "/nowhere"), ~std::uint64_t{0});
}

// `ulimit -v` (or a cgroup) is what the process can have, not MemAvailable.
TEST(Cli, RefusesARunThatCannotFitUnderItsAddressSpaceLimit) {
  if (std::getenv("ASAN_OPTIONS") || std::getenv("TSAN_OPTIONS"))
    GTEST_SKIP() << "sanitizers reserve terabytes of address space";
  const std::string dir = testing::temp_dir();
  const std::string big = testing::write_temp(
      "big.yaml", "extends: " + testing::data_path("small.yaml") +
                      "\nreplicates: 1\npopulation: [{origin: MDA, agents: ~, persons_per_agent: 0.005}]\n");
  std::string out;
  EXPECT_EQ(
      run_command("bash -c 'ulimit -v 2000000; " + kBinary + " run " + big + " --threads 1 --out " + dir + "/run.h5'",
                  &out),
      2)
      << out;
  EXPECT_NE(out.find("GB are available"), std::string::npos) << out;
}

TEST(Cli, CompareRefusesAPartialFileUnlessAllowed) {
  const auto run = testing::run_and_write("", 2);
  RunMetadata meta = run_metadata(*run.world);
  meta.run_status = "partial: interrupted; 1 of 2 replicates finished";
  const std::string partial = testing::temp_dir() + "/partial.h5";
  std::vector<ReplicateSeries> one;
  one.push_back(run.replicates.front());
  write_run(partial, meta, one);
  std::string out;
  EXPECT_EQ(run_command(kBinary + " compare " + run.path + " " + partial, &out), 2) << out;
  EXPECT_NE(out.find("partial.h5: attribute 'run_status': partial"), std::string::npos) << out;
  EXPECT_EQ(run_command(kBinary + " compare --allow-partial " + run.path + " " + partial, &out), 0) << out;
  EXPECT_NE(out.find("warning"), std::string::npos) << out;
}

}  // namespace
}  // namespace migflow

namespace migflow {
namespace {

// `migflow attribute` refuses what it cannot do before the first run: an unknown block
// (naming --blocks and the scenario's blocks), too many blocks for every subset, an
// output file it could not write; bad numbers are bad input.
TEST(Cli, AttributeRefusesBadBlocksAndOutputsBeforeRunning) {
  const std::string scenario = testing::write_temp(
      "package.yaml", "extends: " + testing::data_path("small.yaml") +
                          "\npolicies:\n  - {id: quota, name: labour_market_openness, quotas: [{member_state: ITA, "
                          "per_year: 500}]}\n  - {id: cheap, name: remittances, cost_target: 0.02}\n");
  std::string out;
  EXPECT_EQ(run_command(kBinary + " attribute " + scenario + " --blocks quota,visa", &out), 2) << out;
  EXPECT_NE(out.find("--blocks: 'visa' is not a policy block of"), std::string::npos) << out;
  EXPECT_NE(out.find("its blocks: quota, cheap"), std::string::npos) << out;
  EXPECT_EQ(out.find("attributing"), std::string::npos) << "ran before checking the blocks: " << out;
  EXPECT_EQ(run_command(kBinary + " attribute " + scenario + " --baseline " + scenario, &out), 2) << out;
  EXPECT_NE(out.find("--baseline: every policy block"), std::string::npos) << out;
  EXPECT_EQ(run_command(kBinary + " attribute " + scenario + " --csv /nonexistent-dir/a.csv", &out), 3) << out;
  EXPECT_NE(out.find("/nonexistent-dir/a.csv"), std::string::npos) << out;
  EXPECT_EQ(out.find("attributing"), std::string::npos) << "ran before checking the output: " << out;
  for (const std::string& args : {std::string(" --permutations 0"), std::string(" --permutations 2.5"),
                                  std::string(" --replicates 0"), std::string(" --seed -3")}) {
    EXPECT_EQ(run_command(kBinary + " attribute " + scenario + args, &out), 2) << args << ": " << out;
    EXPECT_NE(out.find(args.substr(1, args.find(' ', 1) - 1)), std::string::npos) << args << ": " << out;
  }
}

}  // namespace
}  // namespace migflow

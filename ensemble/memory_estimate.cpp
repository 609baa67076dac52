#include "ensemble/memory_estimate.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "sim/agents.hpp"
#include "sim/core_series.hpp"
#include "sim/event_schedule.hpp"

namespace migflow {

std::uint64_t estimated_run_bytes(const World& world, int concurrent_replicates, int ranks_per_replicate) {
  const Scenario& sc = world.scenario();
  // The core series at 12 bytes a cell if none were zero (a cell index and a double;
  // zeros are not stored). Policies' series are small beside them.
  const std::uint64_t cells = core_cells_per_step(world);
  const std::uint64_t series =
      cells * 12 * static_cast<std::uint64_t>(sc.calendar.steps()) * static_cast<std::uint64_t>(sc.replicates);
  const std::uint64_t agents = (sc.total_agents() / static_cast<std::uint64_t>(ranks_per_replicate) + 1) *
                               bytes_per_agent(sc.engine) *
                               static_cast<std::uint64_t>(std::min(concurrent_replicates, sc.replicates));
  return agents + series;
}

namespace {

// The first number in a file (cgroup limits and usage); `fallback` when absent or "max".
std::uint64_t number_in(const std::string& path, std::uint64_t fallback) {
  std::ifstream in(path);
  std::uint64_t v = 0;
  return (in >> v) ? v : fallback;
}

}  // namespace

std::uint64_t available_memory_bytes() {
  constexpr std::uint64_t kNone = ~std::uint64_t{0};
  std::uint64_t have = kNone;
  {
    std::ifstream in("/proc/meminfo");
    std::string key, unit;
    std::uint64_t kib = 0;
    while (in >> key >> kib >> unit)
      if (key == "MemAvailable:") have = kib * 1024;
  }
  // A cgroup's limit (a container, a batch job) less what it already uses: v2, then v1.
  for (const auto& [limit, usage] :
       {std::pair{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},
        std::pair{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"}}) {
    const std::uint64_t cap = number_in(limit, kNone), used = number_in(usage, 0);
    if (cap != kNone && cap > used) have = std::min(have, cap - used);
  }
  // `ulimit -v` and `ulimit -d`: address space and data segment, less what this process maps.
  std::uint64_t mapped = 0;
  {
    std::ifstream in("/proc/self/status");
    std::string key, unit;
    std::uint64_t kib = 0;
    for (std::string line; std::getline(in, line);)
      if (line.rfind("VmSize:", 0) == 0 && std::istringstream(line.substr(7)) >> kib) mapped = kib * 1024;
  }
  for (const int resource : {RLIMIT_AS, RLIMIT_DATA}) {
    rlimit lim{};
    if (getrlimit(resource, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
      const std::uint64_t cap = lim.rlim_cur;
      have = std::min(have, cap > mapped ? cap - mapped : 0);
    }
  }
  return have == kNone ? 0 : std::max<std::uint64_t>(have, 1);
}

std::string memory_refusal(const World& world, int concurrent, int ranks_per_replicate) {
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");  // ranks sharing this machine
  const std::uint64_t ranks_here = local ? static_cast<std::uint64_t>(std::max(1, std::atoi(local))) : 1;
  const std::uint64_t need = estimated_run_bytes(world, concurrent, ranks_per_replicate) * ranks_here;
  const std::uint64_t have = available_memory_bytes();
  if (have == 0 || need <= have / 10 * 9) return "";
  const Scenario& sc = world.scenario();
  char text[512];
  std::snprintf(
      text, sizeof text,
      "%s: field 'population': %llu agents x %d replicates at once, each on %d process(es), need about %.1f GB "
      "(%zu bytes per agent, plus the recorded series), but %.1f GB are available; "
      "raise persons_per_agent, run fewer replicates or use more machines",
      sc.file.c_str(), static_cast<unsigned long long>(sc.total_agents()), std::min(concurrent, sc.replicates),
      ranks_per_replicate, static_cast<double>(need) / 1e9, bytes_per_agent(sc.engine),
      static_cast<double>(have) / 1e9);
  return text;
}

}  // namespace migflow

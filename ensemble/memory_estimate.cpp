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

std::uint64_t cgroup_memory_room(const std::string& self_cgroup, const std::string& root) {
  constexpr std::uint64_t kNone = ~std::uint64_t{0};
  std::uint64_t room = kNone;
  // Each level of the group's path up to the hierarchy's root: a limit anywhere above
  // binds too (a batch job's step inside its job inside the scheduler's slice).
  auto walk = [&](std::string dir, const std::string& top, const char* limit_file, const char* usage_file) {
    for (;;) {
      const std::uint64_t cap = number_in(dir + "/" + limit_file, kNone), used = number_in(dir + "/" + usage_file, 0);
      if (cap != kNone) room = std::min(room, cap > used ? cap - used : 0);
      if (dir.size() <= top.size()) break;
      dir = dir.substr(0, dir.rfind('/'));
    }
  };
  std::ifstream in(self_cgroup);
  for (std::string line; std::getline(in, line);) {
    // hierarchy-id:controllers:path; v2 is "0::/path", v1 names "memory" among its controllers.
    const std::size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    if (path == "/") path.clear();
    if (controllers.empty())
      walk(root + path, root, "memory.max", "memory.current");
    else if (("," + controllers + ",").find(",memory,") != std::string::npos)
      walk(root + "/memory" + path, root + "/memory", "memory.limit_in_bytes", "memory.usage_in_bytes");
  }
  // Without /proc/self/cgroup (or where it names no memory hierarchy), the roots.
  if (room == kNone) {
    walk(root, root, "memory.max", "memory.current");
    walk(root + "/memory", root + "/memory", "memory.limit_in_bytes", "memory.usage_in_bytes");
  }
  return room;
}

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
  // The process's own cgroup (a container, a batch job): its limits less what it uses.
  have = std::min(have, cgroup_memory_room("/proc/self/cgroup", "/sys/fs/cgroup"));
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

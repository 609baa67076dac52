// `migflow bench`: throughput of a scenario on this machine, one figure a line.
#pragma once
#include <cstdint>
#include <string>

namespace migflow {

struct BenchArgs {
  std::string scenario;       // default: the bundled default scenario
  std::uint64_t agents = 0;   // 0: the scenario's own count
  int steps = 0;              // 0: the whole calendar
  int threads = 0;            // 0: all cores
  bool skip_comparison = false;  // skip the scenarios_per_hour measurement
};

// Under mpirun, every rank takes part and rank 0 prints.
int bench(const BenchArgs& args, const class Comm& comm);

}  // namespace migflow

// Stopping a long analysis on request (Ctrl-C, a notebook's interrupt): it checks a flag
// between units of work and, when set, throws StopRequested once what was finished is
// handed to its caller (whose checkpoint keeps it: session/task_checkpoint.hpp).
#pragma once
#include <atomic>
#include <stdexcept>

namespace migflow {

struct StopRequested : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline bool stop_requested(const std::atomic<bool>* stop) { return stop && stop->load(); }

}  // namespace migflow

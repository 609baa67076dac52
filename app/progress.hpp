// A progress bar on stderr when it is a terminal; silent otherwise (logs, CI, pipes).
#pragma once
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

namespace migflow {

class ProgressBar {
 public:
  // `allowed` false: never draw (e.g. on every MPI rank but the first).
  explicit ProgressBar(std::string label, bool allowed = true);
  // Thread-safe; redraws at most ten times a second.
  void update(long long done, long long total);
  // Ends the bar's line, if it drew one since: a message or a result goes below it.
  void finish();

 private:
  void draw(long long done, long long total);
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace migflow

#include "app/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace migflow {

ProgressBar::ProgressBar(std::string label, bool allowed)
    : label_(std::move(label)),
      enabled_(allowed && isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void ProgressBar::update(long long done, long long total) {
  if (!enabled_) return;
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // another thread is drawing; skip this update
  const auto now = std::chrono::steady_clock::now();
  if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  draw(done, total);
}

void ProgressBar::draw(long long done, long long total) {
  constexpr int kWidth = 30;
  const double share = total > 0 ? static_cast<double>(done) / total : 1.0;
  const int filled = static_cast<int>(share * kWidth);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta = share > 0 ? elapsed * (1 - share) / share : 0;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r%s [%s] %3.0f%%  %lld/%lld steps  %.0fs elapsed, %.0fs left ", label_.c_str(), bar.c_str(),
               share * 100, done, total, elapsed, eta);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  const std::lock_guard lock(mutex_);
  if (!drawn_) return;
  std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace migflow

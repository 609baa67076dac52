#include "sim/comm.hpp"

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace migflow {

int Comm::first_rank_with(bool flag) const {
  std::int64_t v = flag ? rank() : size();
  std::vector<std::int64_t> all(static_cast<std::size_t>(size()), 0);
  all[static_cast<std::size_t>(rank())] = v;
  sum(all);
  const std::int64_t first = *std::min_element(all.begin(), all.end());
  return first < size() ? static_cast<int>(first) : -1;
}

bool Comm::agree(std::uint64_t value) const {
  // Each rank's value in its own slot (as two halves: the sum is over signed integers).
  std::vector<std::int64_t> all(2 * static_cast<std::size_t>(size()), 0);
  all[2 * static_cast<std::size_t>(rank())] = static_cast<std::int64_t>(value >> 32);
  all[2 * static_cast<std::size_t>(rank()) + 1] = static_cast<std::int64_t>(value & 0xffffffffu);
  sum(all);
  for (std::size_t r = 1; r < static_cast<std::size_t>(size()); ++r)
    if (all[2 * r] != all[0] || all[2 * r + 1] != all[1]) return false;
  return true;
}

std::pair<std::uint64_t, std::uint64_t> Comm::block(std::uint64_t count) const {
  // floor(count * r / size) without overflow: count = q * size + rest, and rest * r <
  // size^2 fits in 64 bits. Ranks get sizes differing by at most one.
  const std::uint64_t ranks = static_cast<std::uint64_t>(size()), q = count / ranks, rest = count % ranks;
  const auto edge = [&](int r) {
    const auto rank = static_cast<std::uint64_t>(r);
    return q * rank + rest * rank / ranks;
  };
  return {edge(rank()), edge(rank() + 1)};
}

namespace {

class SerialComm final : public Comm {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void sum(std::span<std::int64_t>) const override {}
  std::vector<std::byte> all_gather(std::span<const std::byte> mine) const override {
    return {mine.begin(), mine.end()};
  }
  std::vector<std::vector<std::byte>> gather(std::span<const std::byte> mine) const override {
    return {std::vector<std::byte>(mine.begin(), mine.end())};
  }
  std::unique_ptr<Comm> split(int) const override { return std::make_unique<SerialComm>(); }
  [[noreturn]] void abort(int code) const override { std::exit(code); }
};

}  // namespace

std::unique_ptr<Comm> make_serial_comm() { return std::make_unique<SerialComm>(); }

const Comm& serial_comm() {
  static const SerialComm comm;
  return comm;
}

}  // namespace migflow

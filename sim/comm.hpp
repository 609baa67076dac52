// How the processes of one run talk to each other. The engine needs three collectives
// (sum counts, gather capacity requests, agree to stop), the ensemble two more (split
// the ranks into replicate groups, gather results to rank 0); a run in one process uses the
// serial communicator, where each is the identity, and a run under mpirun uses
// MpiComm (sim/comm_mpi.cpp). The engine never includes mpi.h.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace migflow {

class Comm {
 public:
  virtual ~Comm() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Element-wise sum over ranks, in place, on every rank. Integers, so exact.
  virtual void sum(std::span<std::int64_t> values) const = 0;
  // Every rank's bytes, concatenated in rank order, on every rank.
  virtual std::vector<std::byte> all_gather(std::span<const std::byte> mine) const = 0;
  // Every rank's bytes on rank 0, in rank order (elsewhere: empty). Any size.
  virtual std::vector<std::vector<std::byte>> gather(std::span<const std::byte> mine) const = 0;
  // The ranks with the same `color`, as a communicator of their own, ranked in this
  // one's order (collective). A group of one rank is serial: no MPI calls at all.
  virtual std::unique_ptr<Comm> split(int color) const = 0;
  // True on every rank when `flag` is true on any rank.
  bool any(bool flag) const {
    std::int64_t v = flag ? 1 : 0;
    sum({&v, 1});
    return v != 0;
  }
  // The lowest rank where `flag` is true, on every rank; -1 when none (so that an error
  // one rank met is reported once, by one rank).
  int first_rank_with(bool flag) const;
  // Whether every rank holds the same `value` (collective).
  bool agree(std::uint64_t value) const;
  // Ends every process of the job with `code` (after an error only one rank saw).
  [[noreturn]] virtual void abort(int code) const = 0;

  // What this process has sent through collectives, for the communication figures.
  struct Traffic {
    std::uint64_t bytes = 0;
    double seconds = 0;
    std::uint64_t calls = 0;
  };
  const Traffic& traffic() const { return traffic_; }

  // This rank's share of `count` items in a block partition: [begin, end).
  std::pair<std::uint64_t, std::uint64_t> block(std::uint64_t count) const;

 protected:
  mutable Traffic traffic_;
};

// The communicator of a single process.
const Comm& serial_comm();
std::unique_ptr<Comm> make_serial_comm();

// MPI for the lifetime of main(): initialised only when a launcher (mpirun, srun)
// started this process, so a plain `migflow run` never pays for MPI start-up.
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  const Comm& world() const { return comm_ ? *comm_ : serial_comm(); }
  // Whether this build can run on several processes.
  static bool available();

 private:
  std::unique_ptr<Comm> comm_;
};

}  // namespace migflow

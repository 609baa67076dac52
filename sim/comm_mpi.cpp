// The MPI communicator (Open MPI from Debian), compiled when MIGFLOW_WITH_MPI is on;
// sim/comm_none.cpp stands in otherwise.
// The C API only: Open MPI otherwise pulls in its deprecated C++ bindings.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "sim/comm.hpp"

namespace migflow {

namespace {

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

class MpiComm final : public Comm {
 public:
  explicit MpiComm(MPI_Comm comm) : comm_(comm) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~MpiComm() override {
    if (comm_ != MPI_COMM_WORLD) MPI_Comm_free(&comm_);
  }
  MpiComm(const MpiComm&) = delete;
  MpiComm& operator=(const MpiComm&) = delete;
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void sum(std::span<std::int64_t> values) const override {
    Timer t(traffic_, values.size_bytes());
    check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_INT64_T, MPI_SUM, comm_),
          "all-reduce");
  }

  std::vector<std::byte> all_gather(std::span<const std::byte> mine) const override {
    Timer t(traffic_, mine.size());
    int count = static_cast<int>(mine.size());
    std::vector<int> counts(static_cast<size_t>(size_)), offsets(static_cast<size_t>(size_));
    check(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm_), "all-gather of sizes");
    long long total = 0;
    for (int r = 0; r < size_; ++r) {
      offsets[static_cast<size_t>(r)] = static_cast<int>(total);
      total += counts[static_cast<size_t>(r)];
    }
    if (total > 0x7fffffff) throw std::runtime_error("MPI: more than 2 GiB of capacity requests in one step");
    std::vector<std::byte> all(static_cast<size_t>(total));
    check(MPI_Allgatherv(mine.data(), count, MPI_BYTE, all.data(), counts.data(), offsets.data(), MPI_BYTE, comm_),
          "all-gather");
    return all;
  }

  std::vector<std::vector<std::byte>> gather(std::span<const std::byte> mine) const override {
    Timer t(traffic_, rank_ == 0 ? 0 : mine.size());
    std::uint64_t size = mine.size();
    std::vector<std::uint64_t> sizes(static_cast<size_t>(rank_ == 0 ? size_ : 0));
    check(MPI_Gather(&size, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, 0, comm_), "gather of sizes");
    // Point to point in pieces of at most 1 GiB: MPI counts are ints.
    constexpr std::uint64_t kPiece = std::uint64_t{1} << 30;
    std::vector<std::vector<std::byte>> all;
    if (rank_ != 0) {
      for (std::uint64_t at = 0; at < size; at += kPiece)
        check(MPI_Send(mine.data() + at, static_cast<int>(std::min(kPiece, size - at)), MPI_BYTE, 0, 0, comm_), "send");
      return all;
    }
    all.emplace_back(mine.begin(), mine.end());
    for (int r = 1; r < size_; ++r) {
      std::vector<std::byte>& bytes = all.emplace_back(sizes[static_cast<size_t>(r)]);
      for (std::uint64_t at = 0; at < bytes.size(); at += kPiece)
        check(MPI_Recv(bytes.data() + at, static_cast<int>(std::min(kPiece, bytes.size() - at)), MPI_BYTE, r, 0, comm_,
                       MPI_STATUS_IGNORE),
              "receive");
    }
    return all;
  }

  std::unique_ptr<Comm> split(int color) const override {
    MPI_Comm part = MPI_COMM_NULL;
    check(MPI_Comm_split(comm_, color, rank_, &part), "split");
    int size = 0;
    MPI_Comm_size(part, &size);
    if (size > 1) return std::make_unique<MpiComm>(part);
    MPI_Comm_free(&part);
    return make_serial_comm();
  }

  [[noreturn]] void abort(int code) const override {
    MPI_Abort(comm_, code);
    std::exit(code);
  }

 private:
  // Adds a collective's bytes and wall time to the traffic figures.
  struct Timer {
    Comm::Traffic& traffic;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    Timer(Comm::Traffic& t, std::size_t bytes) : traffic(t) {
      traffic.bytes += bytes;
      ++traffic.calls;
    }
    ~Timer() { traffic.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
  };

  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

// Launchers set these; a process started by hand has none and runs alone.
bool launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"})
    if (std::getenv(var)) return true;
  return false;
}

}  // namespace

bool MpiSession::available() { return true; }

MpiSession::MpiSession(int& argc, char**& argv) {
  if (!launched_by_mpi()) return;
  // One engine at a time calls MPI, though not always from the main thread.
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  comm_ = std::make_unique<MpiComm>(MPI_COMM_WORLD);
}

MpiSession::~MpiSession() {
  if (comm_) {
    comm_.reset();
    MPI_Finalize();
  }
}

}  // namespace migflow

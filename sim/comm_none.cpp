// Built without MPI (MIGFLOW_WITH_MPI off): every run is a single process.
#include "sim/comm.hpp"

namespace migflow {

bool MpiSession::available() { return false; }
MpiSession::MpiSession(int&, char**&) {}
MpiSession::~MpiSession() = default;

}  // namespace migflow

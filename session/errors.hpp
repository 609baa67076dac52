// What can go wrong in a command, as one type: the command line turns it into an exit
// code (app/cli.cpp) and the Python package into an exception (python/core.cpp), each in
// one place, and failure_of below is the one place where the libraries' exceptions
// become it.
#pragma once
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include "model/input_error.hpp"
#include "sim/comm.hpp"

namespace migflow {

// Each value is the command line's exit code (docs/design.md, "Errors"), but Stopped,
// whose code is 128 + the signal that asked.
enum class Failure : int {
  Usage = 1,       // the command line itself: an unknown option, a missing or conflicting one
  BadInput = 2,    // a scenario, data file, checkpoint or option value that cannot be used
  Output = 3,      // an output file or checkpoint that cannot be written
  Unexpected = 4,  // anything else
  Stopped = 128,   // Ctrl-C, SIGTERM or a notebook's interrupt, after keeping what it could
};

class SessionError : public std::runtime_error {
 public:
  SessionError(Failure failure, const std::string& message, int os_error = 0);
  explicit SessionError(const InputError& e);
  Failure failure;
  int os_error = 0;      // the errno behind an output failure (0: none)
  SourceLocation where;  // bad input read from a file: where (file empty otherwise)
  std::string field;     // the field or option at fault, when known
};

// The one place where an exception becomes a failure. A SessionError stays itself;
// InputError, CheckpointError, corrupt data and std::invalid_argument are bad input;
// OutputError is an output failure; analysis's StopRequested is Stopped. Anything else is
// `otherwise`: what failing means in the step that threw (bad input while preparing a
// command, unexpected while it runs).
// A failure on any rank fails every rank; the lowest failing rank has the message (and
// where the bad input is), the others fail quietly.
void fail_together(const Comm& comm, const std::optional<SessionError>& failure);

SessionError failure_of(const std::exception_ptr& error, Failure otherwise);

// Runs `step`; any exception leaves it as failure_of(it, otherwise).
template <class Step>
auto as_failure(Failure otherwise, Step&& step) -> decltype(step()) {
  try {
    return step();
  } catch (...) {
    throw failure_of(std::current_exception(), otherwise);
  }
}

}  // namespace migflow

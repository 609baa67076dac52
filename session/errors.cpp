#include "session/errors.hpp"

#include "analysis/stop.hpp"
#include "ensemble/checkpoint.hpp"
#include "output/atomic_file.hpp"
#include "output/binary.hpp"

namespace migflow {

SessionError::SessionError(Failure failure, const std::string& message, int os_error)
    : std::runtime_error(message), failure(failure), os_error(os_error) {}

SessionError::SessionError(const InputError& e)
    : std::runtime_error(e.what()), failure(Failure::BadInput), where(e.where), field(e.field) {}

void fail_together(const Comm& comm, const std::optional<SessionError>& failure) {
  const int first = comm.first_rank_with(failure.has_value());
  if (first == comm.rank()) throw *failure;
  if (first >= 0) throw SessionError(Failure::BadInput, "");
}

SessionError failure_of(const std::exception_ptr& error, Failure otherwise) {
  try {
    std::rethrow_exception(error);
  } catch (const SessionError& e) {
    return e;
  } catch (const InputError& e) {
    return SessionError(e);
  } catch (const OutputError& e) {
    return SessionError(Failure::Output, e.what(), e.error_number);
  } catch (const StopRequested& e) {
    return SessionError(Failure::Stopped, e.what());
  } catch (const CheckpointError& e) {
    return SessionError(Failure::BadInput, e.what());
  } catch (const CorruptData& e) {
    return SessionError(Failure::BadInput, e.what());
  } catch (const std::invalid_argument& e) {
    return SessionError(Failure::BadInput, e.what());
  } catch (const std::exception& e) {
    return SessionError(otherwise, e.what());
  } catch (...) {
    return SessionError(Failure::Unexpected, "an unknown error");
  }
}

}  // namespace migflow

// Files that appear whole or not at all: written to "<path>.tmp-<pid>", flushed to
// disk, then renamed over `path`. A crash or a failure at any point leaves either
// the old file or the new one, never a truncated one under `path`.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

namespace migflow {

// An output that cannot be written; `error_number` is the errno behind it (0 when
// none), so that callers can tell a missing folder from a full disk (Python raises the
// matching OSError).
struct OutputError : std::runtime_error {
  OutputError(const std::string& message, int error_number) : std::runtime_error(message), error_number(error_number) {}
  int error_number;
};

// Throws OutputError("writing '<path>': <reason>") and removes the temporary file on
// failure; refuses an existing `path` that is not a regular file.
void write_file_atomically(const std::string& path, const void* data, std::size_t size);

// Throws OutputError when `path` exists and is not a regular file (or a link to one):
// output is renamed over its path, which would replace /dev/null or a FIFO.
void refuse_special_file(const std::string& path);

// The reason of the last failed system call, as text.
std::string errno_message();

}  // namespace migflow

#include "output/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace migflow {

std::string errno_message() { return std::strerror(errno); }

void refuse_special_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);  // follows links: a link to /dev/null counts
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    throw OutputError("writing '" + path +
                          "': exists and is not a regular file (a directory, device or FIFO); the rename that "
                          "publishes the output would replace it",
                      std::filesystem::is_directory(status) ? EISDIR : 0);
}

void write_file_atomically(const std::string& path, const void* data, std::size_t size) {
  refuse_special_file(path);
  const std::string temp = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw OutputError("writing '" + path + "': " + errno_message(), errno);
  int error = 0;
  const auto* bytes = static_cast<const char*>(data);
  for (std::size_t done = 0; done < size && error == 0;) {
    const ssize_t n = ::write(fd, bytes + done, size - done);
    if (n >= 0)
      done += static_cast<std::size_t>(n);
    else if (errno != EINTR)
      error = errno;
  }
  // On disk before the rename publishes it.
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    std::remove(temp.c_str());
    throw OutputError("writing '" + path + "': " + std::strerror(error), error);
  }
  // The rename itself on disk: flush the directory entry.
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace migflow

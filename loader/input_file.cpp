#include "loader/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace migflow {

std::string read_input_file(const std::string& path, const SourceLocation& from, const std::string& field) {
  auto refuse = [&](const std::string& why) -> void { throw InputError(from, field, "'" + path + "': " + why); };
  // O_NONBLOCK: opening a FIFO with no writer must not wait for one.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) refuse(std::string("cannot open: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) refuse(std::string("cannot read: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) refuse("is a directory, not a file");
  if (!S_ISREG(st.st_mode)) refuse("not a regular file (a device, FIFO or socket)");
  if (static_cast<std::uint64_t>(st.st_size) > kMaxInputFileBytes)
    refuse("larger than " + std::to_string(kMaxInputFileBytes >> 20) + " MiB");
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) refuse(std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) break;  // shrank while read
    done += static_cast<std::size_t>(n);
  }
  text.resize(done);
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // Excel writes a BOM
  return text;
}

std::uint64_t content_digest(const std::string& text, std::uint64_t h) {
  for (const unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

std::size_t invalid_utf8_at(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;  // the second byte's range (excludes overlongs, surrogates, > U+10FFFF)
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > n || s[i + 1] < lo || s[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k)
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
    i += len;
  }
  return std::string::npos;
}

}  // namespace migflow

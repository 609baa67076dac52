// Reading an input file (scenario YAML, CSV table) whole, only when it is a regular file
// of sane size: a FIFO would block, a device (/dev/zero) never ends.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "model/input_error.hpp"

namespace migflow {

inline constexpr std::size_t kMaxInputFileBytes = std::size_t{1} << 30;

// The file's bytes, without a leading UTF-8 byte-order mark. Throws InputError at
// `from` (the place that named the file) and `field` when it is missing, not a
// regular file, larger than kMaxInputFileBytes or unreadable.
std::string read_input_file(const std::string& path, const SourceLocation& from, const std::string& field);

// 64-bit FNV-1a of `text`, continuing from `h` (the run fingerprint of data files).
std::uint64_t content_digest(const std::string& text, std::uint64_t h = 0xcbf29ce484222325ULL);

// The first offset in `text` that is not valid UTF-8, or npos.
std::size_t invalid_utf8_at(const std::string& text);

}  // namespace migflow

#include "model/input_error.hpp"

namespace migflow {

std::string SourceLocation::str() const {
  std::string s = file.empty() ? "<scenario>" : file;
  if (line > 0) {
    // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on
    // ":" + std::to_string(...) chains.
    s += ':';
    s += std::to_string(line);
    s += ':';
    s += std::to_string(column);
  }
  return s;
}

static std::string format_error(const SourceLocation& where, const std::string& field, const std::string& message) {
  std::string s = where.str() + ": ";
  if (!field.empty()) s += "field '" + field + "': ";
  return s + message;
}

InputError::InputError(const SourceLocation& w, const std::string& f, const std::string& m)
    : std::runtime_error(format_error(w, f, m)), where(w), field(f) {}

}  // namespace migflow

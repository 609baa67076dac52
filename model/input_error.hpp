// Where a value of the input came from, and the one error type for bad input, so that
// every layer reports a bad scenario, CSV cell or policy block the same way:
// "file:line:col: field 'a.b': message".
#pragma once
#include <stdexcept>
#include <string>

namespace migflow {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
  std::string str() const;
};

class InputError : public std::runtime_error {
 public:
  InputError(const SourceLocation& where, const std::string& field, const std::string& message);
  const SourceLocation where;
  const std::string field;
};

}  // namespace migflow

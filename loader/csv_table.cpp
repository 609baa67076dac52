#include "loader/csv_table.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace migflow {

static std::vector<std::string> split_line(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

CsvTable CsvTable::read(const std::string& path, const SourceLocation& from, const std::string& field) {
  std::ifstream in(path);
  if (!in) throw InputError(from, field, "cannot read CSV file '" + path + "': " + std::strerror(errno));
  CsvTable t;
  t.path_ = path;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    auto cells = split_line(line);
    if (t.header_.empty()) {
      t.header_ = std::move(cells);
      continue;
    }
    if (cells.size() != t.header_.size())
      throw InputError(
          {path, lineno, 1}, "",
          "expected " + std::to_string(t.header_.size()) + " columns, found " + std::to_string(cells.size()));
    t.rows_.push_back(std::move(cells));
    t.lines_.push_back(lineno);
  }
  if (t.header_.empty()) throw InputError({path, 1, 1}, "", "CSV file has no header row");
  return t;
}

int CsvTable::column(const std::string& name, bool required) const {
  for (size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return static_cast<int>(i);
  if (required) throw InputError({path_, 1, 1}, name, "required column is missing");
  return -1;
}

SourceLocation CsvTable::where(size_t row, int col) const { return {path_, lines_[row], col + 1}; }

double CsvTable::number(size_t row, int col, bool empty_ok) const {
  const std::string& s = cell(row, col);
  if (s.empty()) {
    if (empty_ok) return std::nan("");
    throw InputError(where(row, col), header(col), "empty value");
  }
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v))
    throw InputError(where(row, col), header(col), "expected a finite number, got '" + s + "'");
  return v;
}

}  // namespace migflow

#include "loader/csv_table.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "loader/input_file.hpp"

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
  const std::string text = read_input_file(path, from, "CSV file " + field);
  CsvTable t;
  t.path_ = path;
  t.digest_ = content_digest(text);
  int lineno = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineno;
    if (line.empty() || line[0] == '#' || line == "\r") continue;
    if (const std::size_t bad = invalid_utf8_at(line); bad != std::string::npos)
      throw InputError({path, lineno, static_cast<int>(bad) + 1}, "", "invalid UTF-8");
    auto cells = split_line(line);
    if (t.header_.empty()) {
      for (size_t i = 0; i < cells.size(); ++i)
        for (size_t j = 0; j < i; ++j)
          if (cells[i] == cells[j])
            throw InputError({path, lineno, static_cast<int>(i) + 1}, cells[i], "column named twice in the header");
      t.header_ = std::move(cells);
      t.header_line_ = lineno;
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

void CsvTable::only_columns(std::initializer_list<std::string_view> known) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (std::find(known.begin(), known.end(), header_[i]) != known.end()) continue;
    std::string list;
    for (const std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    throw InputError({path_, header_line_, static_cast<int>(i) + 1}, header_[i],
                     "unknown column (this table's columns: " + list + ")");
  }
}

long CsvTable::integer(size_t row, int col, long lo, long hi) const {
  const double v = number(row, col);
  if (v != std::floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi))
    throw InputError(where(row, col), header(col),
                     "expected a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" +
                         cell(row, col) + "'");
  return static_cast<long>(v);
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

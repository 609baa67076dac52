// A small CSV reader for the scenario's data tables: header row, comma separated,
// double quotes for fields with commas. Errors name file, line and column.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "loader/map_reader.hpp"

namespace migflow {

class CsvTable {
 public:
  // Throws InputError (naming `referenced_from`) when the file cannot be read (or is
  // no regular file), and naming the file's line for invalid UTF-8 or a column named twice.
  static CsvTable read(const std::string& path, const SourceLocation& referenced_from, const std::string& field);

  const std::string& path() const { return path_; }
  size_t rows() const { return rows_.size(); }
  // Index of a column; throws naming the file when `required` and absent, else -1.
  int column(const std::string& name, bool required) const;
  const std::string& cell(size_t row, int col) const { return rows_[row][static_cast<size_t>(col)]; }
  // A numeric cell; empty cells give `empty_ok` = true -> NaN, else an error.
  double number(size_t row, int col, bool empty_ok = false) const;
  // A whole number in [lo, hi] (a year: 2012, not 2011.999 or 20120).
  long integer(size_t row, int col, long lo, long hi) const;
  // Throws naming the first column not in `known`: a misspelt column would be ignored.
  void only_columns(std::initializer_list<std::string_view> known) const;
  // The file's contents, hashed: the run fingerprint covers the data, not its path.
  std::uint64_t digest() const { return digest_; }
  SourceLocation where(size_t row, int col) const;
  const std::string& header(int col) const { return header_[static_cast<size_t>(col)]; }

 private:
  std::string path_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  int header_line_ = 1;
  std::vector<int> lines_;  // file line of each row
  std::uint64_t digest_ = 0;
};

}  // namespace migflow

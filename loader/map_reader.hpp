// Typed, validated reading of the YAML tree: numbers, ranges, months, choices, with
// errors that name file, line and field. Every loader and every policy parser reads
// its fields through these.
#pragma once
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loader/fields.hpp"
#include "loader/yaml_tree.hpp"
#include "model/calendar.hpp"
#include "model/scenario.hpp"

namespace migflow {

// Typed, validated access to one map of the tree. Every key read is remembered;
// finish() rejects the keys nobody asked for, listing the known ones.
class MapReader {
 public:
  MapReader(const Tree& map, std::string path);
  bool has(const std::string& key) const;
  const Tree* child(const std::string& key);
  const Tree& required_child(const std::string& key);

  double number(const std::string& key, double fallback);
  double required_number(const std::string& key);
  // Number checked to lie in [lo, hi].
  double number_in(const std::string& key, double fallback, double lo, double hi);
  double probability(const std::string& key, double fallback) { return number_in(key, fallback, 0.0, 1.0); }
  long long integer(const std::string& key, long long fallback, long long lo, long long hi);
  std::string string(const std::string& key, const std::string& fallback);
  std::string required_string(const std::string& key);
  bool boolean(const std::string& key, bool fallback);
  // One of `choices` (e.g. kRoleNames); returns its index.
  int choice(const std::string& key, int fallback, std::span<const std::string_view> choices);

  // A month "YYYY-MM".
  YearMonth month(const std::string& key, const YearMonth& fallback);
  YearMonth required_month(const std::string& key);

  // A field read by its FieldSpec (loader/fields.hpp): its range, its choices.
  double number(const FieldSpec& f, double fallback) { return number_in(f, fallback, f.lo, f.hi); }
  long long integer(const FieldSpec& f, long long fallback) {
    return integer(f, fallback, static_cast<long long>(f.lo), static_cast<long long>(f.hi));
  }
  int choice(const FieldSpec& f, int fallback) { return choice(f, fallback, f.choices); }

  std::string field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const Tree& tree() const { return map_; }
  void finish() const;

 private:
  const Tree& map_;
  std::string path_;
  std::set<std::string> known_;
};

// A yearly figure: one number (every year), or a map {year: number} with increasing
// years; each value in [lo, hi]. Node attributes and policies' yearly sizes read it.
YearSeries read_year_series(const Tree& node, const std::string& field, double lo, double hi);

// Conversions of a scalar with errors that name the field.
double scalar_number(const Tree& node, const std::string& field);
long long scalar_integer(const Tree& node, const std::string& field);
std::string scalar_string(const Tree& node, const std::string& field);
[[noreturn]] void fail(const Tree& node, const std::string& field, const std::string& message);

}  // namespace migflow

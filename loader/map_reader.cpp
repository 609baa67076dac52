#include "loader/map_reader.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace migflow {

[[noreturn]] void fail(const Tree& node, const std::string& field, const std::string& message) {
  throw InputError(node.where, field, message);
}

std::string scalar_string(const Tree& node, const std::string& field) {
  if (!node.is_scalar()) fail(node, field, "expected a single value");
  return node.scalar;
}

double scalar_number(const Tree& node, const std::string& field) {
  const std::string s = scalar_string(node, field);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE)
    fail(node, field, "expected a number, got '" + s + "'");
  if (!std::isfinite(v)) fail(node, field, "expected a finite number, got '" + s + "'");
  return v;
}

long long scalar_integer(const Tree& node, const std::string& field) {
  const double v = scalar_number(node, field);
  if (v != std::floor(v) || std::fabs(v) > 9.0e15)
    fail(node, field, "expected a whole number, got '" + node.scalar + "'");
  return static_cast<long long>(v);
}

MapReader::MapReader(const Tree& map, std::string path) : map_(map), path_(std::move(path)) {
  if (!map.is_map()) fail(map, path_, "expected a mapping of fields");
}

bool MapReader::has(const std::string& key) const { return map_.find(key) != nullptr; }

const Tree* MapReader::child(const std::string& key) {
  known_.insert(key);
  const Tree* node = map_.find(key);
  return node && node->kind != Tree::Kind::Null ? node : nullptr;
}

const Tree& MapReader::required_child(const std::string& key) {
  const Tree* node = child(key);
  if (!node) fail(map_, field(key), "required field is missing");
  return *node;
}

double MapReader::number(const std::string& key, double fallback) {
  const Tree* node = child(key);
  return node ? scalar_number(*node, field(key)) : fallback;
}

double MapReader::required_number(const std::string& key) { return scalar_number(required_child(key), field(key)); }

static std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

double MapReader::number_in(const std::string& key, double fallback, double lo, double hi) {
  const double v = number(key, fallback);
  if (v < lo || v > hi) {
    const Tree* node = map_.find(key);
    fail(node ? *node : map_, field(key), "must lie in [" + num(lo) + ", " + num(hi) + "], got " + num(v));
  }
  return v;
}

long long MapReader::integer(const std::string& key, long long fallback, long long lo, long long hi) {
  const Tree* node = child(key);
  if (!node) return fallback;
  const long long v = scalar_integer(*node, field(key));
  if (v < lo || v > hi)
    fail(*node, field(key),
         "must lie in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(v));
  return v;
}

std::string MapReader::string(const std::string& key, const std::string& fallback) {
  const Tree* node = child(key);
  return node ? scalar_string(*node, field(key)) : fallback;
}

std::string MapReader::required_string(const std::string& key) {
  return scalar_string(required_child(key), field(key));
}

bool MapReader::boolean(const std::string& key, bool fallback) {
  const Tree* node = child(key);
  if (!node) return fallback;
  const std::string s = scalar_string(*node, field(key));
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  fail(*node, field(key), "expected true or false, got '" + s + "'");
}

int MapReader::choice(const std::string& key, int fallback, std::span<const std::string_view> choices) {
  const Tree* node = child(key);
  if (!node) return fallback;
  const std::string s = scalar_string(*node, field(key));
  for (size_t i = 0; i < choices.size(); ++i)
    if (choices[i] == s) return static_cast<int>(i);
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
  fail(*node, field(key), "unknown value '" + s + "' (expected one of: " + list + ")");
}

YearMonth MapReader::month(const std::string& key, const YearMonth& fallback) {
  const Tree* node = child(key);
  if (!node) return fallback;
  YearMonth ym;
  if (!YearMonth::parse(scalar_string(*node, field(key)), ym))
    fail(*node, field(key), "expected a month as YYYY-MM, got '" + node->scalar + "'");
  return ym;
}

YearMonth MapReader::required_month(const std::string& key) {
  required_child(key);
  return month(key, {});
}

void MapReader::finish() const {
  for (const auto& [key, value] : map_.entries) {
    if (known_.count(key)) continue;
    std::string list;
    for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
    throw InputError(value->where, field(key), "unknown field (known fields here: " + list + ")");
  }
}

YearSeries read_year_series(const Tree& node, const std::string& field, double lo, double hi) {
  YearSeries s;
  auto check = [&](const Tree& at, double v, const std::string& where) {
    if (!(v >= lo && v <= hi)) fail(at, where, "must lie in [" + num(lo) + ", " + num(hi) + "], got " + num(v));
    return v;
  };
  if (node.is_scalar()) {
    s.years = {2000};
    s.values = {check(node, scalar_number(node, field), field)};
    return s;
  }
  if (!node.is_map()) fail(node, field, "expected a number or a map {year: value}");
  for (const auto& [year_text, value] : node.entries) {
    char* end = nullptr;
    const long year = std::strtol(year_text.c_str(), &end, 10);
    if (*end != '\0' || year < 1900 || year > 2200) fail(*value, field, "bad year '" + year_text + "'");
    if (!s.years.empty() && year <= s.years.back()) fail(*value, field, "years must increase");
    s.years.push_back(static_cast<double>(year));
    const std::string where = field + "." + year_text;
    s.values.push_back(check(*value, scalar_number(*value, where), where));
  }
  if (s.years.empty()) fail(node, field, "no values");
  return s;
}

}  // namespace migflow

// The fields of a scenario map as data: key, kind, range or choices, whether required,
// and what it means. The loader reads fields through these (MapReader's overloads take
// a FieldSpec), and `migflow schema` turns the same tables into a JSON Schema
// (loader/schema.hpp), so the two cannot disagree on a key, a range or a choice.
#pragma once
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace migflow {

struct FieldSpec {
  enum class Kind : unsigned char {
    Number,       // [lo, hi]
    Integer,      // [lo, hi]
    Text,         // an id, a name, a path
    Boolean,      // true/false (also yes/no, on/off)
    Choice,       // one of `choices`
    Choices,      // a list of `choices`
    Month,        // "YYYY-MM"
    YearSeries,   // a number in [lo, hi], or {year: number}
    YearNumbers,  // a number in [lo, hi], or {year: number} held from each year on
    Node,         // a node id
    Nodes,        // a list of node ids
    Edges,        // "FROM->TO", a list of them, or `external`
    Map,          // a map with `fields`
    List,         // a list of maps with `fields`
    NumberMap,    // {key: number in [lo, hi]} (e.g. a rate per Member State), or one number
    Model,        // model parameters (model/model_params.hpp); per origin when lo == 1
    Any,          // checked by code only (described in `description`)
  };
  std::string_view key;
  Kind kind = Kind::Any;
  std::string_view description;
  double lo = -1e308, hi = 1e308;
  std::span<const std::string_view> choices{};
  const FieldSpec* fields = nullptr;  // Map and List: the fields of the map
  std::size_t field_count = 0;
  bool required = false;

  std::span<const FieldSpec> children() const { return {fields, field_count}; }
  // Where MapReader takes a key, a FieldSpec is its key.
  operator std::string() const { return std::string(key); }
};

namespace field {

using K = FieldSpec::Kind;
constexpr FieldSpec of(std::string_view key, K kind, std::string_view what, double lo = -1e308, double hi = 1e308) {
  FieldSpec f;
  f.key = key;
  f.kind = kind;
  f.description = what;
  f.lo = lo;
  f.hi = hi;
  return f;
}
constexpr FieldSpec number(std::string_view key, double lo, double hi, std::string_view what) {
  return of(key, K::Number, what, lo, hi);
}
constexpr FieldSpec integer(std::string_view key, double lo, double hi, std::string_view what) {
  return of(key, K::Integer, what, lo, hi);
}
constexpr FieldSpec share(std::string_view key, std::string_view what) { return of(key, K::Number, what, 0, 1); }
constexpr FieldSpec text(std::string_view key, std::string_view what) { return of(key, K::Text, what); }
constexpr FieldSpec boolean(std::string_view key, std::string_view what) { return of(key, K::Boolean, what); }
constexpr FieldSpec month(std::string_view key, std::string_view what) { return of(key, K::Month, what); }
constexpr FieldSpec node_id(std::string_view key, std::string_view what) { return of(key, K::Node, what); }
constexpr FieldSpec node_ids(std::string_view key, std::string_view what) { return of(key, K::Nodes, what); }
constexpr FieldSpec choice(std::string_view key, std::span<const std::string_view> choices, std::string_view what) {
  FieldSpec f = of(key, K::Choice, what);
  f.choices = choices;
  return f;
}
constexpr FieldSpec choices(std::string_view key, std::span<const std::string_view> choices, std::string_view what) {
  FieldSpec f = choice(key, choices, what);
  f.kind = K::Choices;
  return f;
}
template <std::size_t N>
constexpr FieldSpec nested(std::string_view key, K kind, const FieldSpec (&fields)[N], std::string_view what) {
  FieldSpec f = of(key, kind, what);
  f.fields = fields;
  f.field_count = N;
  return f;
}
template <std::size_t N>
constexpr FieldSpec map(std::string_view key, const FieldSpec (&fields)[N], std::string_view what) {
  return nested(key, K::Map, fields, what);
}
template <std::size_t N>
constexpr FieldSpec list(std::string_view key, const FieldSpec (&fields)[N], std::string_view what) {
  return nested(key, K::List, fields, what);
}
constexpr FieldSpec required(FieldSpec f) {
  f.required = true;
  return f;
}

}  // namespace field
}  // namespace migflow

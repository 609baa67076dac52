#include "loader/schema.hpp"

#include <cmath>
#include <cstdio>

#include "loader/scenario_fields.hpp"
#include "model/model_params.hpp"

namespace migflow {

namespace {

using K = FieldSpec::Kind;

// Text from pieces, appended one by one (GCC 12 wrongly flags some `"..." + string`
// with -Wrestrict).
template <class... Pieces>
std::string cat(const Pieces&... pieces) {
  std::string s;
  ((s += pieces), ...);
  return s;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      out += buf;
      continue;
    }
    out += ch;
  }
  return out + "\"";
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// {"type": "number", "minimum": lo, "maximum": hi}; bounds of +-1e308 are no bounds.
std::string number_schema(const char* type, double lo, double hi) {
  std::string s = std::string("{\"type\":\"") + type + "\"";
  if (lo > -1e300) s += cat(",\"minimum\":", number(lo));
  if (hi < 1e300) s += cat(",\"maximum\":", number(hi));
  return s + "}";
}

std::string enumeration(std::span<const std::string_view> choices) {
  std::string s = "{\"enum\":[";
  for (std::size_t i = 0; i < choices.size(); ++i) s += cat(i ? "," : "", quote(choices[i]));
  return s + "]}";
}

std::string object(std::span<const FieldSpec> fields, bool complete, const PolicyCatalog& policies);
std::string field_schema(const FieldSpec& f, bool complete, const PolicyCatalog& policies);

// A number, or {year: number}.
std::string by_year(const FieldSpec& f) {
  const std::string n = number_schema("number", f.lo, f.hi);
  return cat("{\"anyOf\":[", n, ",{\"type\":\"object\",\"patternProperties\":{\"^[0-9]{4}$\":", n,
             "},\"additionalProperties\":false,\"minProperties\":1}]}");
}

std::string model_parameters(bool per_origin_only) {
  std::string s = "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{";
  bool first = true;
  for (const ParamSpec& p : model_param_specs()) {
    if (per_origin_only && !p.per_origin) continue;
    s += cat(first ? "" : ",", quote(p.name), ":{\"anyOf\":[", number_schema("number", p.lo, p.hi),
             ",{\"type\":\"null\"}]}");
    first = false;
  }
  return s + "}}";
}

// A policy block: name, id, from and until, and the fields of the module it names.
std::string policy_block(bool complete, const PolicyCatalog& policies) {
  const auto names = policies.names();
  std::vector<std::string_view> views(names.begin(), names.end());
  std::string s = cat("{\"type\":\"object\",\"properties\":{\"name\":", enumeration(views));
  for (const FieldSpec& f : fields::policy::all)
    if (f.key != fields::policy::name.key)
      s += cat(",", quote(f.key), ":{\"anyOf\":[", field_schema(f, false, policies), ",{\"type\":\"null\"}]}");
  s += "}";
  if (complete) s += ",\"required\":[\"name\"]";
  std::string branches;
  for (const std::string& module : names) {
    const auto own = policies.fields(module);
    if (own.empty()) continue;  // a module that does not describe its fields: not checked here
    std::vector<FieldSpec> all(std::begin(fields::policy::all), std::end(fields::policy::all));
    all.insert(all.end(), own.begin(), own.end());
    branches += cat(branches.empty() ? "" : ",", "{\"if\":{\"properties\":{\"name\":{\"const\":", quote(module),
                    "}},\"required\":[\"name\"]},\"then\":", object(all, complete, policies), "}");
  }
  if (!branches.empty()) s += cat(",\"allOf\":[", branches, "]");
  return s + "}";
}

std::string field_schema(const FieldSpec& f, bool complete, const PolicyCatalog& policies) {
  switch (f.kind) {
    case K::Number: return number_schema("number", f.lo, f.hi);
    case K::Integer: return number_schema("integer", f.lo, f.hi);
    case K::Text:
    case K::Node: return "{\"type\":\"string\"}";
    case K::Boolean: return "{\"anyOf\":[{\"type\":\"boolean\"},{\"enum\":[\"yes\",\"no\",\"on\",\"off\"]}]}";
    case K::Choice: return enumeration(f.choices);
    case K::Choices: return cat("{\"type\":\"array\",\"items\":", enumeration(f.choices), "}");
    case K::Month: return "{\"type\":\"string\",\"pattern\":\"^[0-9]{4}-(0[1-9]|1[0-2])$\"}";
    case K::YearSeries:
    case K::YearNumbers: return by_year(f);
    case K::Nodes: return "{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1}";
    case K::Edges:
      return "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1}]}";
    case K::Map: return object(f.children(), complete, policies);
    case K::List:
      return cat("{\"type\":\"array\",\"items\":",
                 f.key == fields::top::policies.key ? policy_block(complete, policies)
                                                    : object(f.children(), complete, policies),
                 "}");
    case K::NumberMap: {
      const std::string n = number_schema("number", f.lo, f.hi);
      return cat("{\"anyOf\":[", n, ",{\"type\":\"object\",\"additionalProperties\":", n, "}]}");
    }
    case K::Model: return model_parameters(f.lo == 1);
    case K::Any: return "{}";
  }
  return "{}";
}

// A map of `fields`: no other key; with `complete`, the required ones present. An
// optional field may be null (`key: ~`), which the loader reads as absent.
std::string object(std::span<const FieldSpec> fields, bool complete, const PolicyCatalog& policies) {
  std::string props, required;
  for (const FieldSpec& f : fields) {
    std::string s = field_schema(f, complete, policies);
    s.insert(s.size() - 1, cat(s.size() > 2 ? "," : "", "\"description\":", quote(f.description)));
    if (!f.required) s = cat("{\"anyOf\":[", s, ",{\"type\":\"null\"}],\"description\":", quote(f.description), "}");
    props += cat(props.empty() ? "" : ",", quote(f.key), ":", s);
    if (f.required && complete) required += cat(required.empty() ? "" : ",", quote(f.key));
  }
  std::string s = cat("{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{", props, "}");
  if (!required.empty()) s += cat(",\"required\":[", required, "]");
  return s + "}";
}

}  // namespace

std::string scenario_json_schema(const PolicyCatalog& policies) {
  // A file with `extends:`, or without `calendar:` or `population:` (a world, or a
  // calibration, that scenarios extend), may leave required fields to the files it is
  // merged with.
  return cat(
      "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"title\":\"migflow scenario\","
      "\"description\":\"A migflow scenario file (docs/scenarios.md); generated by `migflow schema` from the "
      "loader's tables.\","
      "\"if\":{\"anyOf\":[{\"required\":[\"extends\"]},{\"not\":{\"required\":[\"calendar\",\"population\"]}}]},"
      "\"then\":{\"$ref\":\"#/definitions/fragment\"},\"else\":{\"$ref\":\"#/definitions/scenario\"},"
      "\"definitions\":{\"scenario\":",
      object(fields::top::all, true, policies), ",\"fragment\":", object(fields::top::all, false, policies), "}}\n");
}

}  // namespace migflow

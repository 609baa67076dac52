// A command's request declared once, as a table of fields: the command line's options
// (app/cli.cpp), the settings a checkpoint's manifest keeps for `--resume`, and the
// Python keyword arguments (python/core.cpp) are all made from it, and a value from any
// of them passes the same check (set_field). Adding an option to a command is one row in
// its table (session/requests.cpp) and one member in its request.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "session/errors.hpp"

namespace migflow {

enum class FieldKind : std::uint8_t {
  Text,    // any text: a path to write, a scenario, a name
  File,    // an existing file
  Folder,  // an existing folder
  Whole,   // a whole number in [lo, hi], written as digits
  Choice,  // one of `choices`
  Flag,    // on or off
};

// What else a field is (bits of Field::traits).
enum FieldTrait : unsigned {
  kRequired = 1,   // the command line needs it (Python functions check what they need)
  kManifest = 2,   // kept in a checkpoint's manifest and read back by --resume
  kNegated = 4,    // a flag given as --no-x: on unless given
  kCommaList = 8,  // a list whose items may also be given comma-separated
  kInternal = 16,  // kept in the manifest only: neither an option nor a keyword
  kCliOnly = 32,   // an option, not a keyword (e.g. what only matters under mpirun)
};

// Where in the request a field's value goes.
template <class R>
using FieldMember = std::variant<std::string R::*, std::optional<std::string> R::*, std::vector<std::string> R::*,
                                 std::uint64_t R::*, std::optional<std::uint64_t> R::*, int R::*,
                                 std::optional<int> R::*, std::vector<int> R::*, bool R::*>;

// One field. Made by the functions below (text_field, whole_field, ...), which set
// every member.
template <class R>
struct Field {
  const char* name;  // the Python keyword and the manifest's key
  const char* cli;   // the command line's names ("--replicates,-r"); a positional's name alone
  std::string help;
  FieldMember<R> member;
  FieldKind kind;
  std::uint64_t lo, hi;              // Whole
  std::vector<std::string> choices;  // Choice
  unsigned traits;
  int min_items;                      // a list: how many values at least
  std::vector<std::string> excludes;  // fields not to be given with this one
  std::string needs;                  // a field this one needs
  bool positional() const { return cli[0] != '-' && cli[0] != '!'; }
  bool list() const {
    return std::holds_alternative<std::vector<std::string> R::*>(member) ||
           std::holds_alternative<std::vector<int> R::*>(member);
  }
  Field excluding(std::vector<std::string> names) const {
    Field f = *this;
    f.excludes = std::move(names);
    return f;
  }
  Field needing(std::string name) const {
    Field f = *this;
    f.needs = std::move(name);
    return f;
  }
  Field at_least(int items) const {
    Field f = *this;
    f.min_items = items;
    return f;
  }
};

template <class R>
Field<R> make_field(const char* name, const char* cli, std::string help, FieldMember<R> member, FieldKind kind,
                    unsigned traits) {
  return {name, cli, help, member, kind, 0, 0, {}, traits, 0, {}, {}};
}
template <class R>
Field<R> text_field(const char* name, const char* cli, std::string help, FieldMember<R> member, unsigned traits = 0) {
  return make_field<R>(name, cli, help, member, FieldKind::Text, traits);
}
template <class R>
Field<R> whole_field(const char* name, const char* cli, std::string help, FieldMember<R> member, std::uint64_t lo,
                     std::uint64_t hi, unsigned traits = 0) {
  Field<R> f = make_field<R>(name, cli, help, member, FieldKind::Whole, traits);
  f.lo = lo;
  f.hi = hi;
  return f;
}
template <class R>
Field<R> choice_field(const char* name, const char* cli, std::string help, FieldMember<R> member,
                      std::vector<std::string> choices, unsigned traits = 0) {
  Field<R> f = make_field<R>(name, cli, help, member, FieldKind::Choice, traits);
  f.choices = std::move(choices);
  return f;
}
template <class R>
Field<R> flag_field(const char* name, const char* cli, std::string help, bool R::*member, unsigned traits = 0) {
  return make_field<R>(name, cli, help, member, FieldKind::Flag, traits);
}

// Why `text` is not a value of a field of this kind ("'-1' is not a whole number in
// [0, 9]", "no such file"); empty when it is. The one check of every value.
std::string field_value_error(FieldKind kind, std::uint64_t lo, std::uint64_t hi,
                              const std::vector<std::string>& choices, const std::string& text);
template <class R>
std::string field_value_error(const Field<R>& f, const std::string& text) {
  return field_value_error(f.kind, f.lo, f.hi, f.choices, text);
}

// Sets `f` of `r` from its values as text (a flag: "true" or "false"); throws
// SessionError: bad input naming `named` (the option or keyword as the user wrote it) for
// a bad value, a usage error for several values where one is taken.
template <class R>
void set_field(R& r, const Field<R>& f, const std::vector<std::string>& values, const std::string& named) {
  for (const std::string& v : values)
    if (const std::string why = field_value_error(f, v); !why.empty()) {
      SessionError e(Failure::BadInput, named + ": " + why);
      e.field = f.name;
      throw e;
    }
  if (!f.list() && values.size() != 1) throw SessionError(Failure::Usage, named + ": takes one value");
  std::visit(
      [&](auto member) {
        using T = std::remove_reference_t<decltype(r.*member)>;
        if constexpr (std::is_same_v<T, std::vector<std::string>>)
          r.*member = values;
        else if constexpr (std::is_same_v<T, std::vector<int>>) {
          (r.*member).clear();
          for (const std::string& v : values) (r.*member).push_back(static_cast<int>(std::stoull(v)));
        } else if constexpr (std::is_same_v<T, bool>)
          r.*member = values[0] == "true";
        else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::optional<std::string>>)
          r.*member = values[0];
        else if constexpr (std::is_integral_v<T>)  // a whole number, checked to fit
          r.*member = static_cast<T>(std::stoull(values[0]));
        else
          r.*member = static_cast<typename T::value_type>(std::stoull(values[0]));
      },
      f.member);
}

// The values `f` holds in `r`, as set_field takes them: none for an unset optional.
template <class R>
std::vector<std::string> field_values(const R& r, const Field<R>& f) {
  return std::visit(
      [&](auto member) -> std::vector<std::string> {
        const auto& v = r.*member;
        using T = std::remove_cvref_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::vector<std::string>>)
          return v;
        else if constexpr (std::is_same_v<T, std::vector<int>>) {
          std::vector<std::string> out;
          for (int i : v) out.push_back(std::to_string(i));
          return out;
        } else if constexpr (std::is_same_v<T, bool>)
          return {v ? "true" : "false"};
        else if constexpr (std::is_same_v<T, std::string>)
          return {v};
        else if constexpr (std::is_same_v<T, std::optional<std::string>>)
          return v ? std::vector<std::string>{*v} : std::vector<std::string>{};
        else if constexpr (std::is_integral_v<T>)
          return {std::to_string(v)};
        else
          return v ? std::vector<std::string>{std::to_string(*v)} : std::vector<std::string>{};
      },
      f.member);
}

// A request's manifest fields as a checkpoint keeps them (one line of text each: a list
// as a flow sequence), and back. Reading names the manifest's field on a bad value
// (bad input: the checkpoint cannot be used).
template <class R>
std::vector<std::pair<std::string, std::string>> manifest_settings(const R& r, const std::vector<Field<R>>& fields);
std::string encode_values(const std::vector<std::string>& values, bool list);
std::vector<std::string> decode_values(const std::string& text, bool list, const std::string& named);

// Fields at their default are left out: reading them back leaves the default.
template <class R>
std::vector<std::pair<std::string, std::string>> manifest_settings(const R& r, const std::vector<Field<R>>& fields) {
  static const R defaults;
  std::vector<std::pair<std::string, std::string>> out;
  for (const Field<R>& f : fields)
    if (f.traits & kManifest) {
      const std::vector<std::string> values = field_values(r, f);
      if (values != field_values(defaults, f)) out.emplace_back(f.name, encode_values(values, f.list()));
    }
  return out;
}

// `r` with the manifest fields of `settings` (from the checkpoint manifest `manifest`,
// under its map `section`) set.
template <class R>
void apply_settings(R& r, const std::vector<Field<R>>& fields,
                    const std::vector<std::pair<std::string, std::string>>& settings, const std::string& manifest,
                    const std::string& section) {
  static const R defaults;
  for (const auto& [key, text] : settings)
    for (const Field<R>& f : fields)
      if (key == f.name && (f.traits & kManifest)) {
        const std::string named = manifest + ": field '" + section + "." + key + "'";
        const std::vector<std::string> values = decode_values(text, f.list(), named);
        // A default written out (as older manifests do: checkpoint_every 0) is the default.
        if (values != field_values(defaults, f)) set_field(r, f, values, named);
      }
}

}  // namespace migflow

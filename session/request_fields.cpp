#include "session/request_fields.hpp"

#include <filesystem>

#include "loader/yaml_tree.hpp"

namespace migflow {

std::string field_value_error(FieldKind kind, std::uint64_t lo, std::uint64_t hi,
                              const std::vector<std::string>& choices, const std::string& text) {
  std::error_code ec;
  switch (kind) {
    case FieldKind::Text: return "";
    case FieldKind::File: return std::filesystem::is_regular_file(text, ec) ? "" : "'" + text + "': no such file";
    case FieldKind::Folder: return std::filesystem::is_directory(text, ec) ? "" : "'" + text + "': no such folder";
    case FieldKind::Flag: return text == "true" || text == "false" ? "" : "'" + text + "' is not true or false";
    case FieldKind::Choice: {
      std::string known;
      for (const std::string& c : choices) {
        if (c == text) return "";
        known += (known.empty() ? "" : ", ") + c;
      }
      return "'" + text + "' is not one of " + known;
    }
    case FieldKind::Whole: {
      // Digits only: "-1" would wrap into 2^64-1 and "1e12" round as a float.
      const bool digits =
          !text.empty() && text.size() <= 19 && text.find_first_not_of("0123456789") == std::string::npos;
      const std::uint64_t v = digits ? std::stoull(text) : 0;
      if (digits && v >= lo && v <= hi) return "";
      return "'" + text + "' is not a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    }
  }
  return "";
}

std::string encode_values(const std::vector<std::string>& values, bool list) {
  if (!list) return values.empty() ? "" : values[0];
  // A flow sequence of double-quoted items (JSON, which YAML reads).
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += i ? ", \"" : "\"";
    for (const char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  return out + "]";
}

std::vector<std::string> decode_values(const std::string& text, bool list, const std::string& named) {
  if (!list) return {text};
  try {
    const TreePtr tree = parse_yaml_text(text, named);
    std::vector<std::string> out;
    if (tree->is_list())
      for (const TreePtr& item : tree->items)
        if (item->is_scalar()) out.push_back(item->scalar);
    if (tree->is_list() && out.size() == tree->items.size()) return out;
  } catch (const InputError&) {
  }
  throw SessionError(Failure::BadInput, named + ": '" + text + "' is not a list of values");
}

}  // namespace migflow

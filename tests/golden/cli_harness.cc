#include "cli_harness.h"

#include <fmt/format.h>

#include <array>

namespace tacit::golden {

using nlohmann::json;

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The fields an array element is picked by with [key], in order.
constexpr std::array<const char*, 6> kKeyFields = {"scheme", "month", "type", "kind", "id", "ref"};

// Lists what [key] could have matched, for the failure message: every element
// of a short array, the first and last three of a long one.
std::string DescribeKeys(const json& array) {
  auto label = [&](size_t i) {
    const json& e = array[i];
    if (e.is_object()) {
      for (const char* f : kKeyFields) {
        if (auto it = e.find(f); it != e.end() && !it->is_structured()) {
          return fmt::format("[#{}] {}={}", i, f, RenderScalar(*it));
        }
      }
    }
    return fmt::format("[#{}] {}", i, RenderScalar(e).substr(0, 40));
  };
  if (array.empty()) return "nothing (an empty array)";
  std::string out = fmt::format("{} elements: ", array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    if (array.size() > 8 && i == 3) {
      out += ", …";
      i = array.size() - 4;
      continue;
    }
    out += (i ? ", " : "") + label(i);
  }
  return out;
}

// Applies one [selector] to an array.
const json* Select(const json& array, std::string_view sel, std::string* error) {
  if (!array.is_array()) {
    *error = fmt::format("[{}] needs an array, found {}", sel, array.type_name());
    return nullptr;
  }
  if (sel.starts_with('#')) {
    size_t n = 0;
    const std::string digits(sel.substr(1));
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
      *error = fmt::format("[{}]: expected [#n] with a 0-based index", sel);
      return nullptr;
    }
    n = std::stoul(digits);
    if (n >= array.size()) {
      *error = fmt::format("[{}]: the array has {} elements", sel, array.size());
      return nullptr;
    }
    return &array[n];
  }
  std::vector<const json*> hits;
  if (const size_t eq = sel.find('='); eq != std::string_view::npos) {
    const std::string field(sel.substr(0, eq));
    const std::string_view want = sel.substr(eq + 1);
    for (const json& e : array) {
      if (!e.is_object()) continue;
      if (auto it = e.find(field); it != e.end() && RenderScalar(*it) == want) hits.push_back(&e);
    }
  } else {
    for (const json& e : array) {
      if (!e.is_object()) continue;
      for (const char* f : kKeyFields) {
        if (auto it = e.find(f); it != e.end() && !it->is_structured() && RenderScalar(*it) == sel) {
          hits.push_back(&e);
          break;
        }
      }
    }
  }
  if (hits.size() == 1) return hits.front();
  if (hits.empty()) {
    *error = fmt::format("[{}]: no element matches; the array holds {}", sel, DescribeKeys(array));
  } else {
    *error = fmt::format("[{}]: {} elements match; pick one with [#n] or [field=value]", sel, hits.size());
  }
  return nullptr;
}

}  // namespace

TokenizedLine Tokenize(std::string_view line) {
  TokenizedLine out;
  out.comment_at = line.size();
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i >= line.size()) break;
    if (line[i] == '#') {
      out.comment_at = i;
      break;
    }
    Token t;
    t.begin = i;
    int depth = 0;           // inside {...}
    bool in_json_string = false;
    bool in_quotes = false;  // inside "..." outside braces
    for (; i < line.size(); ++i) {
      const char c = line[i];
      if (in_json_string) {
        if (c == '\\' && i + 1 < line.size()) {
          ++i;
        } else if (c == '"') {
          in_json_string = false;
        }
        continue;
      }
      if (depth > 0) {
        if (c == '"') in_json_string = true;
        if (c == '{') ++depth;
        if (c == '}') --depth;
        continue;
      }
      if (in_quotes) {
        if (c == '"') in_quotes = false;
        continue;
      }
      if (IsSpace(c)) break;
      if (c == '{') ++depth;
      if (c == '"') in_quotes = true;
    }
    t.end = i;
    t.text = std::string(line.substr(t.begin, t.end - t.begin));
    if (depth > 0 || in_json_string) out.error = fmt::format("an unbalanced {{ in `{}`", t.text);
    if (in_quotes) out.error = fmt::format("an unclosed \" in `{}`", t.text);
    out.tokens.push_back(std::move(t));
  }
  return out;
}

std::string Unquote(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return std::string(text.substr(1, text.size() - 2));
  }
  return std::string(text);
}

KeyValue SplitKeyValue(std::string_view token) {
  KeyValue kv;
  const size_t eq = token.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    kv.key = std::string(token);
    return kv;
  }
  kv.key = std::string(token.substr(0, eq));
  kv.value = Unquote(token.substr(eq + 1));
  kv.has_value = true;
  return kv;
}

std::string RenderScalar(const json& v) {
  switch (v.type()) {
    case json::value_t::string: return v.get<std::string>();
    case json::value_t::null: return "null";
    case json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case json::value_t::number_integer: return std::to_string(v.get<int64_t>());
    case json::value_t::number_unsigned: return std::to_string(v.get<uint64_t>());
    default: return v.dump();
  }
}

std::string Excerpt(const json& v, size_t limit) {
  std::string text = v.dump(2);
  if (text.size() > limit) text = text.substr(0, limit) + "\n  … (cut)";
  return text;
}

PathLookup LookupPath(const json& root, std::string_view path) {
  PathLookup r;
  const json* at = &root;
  r.context = &root;
  std::string walked;
  size_t i = 0;
  if (path.empty()) {
    r.error = "empty path";
    return r;
  }
  while (i < path.size()) {
    // A member name up to '.', '[' or the end.
    size_t j = i;
    while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
    const std::string name(path.substr(i, j - i));
    if (name == "#") {
      if (j != path.size()) {
        r.error = fmt::format("`#` (the count) must end the path, after `{}`", walked);
        return r;
      }
      if (!at->is_structured()) {
        r.error = fmt::format("{}.#: counts elements of an array or object, found {}", walked, at->type_name());
        return r;
      }
      r.count = at->size();
      r.value = &r.count;
      return r;
    }
    if (!name.empty()) {
      if (!at->is_object()) {
        r.error = fmt::format("{}{}: `{}` needs an object, found {}", walked, walked.empty() ? "" : ".", name,
                              at->type_name());
        return r;
      }
      auto it = at->find(name);
      if (it == at->end()) {
        std::string keys;
        for (auto k = at->begin(); k != at->end(); ++k) keys += (keys.empty() ? "" : ", ") + k.key();
        r.error = fmt::format("no member `{}` at `{}` (members: {})", name, walked.empty() ? "(top)" : walked, keys);
        return r;
      }
      at = &*it;
      walked += (walked.empty() ? "" : ".") + name;
      if (at->is_object()) {  // an array is shown through its owner, where [key] lists it
        r.context = at;
        r.context_path = walked;
      }
    } else if (j < path.size() && path[j] == '.') {
      r.error = fmt::format("an empty segment in the path after `{}`", walked);
      return r;
    }
    // Selectors.
    while (j < path.size() && path[j] == '[') {
      const size_t close = path.find(']', j);
      if (close == std::string_view::npos) {
        r.error = fmt::format("an unclosed [ after `{}`", walked);
        return r;
      }
      const std::string_view sel = path.substr(j + 1, close - j - 1);
      std::string error;
      const json* next = Select(*at, sel, &error);
      if (next == nullptr) {
        r.error = fmt::format("{}{}", walked, error);
        return r;
      }
      at = next;
      walked += fmt::format("[{}]", sel);
      r.context = at;
      r.context_path = walked;
      j = close + 1;
    }
    if (j < path.size()) {
      if (path[j] != '.') {
        r.error = fmt::format("expected `.` or `[` after `{}`", walked);
        return r;
      }
      ++j;
      if (j == path.size()) {
        r.error = "the path ends with `.`";
        return r;
      }
    }
    i = j;
  }
  r.value = at;
  return r;
}

std::string CsvQuote(std::string_view field) {
  bool needs = false;
  for (char c : field) needs |= c == ',' || c == '"' || c == '\n' || c == '\r';
  if (!field.empty() && (IsSpace(field.front()) || IsSpace(field.back()))) needs = true;
  if (!needs) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::vector<std::vector<std::string>> ParseCsv(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  bool any = false;  // the current row has started
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n') {
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      any = false;
    } else if (c != '\r') {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

char CheckCharacter(std::string_view first17) {
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr std::string_view kChecks = "10X98765432";
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kChecks[static_cast<size_t>(sum % 11)];
}

std::string MakeIdNumber(std::string_view region, std::string_view birth, bool male, int serial) {
  std::string first17(region.substr(0, 6));
  for (char c : birth) {
    if (c != '-') first17 += c;
  }
  // 100, 102, ... for women and 101, 103, ... for men: distinct per serial.
  first17 += fmt::format("{:03d}", 100 + 2 * serial + (male ? 1 : 0));
  return first17 + CheckCharacter(first17);
}

}  // namespace tacit::golden

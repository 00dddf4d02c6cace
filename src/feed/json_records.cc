// FrameJsonRecords: pushed JSON records as JSON Lines, framing only. The
// feed reader checks each line, so a pushed record and a line of a file are
// checked by the same code.
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

#include "tacit/feed.h"

namespace tacit {
namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpaces(std::string_view s, size_t i) {
  while (i < s.size() && IsJsonSpace(s[i])) ++i;
  return i;
}

tl::unexpected<Error> Broken(size_t at, std::string_view what) {
  return InvalidArgument(fmt::format("{} (at byte {} of the body)", what, at + 1));
}

// The end of the JSON value starting at `i` (just after it): after the
// bracket that closes an object or array, after the quote that closes a
// string, or at the first comma, bracket or space after any other scalar.
// Brackets must match and strings must close on their line.
Result<size_t> ValueEnd(std::string_view s, size_t i, std::vector<char>& closers) {
  closers.clear();
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      const size_t open = i;
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\') {
          ++i;
        } else if (s[i] == '\n' || s[i] == '\r') {
          return Broken(i, "a line break inside a string (write it as \\n)");
        }
      }
      if (i >= s.size()) return Broken(open, "a string is not closed");
      if (closers.empty()) return i + 1;
    } else if (c == '{' || c == '[') {
      closers.push_back(c == '{' ? '}' : ']');
    } else if (c == '}' || c == ']') {
      if (closers.empty()) return i;
      if (closers.back() != c) return Broken(i, "brackets do not match");
      closers.pop_back();
      if (closers.empty()) return i + 1;
    } else if (closers.empty() && (c == ',' || IsJsonSpace(c))) {
      return i;
    }
  }
  if (!closers.empty()) return Broken(s.size() - 1, "a bracket is not closed");
  return s.size();
}

// The value's text as one line: whitespace between tokens becomes a space
// (a line break can only be whitespace here: one inside a string is refused).
void AppendLine(std::string& out, std::string_view value) {
  while (!value.empty() && IsJsonSpace(value.back())) value.remove_suffix(1);
  const size_t from = out.size();
  out.append(value);
  for (size_t k = from; k < out.size(); ++k) {
    if (out[k] == '\n' || out[k] == '\r') out[k] = ' ';
  }
  out.push_back('\n');
}

}  // namespace

Result<PushedRecords> FrameJsonRecords(std::string_view body, size_t max_records) {
  PushedRecords out;
  std::vector<char> closers;
  size_t i = SkipSpaces(body, 0);
  if (i < body.size() && body[i] == '{') {
    ASSIGN_OR_RETURN(size_t end, ValueEnd(body, i, closers));
    if (SkipSpaces(body, end) != body.size()) return Broken(end, "text after the record");
    AppendLine(out.lines, body.substr(i, end - i));
    out.count = 1;
    out.single = true;
    return out;
  }
  if (i >= body.size() || body[i] != '[') {
    return Broken(i, "expected a JSON object (one record) or an array of records");
  }
  out.lines.reserve(body.size());
  i = SkipSpaces(body, i + 1);
  if (i < body.size() && body[i] == ']') {
    i = SkipSpaces(body, i + 1);
  } else {
    while (true) {
      if (i >= body.size()) return Broken(body.size() - 1, "the array is not closed");
      ASSIGN_OR_RETURN(size_t end, ValueEnd(body, i, closers));
      if (end == i) return Broken(i, "an empty element");
      if (++out.count > max_records)
        return Broken(i, fmt::format("more than {} records", max_records));
      AppendLine(out.lines, body.substr(i, end - i));
      const size_t next = SkipSpaces(body, end);
      if (next == body.size()) return Broken(body.size() - 1, "the array is not closed");
      i = SkipSpaces(body, next + 1);
      if (body[next] == ']') break;
      if (body[next] != ',') return Broken(next, "expected a comma or the end of the array");
    }
  }
  if (i != body.size()) return Broken(i, "text after the array");
  return out;
}

}  // namespace tacit

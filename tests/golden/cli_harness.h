// The pieces of the CLI golden-scenario harness that are worth testing on their
// own: splitting a scenario line into tokens, the path language over
// `tacit person show --json`, CSV reading and writing, and identity numbers made
// from a person's sex, birth date and region. The runner that drives the real
// binary is golden_cli_test.cc; the file format is tests/golden/cli/README.md.
//
//   nlohmann::json p = nlohmann::json::parse(out);
//   PathLookup r = LookupPath(p, "entitlements[enterprise].months[2026-05].status");
//   if (r.ok()) EXPECT_EQ(RenderScalar(*r.value), "terminated");
#ifndef TACIT_TESTS_GOLDEN_CLI_HARNESS_H_
#define TACIT_TESTS_GOLDEN_CLI_HARNESS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tacit::golden {

// One whitespace-separated token of a scenario line and where it is in the
// line. A token may hold spaces when they are inside a balanced {...} (a JSON
// detail object, strings in it respected) or inside "double quotes".
struct Token {
  std::string text;
  size_t begin = 0;  // offset of the first character in the line
  size_t end = 0;    // offset one past the last character
};

struct TokenizedLine {
  std::vector<Token> tokens;
  // Where the trailing comment starts (a token beginning with '#'), or the
  // line's length when there is none.
  size_t comment_at = 0;
  std::string error;  // an unbalanced brace or quote; empty when fine
};

TokenizedLine Tokenize(std::string_view line);

// "key=value" → {key, value}; a value in double quotes loses them
// (key="a b" → {key, a b}). No '=' → {token, ""} with has_value false.
struct KeyValue {
  std::string key;
  std::string value;
  bool has_value = false;
};
KeyValue SplitKeyValue(std::string_view token);

// Strips one pair of surrounding double quotes ("" is the empty string).
std::string Unquote(std::string_view text);

// The path language over a JSON document:
//   a.b.c          object members
//   a[#2]          the third element of an array (0-based)
//   a[2026-05]     the element of an array whose scheme, month, type, kind, id
//                  or ref (in that order of fields) renders as the key
//   a[rule=x]      the element whose field `rule` renders as x
//   a.#            the number of elements of an array or object
// Selectors chain: entitlements[enterprise].months[2026-05].paid.
struct PathLookup {
  const nlohmann::json* value = nullptr;  // null when the path does not resolve
  std::string error;                      // why not, naming the failing segment
  // The innermost object or array reached (the array element for a selector):
  // the excerpt a failure message shows.
  const nlohmann::json* context = nullptr;
  std::string context_path;  // the path prefix that reached `context`
  nlohmann::json count;      // holds the value of a trailing `.#`
  bool ok() const { return value != nullptr; }
};
PathLookup LookupPath(const nlohmann::json& root, std::string_view path);

// A JSON value as a scenario compares it: strings without quotes, integers
// without a decimal point, true/false/null, arrays and objects as compact JSON.
std::string RenderScalar(const nlohmann::json& v);

// A JSON excerpt for failure messages: pretty-printed, long string members
// (explanations) kept, cut after `limit` characters.
std::string Excerpt(const nlohmann::json& v, size_t limit = 2000);

// RFC 4180 field quoting (only when needed) and a small reader for the CSV
// files tacit writes (payroll). The harness has its own CSV code so that a bug
// in tacit's is not shared with the test that should catch it.
std::string CsvQuote(std::string_view field);
std::vector<std::vector<std::string>> ParseCsv(std::string_view text);

// A valid 18-character identity number (GB 11643): the 6-digit county of
// `region`, the birth date YYYYMMDD, a 3-digit sequence whose parity is the sex
// (odd male) and the MOD 11-2 check character. `serial` makes it unique.
// REQUIRES: region has at least 6 digits; birth is YYYY-MM-DD; 0 <= serial < 450.
std::string MakeIdNumber(std::string_view region, std::string_view birth, bool male, int serial);
// The MOD 11-2 check character of 17 digits, computed here rather than with
// tacit's helper so that the two are checked against each other.
char CheckCharacter(std::string_view first17);

}  // namespace tacit::golden

#endif  // TACIT_TESTS_GOLDEN_CLI_HARNESS_H_

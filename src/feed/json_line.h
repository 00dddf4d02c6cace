// A parser for one line of JSON Lines holding a flat object, tuned for feeds:
// it validates the whole line as JSON but keeps only the values of the keys it
// was asked for, as string_views into the line (or into a small buffer of its
// own for strings with escapes). Nested objects and arrays are kept as their
// raw JSON text. Internal to the feed module.
//
//   JsonLineParser p({"visit_id", "event"});
//   if (p.Parse(R"({"visit_id":"ZY1","event":"入院","x":[1]})")) {
//     p.value(0).text == "ZY1";  p.value(0).type == JsonValueType::kString
//   }
#ifndef TACIT_SRC_FEED_JSON_LINE_H_
#define TACIT_SRC_FEED_JSON_LINE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tacit::feed_internal {

enum class JsonValueType { kMissing, kNull, kString, kNumber, kBool, kObject, kArray };

struct JsonValue {
  JsonValueType type = JsonValueType::kMissing;
  // kString: the decoded string; kNumber, kBool: the literal as written;
  // kObject, kArray: the value's JSON text; otherwise empty.
  std::string_view text;
};

class JsonLineParser {
 public:
  explicit JsonLineParser(std::vector<std::string> keys);

  // Parses `line`, which must be valid UTF-8 and hold one JSON object
  // (surrounding whitespace allowed). Returns false when it is not a JSON
  // object; then error() says why and error_offset() where (bytes from the
  // start of the line). Values are valid until the next Parse(). For a key that
  // appears twice the last value wins, as in most JSON libraries.
  bool Parse(std::string_view line);

  const JsonValue& value(size_t key_index) const { return values_[key_index]; }
  std::string_view error() const { return error_; }
  size_t error_offset() const { return error_offset_; }

 private:
  bool Fail(size_t pos, std::string_view why);
  void SkipSpace();
  // Reads a string at pos_ (at its opening quote). *out is a view into the line
  // or, with escapes, into *scratch.
  bool ReadString(std::string_view* out, std::string* scratch);
  bool ReadNumber();
  bool ReadNested();
  int FindKey(std::string_view key) const;

  std::vector<std::string> keys_;
  std::vector<JsonValue> values_;
  std::vector<std::string> scratch_;  // per key, for strings with escapes
  std::string key_scratch_;
  std::string skip_scratch_;
  std::string_view line_;
  size_t pos_ = 0;
  std::string_view error_;
  size_t error_offset_ = 0;
};

}  // namespace tacit::feed_internal

#endif  // TACIT_SRC_FEED_JSON_LINE_H_

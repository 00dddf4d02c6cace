#include "feed/json_line.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>

namespace tacit::feed_internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

JsonLineParser::JsonLineParser(std::vector<std::string> keys)
    : keys_(std::move(keys)), values_(keys_.size()), scratch_(keys_.size()) {}

bool JsonLineParser::Fail(size_t pos, std::string_view why) {
  error_ = why;
  error_offset_ = pos;
  return false;
}

void JsonLineParser::SkipSpace() {
  while (pos_ < line_.size()) {
    const char c = line_[pos_];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
    ++pos_;
  }
}

int JsonLineParser::FindKey(std::string_view key) const {
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return static_cast<int>(i);
  }
  return -1;
}

bool JsonLineParser::ReadString(std::string_view* out, std::string* scratch) {
  const size_t start = ++pos_;  // after the opening quote
  // Fast path: no escapes.
  size_t p = start;
  while (p < line_.size()) {
    const auto c = static_cast<unsigned char>(line_[p]);
    if (c == '"') {
      *out = line_.substr(start, p - start);
      pos_ = p + 1;
      return true;
    }
    if (c == '\\') break;
    if (c < 0x20) return Fail(p, "a control character inside a string");
    ++p;
  }
  if (p >= line_.size()) return Fail(start - 1, "a string is not closed");
  scratch->assign(line_.data() + start, p - start);
  while (p < line_.size()) {
    const auto c = static_cast<unsigned char>(line_[p]);
    if (c == '"') {
      *out = *scratch;
      pos_ = p + 1;
      return true;
    }
    if (c < 0x20) return Fail(p, "a control character inside a string");
    if (c != '\\') {
      scratch->push_back(static_cast<char>(c));
      ++p;
      continue;
    }
    if (p + 1 >= line_.size()) break;
    const char e = line_[p + 1];
    p += 2;
    switch (e) {
      case '"':
        scratch->push_back('"');
        break;
      case '\\':
        scratch->push_back('\\');
        break;
      case '/':
        scratch->push_back('/');
        break;
      case 'b':
        scratch->push_back('\b');
        break;
      case 'f':
        scratch->push_back('\f');
        break;
      case 'n':
        scratch->push_back('\n');
        break;
      case 'r':
        scratch->push_back('\r');
        break;
      case 't':
        scratch->push_back('\t');
        break;
      case 'u': {
        const auto read_hex4 = [&](size_t at, uint32_t* v) {
          if (at + 4 > line_.size()) return false;
          uint32_t x = 0;
          for (size_t i = 0; i < 4; ++i) {
            const int h = HexValue(line_[at + i]);
            if (h < 0) return false;
            x = x * 16 + static_cast<uint32_t>(h);
          }
          *v = x;
          return true;
        };
        uint32_t cp = 0;
        if (!read_hex4(p, &cp)) return Fail(p - 2, "a bad \\u escape");
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low = 0;
          if (p + 2 > line_.size() || line_[p] != '\\' || line_[p + 1] != 'u' ||
              !read_hex4(p + 2, &low) || low < 0xDC00 || low > 0xDFFF) {
            return Fail(p - 6, "an unpaired UTF-16 surrogate in a \\u escape");
          }
          p += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return Fail(p - 6, "an unpaired UTF-16 surrogate in a \\u escape");
        }
        AppendUtf8(scratch, cp);
        break;
      }
      default:
        return Fail(p - 2, "an unknown escape in a string");
    }
  }
  return Fail(start - 1, "a string is not closed");
}

bool JsonLineParser::ReadNumber() {
  const size_t start = pos_;
  size_t p = pos_;
  if (p < line_.size() && line_[p] == '-') ++p;
  if (p >= line_.size() || !IsDigit(line_[p])) return Fail(start, "a bad number");
  if (line_[p] == '0') {
    ++p;
  } else {
    while (p < line_.size() && IsDigit(line_[p])) ++p;
  }
  if (p < line_.size() && line_[p] == '.') {
    ++p;
    if (p >= line_.size() || !IsDigit(line_[p])) return Fail(start, "a bad number");
    while (p < line_.size() && IsDigit(line_[p])) ++p;
  }
  if (p < line_.size() && (line_[p] == 'e' || line_[p] == 'E')) {
    ++p;
    if (p < line_.size() && (line_[p] == '+' || line_[p] == '-')) ++p;
    if (p >= line_.size() || !IsDigit(line_[p])) return Fail(start, "a bad number");
    while (p < line_.size() && IsDigit(line_[p])) ++p;
  }
  pos_ = p;
  return true;
}

bool JsonLineParser::ReadNested() {
  // Find the matching bracket, stepping over strings, then let nlohmann check
  // the span: nested values are rare in feeds, so this path may be slow.
  const size_t start = pos_;
  int depth = 0;
  size_t p = pos_;
  while (p < line_.size()) {
    const char c = line_[p];
    if (c == '"') {
      pos_ = p;
      std::string_view ignored;
      if (!ReadString(&ignored, &skip_scratch_)) return false;
      p = pos_;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') {
      if (--depth == 0) {
        ++p;
        break;
      }
    }
    ++p;
  }
  if (depth != 0) return Fail(start, "an object or array is not closed");
  if (!nlohmann::json::accept(line_.substr(start, p - start))) {
    return Fail(start, "a nested object or array is not valid JSON");
  }
  pos_ = p;
  return true;
}

bool JsonLineParser::Parse(std::string_view line) {
  line_ = line;
  pos_ = 0;
  error_ = {};
  error_offset_ = 0;
  for (JsonValue& v : values_) v = JsonValue{};
  SkipSpace();
  if (pos_ >= line_.size() || line_[pos_] != '{') {
    return Fail(pos_, "expected a JSON object ({...}) on each line");
  }
  ++pos_;
  SkipSpace();
  if (pos_ < line_.size() && line_[pos_] == '}') {
    ++pos_;
  } else {
    for (;;) {
      SkipSpace();
      if (pos_ >= line_.size() || line_[pos_] != '"') return Fail(pos_, "expected a key in quotes");
      std::string_view key;
      if (!ReadString(&key, &key_scratch_)) return false;
      const int k = FindKey(key);
      SkipSpace();
      if (pos_ >= line_.size() || line_[pos_] != ':') return Fail(pos_, "expected ':' after a key");
      ++pos_;
      SkipSpace();
      if (pos_ >= line_.size()) return Fail(pos_, "expected a value");
      const size_t start = pos_;
      JsonValue v;
      const char c = line_[pos_];
      if (c == '"') {
        v.type = JsonValueType::kString;
        if (!ReadString(&v.text, k >= 0 ? &scratch_[static_cast<size_t>(k)] : &skip_scratch_)) {
          return false;
        }
      } else if (c == '{' || c == '[') {
        v.type = c == '{' ? JsonValueType::kObject : JsonValueType::kArray;
        if (!ReadNested()) return false;
        v.text = line_.substr(start, pos_ - start);
      } else if (c == '-' || IsDigit(c)) {
        v.type = JsonValueType::kNumber;
        if (!ReadNumber()) return false;
        v.text = line_.substr(start, pos_ - start);
      } else if (line_.substr(pos_, 4) == "true" || line_.substr(pos_, 5) == "false") {
        v.type = JsonValueType::kBool;
        pos_ += c == 't' ? 4 : 5;
        v.text = line_.substr(start, pos_ - start);
      } else if (line_.substr(pos_, 4) == "null") {
        v.type = JsonValueType::kNull;
        pos_ += 4;
      } else {
        return Fail(pos_, "expected a value");
      }
      if (k >= 0) values_[static_cast<size_t>(k)] = v;
      SkipSpace();
      if (pos_ < line_.size() && line_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < line_.size() && line_[pos_] == '}') {
        ++pos_;
        break;
      }
      return Fail(pos_, "expected ',' or '}'");
    }
  }
  SkipSpace();
  if (pos_ != line_.size()) return Fail(pos_, "text after the object");
  return true;
}

}  // namespace tacit::feed_internal

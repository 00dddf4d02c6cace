#include "feed/csv.h"

#include <algorithm>
#include <cstring>

namespace tacit::feed_internal {
namespace {

constexpr std::string_view kRunawayQuote =
    "a quoted field is not closed on this line and runs into the next lines without making a "
    "well-formed row (a missing closing quote; a quote inside a field must be doubled)";

}  // namespace

bool CsvScanner::Next(CsvRecord* record) {
  const char* const base = data_.data();
  const char* const end = base + data_.size();
  while (pos_ < data_.size()) {
    const char* const start = base + pos_;
    const auto* nl =
        static_cast<const char*>(std::memchr(start, '\n', static_cast<size_t>(end - start)));
    const char* const line_end = nl != nullptr ? nl : end;
    const char* content_end = line_end;
    if (content_end > start && content_end[-1] == '\r') --content_end;
    if (content_end == start) {  // an empty line
      pos_ = static_cast<size_t>(line_end - base) + (nl != nullptr ? 1 : 0);
      if (nl != nullptr) ++line_;
      continue;
    }
    if (std::memchr(start, '"', static_cast<size_t>(content_end - start)) != nullptr) {
      NextQuoted(record);
      return true;
    }
    // Fast path: one physical line, no quotes.
    fields_.clear();
    const char* field = start;
    for (const char* p = start; p < content_end; ++p) {
      if (*p == delimiter_) {
        fields_.emplace_back(field, static_cast<size_t>(p - field));
        field = p + 1;
      }
    }
    fields_.emplace_back(field, static_cast<size_t>(content_end - field));
    record->line = line_;
    record->raw = std::string_view(start, static_cast<size_t>(content_end - start));
    record->fields = fields_;
    record->error = {};
    pos_ = static_cast<size_t>(line_end - base) + (nl != nullptr ? 1 : 0);
    if (nl != nullptr) ++line_;
    return true;
  }
  return false;
}

void CsvScanner::NextQuoted(CsvRecord* record) {
  const char* const base = data_.data();
  const size_t size = data_.size();
  const size_t start = pos_;
  const int64_t start_line = line_;
  size_t p = start;
  pieces_.clear();
  scratch_.clear();
  size_t content_end = size;  // where the record's text ends (before CRLF / LF)
  for (;;) {
    if (p < size && base[p] == '"') {
      ++p;
      size_t segment = p;
      bool escaped = false;
      const size_t scratch_begin = scratch_.size();
      for (;;) {
        const auto* q = static_cast<const char*>(std::memchr(base + p, '"', size - p));
        if (q == nullptr) {
          // Everything after this line would be swallowed by one bad record:
          // reject the line alone and read on from the next one.
          RejectFirstLine(record, start, start_line,
                          "a quoted field is not closed before the end of the file (a missing "
                          "closing quote; a quote inside a field must be doubled)");
          return;
        }
        const size_t qi = static_cast<size_t>(q - base);
        line_ += std::count(base + p, q, '\n');
        if (qi + 1 < size && base[qi + 1] == '"') {  // a doubled quote: one literal quote
          escaped = true;
          scratch_.append(base + segment, qi + 1 - segment);
          p = qi + 2;
          segment = p;
          continue;
        }
        if (escaped) {
          scratch_.append(base + segment, qi - segment);
          pieces_.push_back({scratch_begin, scratch_.size() - scratch_begin, true});
        } else {
          pieces_.push_back({segment, qi - segment, false});
        }
        p = qi + 1;
        break;
      }
      // After the closing quote: a delimiter, the end of the record, or an error.
      if (p == size) {
        content_end = p;
        break;
      }
      const char c = base[p];
      if (c == delimiter_) {
        ++p;
        continue;
      }
      if (c == '\n' || (c == '\r' && (p + 1 == size || base[p + 1] == '\n'))) {
        content_end = p;
        break;
      }
      if (line_ != start_line) {
        // The "closing" quote was most likely the opening quote of a field on a
        // later line: the quote that opened this record was never closed.
        RejectFirstLine(record, start, start_line, kRunawayQuote);
        return;
      }
      Malformed(record, start, p, start_line,
                "text follows the closing quote of a quoted field (a quote inside a field must "
                "be doubled)");
      return;
    }
    // An unquoted field: up to the delimiter or the end of the line.
    const size_t field = p;
    while (p < size && base[p] != delimiter_ && base[p] != '\n') ++p;
    if (p < size && base[p] == delimiter_) {
      pieces_.push_back({field, p - field, false});
      ++p;
      continue;
    }
    size_t field_end = p;
    if (field_end > field && base[field_end - 1] == '\r') --field_end;
    pieces_.push_back({field, field_end - field, false});
    content_end = field_end;
    break;
  }
  if (expected_fields_ != 0 && line_ != start_line && pieces_.size() != expected_fields_) {
    // A quoted field ran over line breaks and the record does not fit the
    // header: taken as a missing closing quote rather than a long record.
    RejectFirstLine(record, start, start_line, kRunawayQuote);
    return;
  }
  // Step over the line terminator.
  size_t next = content_end;
  if (next < size && base[next] == '\r') ++next;
  if (next < size && base[next] == '\n') {
    ++next;
    ++line_;
  }
  pos_ = next;
  fields_.clear();
  for (const Piece& piece : pieces_) {
    fields_.emplace_back((piece.in_scratch ? scratch_.data() : base) + piece.begin, piece.size);
  }
  record->line = start_line;
  record->raw = std::string_view(base + start, content_end - start);
  record->fields = fields_;
  record->error = {};
}

void CsvScanner::RejectFirstLine(CsvRecord* record, size_t start, int64_t start_line,
                                 std::string_view why) {
  const char* const base = data_.data();
  const size_t size = data_.size();
  const auto* nl = static_cast<const char*>(std::memchr(base + start, '\n', size - start));
  size_t raw_end = nl != nullptr ? static_cast<size_t>(nl - base) : size;
  pos_ = nl != nullptr ? raw_end + 1 : size;
  line_ = start_line + (nl != nullptr ? 1 : 0);
  if (raw_end > start && base[raw_end - 1] == '\r') --raw_end;
  record->line = start_line;
  record->raw = std::string_view(base + start, raw_end - start);
  record->fields = {};
  record->error = why;
}

void CsvScanner::Malformed(CsvRecord* record, size_t start, size_t error_pos, int64_t start_line,
                           std::string_view why) {
  const char* const base = data_.data();
  const size_t size = data_.size();
  const auto* nl = static_cast<const char*>(std::memchr(base + error_pos, '\n', size - error_pos));
  size_t raw_end = nl != nullptr ? static_cast<size_t>(nl - base) : size;
  pos_ = nl != nullptr ? raw_end + 1 : size;
  if (nl != nullptr) ++line_;
  if (raw_end > start && base[raw_end - 1] == '\r') --raw_end;
  record->line = start_line;
  record->raw = std::string_view(base + start, raw_end - start);
  record->fields = {};
  record->error = why;
}

}  // namespace tacit::feed_internal

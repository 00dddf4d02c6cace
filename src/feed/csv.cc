#include "feed/csv.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tacit::feed_internal {
namespace {

constexpr std::string_view kRunawayQuote =
    "a quoted field is not closed on this line and runs into the next lines without making a "
    "well-formed row (a missing closing quote; a quote inside a field must be doubled)";

}  // namespace

bool CsvScanner::Next(CsvRecord* record) {
  const char* const base = data_.data();
  const size_t size = data_.size();
  while (pos_ < size) {
    // An empty line (LF, CRLF, or a CR that ends the data) is skipped.
    const char c = base[pos_];
    if (c == '\n' || (c == '\r' && (pos_ + 1 == size || base[pos_ + 1] == '\n'))) {
      pos_ += c == '\r' ? 1 : 0;
      if (pos_ < size) {  // the LF
        ++pos_;
        ++line_;
      }
      continue;
    }
    if (general_only_ || !NextOnOneLine(record)) NextQuoted(record);
    return true;
  }
  return false;
}

namespace {

// Bit i is set when p[i] (i < n <= 16) is the delimiter, a quote or a line
// feed: the bytes where the CSV grammar can change state.
inline uint32_t SpecialBytesTail(const char* p, size_t n, char delimiter) {
  uint32_t bits = 0;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] == delimiter || p[i] == '"' || p[i] == '\n') bits |= 1u << i;
  }
  return bits;
}

// The same for the 16 bytes at p, with SSE2 where there is SSE2.
inline uint32_t SpecialBytes16(const char* p, char delimiter) {
#if defined(__SSE2__)
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(delimiter)),
                                                 _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))),
                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
  return static_cast<uint32_t>(_mm_movemask_epi8(hits));
#else
  return SpecialBytesTail(p, 16, delimiter);
#endif
}

}  // namespace

bool CsvScanner::NextOnOneLine(CsvRecord* record) {
  const char* const base = data_.data();
  const size_t size = data_.size();
  const size_t start = pos_;
  const int64_t start_line = line_;
  fields_.clear();
  scratch_fields_.clear();
  scratch_.clear();
  size_t field = start;      // where the current field begins (its opening quote, if quoted)
  size_t resume = start;     // bytes before this were consumed already (a doubled quote's second half)
  bool quoted = false;       // inside a quoted field
  bool escaped = false;      // the quoted field holds a doubled quote: its text is in scratch_
  size_t segment = 0;        // quoted: where the text not yet copied to scratch_ begins
  size_t scratch_begin = 0;  // quoted and escaped: where its text begins in scratch_
  size_t content_end = 0;    // the record's end, before CRLF / LF
  // Ends the unquoted field that runs to `end` (a delimiter or the line's end).
  const auto take_plain = [&](size_t end) { fields_.emplace_back(base + field, end - field); };
  // At the quote closing a quoted field at `at`: the field ends, and what
  // follows must be a delimiter or the end of the record.
  // Returns 1: the record goes on; 0: it ends; -1: not for the fast path.
  const auto close_quoted = [&](size_t at) -> int {
    if (escaped) {
      scratch_.append(base + segment, at - segment);
      scratch_fields_.push_back({fields_.size(), scratch_begin, scratch_.size() - scratch_begin});
      fields_.emplace_back();
    } else {
      fields_.emplace_back(base + field + 1, at - field - 1);
    }
    quoted = false;
    const size_t after = at + 1;
    if (after == size || base[after] == '\n' ||
        (base[after] == '\r' && (after + 1 == size || base[after + 1] == '\n'))) {
      content_end = after;
      return 0;
    }
    if (base[after] != delimiter_) return -1;
    field = after + 1;
    resume = after + 1;
    return 1;
  };
  for (size_t block = start;; block += 16) {
    if (block >= size) {
      if (quoted) return false;  // the quote is not closed before the end of the data
      size_t end = size;
      if (end > field && base[end - 1] == '\r') --end;
      take_plain(end);
      content_end = end;
      break;
    }
    const size_t n = std::min<size_t>(16, size - block);
    uint32_t bits =
        n == 16 ? SpecialBytes16(base + block, delimiter_) : SpecialBytesTail(base + block, n, delimiter_);
    int state = 1;
    while (bits != 0 && state == 1) {
      const size_t at = block + static_cast<size_t>(__builtin_ctz(bits));
      bits &= bits - 1;
      if (at < resume) continue;
      const char c = base[at];
      if (quoted) {
        if (c == '\n') return false;  // a quoted line break: a record over several lines
        if (c != '"') continue;       // a delimiter inside quotes is text
        if (at + 1 < size && base[at + 1] == '"') {  // a doubled quote: one literal quote
          if (!escaped) {
            escaped = true;
            scratch_begin = scratch_.size();
          }
          scratch_.append(base + segment, at + 1 - segment);
          segment = at + 2;
          resume = at + 2;
          continue;
        }
        state = close_quoted(at);
        if (state < 0) return false;
      } else if (c == delimiter_) {
        take_plain(at);
        field = at + 1;
      } else if (c == '\n') {
        size_t end = at;
        if (end > field && base[end - 1] == '\r') --end;
        take_plain(end);
        content_end = end;
        state = 0;
      } else if (at == field) {  // a quote opening a quoted field
        quoted = true;
        escaped = false;
        segment = at + 1;
      }  // else a quote inside an unquoted field: text
    }
    if (state == 0) break;
  }
  for (const ScratchField& f : scratch_fields_) fields_[f.index] = std::string_view(scratch_.data() + f.begin, f.size);
  Finish(record, start, content_end, start_line);
  return true;
}

void CsvScanner::Finish(CsvRecord* record, size_t start, size_t content_end, int64_t start_line) {
  const char* const base = data_.data();
  const size_t size = data_.size();
  // Step over the line terminator.
  size_t next = content_end;
  if (next < size && base[next] == '\r') ++next;
  if (next < size && base[next] == '\n') {
    ++next;
    ++line_;
  }
  pos_ = next;
  record->line = start_line;
  record->raw = std::string_view(base + start, content_end - start);
  record->fields = fields_;
  record->error = {};
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
  fields_.clear();
  for (const Piece& piece : pieces_) {
    fields_.emplace_back((piece.in_scratch ? scratch_.data() : base) + piece.begin, piece.size);
  }
  Finish(record, start, content_end, start_line);
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

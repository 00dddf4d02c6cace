// An RFC 4180 CSV scanner over a buffer in memory. Internal to the feed module.
//
// Fields are string_views into the buffer; only quoted fields with doubled
// quotes ("a ""b"" c") are unescaped, into a scratch buffer the scanner owns.
// Records end at LF or CRLF outside quotes; quoted fields may hold delimiters,
// quotes and line breaks. Empty physical lines are skipped. A quote inside an
// unquoted field is taken literally.
//
// A quote that is never closed must not swallow the rest of the file: when a
// record whose quoted field runs over line breaks is malformed (no closing
// quote before the end of the data, text after the closing quote, or, with
// set_expected_fields, the wrong number of fields), only the record's first
// physical line is reported as malformed, and scanning resumes on the next
// physical line, so the rows after it are read as usual.
//
//   CsvScanner scanner(text, ',');
//   CsvRecord rec;
//   while (scanner.Next(&rec)) {
//     if (!rec.error.empty()) { ... malformed: rec.line, rec.raw ... }
//     for (std::string_view f : rec.fields) ...
//   }
#ifndef TACIT_SRC_FEED_CSV_H_
#define TACIT_SRC_FEED_CSV_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tacit::feed_internal {

struct CsvRecord {
  int64_t line = 0;      // 1-based physical line where the record starts
  std::string_view raw;  // the record's text without its line terminator
  // The fields, unquoted. Valid until the next call of Next(); empty when
  // `error` is set.
  std::span<const std::string_view> fields;
  // Empty for a well-formed record; otherwise why it is malformed (no data
  // from the record in it). Scanning resumes on the next line.
  std::string_view error;
};

class CsvScanner {
 public:
  // REQUIRES: `data` outlives the scanner; `delimiter` is not '"', CR or LF.
  CsvScanner(std::string_view data, char delimiter, int64_t first_line = 1)
      : data_(data), delimiter_(delimiter), line_(first_line) {}

  // Reads the next record into *record. Returns false when the data is exhausted.
  bool Next(CsvRecord* record);

  // From now on, a record that spans several physical lines (a quoted field
  // holds a line break) and does not have `n` fields is taken as a missing
  // closing quote: its first line is malformed and scanning resumes on the
  // next line. 0 (the default) turns the check off. Records on one line are
  // returned whatever their field count; the caller checks it.
  void set_expected_fields(size_t n) { expected_fields_ = n; }

  // For tests: reads every record on the general path, which the one-line fast
  // path must agree with byte for byte.
  void set_general_path_only(bool on) { general_only_ = on; }

 private:
  struct Piece {
    size_t begin;  // offset into data_, or into scratch_ when in_scratch
    size_t size;
    bool in_scratch;
  };

  // The fast path: a record on one physical line whose quoted fields (if any)
  // each close before a delimiter or the line's end. It finds the delimiters,
  // quotes and line feeds 16 bytes at a time. False, with nothing consumed,
  // for any other record: the general path then reads it and says what is
  // wrong with it.
  bool NextOnOneLine(CsvRecord* record);
  // The general path: any record, malformed ones included.
  void NextQuoted(CsvRecord* record);
  // Fills *record with fields_ and the record's text from `start` to
  // `content_end` (before its CRLF / LF), and moves past its line terminator.
  void Finish(CsvRecord* record, size_t start, size_t content_end, int64_t start_line);
  void Malformed(CsvRecord* record, size_t start, size_t error_pos, int64_t start_line,
                 std::string_view why);
  // Reports the physical line at `start` alone as malformed and moves to the
  // line after it.
  void RejectFirstLine(CsvRecord* record, size_t start, int64_t start_line, std::string_view why);

  std::string_view data_;
  char delimiter_;
  size_t pos_ = 0;
  int64_t line_;
  size_t expected_fields_ = 0;
  bool general_only_ = false;
  std::vector<std::string_view> fields_;
  std::vector<Piece> pieces_;
  // The fast path's unescaped fields, patched into fields_ once the record is
  // read (scratch_ may move while it grows).
  struct ScratchField {
    size_t index;  // in fields_
    size_t begin;  // in scratch_
    size_t size;
  };
  std::vector<ScratchField> scratch_fields_;
  std::string scratch_;
};

}  // namespace tacit::feed_internal

#endif  // TACIT_SRC_FEED_CSV_H_

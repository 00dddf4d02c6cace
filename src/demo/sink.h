// A buffered output file for the demo generator: rows are appended as UTF-8 to
// an in-memory buffer and written in large blocks, converted to GBK on the way
// out when the file is a GBK one (glibc iconv). Only whole rows are ever
// converted, so a character never straddles two blocks.
#ifndef TACIT_DEMO_SINK_H_
#define TACIT_DEMO_SINK_H_

#include <iconv.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "tacit/result.h"

namespace tacit::demo {

class Sink {
 public:
  Sink() = default;
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;
  ~Sink();

  // Creates (or truncates) `path`. `gbk`: convert the UTF-8 rows to GBK.
  Status Open(const std::string& path, bool gbk);

  // The buffer to append one whole row (with its line break) to; then call EndRow.
  std::string& row_buffer() { return buffer_; }
  // Counts the row and writes the buffer out when it is large. A write or
  // conversion error is kept and returned by Close; later rows are dropped.
  void EndRow() {
    ++rows_;
    if (buffer_.size() >= kFlushBytes) Flush();
  }
  // Like EndRow for a line that is not a data row (the header).
  void EndHeader() {
    if (buffer_.size() >= kFlushBytes) Flush();
  }

  // Flushes and closes; returns the first error met since Open.
  Status Close();

  int64_t rows() const { return rows_; }
  const std::string& path() const { return path_; }

 private:
  static constexpr size_t kFlushBytes = 1 << 17;
  void Flush();

  std::string path_;
  std::FILE* file_ = nullptr;
  iconv_t to_gbk_ = reinterpret_cast<iconv_t>(-1);
  std::string buffer_;
  std::string converted_;
  int64_t rows_ = 0;
  std::string error_;  // empty while all is well
};

}  // namespace tacit::demo

#endif  // TACIT_DEMO_SINK_H_

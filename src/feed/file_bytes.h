// The bytes of a feed file, memory-mapped (or read whole when mapping is not
// possible, e.g. a pipe), and their SHA-256. Internal to the feed module.
#ifndef TACIT_SRC_FEED_FILE_BYTES_H_
#define TACIT_SRC_FEED_FILE_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/result.h"

namespace tacit::feed_internal {

// Owns a read-only view of a whole file. Move-only.
class FileBytes {
 public:
  // Errors: kNotFound when the file does not exist, kUnavailable when it cannot
  // be opened or read; the message names the path and the system's reason.
  static Result<FileBytes> Open(const std::string& path);

  FileBytes(FileBytes&& other) noexcept;
  FileBytes& operator=(FileBytes&& other) noexcept;
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;
  ~FileBytes();

  // Valid while this object lives.
  std::string_view bytes() const {
    return mapped_ != nullptr ? std::string_view(static_cast<const char*>(mapped_), size_)
                              : std::string_view(buffer_);
  }

 private:
  FileBytes() = default;
  void Release();

  void* mapped_ = nullptr;  // from mmap, or nullptr when buffer_ holds the bytes
  size_t size_ = 0;
  std::string buffer_;
};

// A line of a converted file whose bytes are not valid in the file's encoding.
struct BadLine {
  int64_t line = 0;        // 1-based physical line
  size_t offset = 0;       // 0-based byte of the line where conversion failed
  bool truncated = false;  // the data ends inside a multi-byte character
  std::string_view bytes;  // the line as received, without its LF (or CRLF)
};

// A file converted to UTF-8.
struct ConvertedText {
  // The text in UTF-8. In a line that does not convert, each byte that cannot
  // be converted is replaced by U+FFFD and the rest of the line is converted
  // as usual, so the line keeps its quotes, delimiters and line break (neither
  // encoding uses a byte below 0x40 inside a multi-byte character) and every
  // line keeps its number. Such a line is never blank.
  std::string utf8;
  std::vector<BadLine> bad_lines;  // in file order; views into the input bytes
};

// Converts `bytes` in `encoding` ("GBK" or "GB18030") to UTF-8 with iconv. A
// byte sequence that is not valid in the encoding does not stop the
// conversion: the physical line holding it (split on LF) is listed in
// bad_lines, once, for the caller to reject. The only error (kInternal) is an
// encoding this system's iconv does not know.
Result<ConvertedText> ConvertToUtf8(std::string_view bytes, std::string_view encoding);

}  // namespace tacit::feed_internal

#endif  // TACIT_SRC_FEED_FILE_BYTES_H_

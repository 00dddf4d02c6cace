// The bytes of a feed file, memory-mapped (or read whole when mapping is not
// possible, e.g. a pipe), and their SHA-256. Internal to the feed module.
#ifndef TACIT_SRC_FEED_FILE_BYTES_H_
#define TACIT_SRC_FEED_FILE_BYTES_H_

#include <cstddef>
#include <string>
#include <string_view>

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

// Lower-case hex SHA-256 of `bytes` (64 characters).
std::string Sha256Hex(std::string_view bytes);

// Converts `bytes` in `encoding` ("GBK" or "GB18030") to UTF-8 with iconv.
// Errors (kInvalidArgument) name `file`, the 1-based line and byte offset where
// conversion failed, and the encoding; never the bytes themselves.
Result<std::string> ConvertToUtf8(std::string_view bytes, std::string_view encoding,
                                  std::string_view file);

}  // namespace tacit::feed_internal

#endif  // TACIT_SRC_FEED_FILE_BYTES_H_

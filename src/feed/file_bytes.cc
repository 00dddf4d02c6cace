#include "feed/file_bytes.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <iconv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace tacit::feed_internal {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Result<FileBytes> FileBytes::Open(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    std::string message = fmt::format("cannot open feed file {}: {}", path, std::strerror(err));
    if (err == ENOENT) return NotFound(std::move(message));
    return Unavailable(std::move(message));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Unavailable(fmt::format("cannot stat feed file {}: {}", path, std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) {
    return InvalidArgument(fmt::format("feed file {} is a directory", path));
  }
  FileBytes out;
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (p != MAP_FAILED) {
      ::madvise(p, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
      out.mapped_ = p;
      out.size_ = static_cast<size_t>(st.st_size);
      return out;
    }
  }
  // Not a regular file (a pipe), empty, or mmap refused: read it whole.
  char chunk[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), chunk, sizeof(chunk));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return Unavailable(fmt::format("cannot read feed file {}: {}", path, std::strerror(errno)));
    }
    out.buffer_.append(chunk, static_cast<size_t>(n));
  }
  return out;
}

FileBytes::FileBytes(FileBytes&& other) noexcept
    : mapped_(std::exchange(other.mapped_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      buffer_(std::move(other.buffer_)) {}

FileBytes& FileBytes::operator=(FileBytes&& other) noexcept {
  if (this != &other) {
    Release();
    mapped_ = std::exchange(other.mapped_, nullptr);
    size_ = std::exchange(other.size_, 0);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

FileBytes::~FileBytes() { Release(); }

void FileBytes::Release() {
  if (mapped_ != nullptr) ::munmap(mapped_, size_);
  mapped_ = nullptr;
  size_ = 0;
}


Result<ConvertedText> ConvertToUtf8(std::string_view bytes, std::string_view encoding) {
  const std::string from(encoding);
  iconv_t cd = ::iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return Internal(fmt::format("iconv cannot convert from {} on this system", encoding));
  }
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  ConvertedText result;
  std::string& out = result.utf8;
  // GBK's 2-byte characters become 3 bytes of UTF-8; GB18030's 4-byte ones stay 4.
  out.resize(bytes.size() + bytes.size() / 2 + 16);
  size_t in_pos = 0;      // next input byte to convert
  size_t done = 0;        // output bytes written
  int64_t line = 1;       // physical line of the input byte at `counted`
  size_t line_start = 0;  // where that line starts
  size_t counted = 0;     // input bytes whose LFs are counted in `line`
  while (in_pos < bytes.size()) {
    char* in = const_cast<char*>(bytes.data() + in_pos);  // iconv's signature; it does not write
    size_t in_left = bytes.size() - in_pos;
    char* dst = out.data() + done;
    size_t dst_left = out.size() - done;
    const size_t rc = ::iconv(cd, &in, &in_left, &dst, &dst_left);
    done = out.size() - dst_left;
    in_pos = bytes.size() - in_left;
    if (rc != static_cast<size_t>(-1)) continue;
    const int err = errno;
    if (err == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    // EILSEQ (or EINVAL: the data ends inside a character) at in_pos. That byte
    // is not an LF: ASCII always converts.
    for (size_t p = counted; p < in_pos; ++p) {
      if (bytes[p] == '\n') {
        ++line;
        line_start = p + 1;
      }
    }
    counted = in_pos;
    if (result.bad_lines.empty() || result.bad_lines.back().line != line) {
      const size_t nl = bytes.find('\n', in_pos);
      size_t line_end = nl == std::string_view::npos ? bytes.size() : nl;
      if (line_end > line_start && bytes[line_end - 1] == '\r') --line_end;
      result.bad_lines.push_back(BadLine{line, in_pos - line_start, err == EINVAL,
                                         bytes.substr(line_start, line_end - line_start)});
    }
    if (out.size() - done < kReplacement.size()) out.resize(out.size() * 2);
    out.replace(done, kReplacement.size(), kReplacement);
    done += kReplacement.size();
    ::iconv(cd, nullptr, nullptr, nullptr, nullptr);  // back to the initial state
    // Skip the byte and read on; a truncated character is the end of the data.
    in_pos = err == EINVAL ? bytes.size() : in_pos + 1;
  }
  ::iconv_close(cd);
  out.resize(done);
  return result;
}

}  // namespace tacit::feed_internal

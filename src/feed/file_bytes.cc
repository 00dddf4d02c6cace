#include "feed/file_bytes.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <iconv.h>
#include <openssl/evp.h>
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

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // EVP_Digest fails only when OpenSSL itself is broken (no SHA-256 provider);
  // an empty checksum then makes every batch distinct rather than equal.
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return std::string();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

Result<std::string> ConvertToUtf8(std::string_view bytes, std::string_view encoding,
                                  std::string_view file) {
  const std::string from(encoding);
  iconv_t cd = ::iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return Internal(fmt::format("iconv cannot convert from {} on this system", encoding));
  }
  std::string out;
  // GBK's 2-byte characters become 3 bytes of UTF-8; GB18030's 4-byte ones stay 4.
  out.resize(bytes.size() + bytes.size() / 2 + 16);
  char* in = const_cast<char*>(bytes.data());  // iconv's signature; it does not write
  size_t in_left = bytes.size();
  size_t done = 0;
  Status status;
  while (in_left > 0) {
    char* dst = out.data() + done;
    size_t dst_left = out.size() - done;
    const size_t rc = ::iconv(cd, &in, &in_left, &dst, &dst_left);
    done = out.size() - dst_left;
    if (rc != static_cast<size_t>(-1)) continue;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    const size_t offset = bytes.size() - in_left;
    const auto line =
        1 + std::count(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(offset), '\n');
    const char* what = errno == EINVAL ? "the file ends inside a multi-byte character"
                                       : "an invalid byte sequence";
    status = InvalidArgument(fmt::format(
        "{}: line {}: not valid {} ({} at byte offset {}); check encoding in the mapping's "
        "[mapping] table (UTF-8, GBK or GB18030)",
        file, line, encoding, what, offset));
    break;
  }
  ::iconv_close(cd);
  if (!status) return tl::unexpected(status.error());
  out.resize(done);
  return out;
}

}  // namespace tacit::feed_internal

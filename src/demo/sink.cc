#include "demo/sink.h"

#include <cerrno>
#include <cstring>

namespace tacit::demo {

Sink::~Sink() {
  if (file_ != nullptr) std::fclose(file_);
  if (to_gbk_ != reinterpret_cast<iconv_t>(-1)) iconv_close(to_gbk_);
}

Status Sink::Open(const std::string& path, bool gbk) {
  path_ = path;
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) return Unavailable("cannot create " + path + ": " + std::strerror(errno));
  if (gbk) {
    to_gbk_ = iconv_open("GBK", "UTF-8");
    if (to_gbk_ == reinterpret_cast<iconv_t>(-1)) {
      return Unavailable("iconv cannot convert UTF-8 to GBK (glibc gconv modules missing?)");
    }
  }
  buffer_.reserve(kFlushBytes + 4096);
  return {};
}

void Sink::Flush() {
  if (buffer_.empty()) return;
  if (!error_.empty() || file_ == nullptr) {
    buffer_.clear();
    return;
  }
  const std::string* out = &buffer_;
  if (to_gbk_ != reinterpret_cast<iconv_t>(-1)) {
    // GBK never needs more bytes than UTF-8 for the same text.
    converted_.resize(buffer_.size());
    char* in = buffer_.data();
    size_t in_left = buffer_.size();
    char* dst = converted_.data();
    size_t out_left = converted_.size();
    if (iconv(to_gbk_, &in, &in_left, &dst, &out_left) == static_cast<size_t>(-1)) {
      error_ = path_ + ": a character has no GBK form (" + std::strerror(errno) + ")";
      buffer_.clear();
      return;
    }
    converted_.resize(converted_.size() - out_left);
    out = &converted_;
  }
  if (std::fwrite(out->data(), 1, out->size(), file_) != out->size()) {
    error_ = "cannot write " + path_ + ": " + std::strerror(errno);
  }
  buffer_.clear();
}

Status Sink::Close() {
  Flush();
  if (file_ != nullptr) {
    if (std::fclose(file_) != 0 && error_.empty()) {
      error_ = "cannot write " + path_ + ": " + std::strerror(errno);
    }
    file_ = nullptr;
  }
  if (!error_.empty()) return Unavailable(error_);
  return {};
}

}  // namespace tacit::demo

#include "store/backup/backup_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace tacit::backup {

namespace fs = std::filesystem;

std::string TempNameBeside(const std::string& target, const char* what) {
  return fmt::format("{}.{}-{}", target, what, ::getpid());
}

Error SystemError(int err, const std::string& what, const std::string& path) {
  std::string hint;
  ErrorCode code = ErrorCode::kUnavailable;
  switch (err) {
    case ENOSPC:
    case EFBIG:
    case EDQUOT:
      hint = "磁盘已满或超出文件大小限制 (disk full or file size limit reached)";
      break;
    case EROFS:
      hint = "文件系统为只读 (read-only file system)";
      break;
    case EACCES:
    case EPERM:
      hint = "没有写入权限 (permission denied)";
      break;
    case ENOENT:
      hint = "文件或目录不存在 (no such file or directory)";
      code = ErrorCode::kNotFound;
      break;
    default:
      hint = std::strerror(err);
  }
  return Error{code, fmt::format("{} {}: {}", what, path, hint)};
}

Status SyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return tl::unexpected(SystemError(errno, "无法打开 (cannot open)", path));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return tl::unexpected(SystemError(err, "无法写入磁盘 (cannot sync)", path));
  return {};
}

namespace {

Status SyncDirectoryOf(const std::string& path) {
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return tl::unexpected(SystemError(errno, "无法打开目录 (cannot open the directory)", dir.string()));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return tl::unexpected(SystemError(err, "无法写入磁盘 (cannot sync)", dir.string()));
  return {};
}

}  // namespace

Status RenameInto(const std::string& from, const std::string& to, bool replace) {
  if (replace) {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return tl::unexpected(SystemError(errno, "无法改名 (cannot rename to)", to));
    }
  } else if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) {
      return MakeError(ErrorCode::kAlreadyExists, fmt::format("文件已存在 (the file exists): {}", to));
    }
    return tl::unexpected(SystemError(errno, "无法改名 (cannot rename to)", to));
  }
  return SyncDirectoryOf(to);
}

int64_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto n = fs::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

}  // namespace tacit::backup

#include "export_file.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

namespace tacit::cli {

namespace fs = std::filesystem;

Result<int64_t> WriteExport(const std::string& out_path, const std::function<Result<int64_t>(std::ostream&)>& write) {
  if (out_path.empty()) {
    ASSIGN_OR_RETURN(int64_t n, write(std::cout));
    std::cout.flush();
    if (!std::cout) return Unavailable("cannot write to standard output");
    return n;
  }
  std::error_code ec;
  if (fs::is_directory(out_path, ec)) return InvalidArgument(fmt::format("--out {}: is a directory", out_path));
  const std::string tmp = out_path + ".tmp";
  std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
  if (!file) return Unavailable(fmt::format("cannot write {}", tmp));
  Result<int64_t> n = write(file);
  file.close();
  if (n && !file) n = Unavailable(fmt::format("cannot write {} (disk full?)", tmp));
  if (n) {
    fs::rename(tmp, out_path, ec);
    if (ec) n = Unavailable(fmt::format("--out {}: cannot put the export there", out_path));
  }
  if (!n) fs::remove(tmp, ec);  // it may hold identity numbers: never leave it behind
  return n;
}

}  // namespace tacit::cli

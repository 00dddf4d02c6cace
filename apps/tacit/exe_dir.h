// The directory of the running program (build/), where the files built or
// shipped beside it are found: the face module, the web pages, the division
// table and mappings of the source tree one level up.
#ifndef TACIT_APPS_TACIT_EXE_DIR_H_
#define TACIT_APPS_TACIT_EXE_DIR_H_

#include <filesystem>
#include <system_error>

namespace tacit::cli {

// /proc/self/exe's directory; the working directory where that cannot be read.
inline std::filesystem::path ExeDir() {
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::current_path() : p.parent_path();
}

}  // namespace tacit::cli

#endif  // TACIT_APPS_TACIT_EXE_DIR_H_

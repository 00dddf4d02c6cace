// Where the command line's exports go: a file, written whole or not at all, or
// standard output.
#ifndef TACIT_APPS_TACIT_EXPORT_FILE_H_
#define TACIT_APPS_TACIT_EXPORT_FILE_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "tacit/result.h"

namespace tacit::cli {

// Writes an export to `out_path` through a temporary file renamed into place,
// so that a reader never sees half a file and a failed export leaves nothing
// behind (exports hold identity numbers); to standard output when `out_path` is
// empty. `write` returns how many records it wrote; so does this.
// Errors: kInvalidArgument (a directory), kUnavailable (cannot write), or what
// `write` returned.
Result<int64_t> WriteExport(const std::string& out_path, const std::function<Result<int64_t>(std::ostream&)>& write);

}  // namespace tacit::cli

#endif  // TACIT_APPS_TACIT_EXPORT_FILE_H_

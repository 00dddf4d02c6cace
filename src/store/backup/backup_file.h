// File steps shared by the SQLite and PostgreSQL backups: a temporary name
// beside the target, fsync, and a rename that never replaces (backup) or does
// (restore), followed by an fsync of the directory. Internal to backup/.
#ifndef TACIT_SRC_STORE_BACKUP_BACKUP_FILE_H_
#define TACIT_SRC_STORE_BACKUP_BACKUP_FILE_H_

#include <string>

#include "tacit/result.h"

namespace tacit::backup {

// `target`.tmp-PID: in the same directory, so the rename is atomic.
std::string TempNameBeside(const std::string& target, const char* what);

// Flushes a file's data and metadata to the disk.
Status SyncFile(const std::string& path);

// Renames `from` to `to` and syncs the directory. With `replace` false an
// existing `to` is kept and kAlreadyExists returned.
Status RenameInto(const std::string& from, const std::string& to, bool replace);

// An Error for a failed system call on `path`, in words staff can act on
// (disk full, read-only file system, no permission…).
Error SystemError(int err, const std::string& what, const std::string& path);

// A file's size, 0 when it cannot be read.
int64_t FileSize(const std::string& path);

}  // namespace tacit::backup

#endif  // TACIT_SRC_STORE_BACKUP_BACKUP_FILE_H_

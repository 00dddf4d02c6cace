// Backup and restore of a whole store (备份与恢复), as `tacit backup` and
// `tacit restore` do them.
//
// SQLite: the online backup API copies the store in one read transaction, so
// the copy is the store as one commit left it even while a server or an
// ingest writes (the writer is not blocked: the store runs in WAL mode). The
// result is one plain SQLite file (rollback journal, no -wal beside it) that
// `sqlite3` and tacit open as they are. It is checked (PRAGMA
// integrity_check, the schema version) before it is given its name.
//
// PostgreSQL: the database's own tools, `pg_dump -Fc` and `pg_restore`
// (Debian's postgresql-client), run without a shell; the password never
// appears in their arguments (it goes to the child's environment only) nor in
// any message (RedactedLocation).
//
// The operator's key file is NOT in the backup: sealed values in the store
// (partner secrets, face templates, phone numbers in the outbox) need it. Back
// it up apart, as carefully as the store (docs/operations.md).
//
//   ASSIGN_OR_RETURN(BackupReport b, BackupStore("tacit.db", "tacit-2026-11-28.db"));
//   ASSIGN_OR_RETURN(BackupReport r, RestoreStore("tacit-2026-11-28.db", "restored.db", {}));
#ifndef TACIT_BACKUP_H_
#define TACIT_BACKUP_H_

#include <cstdint>
#include <string>

#include "tacit/result.h"

namespace tacit {

struct BackupReport {
  std::string file;        // the backup file written or read
  int64_t bytes = 0;       // its size
  int schema_version = 0;  // the store's schema version it holds
  bool postgres = false;   // a pg_dump archive (custom format), else a SQLite file
};

// Copies the store at `location` (--db) to the new file `out`. The file is
// written as `out`.tmp-PID beside it, checked, synced and renamed, so `out`
// is either absent or a whole, checked backup.
// Errors: kAlreadyExists (`out` exists: a backup never overwrites a file),
// kFailedPrecondition (no store there, or one tacit has not initialised),
// kDataLoss (the copy failed its integrity check), kUnavailable (I/O, the
// disk, the database server, pg_dump missing or failing).
Result<BackupReport> BackupStore(const std::string& location, const std::string& out);

struct RestoreOptions {
  // Replace a store that already holds data (persons, evidence, batches or
  // monthly runs). Default false: such a store is refused.
  bool force = false;
};

// Replaces the store at `location` with the backup `file`, after checking the
// backup (integrity, schema version no newer than this build). SQLite: the
// backup is copied to a temporary file beside the store, checked, synced and
// renamed over it, so the store is the old one or the restored one, never a
// mix; a store another process has open is refused. PostgreSQL: pg_restore
// into the (empty, or with `force` cleaned) database in one transaction.
// A backup of an older schema version is restored as it is: `tacit init`
// migrates it afterwards.
// Errors: kFailedPrecondition (the store holds data and !force; the store is
// in use; the backup is of a newer tacit), kDataLoss (the backup is damaged or
// not a tacit backup), kNotFound (no such file), kUnavailable (I/O, server).
Result<BackupReport> RestoreStore(const std::string& file, const std::string& location, const RestoreOptions& options);

}  // namespace tacit

#endif  // TACIT_BACKUP_H_

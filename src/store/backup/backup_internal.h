// The two backends of tacit/backup.h. Internal to backup/.
#ifndef TACIT_SRC_STORE_BACKUP_BACKUP_INTERNAL_H_
#define TACIT_SRC_STORE_BACKUP_BACKUP_INTERNAL_H_

#include <string>
#include <string_view>

#include "tacit/backup.h"

namespace tacit::backup {

// PRAGMA integrity_check's report (one problem a line) as a message: the
// count and the first problem, every run of ten digits or more masked (a
// person's rowid is the digits of their identity number).
std::string IntegritySummary(std::string_view report);

Result<BackupReport> BackupSqlite(const std::string& path, const std::string& out);
Result<BackupReport> RestoreSqlite(const std::string& file, const std::string& path, const RestoreOptions& options);
Result<BackupReport> BackupPostgres(const std::string& conninfo, const std::string& out);
Result<BackupReport> RestorePostgres(const std::string& file, const std::string& conninfo,
                                     const RestoreOptions& options);

}  // namespace tacit::backup

#endif  // TACIT_SRC_STORE_BACKUP_BACKUP_INTERNAL_H_

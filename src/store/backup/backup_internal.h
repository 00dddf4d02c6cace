// The two backends of tacit/backup.h. Internal to backup/.
#ifndef TACIT_SRC_STORE_BACKUP_BACKUP_INTERNAL_H_
#define TACIT_SRC_STORE_BACKUP_BACKUP_INTERNAL_H_

#include <string>

#include "tacit/backup.h"

namespace tacit::backup {

Result<BackupReport> BackupSqlite(const std::string& path, const std::string& out);
Result<BackupReport> RestoreSqlite(const std::string& file, const std::string& path, const RestoreOptions& options);
Result<BackupReport> BackupPostgres(const std::string& conninfo, const std::string& out);
Result<BackupReport> RestorePostgres(const std::string& file, const std::string& conninfo,
                                     const RestoreOptions& options);

}  // namespace tacit::backup

#endif  // TACIT_SRC_STORE_BACKUP_BACKUP_INTERNAL_H_

#include "tacit/backup.h"

#include "store/backup/backup_internal.h"
#include "tacit/store.h"

namespace tacit {

Result<BackupReport> BackupStore(const std::string& location, const std::string& out) {
  if (IsPostgresLocation(location)) return backup::BackupPostgres(location, out);
  return backup::BackupSqlite(location, out);
}

Result<BackupReport> RestoreStore(const std::string& file, const std::string& location,
                                  const RestoreOptions& options) {
  if (IsPostgresLocation(location)) return backup::RestorePostgres(file, location, options);
  return backup::RestoreSqlite(file, location, options);
}

}  // namespace tacit

// OpenStore: the store `--db` names, SQLite or PostgreSQL.
#include "tacit/store.h"

#include "store/pg/pg_conn.h"

namespace tacit {

bool IsPostgresLocation(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& location, const SqliteOptions& options) {
  if (IsPostgresLocation(location)) return OpenPostgresStore(location);
  return OpenSqliteStore(location, options);
}

std::string RedactedLocation(const std::string& location) {
  return IsPostgresLocation(location) || location.find('=') != std::string::npos ? pg::PgConn::Redacted(location)
                                                                                   : location;
}

}  // namespace tacit

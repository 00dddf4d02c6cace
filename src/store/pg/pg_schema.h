// The PostgreSQL store's schema: version 12 of the SQLite store's schema
// (schema_v12.sql) created in one unit under an advisory lock, so that
// several instances starting at once create it once.
#ifndef TACIT_SRC_STORE_PG_PG_SCHEMA_H_
#define TACIT_SRC_STORE_PG_PG_SCHEMA_H_

#include <string_view>

#include "store/pg/pg_conn.h"

namespace tacit::pg {

// The version schema_v12.sql creates, the SQLite store's latest.
inline constexpr int kSchemaVersion = 12;

// The text of schema_v12.sql (generated into the build from the file).
std::string_view SchemaV12Sql();

// The database's schema version; 0 for an empty database.
Result<int> SchemaVersion(PgConn& conn);

// Creates the schema in an empty database and answers the version; a
// database at the current version is left as it is. Errors: kFailedPrecondition
// for a database of a newer tacit or of something else.
Result<int> Migrate(PgConn& conn);

}  // namespace tacit::pg

#endif  // TACIT_SRC_STORE_PG_PG_SCHEMA_H_

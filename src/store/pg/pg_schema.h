// The PostgreSQL store's schema: version 12 of the SQLite store's schema
// (schema_v12.sql), then each later version's migration (schema_v13.sql...),
// applied in one unit under an advisory lock, so that several instances
// starting at once migrate once.
#ifndef TACIT_SRC_STORE_PG_PG_SCHEMA_H_
#define TACIT_SRC_STORE_PG_PG_SCHEMA_H_

#include <span>
#include <string_view>

#include "store/pg/pg_conn.h"

namespace tacit::pg {

// The SQLite store's latest version, which the migrations reach.
inline constexpr int kSchemaVersion = 17;

// The text of schema_v12.sql (generated into the build from the file).
std::string_view SchemaV12Sql();
// The migrations from version 12 on: element i takes version 12 + i to 13 + i.
std::span<const std::string_view> MigrationsAfterV12();

// The database's schema version; 0 for an empty database.
Result<int> SchemaVersion(PgConn& conn);

// Creates the schema in an empty database, or brings an older one up to
// date, and answers the version; a database at the current version is left as
// it is. Errors: kFailedPrecondition
// for a database of a newer tacit or of something else.
Result<int> Migrate(PgConn& conn);

}  // namespace tacit::pg

#endif  // TACIT_SRC_STORE_PG_PG_SCHEMA_H_

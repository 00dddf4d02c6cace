// The SQLite schema as an ordered list of migrations. Migration N takes a store
// at version N-1 to version N; the version is kept in PRAGMA user_version.
// Migrations are only ever appended, never edited once released.
#ifndef TACIT_SRC_STORE_SQLITE_SCHEMA_H_
#define TACIT_SRC_STORE_SQLITE_SCHEMA_H_

#include <span>
#include <string_view>

namespace tacit::sqlite {

// migrations()[i] is the SQL that takes version i to version i+1.
std::span<const std::string_view> Migrations();

}  // namespace tacit::sqlite

#endif  // TACIT_SRC_STORE_SQLITE_SCHEMA_H_

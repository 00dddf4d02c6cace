// Test hooks of the SQLite backend.
#ifndef TACIT_SRC_STORE_SQLITE_SQLITE_STORE_INTERNAL_H_
#define TACIT_SRC_STORE_SQLITE_SQLITE_STORE_INTERNAL_H_

#include <string>

#include "tacit/result.h"

namespace tacit {

// Creates or migrates the store at `path` only up to `version`, to test that a
// later Migrate() keeps the data of an older store.
Status MigrateSqliteStoreToVersionForTest(const std::string& path, int version);

// Runs `sql` on the store at `path`: to fill an older store with the rows its
// own schema had, which the current Store methods no longer write.
Status ExecSqliteForTest(const std::string& path, const std::string& sql);

}  // namespace tacit

#endif  // TACIT_SRC_STORE_SQLITE_SQLITE_STORE_INTERNAL_H_

// Test hooks of the SQLite backend.
#ifndef TACIT_SRC_STORE_SQLITE_SQLITE_STORE_INTERNAL_H_
#define TACIT_SRC_STORE_SQLITE_SQLITE_STORE_INTERNAL_H_

#include <string>

#include "tacit/result.h"

namespace tacit {

// Creates or migrates the store at `path` only up to `version`, to test that a
// later Migrate() keeps the data of an older store.
Status MigrateSqliteStoreToVersionForTest(const std::string& path, int version);

}  // namespace tacit

#endif  // TACIT_SRC_STORE_SQLITE_SQLITE_STORE_INTERNAL_H_

// Where the tests' stores live: a SQLite file in the test's directory, or,
// when TACIT_TEST_PG names a PostgreSQL server (the `.on_postgres` ctest runs
// of tacit_add_pg_run), a fresh database on it. The same test then checks
// both backends: the store conformance suite. Linked by tests only
// (tacit::store_test_support).
//
//   std::string db = TestStoreLocation(dir);      // dir/t.db or postgresql://…
//   auto store = OpenStore(db);                   // open it (again) as --db would
//   ...
//   DropTestStore(db);                            // PostgreSQL: drop the database
#ifndef TACIT_SRC_STORE_TEST_STORE_LOCATION_H_
#define TACIT_SRC_STORE_TEST_STORE_LOCATION_H_

#include <filesystem>
#include <memory>
#include <string>

#include "tacit/result.h"
#include "tacit/store.h"
#include "store/test_store_location.h"

namespace tacit {

// True in the PostgreSQL runs (TACIT_TEST_PG is set).
bool TestStoreIsPostgres();

// A new store's location: `dir`/t.db, or a fresh PostgreSQL database with the
// current schema made (a copy of a migrated template, so Migrate() finds it
// done). Aborts the test process when the server cannot be reached.
std::string TestStoreLocation(const std::filesystem::path& dir);

// OpenStore(TestStoreLocation(dir)), migrated. The PostgreSQL database is
// dropped when the process ends; call DropTestStore(location) sooner to free it.
Result<std::unique_ptr<Store>> OpenTestStore(const std::filesystem::path& dir, std::string* location = nullptr);

// Drops a PostgreSQL test database (its connections are closed first); does
// nothing for a SQLite path (the caller removes its directory).
void DropTestStore(const std::string& location);

// A copy of the closed store at `location` as a new store: SQLite copies the
// file to `dir`/t.db, PostgreSQL makes a database from it as a template.
std::string CopyTestStore(const std::string& location, const std::filesystem::path& dir);

// Runs `sql` on the store at `location` (SQLite or PostgreSQL): to set up a
// state the Store methods never write, or to check that SQL is refused.
Status ExecForTest(const std::string& location, const std::string& sql);

}  // namespace tacit

#endif  // TACIT_SRC_STORE_TEST_STORE_LOCATION_H_

#include "store/test_store_location.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>

#include "store/pg/pg_conn.h"
#include "store/pg/pg_schema.h"
#include "store/sqlite/sqlite_store_internal.h"
#include "tacit/secrets.h"

namespace tacit {
namespace {

const char* AdminConninfo() { return std::getenv("TACIT_TEST_PG"); }

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "test store: %s\n", what.c_str());
  std::abort();
}

pg::PgConn Admin() {
  auto c = pg::PgConn::Connect(AdminConninfo());
  if (!c) Fail(c.error().ToString());
  return std::move(*c);
}

// The same server, another database.
std::string WithDatabase(const std::string& url, const std::string& db) { return pg::PgConn::WithDatabase(url, db); }

std::string DatabaseOf(const std::string& location) {
  const size_t slash = location.find("///");
  if (!IsPostgresLocation(location) || slash == std::string::npos) return {};
  const size_t query = location.find('?');
  return location.substr(slash + 3, query == std::string::npos ? std::string::npos : query - slash - 3);
}

// The template every test database is copied from: made once per cluster
// (under a session lock, as two test binaries may start at once) and
// migrated to the current schema version.
const std::string& TemplateName() {
  static const std::string name = [] {
    const std::string tpl = fmt::format("tacit_template_v{}", pg::kSchemaVersion);
    pg::PgConn admin = Admin();
    auto ok = [&](auto r) {
      if (!r) Fail(r.error().ToString());
      return std::move(*r);
    };
    ok(admin.Query("SELECT pg_advisory_lock(7402320002)"));
    pg::PgRows exists = ok(admin.Query("SELECT count(*) FROM pg_database WHERE datname = $1", {tpl}));
    if (exists.Int(0, 0) == 0) {
      const std::string building = tpl + "_building";
      (void)admin.Exec(fmt::format("DROP DATABASE IF EXISTS {}", building));
      ok(admin.Query(fmt::format("CREATE DATABASE {}", building)));
      {
        auto c = pg::PgConn::Connect(WithDatabase(AdminConninfo(), building));
        if (!c) Fail(c.error().ToString());
        ok(pg::Migrate(*c));
      }
      ok(admin.Query(fmt::format("ALTER DATABASE {} RENAME TO {}", building, tpl)));
    }
    ok(admin.Query("SELECT pg_advisory_unlock(7402320002)"));
    return tpl;
  }();
  return name;
}

std::mutex& Mutex() {
  static std::mutex m;
  return m;
}

// Databases made and not dropped yet; dropped at exit.
std::set<std::string>& Made() {
  static auto* made = new std::set<std::string>;
  return *made;
}

void DropDatabase(const std::string& db) {
  pg::PgConn admin = Admin();
  (void)admin.Exec(fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", db));
}

void DropAllAtExit() {
  std::lock_guard lock(Mutex());
  for (const std::string& db : Made()) DropDatabase(db);
  Made().clear();
}

}  // namespace

bool TestStoreIsPostgres() {
  const char* c = AdminConninfo();
  return c != nullptr && *c != '\0';
}

std::string TestStoreLocation(const std::filesystem::path& dir) {
  if (!TestStoreIsPostgres()) return (dir / "t.db").string();
  const std::string& tpl = TemplateName();
  const std::string db = "tacit_t_" + RandomHex(8);
  pg::PgConn admin = Admin();
  if (auto r = admin.Exec(fmt::format("CREATE DATABASE {} TEMPLATE {}", db, tpl)); !r) Fail(r.error().ToString());
  {
    std::lock_guard lock(Mutex());
    static const bool registered = [] { return std::atexit(DropAllAtExit) == 0; }();
    (void)registered;
    Made().insert(db);
  }
  return WithDatabase(AdminConninfo(), db);
}

Result<std::unique_ptr<Store>> OpenTestStore(const std::filesystem::path& dir, std::string* location) {
  std::string where = TestStoreLocation(dir);
  if (location != nullptr) *location = where;
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(where));
  RETURN_IF_ERROR(store->Migrate());
  return store;
}

void DropTestStore(const std::string& location) {
  const std::string db = DatabaseOf(location);
  if (db.empty() || db.rfind("tacit_t_", 0) != 0) return;
  {
    std::lock_guard lock(Mutex());
    Made().erase(db);
  }
  DropDatabase(db);
}

std::string CopyTestStore(const std::string& location, const std::filesystem::path& dir) {
  if (!IsPostgresLocation(location)) {
    const std::filesystem::path copy = dir / "t.db";
    std::filesystem::copy_file(location, copy, std::filesystem::copy_options::overwrite_existing);
    return copy.string();
  }
  const std::string db = "tacit_t_" + RandomHex(8);
  pg::PgConn admin = Admin();
  if (auto r = admin.Exec(fmt::format("CREATE DATABASE {} TEMPLATE {}", db, DatabaseOf(location))); !r) {
    Fail(r.error().ToString());
  }
  {
    std::lock_guard lock(Mutex());
    Made().insert(db);
  }
  return WithDatabase(AdminConninfo(), db);
}

Status ExecForTest(const std::string& location, const std::string& sql) {
  if (!IsPostgresLocation(location)) return ExecSqliteForTest(location, sql);
  ASSIGN_OR_RETURN(pg::PgConn c, pg::PgConn::Connect(location));
  return c.Exec(sql);
}

}  // namespace tacit

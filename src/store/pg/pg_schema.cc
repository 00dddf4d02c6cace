#include "store/pg/pg_schema.h"

#include <fmt/format.h>

namespace tacit::pg {

Result<int> SchemaVersion(PgConn& conn) {
  ASSIGN_OR_RETURN(PgRows exists, conn.Query("SELECT to_regclass('schema_version') IS NOT NULL", {}));
  if (exists.Get(0, 0) != std::optional<std::string>("t")) return 0;
  ASSIGN_OR_RETURN(PgRows v, conn.Query("SELECT version FROM schema_version", {}));
  if (v.size() != 1 || !v.Get(0, 0)) return FailedPrecondition("schema_version: expected one row");
  return std::stoi(*v.Get(0, 0));
}

Result<int> Migrate(PgConn& conn) {
  ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(conn));
  auto done = [&]() -> Result<int> {
    // One migration at a time across every instance: the second waits, then
    // finds the schema made.
    RETURN_IF_ERROR(conn.Exec("SELECT pg_advisory_xact_lock(hashtext('tacit:migrate'))"));
    ASSIGN_OR_RETURN(int version, SchemaVersion(conn));
    if (version == kSchemaVersion) return version;
    if (version > kSchemaVersion) {
      return FailedPrecondition(fmt::format(
          "数据库为更新版本 tacit 所建 (the database has schema version {}; this tacit knows up to {})", version,
          kSchemaVersion));
    }
    if (version == 0) {
      ASSIGN_OR_RETURN(PgRows tables, conn.Query("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
                                                 {}));
      if (tables.Get(0, 0) != std::optional<std::string>("0")) {
        return FailedPrecondition("该数据库已有其他数据表，不是 tacit 的存储 (the database holds other tables: not a tacit "
                                  "store)");
      }
    }
    if (version == 0) {
      RETURN_IF_ERROR(conn.Exec(SchemaV12Sql()));
      version = 12;
    }
    const std::span<const std::string_view> later = MigrationsAfterV12();
    for (int v = version; v < kSchemaVersion; ++v) {
      if (v < 12 || static_cast<size_t>(v - 12) >= later.size()) {
        return FailedPrecondition(fmt::format("no migration from schema version {}", v));
      }
      RETURN_IF_ERROR(conn.Exec(later[static_cast<size_t>(v - 12)]));
    }
    return SchemaVersion(conn);
  }();
  if (!done) return done;  // rolled back with tx
  RETURN_IF_ERROR(tx.Commit());
  return done;
}

}  // namespace tacit::pg

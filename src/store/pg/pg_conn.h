// A PostgreSQL connection through libpq (Debian's libpq-dev): what the
// PostgreSQL store (issue 9, docs/architecture.md) is built on. Internal to
// the store_pg target; libpq-fe.h stays out of every other header.
//
//   ASSIGN_OR_RETURN(PgConn c, PgConn::Connect("host=/run/pg dbname=tacit"));
//   ASSIGN_OR_RETURN(PgRows r, c.Query("SELECT version FROM schema_version", {}));
#ifndef TACIT_SRC_STORE_PG_PG_CONN_H_
#define TACIT_SRC_STORE_PG_PG_CONN_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/result.h"

struct pg_conn;
struct pg_result;

namespace tacit::pg {

// The rows of one statement's result, as text (libpq's text format); NULL is
// nullopt.
class PgRows {
 public:
  int size() const { return rows_; }
  int columns() const { return columns_; }
  std::optional<std::string> Get(int row, int column) const;
  // The statement's affected row count (INSERT, UPDATE, DELETE), or 0.
  int64_t affected() const { return affected_; }

 private:
  friend class PgConn;
  std::shared_ptr<pg_result> result_;
  int rows_ = 0, columns_ = 0;
  int64_t affected_ = 0;
};

class PgConn {
 public:
  // `conninfo`: a libpq connection string or a postgresql:// URL. Errors:
  // kUnavailable, with libpq's message and the address without any password.
  static Result<PgConn> Connect(const std::string& conninfo);

  PgConn(PgConn&&) noexcept = default;
  PgConn& operator=(PgConn&&) noexcept = default;
  ~PgConn();

  // Runs one or more statements without parameters (DDL, BEGIN/COMMIT).
  Status Exec(std::string_view sql);
  // One statement with $1… parameters sent as text (nullopt: NULL).
  Result<PgRows> Query(std::string_view sql, const std::vector<std::optional<std::string>>& params);

  // The address for messages and logs: the connection string with any
  // password removed.
  static std::string Redacted(const std::string& conninfo);

 private:
  explicit PgConn(pg_conn* c) : conn_(c) {}
  Status Failed(std::string_view what) const;
  struct Close {
    void operator()(pg_conn* c) const;
  };
  std::unique_ptr<pg_conn, Close> conn_;
};

}  // namespace tacit::pg

#endif  // TACIT_SRC_STORE_PG_PG_CONN_H_

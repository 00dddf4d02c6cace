// A PostgreSQL connection through libpq (Debian's libpq-dev): what the
// PostgreSQL store (issue 9, docs/architecture.md) is built on. Internal to
// the store_pg target; libpq-fe.h stays out of every other header.
//
//   ASSIGN_OR_RETURN(PgConn c, PgConn::Connect("host=/run/pg dbname=tacit"));
//   ASSIGN_OR_RETURN(PgRows r, c.Query("SELECT name FROM person WHERE person_key = $1", {key}));
//   std::string name = r.Text(0, 0);
//
// Statements run through Query are prepared once per connection and reused.
// PgTx is a unit of work (BEGIN, or a SAVEPOINT inside an open one); a
// writing unit first takes the store's writer lock, so that units of work of
// several instances apply one after another, as on SQLite.
#ifndef TACIT_SRC_STORE_PG_PG_CONN_H_
#define TACIT_SRC_STORE_PG_PG_CONN_H_

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tacit/result.h"

struct pg_conn;
struct pg_result;

namespace tacit::pg {

// The parameters $1… of one statement, sent as text; nullopt is NULL.
//   conn.Query(sql, {key, name, std::nullopt, NullIfEmpty(phone)});
class PgParams {
 public:
  PgParams() = default;
  template <typename... Args>
  PgParams(const Args&... args) {  // NOLINT: implicit, for braced lists
    values_.reserve(sizeof...(args));
    (Add(args), ...);
  }

  template <std::integral T>
  PgParams& Add(T v) {
    if constexpr (std::same_as<T, bool>) {
      values_.emplace_back(v ? "1" : "0");  // integer booleans, as stored
    } else {
      values_.emplace_back(std::to_string(v));
    }
    return *this;
  }
  PgParams& Add(double v);
  PgParams& Add(std::string_view v) {
    values_.emplace_back(std::string(v));
    return *this;
  }
  PgParams& Add(const std::string& v) { return Add(std::string_view(v)); }
  PgParams& Add(const char* v) { return Add(std::string_view(v)); }
  PgParams& Add(std::nullopt_t) {
    values_.emplace_back(std::nullopt);
    return *this;
  }
  PgParams& Add(const std::optional<std::string>& v) {
    values_.push_back(v);
    return *this;
  }
  template <std::integral T>
  PgParams& Add(const std::optional<T>& v) {
    return v ? Add(*v) : Add(std::nullopt);
  }

  const std::vector<std::optional<std::string>>& values() const { return values_; }

 private:
  std::vector<std::optional<std::string>> values_;
};

// Empty text as NULL (SQLite's BindTextOrNull).
inline std::optional<std::string> NullIfEmpty(std::string_view v) {
  return v.empty() ? std::nullopt : std::optional<std::string>(std::string(v));
}

// The rows of one statement's result, as text (libpq's text format).
class PgRows {
 public:
  int size() const { return rows_; }
  int columns() const { return columns_; }
  // nullopt for NULL or out of range.
  std::optional<std::string> Get(int row, int column) const;
  bool IsNull(int row, int column) const;
  // NULL reads as 0, "" and 0.0.
  int64_t Int(int row, int column) const;
  std::optional<int64_t> OptInt(int row, int column) const;
  double Double(int row, int column) const;
  std::string Text(int row, int column) const { return std::string(TextView(row, column)); }
  // Valid while this PgRows (or a copy) lives.
  std::string_view TextView(int row, int column) const;
  // PostgreSQL's boolean ("t"/"f").
  bool Bool(int row, int column) const { return TextView(row, column) == "t"; }
  // The statement's affected row count (INSERT, UPDATE, DELETE), or 0.
  int64_t affected() const { return affected_; }

 private:
  friend class PgConn;
  std::shared_ptr<pg_result> result_;
  int rows_ = 0, columns_ = 0;
  int64_t affected_ = 0;
};

// One row of a streamed result (PgConn::ForEachRow).
struct PgRow {
  const PgRows& rows;
  int row;
  bool IsNull(int c) const { return rows.IsNull(row, c); }
  int64_t Int(int c) const { return rows.Int(row, c); }
  std::optional<int64_t> OptInt(int c) const { return rows.OptInt(row, c); }
  double Double(int c) const { return rows.Double(row, c); }
  std::string Text(int c) const { return rows.Text(row, c); }
  std::string_view TextView(int c) const { return rows.TextView(row, c); }
  bool Bool(int c) const { return rows.Bool(row, c); }
};

// Every row of a result, read by `read` (a function of a PgRow), as the
// SQLite store's CollectRows; and the first row, or nullopt.
template <typename T, typename Read>
std::vector<T> CollectRows(const PgRows& rows, Read read) {
  std::vector<T> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int r = 0; r < rows.size(); ++r) out.push_back(read(PgRow{rows, r}));
  return out;
}

template <typename T, typename Read>
std::optional<T> FirstRow(const PgRows& rows, Read read) {
  if (rows.size() == 0) return std::nullopt;
  return read(PgRow{rows, 0});
}

// Appends one field of COPY's text format: `\N` for NULL, backslash escapes
// for backslash, tab, newline and carriage return. The caller writes the
// tabs between fields and the newline after each row.
void AppendCopyField(std::string& out, std::string_view v);
void AppendCopyNull(std::string& out);
void AppendCopyField(std::string& out, int64_t v);

class PgConn {
 public:
  // `conninfo`: a libpq connection string or a postgresql:// URL. Errors:
  // kUnavailable, with libpq's message and the address without any password.
  static Result<PgConn> Connect(const std::string& conninfo);

  PgConn(PgConn&&) noexcept;
  PgConn& operator=(PgConn&&) noexcept;
  ~PgConn();

  // Runs one or more statements without parameters (DDL, BEGIN/COMMIT).
  Status Exec(std::string_view sql);
  // One statement with $1… parameters, prepared on first use and reused.
  // Errors: kAlreadyExists for a unique violation (SQLSTATE 23505),
  // kUnavailable for a lost connection, a deadlock or a serialization
  // failure, kFailedPrecondition for a guard's exception (23000), kInternal
  // otherwise; the message is PostgreSQL's primary message only (its DETAIL,
  // which may quote a key such as an identity number, is left out).
  Result<PgRows> Query(std::string_view sql, const PgParams& params = {});
  // Streams the rows of a query through a cursor, `batch` rows at a time, so
  // that a scan of millions of rows takes little memory; `fn` may run other
  // statements on this connection. Inside an open unit of work the cursor
  // lives in it; otherwise the scan is its own (non-writing-lock) unit.
  Status ForEachRow(std::string_view sql, const PgParams& params, const std::function<Status(const PgRow&)>& fn,
                    int batch = 4000);
  // The same, a batch of rows at a time (the last one may be short; an empty
  // result is not passed on).
  Status ForEachBatch(std::string_view sql, const PgParams& params, const std::function<Status(const PgRows&)>& fn,
                      int batch = 4000);
  // COPY … FROM STDIN with `data` in COPY's text format (AppendCopyField).
  // Returns the rows copied.
  Result<int64_t> CopyIn(std::string_view copy_sql, std::string_view data);

  // Units of work open on this connection (PgTx nesting depth).
  int depth() const { return depth_; }

  // The same server with database `db`: for a postgresql:// URL its path is
  // replaced, a keyword string gains dbname= (the last one counts).
  static std::string WithDatabase(const std::string& conninfo, const std::string& db);

  // The address for messages and logs: the connection string with any
  // password removed.
  static std::string Redacted(const std::string& conninfo);

 private:
  friend class PgTx;
  explicit PgConn(pg_conn* c);
  Status Failed(std::string_view what) const;
  Status EnsureConnected();
  Result<PgRows> Finish(pg_result* raw);
  struct Close {
    void operator()(pg_conn* c) const;
  };
  std::unique_ptr<pg_conn, Close> conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL → statement name
  int depth_ = 0;
  int writer_level_ = 0;  // the unit level that took kWriterLock; 0: not held
  int cursors_ = 0;
};

// Rows for one COPY … FROM STDIN, sent in slices of a few megabytes so that
// a province's rows are never one string in memory:
//   PgCopy copy(conn, "COPY payment (entitlement_id, month, amount_fen) FROM STDIN");
//   for (...) { copy.Int(id); copy.Int(month); copy.Int(fen); RETURN_IF_ERROR(copy.EndRow()); }
//   RETURN_IF_ERROR(copy.Flush());
class PgCopy {
 public:
  PgCopy(PgConn& conn, std::string copy_sql) : conn_(conn), copy_sql_(std::move(copy_sql)) {}

  PgCopy& Int(int64_t v);
  PgCopy& OptInt(const std::optional<int64_t>& v);
  PgCopy& Text(std::string_view v);
  // Empty text as NULL (NullIfEmpty).
  PgCopy& TextOrNull(std::string_view v);
  // The shortest text that reads back exactly, as PgParams sends a double.
  PgCopy& Double(double v);
  PgCopy& Null();
  Status EndRow();
  // Sends what is collected; call once after the last row.
  Status Flush();
  int64_t rows() const { return rows_; }

 private:
  static constexpr size_t kSlice = 16u << 20;
  void Sep();
  PgConn& conn_;
  std::string copy_sql_;
  std::string data_;
  bool first_ = true;
  int64_t rows_ = 0;
};

// A fresh temporary table `name` (`columns` as in CREATE TABLE) for one
// unit's COPY, dropped at commit. One left by an earlier call in the same
// open unit is replaced.
Status StageTable(PgConn& conn, std::string_view name, std::string_view columns);

// The lock every writing unit of work takes first (pg_advisory_xact_lock):
// writers of all instances apply one at a time, readers never wait.
inline constexpr int64_t kWriterLock = 7402320001;

// A unit of work: BEGIN (a writer also takes kWriterLock) or, inside an open
// one, a SAVEPOINT. Rolled back on destruction unless Commit() ran.
class PgTx {
 public:
  enum class Mode { kWrite, kRead };
  static Result<PgTx> Begin(PgConn& conn, Mode mode = Mode::kWrite);
  PgTx(PgTx&& o) noexcept : conn_(o.conn_), level_(o.level_), done_(o.done_) { o.done_ = true; }
  PgTx(const PgTx&) = delete;
  PgTx& operator=(const PgTx&) = delete;
  ~PgTx();
  Status Commit();
  Status Rollback();
  bool nested() const { return level_ > 1; }

 private:
  PgTx(PgConn& conn, int level) : conn_(&conn), level_(level) {}
  PgConn* conn_;
  int level_;  // 1: the outer BEGIN; n > 1: SAVEPOINT u<n>
  bool done_ = false;
};

}  // namespace tacit::pg

#endif  // TACIT_SRC_STORE_PG_PG_CONN_H_

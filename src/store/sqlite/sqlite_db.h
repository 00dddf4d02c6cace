// A thin RAII layer over the SQLite C API: a connection, prepared statements and
// transactions, with SQLite errors turned into tacit Errors. Internal to the
// SQLite backend.
#ifndef TACIT_SRC_STORE_SQLITE_SQLITE_DB_H_
#define TACIT_SRC_STORE_SQLITE_SQLITE_DB_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tacit/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tacit::sqlite {

class Stmt;

class Db {
 public:
  static Result<Db> Open(const std::string& path);
  Db(Db&& o) noexcept : db_(o.db_), path_(std::move(o.path_)) { o.db_ = nullptr; }
  Db& operator=(Db&&) = delete;
  Db(const Db&) = delete;
  ~Db();

  Status Exec(std::string_view sql);
  Result<Stmt> Prepare(std::string_view sql);
  int64_t Changes() const;
  bool InTransaction() const;
  int64_t LastInsertId() const;
  const std::string& path() const { return path_; }
  // An Error describing the connection's last failure while doing `what`.
  tl::unexpected<Error> LastError(std::string_view what) const;
  sqlite3* raw() { return db_; }

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

class Stmt {
 public:
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  // Binding is 1-based like SQLite. Empty optional binds NULL.
  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, int v) { return Bind(i, static_cast<int64_t>(v)); }
  Stmt& Bind(int i, double v);
  Stmt& Bind(int i, std::string_view v);
  // Binds text without copying it. REQUIRES: `v` stays valid until the
  // statement is stepped and reset.
  Stmt& BindStatic(int i, std::string_view v);
  Stmt& BindNull(int i);
  // Binds `v` as a BLOB (copied).
  Stmt& BindBlob(int i, std::string_view v);
  // Binds a pointer that only SQL functions asking for `type` can read
  // (sqlite3_bind_pointer). REQUIRES: `p` stays valid until the statement is
  // reset, and `type` is a string literal.
  Stmt& BindPointer(int i, void* p, const char* type);
  Stmt& BindOptional(int i, const std::optional<int64_t>& v) {
    return v ? Bind(i, *v) : BindNull(i);
  }
  // Binds empty text as NULL.
  Stmt& BindTextOrNull(int i, std::string_view v) { return v.empty() ? BindNull(i) : Bind(i, v); }

  // Steps once: true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion (for statements that return no rows).
  Status Run();
  Stmt& Reset();

  int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  std::string_view TextView(int col) const;
  // A BLOB column's bytes, valid until the next Step or Reset.
  std::string_view BlobView(int col) const;
  bool IsNull(int col) const;

 private:
  friend class Db;
  Stmt(Db* db, sqlite3_stmt* s) : db_(db), stmt_(s) {}
  Db* db_;
  sqlite3_stmt* stmt_;
};

// BEGIN IMMEDIATE (or a SAVEPOINT when a transaction is open already);
// rolled back on destruction unless Commit() ran.
class Transaction {
 public:
  static Result<Transaction> Begin(Db& db);
  Transaction(Transaction&& o) noexcept : db_(o.db_), done_(o.done_), nested_(o.nested_) { o.done_ = true; }
  Transaction(const Transaction&) = delete;
  ~Transaction();
  Status Commit();
  // Rolls back now (instead of at destruction).
  Status Rollback();

 private:
  explicit Transaction(Db& db) : db_(&db) {}
  Db* db_;
  bool done_ = false;
  bool nested_ = false;  // a savepoint inside an open transaction
};

// Every row of a statement, read by `read`.
template <typename T, typename Read>
Result<std::vector<T>> CollectRows(Stmt& s, Read read) {
  std::vector<T> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(read(s));
  }
  return out;
}

// The first row of a statement, read by `read`, or nullopt.
template <typename T, typename Read>
Result<std::optional<T>> FirstRow(Stmt& s, Read read) {
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<T>();
  return std::optional<T>(read(s));
}

}  // namespace tacit::sqlite

#endif  // TACIT_SRC_STORE_SQLITE_SQLITE_DB_H_

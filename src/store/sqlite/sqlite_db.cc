#include "store/sqlite/sqlite_db.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <filesystem>

namespace tacit::sqlite {

Result<Db> Db::Open(const std::string& path) {
  // Memory statistics take a global mutex on every allocation; tacit does not
  // use them. Must precede the library's initialisation; harmless afterwards.
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Unavailable(fmt::format("cannot open the store {}: {}", path, why));
  }
  sqlite3_busy_timeout(db, 30000);
  sqlite3_extended_result_codes(db, 1);
  return Db(db, path);
}

Db::~Db() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

namespace {

constexpr std::string_view kNoRoom =
    "磁盘已满或超出文件大小限制，本次写入已撤销 (disk full or file size limit reached; the write was rolled back): ";
constexpr std::string_view kReadOnlyFileSystem =
    "存储所在的文件系统为只读 (the store's file system is read-only): ";
constexpr std::string_view kReadOnly =
    "存储为只读或无写入权限，本次写入已撤销 (the store is read-only or not writable; the write was rolled back): ";

// Why an I/O failure happened. SQLite keeps the system call's errno only
// sometimes (a failed write is often reported as "disk I/O error" after the
// rollback has changed errno), so the file system is asked too: is it
// mounted read-only, is it (nearly) full, is a file at the process's size
// limit (ulimit -f)?
std::string_view IoCause(const std::string& path, int primary, sqlite3* db) {
  const bool io = primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN || primary == SQLITE_FULL ||
                  primary == SQLITE_READONLY;
  if (!io) return {};
  const int sys = sqlite3_system_errno(db);
  if (primary == SQLITE_FULL || sys == ENOSPC || sys == EFBIG || sys == EDQUOT) return kNoRoom;
  if (sys == EROFS) return kReadOnlyFileSystem;
  if (primary == SQLITE_READONLY || sys == EACCES || sys == EPERM) return kReadOnly;
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) == 0) {
    if ((fs.f_flag & ST_RDONLY) != 0) return kReadOnlyFileSystem;
    if (static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize < (uint64_t{1} << 20)) return kNoRoom;
  }
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    for (const char* suffix : {"", "-wal", "-journal"}) {
      struct stat st {};
      if (::stat((path + suffix).c_str(), &st) == 0 &&
          static_cast<uint64_t>(st.st_size) + (uint64_t{1} << 20) >= static_cast<uint64_t>(limit.rlim_cur)) {
        return kNoRoom;
      }
    }
  }
  return {};
}

}  // namespace

tl::unexpected<Error> Db::LastError(std::string_view what) const {
  const int rc = sqlite3_errcode(db_);
  const int primary = rc & 0xff;
  ErrorCode code = ErrorCode::kInternal;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_IOERR || primary == SQLITE_FULL ||
      primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY || primary == SQLITE_PROTOCOL) {
    code = ErrorCode::kUnavailable;
  } else if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    code = ErrorCode::kDataLoss;
  } else if (primary == SQLITE_CONSTRAINT) {
    code = ErrorCode::kAlreadyExists;
  }
  // The cause in words staff can act on, first: the disk, the file system or
  // the file's permissions.
  const std::string_view cause = IoCause(path_, primary, db_);
  return MakeError(code, fmt::format("{}store {}: {} ({})", cause, path_, what, sqlite3_errmsg(db_)));
}

Status Db::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    return LastError("executing SQL");
  }
  return {};
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
      SQLITE_OK) {
    return LastError("preparing a statement");
  }
  return Stmt(this, s);
}

bool Db::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
int64_t Db::Changes() const { return sqlite3_changes64(db_); }
int64_t Db::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindBlob(int i, std::string_view v) {
  sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindStatic(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}
Stmt& Stmt::BindPointer(int i, void* p, const char* type) {
  sqlite3_bind_pointer(stmt_, i, p, type, nullptr);
  return *this;
}

Result<bool> Stmt::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->LastError("running a statement");
}

Status Stmt::Run() {
  const int rc = sqlite3_step(stmt_);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    auto err = db_->LastError("running a statement");
    sqlite3_reset(stmt_);
    return err;
  }
  sqlite3_reset(stmt_);
  return {};
}

Stmt& Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return *this;
}

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Stmt::Double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Stmt::Text(int col) const { return std::string(TextView(col)); }
std::string_view Stmt::TextView(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}
std::string_view Stmt::BlobView(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  if (p == nullptr) return {};
  return std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}
bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Result<Transaction> Transaction::Begin(Db& db) {
  // Inside an open transaction (a unit of work), nest as a savepoint.
  const bool nested = sqlite3_get_autocommit(db.raw()) == 0;
  RETURN_IF_ERROR(db.Exec(nested ? "SAVEPOINT tacit_nested" : "BEGIN IMMEDIATE"));
  Transaction tx(db);
  tx.nested_ = nested;
  return tx;
}

Transaction::~Transaction() { (void)Rollback(); }

Status Transaction::Rollback() {
  if (done_) return {};
  done_ = true;
  if (nested_) {
    RETURN_IF_ERROR(db_->Exec("ROLLBACK TO tacit_nested"));
    return db_->Exec("RELEASE tacit_nested");
  }
  return db_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
  RETURN_IF_ERROR(db_->Exec(nested_ ? "RELEASE tacit_nested" : "COMMIT"));
  done_ = true;
  return {};
}

}  // namespace tacit::sqlite

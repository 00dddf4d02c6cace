// Backup and restore of a SQLite store with SQLite's online backup API
// (https://sqlite.org/backup.html).
#include <errno.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "store/backup/backup_file.h"
#include "store/backup/backup_internal.h"
#include "tacit/store.h"

namespace tacit::backup {
namespace {

namespace fs = std::filesystem;

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, CloseDb>;

// What SQLite (and the system call under it) said, for `path`.
Error SqliteError(sqlite3* db, int rc, const std::string& what, const std::string& path) {
  const int primary = rc & 0xff;
  const int sys = db != nullptr ? sqlite3_system_errno(db) : 0;
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (primary == SQLITE_FULL || sys == ENOSPC || sys == EFBIG || sys == EROFS || sys == EACCES || sys == EPERM) {
    Error e = SystemError(primary == SQLITE_FULL && sys == 0 ? ENOSPC : sys, what, path);
    e.message += fmt::format(" ({})", detail);
    return e;
  }
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    return Error{ErrorCode::kDataLoss,
                 fmt::format("{} {}: 文件已损坏或不是 SQLite 数据库 (damaged or not a SQLite database: {})", what,
                             path, detail)};
  }
  return Error{ErrorCode::kUnavailable, fmt::format("{} {}: {}", what, path, detail)};
}

Result<DbPtr> Open(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) return tl::unexpected(SqliteError(raw, rc, "无法打开 (cannot open)", path));
  sqlite3_busy_timeout(raw, 30000);
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

// The store to back up, read-only. On a file system mounted read-only SQLite
// cannot make the WAL's shared-memory file; as nothing can write there, a
// store without a WAL to replay is opened as immutable, so that a backup can
// still copy it somewhere writable.
Result<DbPtr> OpenStoreForReading(const std::string& path) {
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  struct statvfs vfs {};
  std::error_code ec;
  const bool read_only_fs = ::statvfs(dir.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0;
  const bool wal_empty = !fs::exists(path + "-wal", ec) || FileSize(path + "-wal") == 0;
  if (!read_only_fs || !wal_empty) return Open(path, SQLITE_OPEN_READONLY);
  std::string uri = "file:";
  for (char c : fs::absolute(path, ec).string()) {
    if (c == '%' || c == '?' || c == '#') {
      uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    } else {
      uri += c;
    }
  }
  return Open(uri + "?immutable=1", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
}

// The first column of every row of `sql` as text, one line each ("" when no
// row; a value may itself hold line ends).
Result<std::string> Lines(sqlite3* db, const char* sql, const std::string& path) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> s(raw, &sqlite3_finalize);
  if (rc != SQLITE_OK) return tl::unexpected(SqliteError(db, rc, "无法读取 (cannot read)", path));
  std::string out;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
    if (!out.empty()) out += '\n';
    out += t != nullptr ? t : "";
  }
  if (rc != SQLITE_DONE) return tl::unexpected(SqliteError(db, rc, "无法读取 (cannot read)", path));
  return out;
}

// The first column of the first row of `sql` as text ("" when no row).
Result<std::string> Text(sqlite3* db, const char* sql, const std::string& path) {
  ASSIGN_OR_RETURN(std::string lines, Lines(db, sql, path));
  return lines.substr(0, lines.find('\n'));
}

// The checks a backup passes before it is called one: PRAGMA integrity_check
// says "ok" and the schema version is a tacit store's this build can open.
Result<int> Check(sqlite3* db, const std::string& path) {
  ASSIGN_OR_RETURN(std::string integrity, Lines(db, "PRAGMA integrity_check", path));
  if (integrity != "ok") {
    return DataLoss(fmt::format("{} 完整性检查未通过 (failed PRAGMA integrity_check: {})", path,
                                IntegritySummary(integrity)));
  }
  ASSIGN_OR_RETURN(std::string version_text, Text(db, "PRAGMA user_version", path));
  const int version = std::atoi(version_text.c_str());
  ASSIGN_OR_RETURN(std::string tables,
                   Text(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                            "('person', 'evidence', 'batch')", path));  // tables every schema version has
  if (version <= 0 || tables != "3") {
    return DataLoss(fmt::format("{} 不是 tacit 存储或其备份 (not a tacit store or a backup of one)", path));
  }
  if (version > kSchemaVersion) {
    return FailedPrecondition(fmt::format(
        "{} 的结构版本 {} 比本程序的 {} 新 (schema version {} is newer than this tacit's {}): use a newer tacit", path,
        version, kSchemaVersion, version, kSchemaVersion));
  }
  return version;
}

// Copies every page of `from` into `to` in one read transaction of `from`.
Status CopyPages(sqlite3* from, sqlite3* to, const std::string& from_path, const std::string& to_path) {
  sqlite3_backup* b = sqlite3_backup_init(to, "main", from, "main");
  if (b == nullptr) return tl::unexpected(SqliteError(to, sqlite3_errcode(to), "无法备份到 (cannot back up to)", to_path));
  int rc = SQLITE_OK;
  // -1: all pages in one step, so the copy is one snapshot of the source (a
  // step at a time would restart whenever another process commits). BUSY:
  // a writer in rollback mode holds the file for its commit; try again.
  for (int attempt = 0; attempt < 600; ++attempt) {
    rc = sqlite3_backup_step(b, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    // SQLite reports the error on the destination, whichever side had it.
    return tl::unexpected(
        SqliteError(to, rc, "复制失败 (the copy failed)", fmt::format("{} → {}", from_path, to_path)));
  }
  return {};
}

// A rollback-journal file: one self-contained file without -wal or -shm.
Status MakePlainFile(sqlite3* db, const std::string& path) {
  ASSIGN_OR_RETURN(std::string mode, Text(db, "PRAGMA journal_mode=DELETE", path));
  if (mode != "delete") return Unavailable(fmt::format("{}: cannot leave WAL mode ({})", path, mode));
  return {};
}

// Removes a temporary file (and any journal of it) on the way out unless released.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (path_.empty()) return;
    std::error_code ec;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(path_ + suffix, ec);
  }
  const std::string& path() const { return path_; }
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

// True when the store holds data a restore would destroy: persons, evidence,
// batches or monthly runs. A store `tacit init` just made holds none.
Result<bool> HoldsData(sqlite3* db, const std::string& path) {
  for (const char* table : {"person", "evidence", "batch", "cycle_run"}) {
    ASSIGN_OR_RETURN(std::string exists,
                     Text(db, fmt::format("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{}'",
                                          table).c_str(), path));
    if (exists == "0") continue;
    ASSIGN_OR_RETURN(std::string any,
                     Text(db, fmt::format("SELECT EXISTS (SELECT 1 FROM {})", table).c_str(), path));
    if (any == "1") return true;
  }
  return false;
}

}  // namespace

// What PRAGMA integrity_check found (all its rows, one problem a line, headed
// "*** in database main ***" where SQLite groups them; at most 100), fit for a
// message: how many problems and the first. Its lines name rowids, and a
// person's rowid is their key, the digits of their identity number: every run
// of ten digits or more is masked.
std::string IntegritySummary(std::string_view report) {
  std::string first;
  int problems = 0;
  for (size_t at = 0; at <= report.size();) {
    size_t end = report.find('\n', at);
    if (end == std::string_view::npos) end = report.size();
    const std::string_view line = report.substr(at, end - at);
    if (!line.empty() && !line.starts_with("*** in database")) {
      if (problems++ == 0) first = line;
    }
    at = end + 1;
  }
  std::string masked;
  for (size_t i = 0; i < first.size();) {
    size_t j = i;
    while (j < first.size() && first[j] >= '0' && first[j] <= '9') ++j;
    if (j == i) {
      masked += first[i++];
      continue;
    }
    masked += j - i >= 10 ? std::string(j - i, '*') : first.substr(i, j - i);
    i = j;
  }
  return fmt::format("发现 {} 处问题, 第一处 (found {} problems, the first): {}", problems, problems, masked);
}

Result<BackupReport> BackupSqlite(const std::string& path, const std::string& out) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return FailedPrecondition(fmt::format("没有存储 (no store at {}): pass --db", path));
  }
  if (fs::exists(out, ec)) {
    return MakeError(ErrorCode::kAlreadyExists,
                     fmt::format("备份文件已存在 (the backup file {} exists): a backup never replaces a file", out));
  }
  // Read-only: a backup never writes to the store, not even its WAL.
  ASSIGN_OR_RETURN(DbPtr from, OpenStoreForReading(path));
  TempFile tmp(TempNameBeside(out, "tmp"));
  int version = 0;
  {
    ASSIGN_OR_RETURN(DbPtr to, Open(tmp.path(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
    ::chmod(tmp.path().c_str(), 0600);  // personal data: the operator's only
    RETURN_IF_ERROR(CopyPages(from.get(), to.get(), path, tmp.path()));
    from.reset();
    RETURN_IF_ERROR(MakePlainFile(to.get(), tmp.path()));
    auto checked = Check(to.get(), tmp.path());
    if (!checked) {
      Error e = checked.error();
      e.message = fmt::format("备份未通过检查，未保存 (the backup failed its check and was not kept): {}", e.message);
      return tl::unexpected(e);
    }
    version = *checked;
  }
  RETURN_IF_ERROR(SyncFile(tmp.path()));
  RETURN_IF_ERROR(RenameInto(tmp.path(), out, /*replace=*/false));
  tmp.Release();
  return BackupReport{.file = out, .bytes = FileSize(out), .schema_version = version, .postgres = false};
}

Result<BackupReport> RestoreSqlite(const std::string& file, const std::string& path, const RestoreOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return NotFound(fmt::format("没有备份文件 (no backup file {})", file));
  if (fs::equivalent(file, path, ec)) {
    return InvalidArgument(fmt::format("备份文件就是存储本身 (the backup {} is the store itself)", file));
  }
  ASSIGN_OR_RETURN(DbPtr from, Open(file, SQLITE_OPEN_READONLY));
  RETURN_IF_ERROR(Check(from.get(), file));

  // The store it replaces: refused when it holds data (unless forced) or when
  // another process has it open. Its WAL is folded in and removed first, so
  // that no stale -wal beside the new file is ever replayed into it. The
  // connection keeps the old file locked until the new one has its name.
  DbPtr old;
  mode_t mode = 0600;
  if (fs::exists(path, ec) && FileSize(path) > 0) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
    ASSIGN_OR_RETURN(old, Open(path, SQLITE_OPEN_READWRITE));
    auto holds = HoldsData(old.get(), path);
    if (!holds) {
      // A damaged file where the store was: replaced only when asked to.
      if (!options.force) {
        Error e = holds.error();
        e.message += "; add --force to replace it";
        return tl::unexpected(e);
      }
      old.reset();
    } else {
      if (*holds && !options.force) {
        return FailedPrecondition(fmt::format(
            "存储 {} 已有数据，未覆盖 (the store already holds data and was not replaced): add --force to replace it",
            path));
      }
      // Leaving WAL mode needs the only connection: with another one open it
      // is busy (or stays WAL).
      sqlite3_busy_timeout(old.get(), 2000);
      auto journal = Text(old.get(), "PRAGMA journal_mode=DELETE", path);
      if (!journal || *journal != "delete") {
        return FailedPrecondition(fmt::format(
            "存储 {} 正被其他进程使用 (the store is open in another process: {}): stop tacit serve, ingest and the "
            "other commands on it first",
            path, journal ? *journal : journal.error().message));
      }
      RETURN_IF_ERROR(Text(old.get(), "BEGIN EXCLUSIVE", path));
    }
  }

  TempFile tmp(TempNameBeside(path, "restore"));
  int version = 0;
  {
    ASSIGN_OR_RETURN(DbPtr to, Open(tmp.path(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
    ::chmod(tmp.path().c_str(), mode);
    RETURN_IF_ERROR(CopyPages(from.get(), to.get(), file, tmp.path()));
    RETURN_IF_ERROR(MakePlainFile(to.get(), tmp.path()));
    ASSIGN_OR_RETURN(version, Check(to.get(), tmp.path()));
  }
  RETURN_IF_ERROR(SyncFile(tmp.path()));
  RETURN_IF_ERROR(RenameInto(tmp.path(), path, /*replace=*/true));
  tmp.Release();
  // Left by the old file (empty after the switch to DELETE above): SQLite
  // rebuilds the shared-memory index when the new file is first opened.
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(path + suffix, ec);
  old.reset();
  return BackupReport{.file = file, .bytes = FileSize(path), .schema_version = version, .postgres = false};
}

}  // namespace tacit::backup

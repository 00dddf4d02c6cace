#include "backup_commands.h"

#include <fmt/format.h>

#include <filesystem>

#include "access_commands.h"
#include "tacit/backup.h"
#include "tacit/store.h"

namespace tacit::cli {
namespace {

namespace fs = std::filesystem;

std::string Size(int64_t bytes) {
  if (bytes >= (int64_t{1} << 30)) return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1 << 30));
  if (bytes >= (int64_t{1} << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
  return fmt::format("{} KiB", (bytes + 1023) / 1024);
}

// The key file is not in the backup: say which one to keep with it.
void NameTheKey(const std::string& key_file) {
  std::error_code ec;
  if (fs::exists(key_file, ec)) {
    fmt::print("密钥文件不在备份中，请另行备份 (the key file is not in the backup; back it up apart): {}\n", key_file);
  } else {
    fmt::print("注意：没有找到密钥文件 (note: no key file at {}); sealed values need the key the store was used with\n",
               key_file);
  }
}

Status Backup(const std::string& db, const std::string& out, const std::string& key_file) {
  ASSIGN_OR_RETURN(BackupReport r, BackupStore(db, out));
  fmt::print("备份完成 (backup written): {} — {}, 结构版本 (schema version) {}, {}\n", r.file, Size(r.bytes),
             r.schema_version,
             r.postgres ? "pg_dump 自定义格式，已用 pg_restore --list 核对 (pg_dump custom format, checked)"
                        : "完整性检查通过 (PRAGMA integrity_check ok)");
  NameTheKey(key_file);
  return {};
}

Status Restore(const std::string& db, const std::string& file, bool force, const std::string& key_file) {
  ASSIGN_OR_RETURN(BackupReport r, RestoreStore(file, db, RestoreOptions{.force = force}));
  fmt::print("恢复完成 (restored) {} 到 (into) {}: 结构版本 (schema version) {}\n", r.file, RedactedLocation(db),
             r.schema_version);
  if (r.schema_version < kSchemaVersion) {
    fmt::print("请运行 `tacit init` 升级结构到 {} (run `tacit init` to migrate it to version {})\n", kSchemaVersion,
               kSchemaVersion);
  } else {
    // The trail says when the store went back to an earlier state, and from which file.
    ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(db));
    RETURN_IF_ERROR(AuditCommandAfter(*store, "store.restore", fs::path(file).filename().string(),
                                      {{"schema_version", r.schema_version}, {"force", force}}));
  }
  NameTheKey(key_file);
  return {};
}

}  // namespace

BackupCommands::BackupCommands(CLI::App& app) {
  backup_ = app.add_subcommand(
      "backup", "copy the whole store (--db) to a new file: SQLite's online backup (consistent while tacit runs, "
                "checked), or pg_dump -Fc for PostgreSQL; the key file is not in it");
  backup_->add_option("--out", out_, "the backup file to write (never replaced)")->required();
  restore_ = app.add_subcommand(
      "restore", "replace the store (--db) with a backup, after checking it; atomic; refuses a store with data "
                 "unless --force, and a SQLite store another process has open");
  restore_->add_option("FILE", file_, "a file `tacit backup` wrote")->required();
  restore_->add_flag("--force", force_, "replace a store that holds data");
}

bool BackupCommands::Chosen() const { return backup_->parsed() || restore_->parsed(); }

Status BackupCommands::Run(const std::string& db, const std::string& key_file) const {
  if (backup_->parsed()) return Backup(db, out_, key_file);
  return Restore(db, file_, force_, key_file);
}

}  // namespace tacit::cli

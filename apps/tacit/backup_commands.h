// `tacit backup --out FILE` and `tacit restore FILE [--force]`: the whole store
// (--db, SQLite or PostgreSQL) to one file and back (tacit/backup.h,
// docs/operations.md "Backup and restore").
#ifndef TACIT_APPS_TACIT_BACKUP_COMMANDS_H_
#define TACIT_APPS_TACIT_BACKUP_COMMANDS_H_

#include <CLI/CLI.hpp>

#include <string>

#include "tacit/result.h"

namespace tacit::cli {

class BackupCommands {
 public:
  // Adds the two subcommands to `app`.
  explicit BackupCommands(CLI::App& app);
  // Whether the command line chose one of them (after parsing).
  bool Chosen() const;
  // Runs the chosen one on the store `db` (--db); `key_file` is the operator's
  // key file, which is not in a backup and is named so that it is kept.
  Status Run(const std::string& db, const std::string& key_file) const;

 private:
  CLI::App* backup_ = nullptr;
  CLI::App* restore_ = nullptr;
  std::string out_, file_;
  bool force_ = false;
};

}  // namespace tacit::cli

#endif  // TACIT_APPS_TACIT_BACKUP_COMMANDS_H_

// Backup and restore of a PostgreSQL store with PostgreSQL's own tools:
// pg_dump -Fc (custom format: compressed, restorable table by table) and
// pg_restore in one transaction. The tools run without a shell; the
// connection goes to them as a keyword string without its password, which
// goes in the child's environment (PGPASSWORD) only, so it is never in a
// process list, a log or a message.
#include <fcntl.h>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/backup/backup_file.h"
#include "store/backup/backup_internal.h"
#include "tacit/store.h"

extern char** environ;

namespace tacit::backup {
namespace {

namespace fs = std::filesystem;

// A connection for the tools: `conninfo` as keyword='value' pairs without the
// password, and the password apart.
struct ToolConnection {
  std::string conninfo;
  std::string password;
};

std::string Quoted(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

Result<ToolConnection> ForTools(const std::string& location) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(location.c_str(), &err);
  if (options == nullptr) {
    std::string why = err != nullptr ? err : "out of memory";
    PQfreemem(err);
    return InvalidArgument(fmt::format("--db {}: {}", RedactedLocation(location), why));
  }
  ToolConnection c;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    if (std::strcmp(o->keyword, "password") == 0) {
      c.password = o->val;
      continue;
    }
    if (!c.conninfo.empty()) c.conninfo += ' ';
    c.conninfo += fmt::format("{}={}", o->keyword, Quoted(o->val));
  }
  PQconninfoFree(options);
  return c;
}

// A PostgreSQL client program: TACIT_PG_BIN/NAME when that is set, else NAME
// on the PATH (Debian's wrapper picks the newest installed client).
std::string Tool(const char* name) {
  const char* dir = std::getenv("TACIT_PG_BIN");
  return dir != nullptr && *dir != '\0' ? (fs::path(dir) / name).string() : std::string(name);
}

struct ToolRun {
  int status = -1;   // exit code; -1 when it did not exit normally
  std::string out;   // standard output
  std::string err;   // standard error (its last lines are shown on failure)
};

// Runs `argv` without a shell, with PGPASSWORD set to `password` in its
// environment only; collects its output.
Result<ToolRun> RunTool(const std::vector<std::string>& argv, const std::string& password) {
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "PGPASSWORD=", 11) != 0) env_text.emplace_back(*e);
  }
  if (!password.empty()) env_text.push_back("PGPASSWORD=" + password);
  std::vector<char*> env, args;
  for (auto& e : env_text) env.push_back(e.data());
  env.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return Unavailable("pipe failed");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return Unavailable("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return Unavailable(fmt::format("无法运行 {} (cannot run {}: {}); install postgresql-client or set TACIT_PG_BIN",
                                   argv[0], argv[0], std::strerror(rc)));
  }
  ToolRun run;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? run.out : run.err).append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  run.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
  return run;
}

// The tool's complaint for a message: its last few lines, with the password
// (should a tool ever echo it) and the address redacted.
std::string Complaint(const ToolRun& run, const std::string& password) {
  std::string text = run.err;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.size() > 600) text = "…" + text.substr(text.size() - 600);
  if (!password.empty()) {
    for (size_t at = text.find(password); at != std::string::npos; at = text.find(password, at)) {
      text.replace(at, password.size(), "***");
    }
  }
  return text;
}

// The tables of a custom-format archive (pg_restore --list), to recognise a
// tacit dump: it has the tables every store has.
Status CheckArchive(const std::string& file) {
  ASSIGN_OR_RETURN(ToolRun list, RunTool({Tool("pg_restore"), "--list", file}, ""));
  if (list.status != 0) {
    return DataLoss(fmt::format("{} 不是可读的 pg_dump 归档 (not a readable pg_dump custom-format archive): {}", file,
                                Complaint(list, "")));
  }
  for (const char* table : {"person", "evidence", "batch", "audit", "schema_version"}) {
    if (list.out.find(fmt::format(" TABLE DATA public {} ", table)) == std::string::npos) {
      return DataLoss(fmt::format("{} 不是 tacit 存储的备份 (not a backup of a tacit store: no table {})", file, table));
    }
  }
  return {};
}

// The schema version the archive holds: the one row of schema_version.
Result<int> ArchiveSchemaVersion(const std::string& file) {
  ASSIGN_OR_RETURN(ToolRun data, RunTool({Tool("pg_restore"), "--data-only", "--table=schema_version", "--file=-",
                                          file}, ""));
  // COPY public.schema_version (version) FROM stdin;\n12\n\.
  const size_t copy = data.out.find("FROM stdin;\n");
  if (data.status != 0 || copy == std::string::npos) {
    return DataLoss(fmt::format("{}: 读不出结构版本 (cannot read the schema version)", file));
  }
  return std::atoi(data.out.c_str() + copy + 12);
}

}  // namespace

Result<BackupReport> BackupPostgres(const std::string& conninfo, const std::string& out) {
  std::error_code ec;
  if (fs::exists(out, ec)) {
    return MakeError(ErrorCode::kAlreadyExists,
                     fmt::format("备份文件已存在 (the backup file {} exists): a backup never replaces a file", out));
  }
  int version = 0;
  {
    // Reachable, and a store tacit has initialised (the error names the
    // address without its password).
    ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(conninfo));
    ASSIGN_OR_RETURN(version, store->SchemaVersion());
    if (version <= 0) {
      return FailedPrecondition(fmt::format("{} 不是 tacit 存储 (not a tacit store): run `tacit init` first",
                                            RedactedLocation(conninfo)));
    }
  }
  ASSIGN_OR_RETURN(ToolConnection c, ForTools(conninfo));
  const std::string tmp = TempNameBeside(out, "tmp");
  // pg_dump takes one snapshot (a repeatable-read transaction): writers go on.
  ASSIGN_OR_RETURN(ToolRun dump, RunTool({Tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                                          "--file=" + tmp, "--dbname=" + c.conninfo}, c.password));
  auto fail = [&](Error e) -> Result<BackupReport> {
    fs::remove(tmp, ec);
    return tl::unexpected(std::move(e));
  };
  if (dump.status != 0) {
    return fail(Error{ErrorCode::kUnavailable,
                      fmt::format("pg_dump 失败 (pg_dump failed) for {}: {}", RedactedLocation(conninfo),
                                  Complaint(dump, c.password))});
  }
  if (auto checked = CheckArchive(tmp); !checked) return fail(checked.error());
  auto archived = ArchiveSchemaVersion(tmp);
  if (!archived) return fail(archived.error());
  if (*archived != version) {
    return fail(Error{ErrorCode::kDataLoss, fmt::format("{}: schema version {} in the archive, {} in the store", out,
                                                        *archived, version)});
  }
  if (auto synced = SyncFile(tmp); !synced) return fail(synced.error());
  if (auto renamed = RenameInto(tmp, out, /*replace=*/false); !renamed) return fail(renamed.error());
  return BackupReport{.file = out, .bytes = FileSize(out), .schema_version = version, .postgres = true};
}

Result<BackupReport> RestorePostgres(const std::string& file, const std::string& conninfo,
                                     const RestoreOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return NotFound(fmt::format("没有备份文件 (no backup file {})", file));
  RETURN_IF_ERROR(CheckArchive(file));
  ASSIGN_OR_RETURN(int version, ArchiveSchemaVersion(file));
  if (version > kSchemaVersion) {
    return FailedPrecondition(fmt::format(
        "{} 的结构版本 {} 比本程序的 {} 新 (schema version {} is newer than this tacit's {}): use a newer tacit", file,
        version, kSchemaVersion, version, kSchemaVersion));
  }
  ASSIGN_OR_RETURN(ToolConnection c, ForTools(conninfo));
  // What the database holds now: nothing, an empty store (`tacit init`), or data.
  bool has_tables = false;
  {
    std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(conninfo.c_str()), &PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK) {
      return Unavailable(fmt::format("无法连接 PostgreSQL (cannot connect to PostgreSQL at {}): {}",
                                     RedactedLocation(conninfo), PQerrorMessage(conn.get())));
    }
    auto count = [&](const char* sql) -> int64_t {
      std::unique_ptr<PGresult, void (*)(PGresult*)> r(PQexec(conn.get(), sql), &PQclear);
      if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) return -1;
      return std::atoll(PQgetvalue(r.get(), 0, 0));
    };
    has_tables = count("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") > 0;
    if (has_tables) {
      const int64_t rows = count(
          "SELECT (SELECT count(*) FROM (SELECT 1 FROM person LIMIT 1) p) + (SELECT count(*) FROM (SELECT 1 FROM "
          "evidence LIMIT 1) e) + (SELECT count(*) FROM (SELECT 1 FROM batch LIMIT 1) b) + (SELECT count(*) FROM "
          "(SELECT 1 FROM cycle_run LIMIT 1) c)");
      if (rows != 0 && !options.force) {
        return FailedPrecondition(fmt::format(
            "数据库 {} 已有数据，未覆盖 (the database already holds data and was not replaced): add --force to "
            "replace it",
            RedactedLocation(conninfo)));
      }
    }
  }
  // One transaction: the database is the old one or the restored one. An
  // existing store's objects are dropped first (--clean) inside it.
  std::vector<std::string> argv = {Tool("pg_restore"), "--single-transaction", "--exit-on-error", "--no-owner",
                                   "--no-privileges", "--dbname=" + c.conninfo};
  if (has_tables) {
    argv.emplace_back("--clean");
    argv.emplace_back("--if-exists");
  }
  argv.push_back(file);
  ASSIGN_OR_RETURN(ToolRun restore, RunTool(argv, c.password));
  if (restore.status != 0) {
    return Unavailable(fmt::format("pg_restore 失败，数据库未改变 (pg_restore failed; the database is unchanged) for "
                                   "{}: {}",
                                   RedactedLocation(conninfo), Complaint(restore, c.password)));
  }
  return BackupReport{.file = file, .bytes = FileSize(file), .schema_version = version, .postgres = true};
}

}  // namespace tacit::backup

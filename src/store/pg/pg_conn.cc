#include "store/pg/pg_conn.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>
#include <regex>

namespace tacit::pg {
namespace {

// libpq's messages end with a newline and may span lines.
std::string Trimmed(const char* message) {
  std::string s = message != nullptr ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

using ResultPtr = std::unique_ptr<pg_result, decltype(&PQclear)>;

// The start of every message about a connection the server dropped.
constexpr std::string_view kConnectionLost =
    "数据库连接中断，请稍后重试 (the connection to PostgreSQL was lost; try again)";

// A failed statement's error: the code from its SQLSTATE, the primary
// message only (DETAIL may quote key values, identity numbers among them).
tl::unexpected<Error> StatementError(const pg_result* r) {
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  const std::string code = state != nullptr ? state : "";
  std::string message = Trimmed(PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
  if (message.empty()) message = Trimmed(PQresultErrorMessage(r));
  message = fmt::format("PostgreSQL: {} (SQLSTATE {})", message, code);
  if (code == "23505") return MakeError(ErrorCode::kAlreadyExists, std::move(message));
  if (code == "23000") return FailedPrecondition(std::move(message));
  // No SQLSTATE: libpq's own failure, the connection (the server went away).
  if (code.empty() || code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0) {
    return Unavailable(fmt::format("{}: {}", kConnectionLost, message));
  }
  if (code == "40001" || code == "40P01") return Unavailable(std::move(message));
  return Internal(std::move(message));
}

}  // namespace

PgParams& PgParams::Add(double v) {
  values_.emplace_back(fmt::format("{}", v));  // shortest text that reads back exactly
  return *this;
}

std::optional<std::string> PgRows::Get(int row, int column) const {
  if (row < 0 || row >= rows_ || column < 0 || column >= columns_) return std::nullopt;
  if (PQgetisnull(result_.get(), row, column)) return std::nullopt;
  return std::string(TextView(row, column));
}

bool PgRows::IsNull(int row, int column) const {
  return row < 0 || row >= rows_ || column < 0 || column >= columns_ || PQgetisnull(result_.get(), row, column);
}

std::string_view PgRows::TextView(int row, int column) const {
  if (row < 0 || row >= rows_ || column < 0 || column >= columns_) return {};
  return std::string_view(PQgetvalue(result_.get(), row, column),
                          static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

int64_t PgRows::Int(int row, int column) const {
  const std::string_view t = TextView(row, column);
  int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

std::optional<int64_t> PgRows::OptInt(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Int(row, column);
}

double PgRows::Double(int row, int column) const {
  const std::string t(TextView(row, column));
  return t.empty() ? 0.0 : std::strtod(t.c_str(), nullptr);
}

void AppendCopyNull(std::string& out) { out += "\\N"; }

void AppendCopyField(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

void AppendCopyField(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void PgConn::Close::operator()(pg_conn* c) const { PQfinish(c); }

PgConn::PgConn(pg_conn* c) : conn_(c) {}
PgConn::PgConn(PgConn&&) noexcept = default;
PgConn& PgConn::operator=(PgConn&&) noexcept = default;
PgConn::~PgConn() = default;

std::string PgConn::Redacted(const std::string& conninfo) {
  // postgresql://user:secret@host/db and password=secret (quoted or not).
  static const std::regex url("(postgres(?:ql)?://[^:/@]*):[^@]*@");
  static const std::regex key("password\\s*=\\s*('(?:[^'\\\\]|\\\\.)*'|\\S+)");
  std::string out = std::regex_replace(conninfo, url, "$1:***@");
  return std::regex_replace(out, key, "password=***");
}

std::string PgConn::WithDatabase(const std::string& conninfo, const std::string& db) {
  const size_t scheme = conninfo.find("://");
  if (scheme == std::string::npos) return conninfo + " dbname=" + db;
  const size_t query = conninfo.find('?', scheme);
  size_t path = conninfo.find('/', scheme + 3);
  if (path == std::string::npos || (query != std::string::npos && path > query)) path = query;
  const std::string authority = conninfo.substr(0, path == std::string::npos ? conninfo.size() : path);
  return authority + "/" + db + (query == std::string::npos ? "" : conninfo.substr(query));
}

Result<PgConn> PgConn::Connect(const std::string& conninfo) {
  pg_conn* c = PQconnectdb(conninfo.c_str());
  if (c == nullptr) return Unavailable("PostgreSQL: out of memory for a connection");
  PgConn conn(c);
  if (PQstatus(c) != CONNECTION_OK) {
    return Unavailable(fmt::format("无法连接 PostgreSQL (cannot connect to PostgreSQL at {}): {}", Redacted(conninfo),
                                   Trimmed(PQerrorMessage(c))));
  }
  // Every statement sees UTC, like the SQLite store's dates; notices (such as
  // "relation exists, skipping") are not printed.
  RETURN_IF_ERROR(conn.Exec("SET TIME ZONE 'UTC'; SET client_min_messages = warning"));
  return conn;
}

Status PgConn::Failed(std::string_view what) const {
  if (PQstatus(conn_.get()) == CONNECTION_BAD) {
    return Unavailable(
        fmt::format("{}: PostgreSQL: {}: {}", kConnectionLost, what, Trimmed(PQerrorMessage(conn_.get()))));
  }
  return Unavailable(fmt::format("PostgreSQL: {}: {}", what, Trimmed(PQerrorMessage(conn_.get()))));
}

// A connection the server dropped (a restart, a failover, an administrator)
// is opened again before the next statement outside a unit of work, so a
// long-running tacit (serve, a consumer) recovers by itself once the server
// is back. Inside a unit the unit has failed: its owner rolls it back, and
// the statement after that reconnects. Session state is made again:
// prepared statements, the time zone; temporary tables are created by the
// statements that use them.
Status PgConn::EnsureConnected() {
  if (depth_ > 0 || PQstatus(conn_.get()) == CONNECTION_OK) return {};
  PQreset(conn_.get());
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    return Unavailable(fmt::format("{}: PostgreSQL: {}", kConnectionLost, Trimmed(PQerrorMessage(conn_.get()))));
  }
  prepared_.clear();
  writer_level_ = 0;
  return Exec("SET TIME ZONE 'UTC'; SET client_min_messages = warning");
}

Result<PgRows> PgConn::Finish(pg_result* raw) {
  if (raw == nullptr) return tl::unexpected(Failed("query").error());
  PgRows rows;
  rows.result_ = std::shared_ptr<pg_result>(raw, &PQclear);
  const ExecStatusType s = PQresultStatus(raw);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return StatementError(raw);
  rows.rows_ = PQntuples(raw);
  rows.columns_ = PQnfields(raw);
  const char* affected = PQcmdTuples(raw);
  rows.affected_ = affected != nullptr && *affected != '\0' ? std::strtoll(affected, nullptr, 10) : 0;
  return rows;
}

Status PgConn::Exec(std::string_view sql) {
  RETURN_IF_ERROR(EnsureConnected());
  ResultPtr r(PQexec(conn_.get(), std::string(sql).c_str()), &PQclear);
  if (!r) return Failed("exec");
  const ExecStatusType s = PQresultStatus(r.get());
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return StatementError(r.get());
  return {};
}

Result<PgRows> PgConn::Query(std::string_view sql, const PgParams& params) {
  RETURN_IF_ERROR(EnsureConnected());
  const auto& p = params.values();
  std::vector<const char*> values;
  values.reserve(p.size());
  for (const auto& v : p) values.push_back(v ? v->c_str() : nullptr);
  std::string key(sql);
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    std::string name = fmt::format("s{}", prepared_.size() + 1);
    ResultPtr r(PQprepare(conn_.get(), name.c_str(), key.c_str(), static_cast<int>(values.size()), nullptr), &PQclear);
    if (!r) return tl::unexpected(Failed("prepare").error());
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return StatementError(r.get());
    it = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  return Finish(PQexecPrepared(conn_.get(), it->second.c_str(), static_cast<int>(values.size()), values.data(),
                               nullptr, nullptr, 0));
}

Status PgConn::ForEachRow(std::string_view sql, const PgParams& params, const std::function<Status(const PgRow&)>& fn,
                          int batch) {
  return ForEachBatch(sql, params, [&fn](const PgRows& rows) -> Status {
    for (int r = 0; r < rows.size(); ++r) RETURN_IF_ERROR(fn(PgRow{rows, r}));
    return {};
  }, batch);
}

Status PgConn::ForEachBatch(std::string_view sql, const PgParams& params,
                            const std::function<Status(const PgRows&)>& fn, int batch) {
  std::optional<PgTx> own;
  if (depth_ == 0) {
    ASSIGN_OR_RETURN(PgTx tx, PgTx::Begin(*this, PgTx::Mode::kRead));
    own.emplace(std::move(tx));
  }
  const std::string cursor = fmt::format("tacit_c{}", ++cursors_);
  {
    const auto& p = params.values();
    std::vector<const char*> values;
    for (const auto& v : p) values.push_back(v ? v->c_str() : nullptr);
    const std::string declare = fmt::format("DECLARE {} NO SCROLL CURSOR FOR {}", cursor, sql);
    RETURN_IF_ERROR(Finish(PQexecParams(conn_.get(), declare.c_str(), static_cast<int>(values.size()), nullptr,
                                        values.data(), nullptr, nullptr, 0)));
  }
  const std::string fetch = fmt::format("FETCH {} FROM {}", batch, cursor);
  while (true) {
    ASSIGN_OR_RETURN(PgRows rows, Finish(PQexec(conn_.get(), fetch.c_str())));
    if (rows.size() > 0) RETURN_IF_ERROR(fn(rows));
    if (rows.size() < batch) break;
  }
  RETURN_IF_ERROR(Exec("CLOSE " + cursor));
  if (own) RETURN_IF_ERROR(own->Commit());
  return {};
}

Result<int64_t> PgConn::CopyIn(std::string_view copy_sql, std::string_view data) {
  ResultPtr start(PQexec(conn_.get(), std::string(copy_sql).c_str()), &PQclear);
  if (!start) return tl::unexpected(Failed("copy").error());
  if (PQresultStatus(start.get()) != PGRES_COPY_IN) return StatementError(start.get());
  constexpr size_t kChunk = 1 << 20;
  for (size_t at = 0; at < data.size(); at += kChunk) {
    const size_t n = std::min(kChunk, data.size() - at);
    if (PQputCopyData(conn_.get(), data.data() + at, static_cast<int>(n)) != 1) {
      return tl::unexpected(Failed("copy data").error());
    }
  }
  if (PQputCopyEnd(conn_.get(), nullptr) != 1) return tl::unexpected(Failed("copy end").error());
  int64_t copied = 0;
  Status status;
  while (pg_result* raw = PQgetResult(conn_.get())) {
    auto r = Finish(raw);
    if (!r) {
      if (status) status = tl::unexpected(r.error());
    } else {
      copied += r->affected();
    }
  }
  if (!status) return tl::unexpected(status.error());
  return copied;
}

void PgCopy::Sep() {
  if (!first_) data_ += '\t';
  first_ = false;
}

PgCopy& PgCopy::Int(int64_t v) {
  Sep();
  AppendCopyField(data_, v);
  return *this;
}

PgCopy& PgCopy::OptInt(const std::optional<int64_t>& v) {
  return v ? Int(*v) : Null();
}

PgCopy& PgCopy::Text(std::string_view v) {
  Sep();
  AppendCopyField(data_, v);
  return *this;
}

PgCopy& PgCopy::TextOrNull(std::string_view v) {
  return v.empty() ? Null() : Text(v);
}

PgCopy& PgCopy::Double(double v) {
  Sep();
  fmt::format_to(std::back_inserter(data_), "{}", v);
  return *this;
}

PgCopy& PgCopy::Null() {
  Sep();
  AppendCopyNull(data_);
  return *this;
}

Status PgCopy::EndRow() {
  data_ += '\n';
  first_ = true;
  ++rows_;
  return data_.size() >= kSlice ? Flush() : Status();
}

Status PgCopy::Flush() {
  if (data_.empty()) return {};
  RETURN_IF_ERROR(conn_.CopyIn(copy_sql_, data_));
  data_.clear();
  return {};
}

Status StageTable(PgConn& conn, std::string_view name, std::string_view columns) {
  return conn.Exec(
      fmt::format("DROP TABLE IF EXISTS pg_temp.{0}; CREATE TEMP TABLE {0} ({1}) ON COMMIT DROP", name, columns));
}

Result<PgTx> PgTx::Begin(PgConn& conn, Mode mode) {
  const int level = conn.depth_ + 1;
  if (level == 1) {
    Status begun = conn.Exec("BEGIN");
    // A connection the server dropped while it sat idle is found out here;
    // Exec opens it again, and BEGIN, which changes nothing, is safe to repeat.
    if (!begun && PQstatus(conn.conn_.get()) == CONNECTION_BAD) begun = conn.Exec("BEGIN");
    RETURN_IF_ERROR(begun);
  } else {
    RETURN_IF_ERROR(conn.Exec(fmt::format("SAVEPOINT u{}", level)));
  }
  conn.depth_ = level;
  PgTx tx(conn, level);
  if (mode == Mode::kWrite && conn.writer_level_ == 0) {
    RETURN_IF_ERROR(conn.Query("SELECT pg_advisory_xact_lock($1)", {kWriterLock}));
    conn.writer_level_ = level;
  }
  return tx;
}

PgTx::~PgTx() {
  if (!done_) (void)Rollback();
}

Status PgTx::Commit() {
  if (done_) return Internal("PgTx: committed or rolled back already");
  done_ = true;
  conn_->depth_ = level_ - 1;
  if (level_ == 1) {
    conn_->writer_level_ = 0;
    return conn_->Exec("COMMIT");
  }
  // A released savepoint's locks stay with the enclosing unit.
  if (conn_->writer_level_ == level_) conn_->writer_level_ = level_ - 1;
  return conn_->Exec(fmt::format("RELEASE SAVEPOINT u{}", level_));
}

Status PgTx::Rollback() {
  if (done_) return {};
  done_ = true;
  conn_->depth_ = level_ - 1;
  // Locks taken inside a rolled-back unit are released with it.
  if (conn_->writer_level_ >= level_) conn_->writer_level_ = 0;
  if (level_ == 1) return conn_->Exec("ROLLBACK");
  RETURN_IF_ERROR(conn_->Exec(fmt::format("ROLLBACK TO SAVEPOINT u{}", level_)));
  return conn_->Exec(fmt::format("RELEASE SAVEPOINT u{}", level_));
}

}  // namespace tacit::pg

#include "store/pg/pg_conn.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <regex>

namespace tacit::pg {
namespace {

// libpq's messages end with a newline and may span lines.
std::string Trimmed(const char* message) {
  std::string s = message != nullptr ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::optional<std::string> PgRows::Get(int row, int column) const {
  if (row < 0 || row >= rows_ || column < 0 || column >= columns_) return std::nullopt;
  if (PQgetisnull(result_.get(), row, column)) return std::nullopt;
  return std::string(PQgetvalue(result_.get(), row, column), static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

void PgConn::Close::operator()(pg_conn* c) const { PQfinish(c); }

PgConn::~PgConn() = default;

std::string PgConn::Redacted(const std::string& conninfo) {
  // postgresql://user:secret@host/db and password=secret (quoted or not).
  static const std::regex url("(postgres(?:ql)?://[^:/@]*):[^@]*@");
  static const std::regex key("password\\s*=\\s*('(?:[^'\\\\]|\\\\.)*'|\\S+)");
  std::string out = std::regex_replace(conninfo, url, "$1:***@");
  return std::regex_replace(out, key, "password=***");
}

Result<PgConn> PgConn::Connect(const std::string& conninfo) {
  pg_conn* c = PQconnectdb(conninfo.c_str());
  if (c == nullptr) return Unavailable("PostgreSQL: out of memory for a connection");
  PgConn conn(c);
  if (PQstatus(c) != CONNECTION_OK) {
    return Unavailable(fmt::format("无法连接 PostgreSQL (cannot connect to PostgreSQL at {}): {}", Redacted(conninfo),
                                   Trimmed(PQerrorMessage(c))));
  }
  // Every statement sees UTC, like the SQLite store's dates.
  RETURN_IF_ERROR(conn.Exec("SET TIME ZONE 'UTC'"));
  return conn;
}

Status PgConn::Failed(std::string_view what) const {
  return Unavailable(fmt::format("PostgreSQL: {}: {}", what, Trimmed(PQerrorMessage(conn_.get()))));
}

Status PgConn::Exec(std::string_view sql) {
  std::unique_ptr<pg_result, decltype(&PQclear)> r(PQexec(conn_.get(), std::string(sql).c_str()), &PQclear);
  if (!r) return Failed("exec");
  const ExecStatusType s = PQresultStatus(r.get());
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
    return Internal(fmt::format("PostgreSQL: {}", Trimmed(PQresultErrorMessage(r.get()))));
  }
  return {};
}

Result<PgRows> PgConn::Query(std::string_view sql, const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  pg_result* raw = PQexecParams(conn_.get(), std::string(sql).c_str(), static_cast<int>(values.size()), nullptr,
                                values.data(), nullptr, nullptr, 0);
  if (raw == nullptr) return tl::unexpected(Failed("query").error());
  PgRows rows;
  rows.result_ = std::shared_ptr<pg_result>(raw, &PQclear);
  const ExecStatusType s = PQresultStatus(raw);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
    return Internal(fmt::format("PostgreSQL: {}", Trimmed(PQresultErrorMessage(raw))));
  }
  rows.rows_ = PQntuples(raw);
  rows.columns_ = PQnfields(raw);
  const char* affected = PQcmdTuples(raw);
  rows.affected_ = affected != nullptr && *affected != '\0' ? std::strtoll(affected, nullptr, 10) : 0;
  return rows;
}

}  // namespace tacit::pg

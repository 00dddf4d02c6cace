// The audit trail for auditors: entries in order, and the chain's check.
#include "server/routes.h"

namespace tacit::server {

json AuditEntryJson(const AuditEntry& e) {
  return {{"id", e.id},         {"at_ms", e.at_ms},   {"actor", e.actor},         {"action", e.action},
          {"target", e.target}, {"detail", e.detail}, {"outcome", e.outcome}, {"prev_hash", e.prev_hash},
          {"hash", e.hash}};
}

namespace {

HttpResult<Reply> List(Context& ctx) {
  ASSIGN_OR_RETURN(int64_t after, IntQuery(ctx, "after", 0, 0, INT64_MAX));
  ASSIGN_OR_RETURN(int64_t limit, IntQuery(ctx, "limit", 100, 1, 1000));
  json entries = json::array();
  RETURN_IF_ERROR(ctx.store.ForEachAudit(after, limit, [&](const AuditEntry& e) -> Status {
    entries.push_back(AuditEntryJson(e));
    return {};
  }));
  return Reply::Json({{"entries", entries}});
}

HttpResult<Reply> Verify(Context& ctx) {
  ASSIGN_OR_RETURN(AuditVerifyReport r, VerifyAudit(ctx.store));
  json out = {{"entries", r.entries}, {"intact", !r.first_broken.has_value()}, {"head_hash", r.head_hash}};
  if (r.first_broken) {
    out["first_broken"] = *r.first_broken;
    out["reason"] = r.reason;
  }
  return Reply::Json(out);
}

}  // namespace

void AddAuditRoutes(std::vector<Route>& routes) {
  routes.push_back({.method = "GET",
                    .path = "/api/v1/audit",
                    .tag = "audit",
                    .summary = "审计日志 (the audit trail in order, with each entry's chain hashes)",
                    .auth = kSessionAuth,
                    .action = Action::kAuditRead,
                    .query = {"after: entries after this id (default 0)", "limit: at most this many (1-1000, default 100)"},
                    .handler = List});
  routes.push_back({.method = "GET",
                    .path = "/api/v1/audit/verify",
                    .tag = "audit",
                    .summary = "校验审计日志 (recompute the hash chain; names the first broken entry)",
                    .auth = kSessionAuth,
                    .action = Action::kAuditRead,
                    .handler = Verify});
}

}  // namespace tacit::server

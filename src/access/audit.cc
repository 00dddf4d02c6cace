// The audit trail: a hash chain over the store's append-only audit table.
#include <fmt/format.h>

#include "tacit/access.h"
#include "tacit/secrets.h"

namespace tacit {
namespace {

// Each field length-prefixed, so that moving bytes between fields changes the hash.
void AppendField(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out.push_back(':');
  out.append(field);
  out.push_back('\n');
}

}  // namespace

std::string AuditEntryHash(const AuditEntry& e) {
  std::string text;
  text.reserve(256 + e.detail.size());
  AppendField(text, e.prev_hash);
  AppendField(text, std::to_string(e.id));
  AppendField(text, std::to_string(e.at_ms));
  AppendField(text, e.actor);
  AppendField(text, e.action);
  AppendField(text, e.target);
  AppendField(text, e.detail);
  AppendField(text, e.outcome);
  return Sha256Hex(text);
}

Status AppendAudit(Store& store, const AuditEvent& event, int64_t at_ms) {
  AuditEntry entry;
  entry.at_ms = at_ms;
  entry.actor = event.actor;
  entry.action = event.action;
  entry.target = event.target;
  entry.detail = event.detail;
  entry.outcome = event.outcome.empty() ? "ok" : event.outcome;
  return store.AppendAudit(entry, AuditEntryHash);
}

Result<AuditVerifyReport> VerifyAudit(Store& store) {
  AuditVerifyReport report;
  std::string prev(64, '0');
  int64_t expected_id = 1;
  RETURN_IF_ERROR(store.ForEachAudit(0, 0, [&](const AuditEntry& e) -> Status {
    report.entries += 1;
    if (report.first_broken) return {};
    if (e.id != expected_id) {
      report.first_broken = e.id;
      report.reason = fmt::format("条目 {} 之前缺少条目 {} (entries are missing before entry {})", e.id,
                                  expected_id, e.id);
    } else if (e.prev_hash != prev) {
      report.first_broken = e.id;
      report.reason = fmt::format("条目 {} 记录的前一条哈希与前一条不符 (the previous-hash link is broken)", e.id);
    } else if (AuditEntryHash(e) != e.hash) {
      report.first_broken = e.id;
      report.reason = fmt::format("条目 {} 的内容与其哈希不符，已被改动 (the entry was altered after it was written)",
                                  e.id);
    }
    prev = e.hash;
    expected_id = e.id + 1;
    return {};
  }));
  report.head_hash = prev;
  return report;
}

}  // namespace tacit

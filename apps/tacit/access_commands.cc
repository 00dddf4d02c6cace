#include "access_commands.h"

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <iostream>

#include "export_file.h"
#include "tacit/access.h"

namespace tacit::cli {
namespace {

using nlohmann::json;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t NowSeconds() { return NowMs() / 1000; }

// "2026-11-27 21:57:22" (UTC) from Unix milliseconds; with `millis`, ".123" too.
std::string UtcText(int64_t ms, bool millis = false) {
  const auto t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (millis) out += fmt::format(".{:03}", ms % 1000);
  return out;
}

// Audit text is written by tacit as UTF-8, but a tampered row need not be: the
// export and the list show such bytes replaced rather than failing.
template <typename Json>
std::string Dump(const Json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The terminal's settings while a password is typed without echo, restored on
// return and on Ctrl-C: a shell left without echo is a trap for what follows.
termios saved_terminal;

void RestoreTerminalAndReraise(int sig) {
  ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

Result<std::string> ReadLineWithoutEcho(std::string_view prompt) {
  fmt::print(stderr, "{}", prompt);
  std::fflush(stderr);
  if (::tcgetattr(STDIN_FILENO, &saved_terminal) != 0) return Unavailable("cannot read the terminal's settings");
  termios quiet = saved_terminal;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  auto* old_int = std::signal(SIGINT, RestoreTerminalAndReraise);
  auto* old_term = std::signal(SIGTERM, RestoreTerminalAndReraise);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_terminal);
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  fmt::print(stderr, "\n");
  if (!got) return InvalidArgument("没有输入密码 (no password was typed)");
  return line;
}

// A new password: from a terminal typed twice without echo; otherwise the first
// line of standard input (for scripts: `printf '%s\n' "$PW" | tacit user add …`).
// Never an argument, which other users could read in the process list.
Result<std::string> ReadNewPassword() {
  if (::isatty(STDIN_FILENO) != 0) {
    ASSIGN_OR_RETURN(std::string first, ReadLineWithoutEcho("新密码 (new password): "));
    ASSIGN_OR_RETURN(std::string second, ReadLineWithoutEcho("再输入一次 (repeat it): "));
    if (first != second) return InvalidArgument("两次输入的密码不一致 (the two passwords differ)");
    return first;
  }
  std::string line;
  if (!std::getline(std::cin, line)) {
    return InvalidArgument("标准输入中没有密码 (no password on standard input: give it as one line)");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string RegionText(const std::string& region) { return region.empty() ? "全部 (all)" : region; }

std::string JoinKinds(const std::vector<std::string>& kinds) {
  std::string out;
  for (const std::string& k : kinds) out += (out.empty() ? "" : ",") + k;
  return out;
}

}  // namespace

Status AuditCommand(Store& store, std::string action, std::string target, const json& detail) {
  AuditEvent event;
  event.actor = CommandLinePrincipal().Actor();
  event.action = std::move(action);
  event.target = std::move(target);
  event.detail = detail.is_null() ? std::string() : Dump(detail);
  event.outcome = "ok";
  return AppendAudit(store, event, NowMs());
}

Status AuditCommandAfter(Store& store, std::string action, std::string target, const json& detail) {
  Status s = AuditCommand(store, std::move(action), std::move(target), detail);
  if (!s) {
    return MakeError(s.error().code, fmt::format("操作已完成, 但审计日志未能写入 (the change was made, but its audit "
                                                 "entry could not be written): {}",
                                                 s.error().message));
  }
  return {};
}

Status UserAdd(Store& store, const std::string& name, const std::string& role_text, const std::string& region) {
  ASSIGN_OR_RETURN(Role role, ParseRole(role_text));
  ASSIGN_OR_RETURN(std::string password, ReadNewPassword());
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(int64_t id, AddUser(store, NewUser{name, role, region, password}, NowSeconds()));
  RETURN_IF_ERROR(AuditCommand(store, "user.add", "user " + name,
                               json{{"id", id}, {"role", RoleName(role)}, {"region", region}}));
  RETURN_IF_ERROR(unit->Commit());
  fmt::print("用户 {} 已添加 (user added): 角色 {}, 区划 {}\n", name, RoleName(role), RegionText(region));
  return {};
}

Status UserList(Store& store) {
  ASSIGN_OR_RETURN(std::vector<StaffUser> users, store.ListUsers());
  if (users.empty()) {
    fmt::print("没有工作人员账号 (no staff accounts): tacit user add NAME --role ROLE\n");
    return {};
  }
  const int64_t now = NowSeconds();
  fmt::print("{:<20} {:<9} {:<12} {:<19} {}\n", "用户名 (name)", "角色", "区划 (region)", "创建 (created, UTC)",
             "状态 (state)");
  for (const StaffUser& u : users) {
    std::string state = "正常 (active)";
    if (u.disabled) {
      state = "已停用 (disabled)";
    } else if (u.locked_until > now) {
      state = fmt::format("已锁定至 {} UTC (locked)", UtcText(u.locked_until * 1000));
    }
    fmt::print("{:<20} {:<9} {:<12} {:<19} {}\n", u.name, u.role, u.region.empty() ? "-" : u.region,
               UtcText(u.created_at * 1000), state);
  }
  fmt::print("共 {} 个账号 (accounts)\n", users.size());
  return {};
}

Status UserPasswd(Store& store, const std::string& name) {
  ASSIGN_OR_RETURN(std::optional<StaffUser> user, store.FindUser(name));
  if (!user) return NotFound(fmt::format("没有用户 {} (no such user)", name));
  ASSIGN_OR_RETURN(std::string password, ReadNewPassword());
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  RETURN_IF_ERROR(SetPassword(store, name, password));
  RETURN_IF_ERROR(AuditCommand(store, "user.passwd", "user " + name, json{{"id", user->id}}));
  RETURN_IF_ERROR(unit->Commit());
  fmt::print("用户 {} 的密码已更换, 账号已解锁 (password changed, account unlocked)\n", name);
  return {};
}

Status UserSetDisabled(Store& store, const std::string& name, bool disabled) {
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(int64_t id, SetUserDisabled(store, name, disabled, NowSeconds()));
  RETURN_IF_ERROR(AuditCommand(store, disabled ? "user.disable" : "user.enable", "user " + name, json{{"id", id}}));
  RETURN_IF_ERROR(unit->Commit());
  if (disabled) {
    fmt::print("用户 {} 已停用, 其登录会话已全部结束 (account disabled, its sessions ended)\n", name);
  } else {
    fmt::print("用户 {} 已启用 (account enabled)\n", name);
  }
  return {};
}

Status PartnerSetDisabled(Store& store, const std::string& name, bool disabled) {
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  RETURN_IF_ERROR(store.SetPartnerDisabled(name, disabled));
  RETURN_IF_ERROR(AuditCommand(store, disabled ? "partner.disable" : "partner.enable", "partner " + name));
  RETURN_IF_ERROR(unit->Commit());
  if (disabled) {
    fmt::print("合作方 {} 的密钥已停用 (the key is refused from now on)\n", name);
  } else {
    fmt::print("合作方 {} 的密钥已启用 (the key is accepted again)\n", name);
  }
  return {};
}

Status PartnerAdd(Store& store, const Policy& policy, const Secrets& secrets, const std::string& name,
                  const std::string& role_text, const std::string& source, const std::vector<std::string>& kinds) {
  ASSIGN_OR_RETURN(Role role, ParseRole(role_text));
  if (role != Role::kPartner && role != Role::kAttestor) {
    return InvalidArgument("--role: partner (数据共享部门) 或 attestor (认证结果提供方)");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(PartnerKey key, AddPartner(store, policy, secrets, NewPartner{name, role, source, kinds},
                                              NowSeconds()));
  RETURN_IF_ERROR(AuditCommand(store, "partner.add", "partner " + name,
                               json{{"id", key.id}, {"role", RoleName(role)}, {"source", source}, {"kinds", kinds},
                                    {"key_id", key.key_id}}));
  RETURN_IF_ERROR(unit->Commit());
  // Shown only once the registration is committed: never a key that does not exist.
  fmt::print("合作方 {} 已登记 (registered): 角色 {}, 来源 {}, 记录类型 {}\n", name, RoleName(role), source,
             JoinKinds(kinds));
  fmt::print("密钥编号 (key id): {}\n", key.key_id);
  if (role == Role::kPartner) {
    fmt::print("API 密钥 (API key): {}\n", key.api_key);
  } else {
    fmt::print("签名密钥 (signing secret, HMAC-SHA256): {}\n", key.signing_secret);
  }
  fmt::print("警告: 密钥仅显示这一次, 请立即通过安全渠道交给对方; tacit 不保存明文, 无法再次显示, 遗失须重新登记 "
             "(the key is shown this once and cannot be shown again)\n");
  return {};
}

Status PartnerList(Store& store) {
  ASSIGN_OR_RETURN(std::vector<PartnerRecord> partners, store.ListPartners());
  if (partners.empty()) {
    fmt::print("没有登记的合作方 (no partners): tacit partner add NAME --role partner|attestor --source S --kinds K\n");
    return {};
  }
  fmt::print("{:<20} {:<9} {:<17} {:<18} {:<19} {:<8} {}\n", "名称 (name)", "角色", "来源 (source)", "密钥编号 (key id)",
             "创建 (created, UTC)", "状态", "记录类型 (kinds)");
  for (const PartnerRecord& p : partners) {
    fmt::print("{:<20} {:<9} {:<17} {:<18} {:<19} {:<8} {}\n", p.name, p.role, p.source, p.key_id,
               UtcText(p.created_at * 1000), p.disabled ? "已停用" : "正常", JoinKinds(p.kinds));
  }
  fmt::print("共 {} 个 (partners)\n", partners.size());
  return {};
}

namespace {

Result<AuditVerifyReport> VerifiedTrail(Store& store) {
  ASSIGN_OR_RETURN(AuditVerifyReport report, VerifyAudit(store));
  if (report.first_broken) {
    return DataLoss(fmt::format("审计日志不完整, 自条目 {} 起不可信 (the audit trail is broken at entry {}): {}",
                                *report.first_broken, *report.first_broken, report.reason));
  }
  return report;
}

}  // namespace

Status AuditVerify(Store& store) {
  ASSIGN_OR_RETURN(AuditVerifyReport report, VerifiedTrail(store));
  fmt::print("审计日志完整 (the audit trail is intact): {} 条, 末条哈希 (head) {}\n", report.entries,
             report.head_hash);
  return {};
}

Status AuditHead(Store& store) {
  ASSIGN_OR_RETURN(AuditVerifyReport report, VerifiedTrail(store));
  fmt::print("{}\n", report.head_hash);
  return {};
}

Status AuditList(Store& store, int64_t after_id, int64_t limit) {
  if (after_id < 0) return InvalidArgument("--after: an entry id, 0 or more");
  if (limit < 0) return InvalidArgument("--limit: 0 (all) or more");
  int64_t shown = 0, last_id = after_id;
  bool more = false;
  fmt::print("{:<7} {:<23} {:<16} {:<15} {:<24} {:<6} {}\n", "编号", "时间 (UTC)", "操作者 (actor)", "操作 (action)",
             "对象 (target)", "结果", "参数 (detail)");
  // One entry past the limit says whether there is more to page through.
  RETURN_IF_ERROR(store.ForEachAudit(after_id, limit > 0 ? limit + 1 : 0, [&](const AuditEntry& e) -> Status {
    if (limit > 0 && shown == limit) {
      more = true;
      return {};
    }
    fmt::print("{:<7} {:<23} {:<16} {:<15} {:<24} {:<6} {}\n", e.id, UtcText(e.at_ms, true), e.actor, e.action,
               e.target, e.outcome, e.detail);
    ++shown;
    last_id = e.id;
    return {};
  }));
  if (more) {
    fmt::print("显示 {} 条; 更多 (more): tacit audit list --after {}\n", shown, last_id);
  } else {
    fmt::print("共 {} 条 (entries)\n", shown);
  }
  return {};
}

Status AuditExport(Store& store, const std::string& out_path) {
  ASSIGN_OR_RETURN(int64_t n, WriteExport(out_path, [&](std::ostream& out) -> Result<int64_t> {
    int64_t count = 0;
    RETURN_IF_ERROR(store.ForEachAudit(0, 0, [&](const AuditEntry& e) -> Status {
      // In the order the hash takes the fields (AuditEntryHash), prev_hash first.
      nlohmann::ordered_json line{{"id", e.id},         {"at_ms", e.at_ms},   {"actor", e.actor},
                                  {"action", e.action}, {"target", e.target}, {"detail", e.detail},
                                  {"outcome", e.outcome}, {"prev_hash", e.prev_hash}, {"hash", e.hash}};
      out << Dump(line) << '\n';
      ++count;
      return {};
    }));
    return count;
  }));
  if (!out_path.empty()) fmt::print(stderr, "{} 条审计日志已导出到 {} (JSON Lines)\n", n, out_path);
  return {};
}

}  // namespace tacit::cli

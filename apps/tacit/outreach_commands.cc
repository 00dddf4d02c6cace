#include "outreach_commands.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "access_commands.h"
#include "tacit/access.h"
#include "tacit/channel_http.h"
#include "tacit/id_number.h"
#include "tacit/outreach.h"
#include "tacit/regions.h"
#include "tacit/schedule.h"

namespace tacit::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int64_t kDayMs = 86'400'000;

Result<Date> DateOr(const std::string& text, std::string_view flag, Date fallback) {
  if (text.empty()) return fallback;
  auto d = ParseDate(text);
  if (!d) return InvalidArgument(fmt::format("{}: {}", flag, d.error().message));
  return *d;
}

Result<PersonKey> PersonOf(Store& store, const std::string& id_text) {
  ASSIGN_OR_RETURN(IdNumber id, ParseIdNumberOrError(id_text, Today()));
  ASSIGN_OR_RETURN(std::optional<PersonRecord> p, store.FindPerson(id.key()));
  if (!p) return NotFound(fmt::format("{} 不在待遇领取名册中 (not in the registry)", MaskIdNumber(id.text())));
  return id.key();
}

std::string Actor(const std::string& by) { return by.empty() ? CommandLinePrincipal().Actor() : by; }

std::string Masked(Store& store, PersonKey key) {
  auto p = store.FindPerson(key);
  if (p && *p) return fmt::format("{} {}", MaskIdNumber((*p)->id_number), MaskName((*p)->name));
  return "?";
}

std::string DayText(int64_t ms) { return ms == 0 ? "-" : BeijingDate(ms).ToString(); }

// A CSV line split on commas (the files here carry no quoted commas: codes,
// names and numbers); surrounding spaces and a trailing CR are removed.
std::vector<std::string> SplitCsv(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) {
    const size_t b = cell.find_first_not_of(" \t\"");
    const size_t e = cell.find_last_not_of(" \t\"");
    out.push_back(b == std::string::npos ? std::string() : cell.substr(b, e - b + 1));
  }
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

// Rejected lines of an import, as FILE.rejects.csv (line, field, reason; no
// value from the line beyond a masked identity number).
Status WriteRejects(const std::string& file, const std::vector<std::string>& rejects) {
  if (rejects.empty()) return {};
  const std::string q = file + ".rejects.csv";
  std::ofstream out(q, std::ios::trunc);
  out << "line,field,reason\n";
  for (const auto& r : rejects) out << r << "\n";
  out.close();
  if (!out) return Unavailable(fmt::format("{}: 写入失败 (write error)", q));
  fmt::print("  拒绝的行见 (rejected lines in) {}\n", q);
  return {};
}

// The registry person a roster line names, or nullopt with the reason added to `rejects`.
Result<std::optional<PersonKey>> RosterPerson(Store& store, std::string_view id_text, int64_t line_no,
                                              std::vector<std::string>& rejects) {
  const IdParse p = ParseIdNumber(id_text, Today());
  if (!p.ok()) {
    rejects.push_back(fmt::format("{},id_number,{}", line_no, IdProblemName(p.problem)));
    return std::optional<PersonKey>();
  }
  ASSIGN_OR_RETURN(std::optional<PersonRecord> person, store.FindPerson(p.id.key()));
  if (!person) {
    rejects.push_back(fmt::format("{},id_number,not in the registry ({})", line_no, MaskIdNumber(p.id.text())));
    return std::optional<PersonKey>();
  }
  return std::optional<PersonKey>(p.id.key());
}

std::atomic<bool> g_stop{false};
void OnStopSignal(int) { g_stop = true; }

}  // namespace

int64_t OutreachNowMs() {
  const int64_t clock =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  // TACIT_TODAY (tests, reproducible runs) pretends another Beijing day at the
  // clock's own time of day; without it the clock is the clock.
  if (std::getenv("TACIT_TODAY") == nullptr) return clock;
  const Date real = BeijingDate(clock);
  const Date today = Today();
  if (today == real) return clock;
  return clock + static_cast<int64_t>(today - real) * kDayMs;
}

// ---- outreach -----------------------------------------------------------------------

Status OutreachRun(Store& store, const Policy& policy, const OutreachArgs& a) {
  const int64_t now = OutreachNowMs();
  ASSIGN_OR_RETURN(Date as_of, DateOr(a.as_of, "--as-of", BeijingDate(now)));
  OutreachPlanOptions options{.as_of = as_of, .now_ms = now, .region = a.region, .dry_run = a.dry_run};
  options.in_unit = [&](const OutreachPlanReport& r) -> Status {
    return AuditCommand(store, "outreach.run", "as of " + as_of.ToString(),
                        json{{"due", r.due}, {"messages", r.messages_new}, {"visits", r.visits_new},
                             {"cancelled", r.cancelled}, {"notices", r.unit_notices}});
  };
  ASSIGN_OR_RETURN(OutreachPlanReport r, PlanOutreach(store, policy, options));
  fmt::print("提醒计划 (outreach plan) {}{}\n", as_of.ToString(), a.dry_run ? "  [试算 dry run: nothing written]" : "");
  fmt::print("  领取人 (recipients scanned)          {}\n", r.persons);
  fmt::print("  待认证 (due, lapsed or uncertified)  {}\n", r.due);
  fmt::print("  新提醒 (new reminders)               {}", r.messages_new);
  for (const auto& [step, n] : r.by_step) fmt::print("  {} {}", step, n);
  fmt::print("\n");
  for (const auto& [channel, n] : r.by_channel) fmt::print("    {} ({}) {}\n", ChannelNameZh(channel), channel, n);
  fmt::print("  已有提醒 (written before)            {}\n", r.messages_existing);
  fmt::print("  无法联系 (no phone, no binding)      {}\n", r.unreachable);
  fmt::print("  新上门任务 (new visit tasks)         {}", r.visits_new);
  for (const auto& [reason, n] : r.visits_by_reason) fmt::print("  {} {}", VisitReasonZh(reason), n);
  fmt::print("\n  取消 (reminders overtaken by facts)  {}\n", r.cancelled);
  if (r.unit_notices > 0) fmt::print("  告知村(居)委会和原单位 (notices to committees and employers) {}\n", r.unit_notices);
  if (r.committee_reminders > 0 || r.committees_without_contact > 0) {
    fmt::print("  死亡零报告催报 (committee reminders) {}  无联系人 (no contact) {}\n", r.committee_reminders,
               r.committees_without_contact);
  }
  return {};
}

Status OutreachDispatch(Store& store, const Policy& policy, const Secrets& secrets, const std::string& db_path,
                        const OutreachArgs& a) {
  if (a.workers < 1 || a.workers > 32) return InvalidArgument("--workers: expected 1 to 32");
  // The adapters date their requests by tacit's clock (a pretended day moves it too).
  std::unique_ptr<ChannelFactory> factory = MakeHttpChannelFactory({.now_ms = OutreachNowMs});
  // One store connection and one set of adapters per worker; each takes its
  // share of the messages (id modulo workers).
  std::vector<std::unique_ptr<Store>> stores;
  for (int w = 1; w < a.workers; ++w) {
    ASSIGN_OR_RETURN(std::unique_ptr<Store> s, OpenStore(db_path));
    stores.push_back(std::move(s));
  }
  std::mutex store_lock;  // the workers' store phases queue here, their provider calls overlap
  std::vector<std::unique_ptr<Dispatcher>> dispatchers;
  for (int w = 0; w < a.workers; ++w) {
    Store& s = w == 0 ? store : *stores[static_cast<size_t>(w - 1)];
    DispatchOptions options{.now_ms = OutreachNowMs,
                            .lease_ms = int64_t{a.lease_s} * 1000,
                            .receipt_after_ms = int64_t{a.receipt_after_s} * 1000,
                            .settle_ms = int64_t{a.settle_s} * 1000,
                            .shard = w,
                            .shards = a.workers,
                            .store_lock = a.workers > 1 ? &store_lock : nullptr};
    // Crash points for the crash-consistency tests (tests/integration/
    // outreach_cli_test.cc): TACIT_CRASH_AT=outreach.claimed|accepted|recorded
    // ends the process there, as a power cut would.
    if (const char* at = std::getenv("TACIT_CRASH_AT"); at != nullptr && std::string_view(at).starts_with("outreach.")) {
      const std::string point = std::string(at).substr(9);
      options.hook = [point](std::string_view where, const OutreachMessageRecord&) {
        if (where == point) ::_exit(86);
      };
    }
    dispatchers.push_back(std::make_unique<Dispatcher>(s, policy, secrets, *factory, std::move(options)));
  }
  if (a.loop) {
    std::signal(SIGINT, OnStopSignal);
    std::signal(SIGTERM, OnStopSignal);
  }
  const auto started = std::chrono::steady_clock::now();
  DispatchReport total;
  int passes = 0;
  while (true) {
    std::vector<Result<DispatchReport>> results(dispatchers.size(), DispatchReport{});
    std::vector<std::thread> threads;
    for (size_t w = 1; w < dispatchers.size(); ++w) {
      threads.emplace_back([&, w] { results[w] = dispatchers[w]->RunOnce(); });
    }
    results[0] = dispatchers[0]->RunOnce();
    for (std::thread& t : threads) t.join();
    ++passes;
    for (auto& r : results) {
      if (!r && a.loop && r.error().code == ErrorCode::kUnavailable) {
        // The store busy for long (a monthly run), a file system hiccup: the
        // next pass tries again; nothing was half-done (every step is a unit).
        spdlog::warn("outreach dispatch: {} (trying again)", r.error().message);
        r = DispatchReport{};
        continue;
      }
      RETURN_IF_ERROR(r);
      total.claimed += r->claimed;
      total.sent += r->sent;
      total.retried += r->retried;
      total.deferred_cap += r->deferred_cap;
      total.deferred_limit += r->deferred_limit;
      total.fell_back += r->fell_back;
      total.failed += r->failed;
      total.unknown += r->unknown;
      total.looked_up_found += r->looked_up_found;
      total.looked_up_resend += r->looked_up_resend;
      total.expired += r->expired;
      total.cancelled += r->cancelled;
      total.delivered += r->delivered;
      total.undelivered += r->undelivered;
      total.quiet = total.quiet || r->quiet;
      total.waiting_channel += r->waiting_channel;
      for (auto& p : r->paused) total.paused.push_back(p);
    }
    const bool idle = std::all_of(results.begin(), results.end(), [](const Result<DispatchReport>& r) {
      return r->claimed == 0 && r->looked_up_resend == 0 && r->fell_back == 0;
    });
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (g_stop || (a.for_s > 0 && elapsed >= a.for_s)) break;
    if (!a.loop) {
      if (idle) break;  // once: until nothing more is due now
      continue;
    }
    for (int i = 0; i < a.interval_s * 10 && !g_stop && idle; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  fmt::print("发送 (dispatch): {} 轮 (passes)\n", passes);
  fmt::print("  已发送 (sent) {}  重试 (retried) {}  失败 (failed) {}  转短信 (fell back to SMS) {}\n", total.sent,
             total.retried, total.failed, total.fell_back);
  fmt::print("  顺延 (deferred: daily cap {}, provider limit {})  过期 (expired) {}  取消 (cancelled) {}\n",
             total.deferred_cap, total.deferred_limit, total.expired, total.cancelled);
  fmt::print("  结果待查 (unknown) {}  查到 (found) {}  重发 (resent) {}  送达 (delivered) {}  未送达 (undelivered) {}\n",
             total.unknown, total.looked_up_found, total.looked_up_resend, total.delivered, total.undelivered);
  if (total.quiet) fmt::print("  免打扰时段 (quiet hours): 未发送 (nothing sent)\n");
  if (total.waiting_channel > 0) {
    fmt::print("  等待渠道 (waiting for a channel that is not configured or paused) {}\n", total.waiting_channel);
  }
  for (const std::string& p : total.paused) fmt::print("  渠道已暂停 (channel paused): {}\n", p);
  return {};
}

Status OutreachList(Store& store, const OutreachArgs& a) {
  const std::string status = a.status.empty() ? std::string(kMsgQueued) : a.status;
  constexpr std::string_view kStatuses[] = {kMsgQueued, kMsgSending, kMsgSent,     kMsgDelivered,
                                            kMsgFailed, kMsgUnknown, kMsgCancelled};
  if (std::find(std::begin(kStatuses), std::end(kStatuses), status) == std::end(kStatuses)) {
    return InvalidArgument("--status: expected queued, sending, sent, delivered, failed, unknown or cancelled");
  }
  std::vector<OutreachMessageRecord> messages;
  if (!a.person_id.empty()) {
    ASSIGN_OR_RETURN(PersonKey key, PersonOf(store, a.person_id));
    ASSIGN_OR_RETURN(messages, store.outreach().MessagesOf(key));
  } else if (!a.region.empty()) {
    RETURN_IF_ERROR(store.outreach().ForEachMessage(
        a.region, 0, std::numeric_limits<int64_t>::max(), [&](const OutreachMessageRecord& m) -> Status {
          if (m.status == status && static_cast<int>(messages.size()) < a.limit) messages.push_back(m);
          return {};
        }));
  } else {
    ASSIGN_OR_RETURN(messages, store.outreach().MessagesInStatus(status, 0, 0, a.limit));
  }
  if (a.json) {
    json out = json::array();
    for (const auto& m : messages) {
      if (!a.region.empty() && !m.region.starts_with(a.region)) continue;
      out.push_back({{"id", m.id}, {"person", m.person ? Masked(store, m.person) : ""}, {"region", m.region},
                     {"channel", m.channel}, {"step", m.reason}, {"template", m.template_name},
                     {"status", m.status}, {"failure", m.failure}, {"provider_code", m.provider_code},
                     {"attempts", m.attempts}, {"created_on", DayText(m.created_ms)}, {"sent_on", DayText(m.sent_ms)},
                     {"deadline", m.deadline}});
    }
    fmt::print("{}\n", out.dump(2));
    return {};
  }
  fmt::print("{:>6}  {:<10}  {:<22}  {:<6}  {:<10}  {:<8}  {}\n", "id", "created", "person", "channel", "step",
             "status", "failure");
  for (const auto& m : messages) {
    if (!a.region.empty() && !m.region.starts_with(a.region)) continue;
    fmt::print("{:>6}  {:<10}  {:<22}  {:<6}  {:<10}  {:<8}  {}\n", m.id, DayText(m.created_ms),
               m.person ? Masked(store, m.person) : "委员会 " + m.region, ChannelNameZh(m.channel), m.reason,
               MessageStatusZh(m.status), m.failure.empty() ? "" : std::string(FailureZh(m.failure)) + " " + m.provider_code);
  }
  return {};
}

Status OutreachStatus(Store& store) {
  ASSIGN_OR_RETURN(std::vector<ChannelConfigRecord> channels, store.outreach().ListChannelConfigs());
  fmt::print("渠道 (channels)\n");
  if (channels.empty()) fmt::print("  未配置 (none configured: tacit channel set sms --config FILE)\n");
  for (const auto& c : channels) {
    auto config = ParseChannelConfig(c.config, c.channel);
    fmt::print("  {} ({})  {}  {}\n", ChannelNameZh(c.channel), c.channel, config ? config->provider : "?",
               c.paused_reason.empty() ? "发送中 (sending)"
                                       : fmt::format("已暂停 (paused) {} since {}", c.paused_reason, DayText(c.paused_ms)));
  }
  fmt::print("队列 (queue)\n");
  ASSIGN_OR_RETURN(auto counts, store.outreach().CountByStatus());
  for (const auto& [status, n] : counts) fmt::print("  {} ({})  {}\n", MessageStatusZh(status), status, n);
  return {};
}

Status OutreachStatsCmd(Store& store, const Policy& policy, const OutreachArgs& a) {
  const Date today = BeijingDate(OutreachNowMs());
  ASSIGN_OR_RETURN(Date to, DateOr(a.to, "--to", today));
  ASSIGN_OR_RETURN(Date from, DateOr(a.from, "--from", to - 29));
  if (from > to) return InvalidArgument("--from: expected a date not after --to");
  ASSIGN_OR_RETURN(OutreachStats st, ComputeOutreachStats(store, policy, a.region, from, to));
  if (a.json) {
    json j = {{"region", a.region}, {"from", from.ToString()}, {"to", to.ToString()},
              {"by_channel_status", st.by_channel_status}, {"sent", st.sent}, {"delivered", st.delivered},
              {"sms_sent", st.sms_sent}, {"delivery_rate", st.delivery_rate}, {"reminded_persons", st.reminded_persons},
              {"certified_within_response_days", st.certified_after}, {"visits_open", st.visits_open},
              {"visits_overdue", st.visits_overdue}, {"visits_done", st.visits_done}};
    fmt::print("{}\n", j.dump(2));
    return {};
  }
  fmt::print("提醒统计 (outreach statistics) {} {} 至 {}\n", a.region.empty() ? "全部 (all)" : a.region,
             from.ToString(), to.ToString());
  for (const auto& [channel, statuses] : st.by_channel_status) {
    fmt::print("  {} ({}):", ChannelNameZh(channel), channel);
    for (const auto& [status, n] : statuses) fmt::print("  {} {}", MessageStatusZh(status), n);
    fmt::print("\n");
  }
  fmt::print("  已发送 (sent) {}  已送达 (delivered) {}  送达率 (delivery rate) {:.1f}%\n", st.sent, st.delivered,
             st.delivery_rate * 100);
  fmt::print("  收到提醒 (persons reminded) {}  其中{}日内完成认证 (certified within {} days) {}\n", st.reminded_persons,
             policy.outreach_response_days.At(to), policy.outreach_response_days.At(to), st.certified_after);
  fmt::print("  上门任务 (visits): 未完成 (open) {}  逾期 (overdue) {}  已完成 (done) {}\n", st.visits_open,
             st.visits_overdue, st.visits_done);
  return {};
}

// Print-ready notices (待认证人员告知单) for each village or community committee:
// the persons there whose certification is due, lapsed or missing, with the
// ways to certify. HTML with a print style sheet (the browser's "print to PDF").
Status OutreachNotices(Store& store, const Policy& policy, const OutreachArgs& a) {
  const Date today = BeijingDate(OutreachNowMs());
  ASSIGN_OR_RETURN(Date as_of, DateOr(a.as_of, "--as-of", today));
  if (a.out_dir.empty()) return InvalidArgument("--out: name the folder for the notices");
  std::error_code ec;
  fs::create_directories(a.out_dir, ec);
  if (ec) return Unavailable(fmt::format("{}: 无法创建目录 (cannot create the folder)", a.out_dir));
  struct Row {
    std::string name, id, deadline, status;
  };
  const std::string by = a.by.empty() ? "committee" : a.by;
  if (by != "committee" && by != "employer") {
    return InvalidArgument("--by: expected committee (村(居)委会) or employer (原工作单位)");
  }
  const bool by_employer = by == "employer";
  // Employer notices: the persons' former employers (tacit employer import).
  std::unordered_map<PersonKey, std::string> employer_of;
  if (by_employer) {
    RETURN_IF_ERROR(store.outreach().ForEachEmployerMember([&](PersonKey p, std::string_view code) -> Status {
      employer_of.emplace(p, std::string(code));
      return {};
    }));
  }
  // Unit (committee region or employer code) → the persons due there.
  std::map<std::string, std::vector<Row>> by_committee;
  std::map<std::string, std::string> unit_region;  // for the nearest point: a resident's region
  RETURN_IF_ERROR(store.ForEachPerson(a.region, [&](const PersonBundle& b) -> Status {
    if (b.entitlements.empty()) return {};
    PersonFacts facts{b.person.baseline_certified, b.facts};
    const CertificationState cert = DeriveCertification(policy, facts, as_of);
    if (!ReminderStep(policy, cert, as_of)) return {};
    std::string unit = b.person.region_code;
    if (by_employer) {
      auto it = employer_of.find(b.person.key);
      if (it == employer_of.end()) return {};
      unit = it->second;
    }
    unit_region.emplace(unit, b.person.region_code);
    by_committee[unit].push_back(
        Row{b.person.name, MaskIdNumber(b.person.id_number),
            cert.valid_through ? CertificationDeadline(*cert.valid_through).ToString() : "-",
            std::string(CertStatusNameZh(cert.status))});
    return {};
  }));
  ASSIGN_OR_RETURN(std::vector<CertPointRecord> points, store.outreach().ListCertPoints("", false));
  auto esc = [](std::string_view s) {
    std::string o;
    for (char c : s) {
      if (c == '<') o += "&lt;";
      else if (c == '>') o += "&gt;";
      else if (c == '&') o += "&amp;";
      else if (c == '"') o += "&quot;";
      else o += c;
    }
    return o;
  };
  int files = 0;
  int64_t persons = 0;
  for (const auto& [committee, rows] : by_committee) {
    std::string name = committee;
    if (by_employer) {
      ASSIGN_OR_RETURN(std::optional<EmployerRecord> employer, store.outreach().FindEmployer(committee));
      if (employer) name = employer->name;
    } else {
      ASSIGN_OR_RETURN(std::optional<Region> region, store.FindRegion(committee));
      if (region) name = region->name;
    }
    const CertPointRecord* point = NearestPoint(points, unit_region[committee]);
    std::ostringstream html;
    html << "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>待遇领取资格认证告知单 "
         << esc(name) << "</title><style>body{font-family:sans-serif;font-size:14pt;margin:2cm}"
         << "table{border-collapse:collapse;width:100%}td,th{border:1px solid #000;padding:4pt 6pt;text-align:left}"
         << "h1{font-size:18pt}@media print{body{margin:1cm}}</style></head><body>"
         << "<h1>养老保险待遇领取资格认证告知单</h1><p>" << esc(name) << "（" << committee << "）：</p>"
         << "<p>截至 " << as_of.ToString() << "，下列人员的待遇领取资格认证即将到期、已过期或尚无认证记录。"
         << "请通知本人通过人社部门公众号或手机应用刷脸认证，或到"
         << esc(point ? point->name + "（" + point->address + "）" : std::string("当地社保经办机构")) << "办理；"
         << "行动不便的，请联系社区工作人员或致电12333申请上门认证。</p>"
         << "<table><thead><tr><th>序号</th><th>姓名</th><th>身份证号码</th><th>认证到期日</th><th>认证状态</th></tr>"
         << "</thead><tbody>";
    int i = 0;
    for (const Row& r : rows) {
      html << "<tr><td>" << ++i << "</td><td>" << esc(r.name) << "</td><td>" << r.id << "</td><td>" << r.deadline
           << "</td><td>" << esc(r.status) << "</td></tr>";
    }
    html << "</tbody></table><p>共 " << rows.size() << " 人。本告知单仅供通知本人，请妥善保管，勿张贴公示。</p>"
         << "<p style=\"text-align:right\">社会保险经办机构　" << today.ToString() << "</p></body></html>\n";
    const fs::path file = fs::path(a.out_dir) / fmt::format("notice-{}{}-{}.html", by_employer ? "employer-" : "",
                                                             committee, as_of.ToString());
    std::ofstream f(file, std::ios::binary | std::ios::trunc);
    f << html.str();
    f.close();
    if (!f) return Unavailable(fmt::format("{}: 写入失败 (write error)", file.string()));
    ++files;
    persons += static_cast<int64_t>(rows.size());
  }
  fmt::print("告知单 (notices): {} 个{}, {} 人 → {}\n", files, by_employer ? "单位 (employers)" : "村(居)委会 (committees)",
             persons, a.out_dir);
  return AuditCommandAfter(store, "outreach.notices", "as of " + as_of.ToString(),
                           json{{"region", a.region}, {"by", by}, {"units", files}, {"persons", persons}});
}

// ---- channels ----------------------------------------------------------------------------

Status ChannelSet(Store& store, const Secrets& secrets, const OutreachArgs& a) {
  std::ifstream in(a.config_file, std::ios::binary);
  if (!in) return NotFound(fmt::format("{}: 无法读取渠道配置 (cannot read the configuration)", a.config_file));
  std::stringstream text;
  text << in.rdbuf();
  ASSIGN_OR_RETURN(ChannelConfig config, ParseChannelConfig(text.str(), a.config_file));
  if (config.channel != a.channel) {
    return InvalidArgument(fmt::format("{}: \"channel\" is {}, not {}", a.config_file, config.channel, a.channel));
  }
  std::string secret = config.secret;
  if (a.secret_stdin) {
    if (!std::getline(std::cin, secret)) return InvalidArgument("标准输入中没有密钥 (no secret on standard input)");
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  }
  // Read in the unit that writes: a pause the dispatcher sets meanwhile is kept.
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  ASSIGN_OR_RETURN(std::optional<ChannelConfigRecord> old, store.outreach().FindChannelConfig(a.channel));
  ChannelConfigRecord rec;
  rec.channel = a.channel;
  rec.config = ChannelConfigToJson(config);
  if (!secret.empty()) {
    rec.sealed_secret = secrets.Seal(secret, "channel:" + a.channel);
  } else if (old) {
    rec.sealed_secret = old->sealed_secret;
  } else {
    return InvalidArgument("渠道密钥缺失 (no secret: give it on standard input with --secret-stdin)");
  }
  // Check that an adapter can be built from it (loopback rule, CA file ...).
  config.secret = secret.empty() ? "x" : secret;
  ASSIGN_OR_RETURN(auto adapter, MakeHttpChannelFactory()->Make(config));
  (void)adapter;
  if (old) {  // a paused channel stays paused: `channel resume` says when it may send again
    rec.paused_reason = old->paused_reason;
    rec.paused_ms = old->paused_ms;
  }
  rec.updated_by = CommandLinePrincipal().Actor();
  rec.updated_ms = OutreachNowMs();
  RETURN_IF_ERROR(store.outreach().PutChannelConfig(rec));
  RETURN_IF_ERROR(AuditCommand(store, "channel.set", "channel " + a.channel,
                               json{{"provider", config.provider}, {"secret_changed", !secret.empty()}}));
  RETURN_IF_ERROR(unit->Commit());
  fmt::print("渠道 {} ({}) 已配置 (configured): {} {}\n", ChannelNameZh(a.channel), a.channel, config.provider,
             config.endpoint);
  return {};
}

Status ChannelShow(Store& store) {
  ASSIGN_OR_RETURN(std::vector<ChannelConfigRecord> channels, store.outreach().ListChannelConfigs());
  json out = json::array();
  for (const auto& c : channels) {
    json j = json::parse(c.config, nullptr, false);
    j["paused_reason"] = c.paused_reason;
    j["updated_by"] = c.updated_by;
    j["updated_on"] = DayText(c.updated_ms);
    out.push_back(j);  // never the secret: the stored config has none
  }
  fmt::print("{}\n", out.dump(2));
  return {};
}

Status ChannelPause(Store& store, const OutreachArgs& a, bool pause) {
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  RETURN_IF_ERROR(store.outreach().SetChannelPaused(a.channel, pause ? (a.reason.empty() ? "staff" : a.reason) : "",
                                                    OutreachNowMs()));
  RETURN_IF_ERROR(AuditCommand(store, pause ? "channel.pause" : "channel.resume", "channel " + a.channel,
                               json{{"reason", a.reason}}));
  RETURN_IF_ERROR(unit->Commit());
  fmt::print("渠道 {} {}\n", a.channel, pause ? "已暂停 (paused)" : "已恢复 (resumed)");
  return {};
}

// id_number,openid — accounts bound on the agency's Official Account.
Status WeChatBindImport(Store& store, const Secrets& secrets, const OutreachArgs& a) {
  std::ifstream in(a.file, std::ios::binary);
  if (!in) return NotFound(fmt::format("{}: 无法读取 (cannot read the file)", a.file));
  std::string line;
  int64_t line_no = 0, bound = 0;
  std::vector<std::string> rejects;
  const int64_t now = OutreachNowMs();
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  while (std::getline(in, line)) {
    ++line_no;
    std::vector<std::string> cells = SplitCsv(line);
    if (line_no == 1 && !cells.empty() && cells[0] == "id_number") continue;
    if (cells.size() < 2) {
      rejects.push_back(fmt::format("{},openid,expected id_number,openid", line_no));
      continue;
    }
    ASSIGN_OR_RETURN(std::optional<PersonKey> person, RosterPerson(store, cells[0], line_no, rejects));
    if (!person) continue;
    if (cells[1].size() < 6 || cells[1].size() > 64) {
      rejects.push_back(fmt::format("{},openid,expected an openid of 6 to 64 characters", line_no));
      continue;
    }
    ChannelBindingRecord b{*person, "wechat", secrets.Seal(cells[1], fmt::format("binding:wechat:{}", *person)),
                           "import", now, true};
    RETURN_IF_ERROR(store.outreach().PutChannelBinding(b));
    ++bound;
  }
  RETURN_IF_ERROR(AuditCommand(store, "wechat.bind", "file " + fs::path(a.file).filename().string(),
                               json{{"bound", bound}, {"rejected", rejects.size()}}));
  RETURN_IF_ERROR(unit->Commit());
  fmt::print("微信绑定 (WeChat bindings): {} 绑定 (bound), {} 拒绝 (rejected)\n", bound, rejects.size());
  return WriteRejects(a.file, rejects);
}

// id_number,employer_code,employer_name[,contact_phone] — the former employers
// of recipients (原工作单位), from the agency's unit rosters.
Status EmployerImport(Store& store, const OutreachArgs& a) {
  std::ifstream in(a.file, std::ios::binary);
  if (!in) return NotFound(fmt::format("{}: 无法读取 (cannot read the file)", a.file));
  std::string line;
  int64_t line_no = 0, linked = 0;
  std::vector<std::string> rejects;
  std::set<std::string> employers;
  auto valid_code = [](std::string_view c) {
    constexpr std::string_view kChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";  // GB 32100-2015
    return c.size() == 18 && std::all_of(c.begin(), c.end(), [&](char ch) { return kChars.find(ch) != kChars.npos; });
  };
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  while (std::getline(in, line)) {
    ++line_no;
    std::vector<std::string> c = SplitCsv(line);
    if (line_no == 1 && !c.empty() && c[0] == "id_number") continue;
    if (c.empty() || (c.size() == 1 && c[0].empty())) continue;
    c.resize(4);
    ASSIGN_OR_RETURN(std::optional<PersonKey> person, RosterPerson(store, c[0], line_no, rejects));
    if (!person) continue;
    if (!valid_code(c[1])) {
      rejects.push_back(fmt::format("{},employer_code,expected the 18-character unified social credit code", line_no));
      continue;
    }
    if (c[2].empty()) {
      rejects.push_back(fmt::format("{},employer_name,missing", line_no));
      continue;
    }
    if (!c[3].empty() && !IsMobileNumber(c[3])) {
      rejects.push_back(fmt::format("{},contact_phone,expected an 11-digit mobile number", line_no));
      continue;
    }
    RETURN_IF_ERROR(store.outreach().PutEmployer({c[1], c[2], c[3]}));
    RETURN_IF_ERROR(store.outreach().SetEmployerOf(*person, c[1]));
    employers.insert(c[1]);
    ++linked;
  }
  RETURN_IF_ERROR(AuditCommand(store, "employer.import", "file " + fs::path(a.file).filename().string(),
                               json{{"persons", linked}, {"employers", employers.size()}, {"rejected", rejects.size()}}));
  RETURN_IF_ERROR(unit->Commit());
  fmt::print("原工作单位 (former employers): {} 人, {} 个单位, {} 拒绝 (rejected)\n", linked, employers.size(),
             rejects.size());
  return WriteRejects(a.file, rejects);
}

// ---- special persons ------------------------------------------------------------------------

Status SpecialSet(Store& store, const OutreachArgs& a) {
  ASSIGN_OR_RETURN(PersonKey key, PersonOf(store, a.person_id));
  if (!a.contact_phone.empty() && !IsMobileNumber(a.contact_phone)) {
    return InvalidArgument("--contact-phone: 应为11位手机号码 (expected an 11-digit mobile number)");
  }
  SpecialPersonRecord r{key, a.reason, a.contact_name, a.contact_phone, a.address, a.notes, "", "", 0, true};
  RETURN_IF_ERROR(SetSpecialPerson(store, r, CommandLinePrincipal().Actor(), OutreachNowMs()));
  fmt::print("已列入特殊人员档案 (added to the special-persons file): {}\n", Masked(store, key));
  return {};
}

Status SpecialUnset(Store& store, const OutreachArgs& a) {
  ASSIGN_OR_RETURN(PersonKey key, PersonOf(store, a.person_id));
  RETURN_IF_ERROR(EndSpecialPerson(store, key, CommandLinePrincipal().Actor(), OutreachNowMs()));
  fmt::print("已移出特殊人员档案 (removed from the special-persons file): {}\n", Masked(store, key));
  return {};
}

Status SpecialList(Store& store, const OutreachArgs& a) {
  ASSIGN_OR_RETURN(std::vector<SpecialPersonRecord> entries, store.outreach().ListSpecialPersons(a.region));
  std::map<PersonKey, SpecialPersonRecord> all;
  for (auto& e : entries) all.emplace(e.person, std::move(e));
  // The registry's special_care flag counts too (unless staff ended the entry).
  RETURN_IF_ERROR(store.ForEachPerson(a.region, [&](const PersonBundle& b) -> Status {
    if (!b.person.special_care || all.contains(b.person.key)) return {};
    ASSIGN_OR_RETURN(std::optional<SpecialPersonRecord> ended, store.outreach().FindSpecialPerson(b.person.key));
    if (ended) return {};
    all.emplace(b.person.key, SpecialPersonRecord{b.person.key, "limited_mobility", "", "", "", "", "registry", "", 0, true});
    return {};
  }, Store::Facts::kWithout));
  fmt::print("特殊人员档案 (special persons) {}: {} 人\n", a.region.empty() ? "全部" : a.region, all.size());
  for (const auto& [key, s] : all) {
    fmt::print("  {}  {}  联系人 {} {}  {}\n", Masked(store, key), SpecialReasonZh(s.reason),
               s.contact_name.empty() ? "-" : MaskName(s.contact_name),
               s.contact_phone.empty() ? "-" : MaskPhone(s.contact_phone), s.source == "registry" ? "名册" : "工作人员");
  }
  return {};
}

// ---- visits --------------------------------------------------------------------------------------

Status VisitList(Store& store, const Policy& policy, const OutreachArgs& a) {
  const Date today = BeijingDate(OutreachNowMs());
  const std::string status = a.status.empty() ? "active" : a.status;
  ASSIGN_OR_RETURN(std::vector<VisitTaskRecord> tasks, store.outreach().ListVisitTasks(a.region, status));
  (void)policy;
  if (a.json) {
    json out = json::array();
    for (const auto& t : tasks) {
      if (a.overdue && !(t.due_on < today && (t.status == kVisitOpen || t.status == kVisitAssigned))) continue;
      out.push_back({{"id", t.id}, {"person", Masked(store, t.person)}, {"region", t.region}, {"reason", t.reason},
                     {"due_on", t.due_on.ToString()}, {"status", t.status}, {"assigned_to", t.assigned_to},
                     {"outcome", t.outcome}, {"overdue", t.due_on < today && t.status != kVisitDone}});
    }
    fmt::print("{}\n", out.dump(2));
    return {};
  }
  fmt::print("{:>5}  {:<28}  {:<12}  {:<10}  {:<10}  {:<6}  {}\n", "id", "person", "region", "reason", "due", "status",
             "assigned");
  for (const auto& t : tasks) {
    const bool overdue = t.due_on < today && (t.status == kVisitOpen || t.status == kVisitAssigned);
    if (a.overdue && !overdue) continue;
    fmt::print("{:>5}  {:<28}  {:<12}  {:<10}  {:<10}  {:<6}  {}{}\n", t.id, Masked(store, t.person), t.region,
               VisitReasonZh(t.reason), t.due_on.ToString(), VisitStatusZh(t.status), t.assigned_to,
               overdue ? "  逾期 (overdue)" : "");
  }
  return {};
}

Status VisitAssign(Store& store, const OutreachArgs& a) {
  ASSIGN_OR_RETURN(VisitTaskRecord t, AssignVisit(store, a.task_id, a.to_user, CommandLinePrincipal().Actor(),
                                                  OutreachNowMs()));
  fmt::print("上门任务 {} 已分派给 (assigned to) {}\n", t.id, t.assigned_to);
  return {};
}

Status VisitComplete(Store& store, const Policy& policy, const OutreachArgs& a) {
  const int64_t now = OutreachNowMs();
  const Date today = BeijingDate(now);
  VisitCompletion c;
  c.task_id = a.task_id;
  c.outcome = a.outcome;
  ASSIGN_OR_RETURN(c.on, DateOr(a.on, "--on", today));
  c.by = Actor(a.by);
  if (!a.death_date.empty()) {
    ASSIGN_OR_RETURN(Date d, DateOr(a.death_date, "--death-date", today));
    c.death_date = d;
  }
  c.note = a.note;
  if (!a.photo.empty()) {
    std::error_code ec;
    const auto size = fs::file_size(a.photo, ec);
    if (ec) return NotFound(fmt::format("{}: 无法读取照片 (cannot read the photo)", a.photo));
    if (size > (10u << 20)) return InvalidArgument(fmt::format("{}: 照片超过 10 MB (the photo is larger than 10 MB)", a.photo));
    std::ifstream in(a.photo, std::ios::binary);
    if (!in) return NotFound(fmt::format("{}: 无法读取照片 (cannot read the photo)", a.photo));
    std::stringstream bytes;
    bytes << in.rdbuf();
    c.photo_sha256 = Sha256Hex(bytes.str());
  }
  ASSIGN_OR_RETURN(VisitTaskRecord t, CompleteVisit(store, policy, c, now, today));
  fmt::print("上门任务 {} 已完成 (done): {} ({}), 证据 (evidence) #{}{}\n", t.id, VisitOutcomeZh(t.outcome), t.outcome,
             t.evidence_id, t.case_id ? fmt::format(", 待核查事项 (case) #{}", t.case_id) : "");
  return {};
}

// ---- certification points -------------------------------------------------------------------------

namespace {

Result<CertPointRecord> CheckedPoint(Store& store, CertPointRecord p, std::string_view where) {
  if (!p.attestor.empty()) {  // the attestor whose signed results the point's terminals send
    ASSIGN_OR_RETURN(std::vector<PartnerRecord> partners, store.ListPartners());
    if (std::none_of(partners.begin(), partners.end(),
                     [&](const PartnerRecord& r) { return r.name == p.attestor && r.role == "attestor"; })) {
      return InvalidArgument(fmt::format("{}attestor: 没有名为 {} 的认证机构 (no attestor of that name: tacit partner add "
                                         "NAME --role attestor)", where, p.attestor));
    }
  }
  if (p.code.empty()) return InvalidArgument(fmt::format("{}code: 服务点编号缺失 (the point's code is missing)", where));
  if (p.name.empty()) return InvalidArgument(fmt::format("{}name: 名称缺失 (the name is missing)", where));
  if (p.region.size() != 12 || !std::all_of(p.region.begin(), p.region.end(), ::isdigit)) {
    return InvalidArgument(fmt::format("{}region: 应为12位区划代码 (expected a 12-digit region code)", where));
  }
  if (p.kind != "bank_terminal" && p.kind != "service_hall" && p.kind != "community") {
    return InvalidArgument(fmt::format("{}kind: expected bank_terminal (银行网点终端), service_hall (经办大厅) or "
                                       "community (社区服务站)", where));
  }
  if (p.short_name.empty()) p.short_name = p.name;
  // The WeChat "thing" fields take 20 characters (UTF-8: count code points).
  size_t chars = 0;
  for (unsigned char c : p.short_name) chars += (c & 0xC0) != 0x80;
  if (chars > 20) return InvalidArgument(fmt::format("{}short_name: 简称不超过20个字 (at most 20 characters)", where));
  return p;
}

}  // namespace

Status PointAdd(Store& store, const OutreachArgs& a) {
  ASSIGN_OR_RETURN(CertPointRecord p, CheckedPoint(store, {a.code, a.attestor, a.kind, a.name, a.short_name, a.region,
                                                    a.address, a.hours, true}, "--"));
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  RETURN_IF_ERROR(store.outreach().PutCertPoint(p));
  RETURN_IF_ERROR(AuditCommand(store, "point.add", "point " + p.code, json{{"region", p.region}, {"kind", p.kind}}));
  RETURN_IF_ERROR(unit->Commit());
  fmt::print("认证服务点 (certification point) {} {} 已登记 (recorded)\n", p.code, p.name);
  return {};
}

// code,name,short_name,kind,region,address,hours,attestor
Status PointImport(Store& store, const OutreachArgs& a) {
  std::ifstream in(a.file, std::ios::binary);
  if (!in) return NotFound(fmt::format("{}: 无法读取 (cannot read the file)", a.file));
  std::string line;
  int64_t line_no = 0, added = 0;
  std::vector<std::string> errors;
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  while (std::getline(in, line)) {
    ++line_no;
    auto c = SplitCsv(line);
    if (line_no == 1 && !c.empty() && c[0] == "code") continue;
    if (c.empty() || (c.size() == 1 && c[0].empty())) continue;
    c.resize(8);
    auto p = CheckedPoint(store, {c[0], c[7], c[3], c[1], c[2], c[4], c[5], c[6], true}, fmt::format("{}:{}: ", a.file, line_no));
    if (!p) {
      errors.push_back(p.error().message);
      continue;
    }
    RETURN_IF_ERROR(store.outreach().PutCertPoint(*p));
    ++added;
  }
  RETURN_IF_ERROR(AuditCommand(store, "point.import", "file " + fs::path(a.file).filename().string(),
                               json{{"points", added}, {"rejected", errors.size()}}));
  RETURN_IF_ERROR(unit->Commit());
  fmt::print("认证服务点 (certification points): {} 登记 (recorded), {} 拒绝 (rejected)\n", added, errors.size());
  for (const auto& e : errors) fmt::print(stderr, "  {}\n", e);
  return {};
}

Status PointList(Store& store, const OutreachArgs& a) {
  ASSIGN_OR_RETURN(std::vector<CertPointRecord> points, store.outreach().ListCertPoints(a.region, a.all));
  for (const auto& p : points) {
    fmt::print("{}  {}  {}  {}  {}  {}{}\n", p.code, p.kind, p.region, p.name, p.address, p.hours,
               p.active ? "" : "  停用 (inactive)");
  }
  return {};
}

// ---- the zero report ------------------------------------------------------------------------------

Status DeathsReport(Store& store, const OutreachArgs& a) {
  auto month = ParseMonth(a.month);
  if (!month) return InvalidArgument(fmt::format("--month: {}", month.error().message));
  DeathReturnRecord r{a.committee, *month, a.deaths, OutreachNowMs(), Actor(a.by), a.batch_id};
  RETURN_IF_ERROR(RecordDeathReturn(store, r, BeijingDate(r.submitted_ms)));
  fmt::print("{} {} 死亡人员报告已记录 (death return recorded): {} 人{}\n", a.committee, month->ToString(), a.deaths,
             a.deaths == 0 ? " (零报告 zero report)" : "");
  return {};
}

Status DeathsStatus(Store& store, const OutreachArgs& a) {
  auto month = ParseMonth(a.month);
  if (!month) return InvalidArgument(fmt::format("--month: {}", month.error().message));
  ASSIGN_OR_RETURN(ZeroReportCompliance z, ZeroReportStatus(store, a.region, *month));
  if (a.json) {
    json counties = json::object();
    for (const auto& [county, n] : z.by_county) {
      counties[county] = {{"expected", n.first}, {"reported", n.second},
                          {"rate", n.first ? static_cast<double>(n.second) / static_cast<double>(n.first) : 0.0}};
    }
    json missing = json::array();
    for (const auto& c : z.committees) {
      if (!c.report) missing.push_back(c.committee);
    }
    fmt::print("{}\n", json{{"month", month->ToString()}, {"expected", z.expected}, {"reported", z.reported},
                            {"by_county", counties}, {"missing", missing}}.dump(2));
    return {};
  }
  fmt::print("死亡零报告 (zero report) {}: 应报 (expected) {}, 已报 (reported) {}\n", month->ToString(), z.expected,
             z.reported);
  for (const auto& [county, n] : z.by_county) {
    fmt::print("  {}  {}/{}  {:.1f}%\n", county, n.second, n.first,
               n.first ? 100.0 * static_cast<double>(n.second) / static_cast<double>(n.first) : 0.0);
  }
  for (const auto& c : z.committees) {
    if (!c.report) fmt::print("  未报 (missing) {}  ({} 名领取人)\n", c.committee, c.persons);
  }
  return {};
}

Status CommitteeContactSet(Store& store, const OutreachArgs& a) {
  if (a.committee.size() != 12 || !std::all_of(a.committee.begin(), a.committee.end(), ::isdigit)) {
    return InvalidArgument("--committee: 应为12位区划代码 (expected a 12-digit code)");
  }
  if (!IsMobileNumber(a.phone)) return InvalidArgument("--phone: 应为11位手机号码 (expected a mobile number)");
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
  RETURN_IF_ERROR(store.outreach().PutCommitteeContact({a.committee, a.name, a.phone}));
  RETURN_IF_ERROR(AuditCommand(store, "committee.contact", "committee " + a.committee, json::object()));
  RETURN_IF_ERROR(unit->Commit());
  fmt::print("{} 联系人已登记 (contact recorded): {} {}\n", a.committee, MaskName(a.name), MaskPhone(a.phone));
  return {};
}

}  // namespace tacit::cli
